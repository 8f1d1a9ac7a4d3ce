//! The kernel clock (Linux kernel/time/): the monotonic clock every deadline uses, the TSC at
//! kernel entry (the origin of the log's "from kernel entry" spans), whether the TSC counts
//! instructions (QEMU icount), and [`Span`], an interval printed in its unit. Below process and
//! syscall, above arch: the scheduler's deadlines, sleeps and futex timeouts all read it.
//!
//! Ticks become nanoseconds through `abi::vdso::ticks_to_ns` with the multiplier fixed at
//! calibration, and CLOCK_REALTIME is the monotonic clock plus an offset fixed at the first CMOS
//! read: the same two numbers the vDSO reads from its vvar page, so the clock_gettime system
//! call and the vDSO agree to the nanosecond.
use crate::arch::{rtc, tsc};
use abi::rt0::log::Stamp;
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Once;

pub use abi::time::NSEC_PER_SEC;

/// TSC at kernel entry.
static ENTRY_TSC: AtomicU64 = AtomicU64::new(0);
/// The runner's `icount` flag: the TSC counts guest instructions.
static ICOUNT: AtomicBool = AtomicBool::new(false);
/// Nanoseconds per TSC tick << `abi::vdso::TSC_SHIFT`: one nanosecond per tick until calibrated
/// (and for good under icount).
static TSC_MULT: AtomicU64 = AtomicU64::new(abi::vdso::tsc_mult(0));
/// CLOCK_REALTIME − CLOCK_MONOTONIC, from the CMOS clock's first reading.
static REALTIME_OFFSET: Once<u64> = Once::new();

/// Records the TSC at kernel entry; the first thing `kmain` does.
pub fn mark_entry() -> u64 {
    let t = tsc::read();
    ENTRY_TSC.store(t, Ordering::Relaxed);
    t
}

/// The TSC at kernel entry.
pub fn entry_tsc() -> u64 {
    ENTRY_TSC.load(Ordering::Relaxed)
}

/// [`TSC_MULT`] while the TSC's calibration runs.
const PENDING: u64 = u64::MAX;

/// Sets the clock's unit: under icount the TSC counts instructions and needs no calibration;
/// otherwise its calibration against the PIT starts now and completes at the first use of the
/// rate ([`calibrated`]; the boot calls it before the APIC timer is measured).
pub fn init(icount: bool) {
    ICOUNT.store(icount, Ordering::Relaxed);
    if !icount {
        tsc::begin_calibration();
        TSC_MULT.store(PENDING, Ordering::Relaxed);
    }
}

/// Completes the TSC's calibration if it still runs (waiting out the rest of its window) and
/// fixes the clock's multiplier; at once when that is done.
pub fn calibrated() {
    tsc_mult();
}

/// The multiplier [`ticks_to_ns`] uses (the vvar page's `mult`).
pub fn tsc_mult() -> u64 {
    match TSC_MULT.load(Ordering::Relaxed) {
        PENDING => {
            let m = abi::vdso::tsc_mult(tsc::ticks_per_sec());
            TSC_MULT.store(m, Ordering::Relaxed);
            m
        }
        m => m,
    }
}

/// CLOCK_REALTIME − CLOCK_MONOTONIC in nanoseconds: the CMOS clock is read the first time this
/// is asked (exec asks, for the vvar page) and never again.
pub fn realtime_offset() -> u64 {
    *REALTIME_OFFSET.call_once(|| (rtc::unix_time() * NSEC_PER_SEC).wrapping_sub(monotonic_ns()))
}

/// CLOCK_REALTIME in nanoseconds since the epoch.
pub fn realtime_ns() -> u64 {
    monotonic_ns().wrapping_add(realtime_offset())
}

/// Whether the TSC counts instructions (the runner's `icount` flag).
pub fn icount() -> bool {
    ICOUNT.load(Ordering::Relaxed)
}

/// TSC ticks to nanoseconds. Under icount QEMU's virtual clock runs one nanosecond per
/// instruction, so a count already is nanoseconds (the multiplier is exactly one).
#[inline]
pub fn ticks_to_ns(ticks: u64) -> u64 {
    abi::vdso::ticks_to_ns(ticks, tsc_mult())
}

/// Nanoseconds since reset: the clock of every kernel deadline.
pub fn monotonic_ns() -> u64 {
    ticks_to_ns(tsc::read())
}

/// `ticks` in microseconds, or None when the TSC counts instructions (icount, or uncalibrated).
fn micros(ticks: u64) -> Option<u128> {
    match tsc::ticks_per_sec() {
        hz if hz != 0 && !icount() => Some(ticks as u128 * 1_000_000 / hz as u128),
        _ => None,
    }
}

/// A TSC interval, printed in its unit: instructions under icount, else milliseconds.
pub struct Span(pub u64);

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match micros(self.0) {
            Some(us) => write!(f, "{}.{:03} ms ({} TSC ticks)", us / 1000, us % 1000, self.0),
            None => write!(f, "{} instructions", self.0),
        }
    }
}

/// The log's timestamp column for the TSC value `ticks`: seconds since reset, or under icount
/// the instruction count.
pub fn stamp(ticks: u64) -> Stamp {
    match micros(ticks) {
        Some(us) => Stamp::Micros(us as u64),
        None => Stamp::Instructions(ticks),
    }
}
