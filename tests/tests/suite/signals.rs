//! Synchronous signals in ring 3: caught by a handler through a Linux-compatible frame, and
//! the default action when there is none.
use qemu::Outcome;
use tests::*;

#[test]
fn handlers_see_linux_siginfo_and_ucontext_and_return_through_rt_sigreturn() {
    let both = run_both(run_program(program::SIGHANDLER));
    both.assert_outcome(Outcome::Exited(0));
    for (how, r) in both.each() {
        let out = stdout(r);
        assert!(out.contains("sighandler: 40 passed, 0 failed"), "{how}\n{out}");
    }
}
