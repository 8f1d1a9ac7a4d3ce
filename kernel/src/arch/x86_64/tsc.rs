//! The time-stamp counter: the clock behind every log timestamp.
//!
//! `rdtsc` is calibrated once against PIT channel 2 (the 8254 at 1.193182 MHz, gated through port
//! 0x61), as Linux's `pit_calibrate_tsc` does. Under QEMU `-icount shift=0,sleep=off` the TSC
//! advances by exactly one per guest instruction, so there is nothing to calibrate: the runner says
//! so on the command line and timestamps are printed as instruction counts.
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::instructions::port::Port;

/// PIT input clock in Hz.
const PIT_HZ: u64 = 1_193_182;
/// Calibration window: 2^16 PIT ticks ≈ 54.9 ms is Linux's; 11932 ticks ≈ 10 ms is plenty here.
const CALIBRATION_TICKS: u16 = 11_932;

static TICKS_PER_SEC: AtomicU64 = AtomicU64::new(0);

/// Reads the time-stamp counter.
#[inline(always)]
pub fn read() -> u64 {
    // SAFETY: rdtsc has no side effects and is always available in long mode.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// TSC ticks per second, or 0 when the TSC counts instructions (icount) or is not yet calibrated.
pub fn ticks_per_sec() -> u64 {
    TICKS_PER_SEC.load(Ordering::Relaxed)
}

/// TSC ticks per millisecond; under icount (uncalibrated) a million, as QEMU's virtual clock
/// runs one nanosecond per instruction.
pub fn ticks_per_ms() -> u64 {
    match ticks_per_sec() {
        0 => 1_000_000,
        hz => hz / 1000,
    }
}

/// Measures the TSC rate against PIT channel 2 and remembers it. Returns ticks per second.
pub fn calibrate() -> u64 {
    let mut gate: Port<u8> = Port::new(0x61);
    let mut command: Port<u8> = Port::new(0x43);
    let mut channel2: Port<u8> = Port::new(0x42);
    // SAFETY: ports 0x42/0x43/0x61 are the PIT and the system control port B, which every PC
    // has; only channel 2 (the speaker channel, gate in bit 0, speaker output in bit 1) is touched.
    let ticks = unsafe {
        let b = gate.read();
        gate.write((b & !0x02) | 0x01); // gate high, speaker off
        command.write(0b1011_0000); // channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count)
        channel2.write(CALIBRATION_TICKS as u8);
        channel2.write((CALIBRATION_TICKS >> 8) as u8);
        let start = read();
        // OUT2 (bit 5 of port 0x61) goes high when the count reaches zero.
        while gate.read() & 0x20 == 0 {}
        read() - start
    };
    let per_sec = ticks * PIT_HZ / CALIBRATION_TICKS as u64;
    TICKS_PER_SEC.store(per_sec, Ordering::Relaxed);
    per_sec
}
