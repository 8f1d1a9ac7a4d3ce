//! Synchronous signals in ring 3: caught by a handler through a Linux-compatible frame, and
//! the default action when there is none.
use qemu::{Outcome, RunOptions, program};
use tests::*;

#[test]
fn handlers_see_linux_siginfo_and_ucontext_and_return_through_rt_sigreturn() {
    for native in [false, true] {
        let r = boot_with(RunOptions { native, program: Some(program::resolve("sighandler").unwrap()), ..base() });
        let out = String::from_utf8_lossy(&r.stdout);
        assert_eq!(r.outcome, Outcome::Exited(0), "native={native}\n{out}\n{}", r.log);
        assert!(out.contains("sighandler: 22 passed, 0 failed"), "native={native}\n{out}");
    }
}
