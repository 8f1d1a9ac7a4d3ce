//! Ending the run: the exit code reaches the runner through the control channel, then QEMU is
//! stopped (see `arch::qemu_exit` for the protocol and README.md for the runner's exit codes).
use crate::arch::qemu_exit;

/// Ends the run with `code`, as `exit_group(code)` ends a Linux process (only the low 8 bits
/// are an exit status).
pub fn exit(code: i32) -> ! {
    let status = code as u8;
    log::info!("exit: status {status}");
    // "exit NNN\n", three decimal digits.
    let mut msg = *b"exit 000\n";
    msg[5] += status / 100;
    msg[6] += status / 10 % 10;
    msg[7] += status % 10;
    qemu_exit::control(&msg);
    qemu_exit::stop()
}

/// Ends the run as a kernel panic: the runner reports it with its own exit code.
pub fn kernel_panic(reason: &str) -> ! {
    crate::logger::enter_fault();
    log::error!("kernel panic: {reason}");
    qemu_exit::control(b"panic\n");
    qemu_exit::stop()
}

/// Tells the runner the program is about to start: the serial console is set up, so input
/// written to it from now on reaches the program (bytes sent earlier would be lost to the
/// bootloader's and kernel's UART resets).
pub fn program_starting() {
    qemu_exit::control(b"start\n");
}

/// Ends the run because the program cannot be executed (bad ELF, bad arguments): one log line
/// with the reason, and the runner's "cannot execute" outcome.
pub fn bad_program(reason: &str) -> ! {
    crate::logger::enter_fault();
    log::error!("exec: cannot execute the program: {reason}");
    qemu_exit::control(b"badexec\n");
    qemu_exit::stop()
}
