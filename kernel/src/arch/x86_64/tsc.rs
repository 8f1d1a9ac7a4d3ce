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
/// The count channel 2 starts from: its whole range, so that the window may be read at any
/// point up to 54.9 ms after it began.
const START_COUNT: u16 = 0xffff;

static TICKS_PER_SEC: AtomicU64 = AtomicU64::new(0);
/// The TSC when channel 2 began counting down from [`START_COUNT`]; 0 when no calibration runs.
static STARTED: AtomicU64 = AtomicU64::new(0);

/// Reads the time-stamp counter.
#[inline(always)]
pub fn read() -> u64 {
    // SAFETY: rdtsc has no side effects and is always available in long mode.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// TSC ticks per second, or 0 when the TSC counts instructions (icount) or was never
/// calibrated. A calibration still running is completed first ([`finish_calibration`]).
pub fn ticks_per_sec() -> u64 {
    match TICKS_PER_SEC.load(Ordering::Relaxed) {
        0 if STARTED.load(Ordering::Relaxed) != 0 => finish_calibration(),
        hz => hz,
    }
}

/// TSC ticks per millisecond; under icount (uncalibrated) a million, as QEMU's virtual clock
/// runs one nanosecond per instruction.
pub fn ticks_per_ms() -> u64 {
    match ticks_per_sec() {
        0 => 1_000_000,
        hz => hz / 1000,
    }
}

/// PIT channel 2's ports. Ports 0x42/0x43/0x61 are the PIT and the system control port B, which
/// every PC has; only channel 2 (the speaker channel, gate in bit 0, speaker output in bit 1) is
/// touched, by the boot CPU during init (or a fault report on it): the blocks that drive them
/// below are sound for that reason.
fn pit_ports() -> (Port<u8>, Port<u8>, Port<u8>) {
    (Port::new(0x61), Port::new(0x43), Port::new(0x42))
}

/// Starts measuring the TSC against PIT channel 2 (as Linux's `pit_calibrate_tsc` does), in
/// the background: channel 2 counts down from [`START_COUNT`] while the kernel goes on with its
/// init, and the first reader of the rate ([`ticks_per_sec`]) completes the measurement over at
/// least [`CALIBRATION_TICKS`] — waiting out the rest of the window only if init was shorter.
/// The window is as long as a blocking calibration's, so the rate is as exact; the init done
/// meanwhile (about 5 ms of the 10) no longer waits for it.
pub fn begin_calibration() {
    let (mut gate, mut command, mut channel2) = pit_ports();
    // SAFETY: see `pit_ports`.
    let start = unsafe {
        let b = gate.read();
        gate.write((b & !0x02) | 0x01); // gate high, speaker off
        command.write(0b1011_0000); // channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count)
        channel2.write(START_COUNT as u8);
        channel2.write((START_COUNT >> 8) as u8);
        read()
    };
    STARTED.store(start, Ordering::Relaxed);
}

/// Channel 2's count now (latched, so the two bytes are of one instant), the TSC read just
/// before the latch, and whether the count has passed zero (OUT2 high: more than
/// [`START_COUNT`] ticks have gone by).
fn pit_now() -> (u16, u64, bool) {
    let (mut gate, mut command, mut channel2) = pit_ports();
    // SAFETY: see `pit_ports`; a latch command only freezes the count for the next two reads.
    unsafe {
        let t = read();
        command.write(0b1000_0000); // channel 2, counter latch
        let lo = channel2.read();
        let hi = channel2.read();
        (u16::from_le_bytes([lo, hi]), t, gate.read() & 0x20 != 0)
    }
}

/// Completes the calibration [`begin_calibration`] started and remembers the rate; returns
/// ticks per second. If the window ran past the counter's range (init took over 54.9 ms, a very
/// loaded host), the count can no longer say how long it was, and a fresh window is measured.
fn finish_calibration() -> u64 {
    let start = STARTED.load(Ordering::Relaxed);
    let (elapsed, ticks) = loop {
        let (count, t, wrapped) = pit_now();
        if wrapped {
            begin_calibration();
            return finish_calibration();
        }
        let elapsed = START_COUNT - count;
        if elapsed >= CALIBRATION_TICKS {
            break (u64::from(elapsed), t - start);
        }
        core::hint::spin_loop();
    };
    let per_sec = ticks * PIT_HZ / elapsed;
    TICKS_PER_SEC.store(per_sec, Ordering::Relaxed);
    STARTED.store(0, Ordering::Relaxed);
    per_sec
}
