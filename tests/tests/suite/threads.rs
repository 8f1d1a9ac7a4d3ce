//! Threads on one CPU: clone, futex handoff and timeouts, CHILD_CLEARTID joins, timer
//! preemption, sleeping, and exit_group from a second thread — the same program run in QEMU
//! and natively must agree.
use qemu::Outcome;
use tests::*;

#[test]
fn clone_futex_preemption_and_sleep_behave_as_on_linux() {
    let both = run_both(run_program(program::THREADS));
    both.assert_outcome(Outcome::Exited(0));
    for (how, r) in both.each() {
        let out = stdout(r);
        assert!(out.contains("threads: 9 passed, 0 failed"), "{how}\n{out}");
    }
}

#[test]
fn exit_group_from_a_second_thread_ends_every_thread() {
    run_both(with(program::THREADS, &["exit-from-thread"], &[])).assert_outcome(Outcome::Exited(7));
}
