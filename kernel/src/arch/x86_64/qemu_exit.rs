//! How the kernel ends a QEMU run and tells the runner why.
//!
//! Two devices, both added by the runner:
//! - the **control port** (`isa-debugcon` at [`CONTROL_PORT`], written to a file the runner
//!   reads) carries `start` when the program is about to run, and finally one line, `exit <code>`,
//!   `panic` or `badexec`, with the full 8-bit exit code. No program output ever goes there, so a program cannot forge it.
//! - **isa-debug-exit** (port 0xF4) then stops QEMU with status `(value << 1) | 1`. Only 7 bits of
//!   `value` survive an exit status, so it carries no code, only [`STOP_VALUE`]: "stopped on
//!   purpose, read the control port". A triple fault under `-no-reboot` exits with status 0, which
//!   therefore never reads as success.
use x86_64::instructions::port::Port;

/// I/O port of the rt0 control channel (an `isa-debugcon`; 0x402 is avoided since SeaBIOS
/// writes its own debug output there).
pub const CONTROL_PORT: u16 = 0x5e0;
/// I/O port of QEMU's isa-debug-exit device.
pub const DEBUG_EXIT_PORT: u16 = 0xf4;
/// The value written to isa-debug-exit; QEMU then exits with status 0x21 (33).
pub const STOP_VALUE: u32 = 0x10;

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
