//! The runner protocol (`abi::rt0`): the control line that says the program is starting, and
//! the one that ends the run — `exit NNN`, `panic` or `badexec` — before QEMU is stopped (see
//! `arch::qemu_exit` for the devices and README.md for the runner's exit codes).
use crate::arch::qemu_exit;
use abi::rt0::{CONTROL_BADEXEC, CONTROL_EXIT, CONTROL_PANIC, CONTROL_START};

/// Ends the run with `code`, as `exit_group(code)` ends a Linux process (only the low 8 bits
/// are an exit status).
pub fn exit(code: i32) -> ! {
    let status = code as u8;
    log::info!("exit: status {status}");
    // "exit NNN\n", three decimal digits.
    let digits = [b'0' + status / 100, b'0' + status / 10 % 10, b'0' + status % 10];
    qemu_exit::control(CONTROL_EXIT.as_bytes());
    qemu_exit::control(b" ");
    qemu_exit::control(&digits);
    qemu_exit::control(b"\n");
    qemu_exit::stop()
}

/// Ends the run as a kernel panic: the runner reports it with its own exit code.
pub fn kernel_panic(reason: &str) -> ! {
    crate::smp::stop_others();
    crate::logger::enter_fault();
    match crate::smp::stopped_cpus() {
        0 => log::error!("kernel panic: {reason}"),
        n => log::error!("kernel panic: {reason} ({n} other CPU{} stopped)", if n == 1 { "" } else { "s" }),
    }
    line(CONTROL_PANIC);
    qemu_exit::stop()
}

/// Tells the runner the program is about to start: the serial console is set up, so input
/// written to it from now on reaches the program (bytes sent earlier would be lost to the
/// bootloader's and kernel's UART resets).
pub fn program_starting() {
    line(CONTROL_START);
}

/// Tells the runner a snapshot-making boot has reached its ready point (see `snapshot`).
pub fn ready() {
    line(abi::rt0::CONTROL_READY);
}

/// Ends the run because the program cannot be executed (bad ELF, bad arguments): one log line
/// with the reason, and the runner's "cannot execute" outcome.
pub fn bad_program(reason: &str) -> ! {
    crate::logger::enter_fault();
    log::error!("exec: cannot execute the program: {reason}");
    line(CONTROL_BADEXEC);
    qemu_exit::stop()
}

fn line(word: &str) {
    qemu_exit::control(word.as_bytes());
    qemu_exit::control(b"\n");
}
