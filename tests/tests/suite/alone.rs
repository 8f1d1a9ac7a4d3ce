//! The tests that take the whole machine (`tests/src/machine.rs`, `Share::All`): the four-CPU
//! C program whose spinners wait for each other (`smp.c`, musl and glibc). Their helpers live
//! in `real.rs`.
//!
//! They sit in the module whose name sorts first because libtest starts tests in name order:
//! here they run before anything else is in flight. In mid-suite each one's request held back
//! new runs until the runs in flight had ended, and a core sat idle meanwhile (seen for up to
//! 1.5 s, a native `smp.c` run ahead of another whole-machine test).
use super::real::{c_smp, glibc_gcc, musl_gcc};

#[test]
fn musl_threads_on_four_cpus_pinning_shootdown_and_signals() {
    c_smp(musl_gcc(), "musl-gcc");
}

#[test]
fn glibc_threads_on_four_cpus_pinning_shootdown_and_signals() {
    c_smp(glibc_gcc(), "gcc");
}
