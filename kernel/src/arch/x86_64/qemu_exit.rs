//! How the kernel ends a QEMU run and tells the runner why.
//!
//! Two devices, both added by the runner:
//! - the **control port** (`isa-debugcon` at `abi::rt0::CONTROL_PORT`, written to a file the runner
//!   reads) carries `start` when the program is about to run, and finally one line, `exit <code>`,
//!   `panic` or `badexec`, with the full 8-bit exit code. No program output ever goes there, so a program cannot forge it.
//! - **isa-debug-exit** (port 0xF4) then stops QEMU with status `(value << 1) | 1`. Only 7 bits of
//!   `value` survive an exit status, so it carries no code, only `abi::rt0::STOP_VALUE`: "stopped on
//!   purpose, read the control port". A triple fault under `-no-reboot` exits with status 0, which
//!   therefore never reads as success.
use abi::rt0::{CONTROL_PORT, DEBUG_EXIT_PORT, STOP_VALUE};
use x86_64::instructions::port::Port;

/// Writes `msg` to the control channel.
pub fn control(msg: &[u8]) {
    let mut port: Port<u8> = Port::new(CONTROL_PORT);
    for &b in msg {
        // SAFETY: the control port is an output-only debug console; writing has no other effect
        // (and is ignored when the device is absent).
        unsafe { port.write(b) };
    }
}

/// Stops the virtual machine through isa-debug-exit, or halts if the device is absent.
pub fn stop() -> ! {
    let mut port: Port<u32> = Port::new(DEBUG_EXIT_PORT);
    // SAFETY: writing to isa-debug-exit makes QEMU exit; without the device the write is ignored.
    unsafe { port.write(STOP_VALUE) };
    super::halt_forever()
}
