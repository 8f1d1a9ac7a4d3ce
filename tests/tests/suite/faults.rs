//! CPU exceptions and panics in the kernel: each is reported with its registers and ends the
//! run with the kernel-panic outcome — never a hang, a reset, or something that reads as success.
//! And a #GP in ring 3, which is the program's SIGSEGV, its instruction named in the log.
use qemu::{Outcome, RunOptions};
use std::time::Duration;
use tests::*;

#[test]
fn breakpoint_is_reported_and_execution_continues() {
    let r = boot(&["test=breakpoint"]);
    assert_outcome(&r, Outcome::Exited(0));
    let report = assert_in_order(
        &r,
        &[
            "EXCEPTION: breakpoint (#BP, vector 3)",
            "rax=",
            "handler stack: interrupted stack",
            "resuming at rip=",
            "resumed after int3, state intact: true",
        ],
    );
    assert!(report[0].contains("rip=0xffffffff8"), "{}", report[0]);
}

#[test]
fn kernel_page_fault_reports_the_address_and_panics() {
    let r = boot(&["test=pagefault"]);
    assert_outcome(&r, Outcome::KernelPanic);
    assert_in_order(
        &r,
        &[
            "EXCEPTION: page fault (#PF, vector 14) error=0x0",
            "page fault: not-present read kernel",
            "r13=",
            "kernel panic: unhandled CPU exception",
        ],
    );
    assert_in_order(&r, &["cr2=0x00001badb0020000"]);
    assert_absent(&r, "instead of faulting");
}

#[test]
fn non_canonical_address_is_a_general_protection_fault() {
    let r = boot(&["test=gpfault"]);
    assert_outcome(&r, Outcome::KernelPanic);
    assert_in_order(
        &r,
        &["EXCEPTION: general protection (#GP, vector 13) error=0x0", "kernel panic: unhandled CPU exception"],
    );
    assert_absent(&r, "instead of faulting");
}

#[test]
fn kernel_stack_overflow_lands_on_the_double_fault_ist_stack() {
    let r = boot(&["test=stackoverflow"]);
    assert_outcome(&r, Outcome::KernelPanic);
    assert_in_order(
        &r,
        &["EXCEPTION: double fault (#DF, vector 8)", "handler stack: IST1 (double-fault stack)", "kernel panic"],
    );
}

#[test]
fn rust_panic_reports_location_and_message() {
    let r = boot(&["test=panic"]);
    assert_outcome(&r, Outcome::KernelPanic);
    assert_in_order(&r, &["PANIC at kernel/src/selftest.rs:", "kernel panic: rust panic in the kernel"]);
    assert_in_order(&r, &["selftest panic: index 3 of an empty vector"]);
    assert_eq!(r.outcome.exit_code(), qemu::EXIT_KERNEL_PANIC);
}

#[test]
fn a_panic_on_four_cpus_stops_the_other_three_first() {
    let r = boot_with(qemu::RunOptions { smp: 4, kernel_args: vec!["test=panic".into()], ..base() });
    assert_outcome(&r, Outcome::KernelPanic);
    assert_in_order(
        &r,
        &["PANIC at kernel/src/selftest.rs:", "kernel panic: rust panic in the kernel (3 other CPUs stopped)"],
    );
}

#[test]
fn triple_fault_is_not_success() {
    let r = boot(&["test=triplefault"]);
    assert_outcome(&r, Outcome::TripleFault);
    assert_eq!(r.outcome.exit_code(), qemu::EXIT_TRIPLE_FAULT);
}

#[test]
fn a_hung_kernel_is_killed_at_the_timeout() {
    // A boot, then `hlt` until the timeout: it holds no share of the machine.
    let r = run_waiting(&RunOptions {
        kernel_args: vec!["test=hang".into()],
        // A full boot reaches the hang in about 0.35 s here, and in 1 s with the machine loaded.
        timeout: Some(Duration::from_secs(3)),
        ..base()
    });
    assert_outcome(&r, Outcome::Timeout);
    assert_in_order(&r, &["selftest hang: spinning forever"]);
    assert_eq!(r.outcome.exit_code(), qemu::EXIT_TIMEOUT);
}

#[test]
fn unknown_selftest_is_a_clear_error() {
    let r = boot(&["test=nonsense"]);
    assert_outcome(&r, Outcome::KernelPanic);
    assert_in_order(
        &r,
        &["selftest: unknown test 'nonsense'; known tests:", "breakpoint", "kernel panic: bad kernel command line"],
    );
}

#[test]
fn a_privileged_instruction_in_ring_3_is_sigsegv_naming_the_instruction() {
    let cases = [
        ("hlt", "hlt"),
        ("cli", "cli"),
        ("in", "in from an immediate port"),
        ("mov-cr0", "mov from a control register"),
        ("wrmsr", "wrmsr"),
    ];
    for (mode, insn) in cases {
        // Linux: #GP → SIGSEGV with SI_KERNEL and no address, exit 139 without a handler.
        let both = run_both(with(program::FAULTS, &[mode], &[]));
        both.assert_outcome(Outcome::Exited(139));
        let line = assert_in_order(&both.qemu, &["SIGSEGV: segmentation violation addr=0x0 pc=0x4"])[0];
        assert!(line.ends_with(&format!("(#GP: {insn}) (core dumped)")), "{mode}: {line}");
        assert!(stdout(&both.native).contains(&format!("faults: {mode} about to fault")));
        assert_absent(&both.qemu, "no mapping");
    }
}
