//! The tests that take the whole machine (`tests/src/machine.rs`, `Share::All`): the four-CPU
//! C program whose spinners wait for each other (`smp.c`, musl and glibc), and the wall-clock
//! sleeps of `timing.c`. Their helpers live in `real.rs`.
//!
//! They sit in the module whose name sorts first because libtest starts tests in name order:
//! here they run before anything else is in flight. In mid-suite each one's request held back
//! new runs until the runs in flight had ended, and a core sat idle meanwhile (seen for up to
//! 1.5 s, a native `smp.c` run ahead of the sleeps).
use super::real::{c_program, c_smp, glibc_gcc, musl_gcc, real, skipped, stamp_of};
use qemu::{Outcome, RunOptions};
use tests::*;

#[test]
fn musl_threads_on_four_cpus_pinning_shootdown_and_signals() {
    c_smp(musl_gcc(), "musl-gcc");
}

#[test]
fn glibc_threads_on_four_cpus_pinning_shootdown_and_signals() {
    c_smp(glibc_gcc(), "gcc");
}

/// `tests/real/c/timing.c`: nanosleep and clock_nanosleep of 10 ms, 0.1 s and 1 s last what
/// they ask, to 2 %, by CLOCK_MONOTONIC (the local APIC timer measured against the TSC over
/// 1 ms), both ways. And that clock keeps the host's time: the exit line's stamp (seconds since
/// the machine's reset, by the TSC that CLOCK_MONOTONIC reads) is no more than the host's wall
/// time from QEMU's start to its exit, and no less than that minus QEMU's own start-up and
/// shut-down, which are not the guest's time (up to 1.5 s measured on this 2-core machine with
/// two other QEMUs and a build running; 3 s allowed).
#[test]
fn sleeps_last_what_they_ask_and_the_clock_keeps_the_hosts_time() {
    let Some(cc) = musl_gcc() else { return skipped("musl-gcc") };
    // Wall-clock sleeps: with the machine to itself, so that a wake-up does not wait for
    // another QEMU's vCPU to leave the host's core.
    // Booted, not restored: the stamps count from this machine's reset, in this QEMU.
    let both = run_both_alone(RunOptions { snapshot: false, ..real(&c_program(&cc, "timing"), &[], &[]) });
    both.assert_outcome(Outcome::Exited(0));
    both.assert_same_stdout();
    let printed = stdout(&both.qemu);
    assert!(printed.contains("nanosleep of 1000 ms") && printed.ends_with("all ok\n"), "{printed}");
    let (guest, host) = (stamp_of(&both.qemu, "exit: status 0"), both.qemu.elapsed.as_secs_f64());
    assert!(guest <= host * 1.02 && guest >= host - 3.0, "guest clock {guest} s, host wall time {host} s");
}
