//! Threads on one CPU: clone, futex handoff and timeouts, CHILD_CLEARTID joins, timer
//! preemption, sleeping, and exit_group from a second thread — the same program run in QEMU
//! and natively must agree.
use qemu::{Outcome, RunOptions, program};
use tests::*;

fn threads(native: bool, args: &[&str]) -> qemu::RunResult {
    boot_with(RunOptions {
        native,
        program: Some(program::resolve("threads").unwrap()),
        args: args.iter().map(Into::into).collect(),
        ..base()
    })
}

#[test]
fn clone_futex_preemption_and_sleep_behave_as_on_linux() {
    for native in [false, true] {
        let r = threads(native, &[]);
        let out = String::from_utf8_lossy(&r.stdout);
        assert_eq!(r.outcome, Outcome::Exited(0), "native={native}\n{out}\n{}", r.log);
        assert!(out.contains("threads: 9 passed, 0 failed"), "native={native}\n{out}");
    }
}

#[test]
fn exit_group_from_a_second_thread_ends_every_thread() {
    for native in [false, true] {
        let r = threads(native, &["exit-from-thread"]);
        assert_eq!(r.outcome, Outcome::Exited(7), "native={native}\n{}", r.log);
    }
}
