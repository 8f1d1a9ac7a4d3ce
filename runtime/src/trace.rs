//! The runtime's start-up log: one line per step, in the kernel's format, on fd 2.
//!
//! ```text
//! [    1.234567s L3] schedinit: procresize gomaxprocs=1
//! [    35290123i L3] schedinit: …                        (TSC counting instructions)
//! ```
//!
//! Timestamps come from the same clock as the kernel's: on rt0 the kernel passes the TSC rate in
//! the auxiliary vector (`AT_RT0_TSC_HZ`, 0 meaning the TSC counts instructions under icount);
//! natively the runtime uses CLOCK_MONOTONIC. `RT0_LOG=0` in the environment (what the runner's
//! `--quiet` sets) silences the log without touching program output. Go has no such log; this is
//! rt0's window onto the steps of GO-STARTUP.md (the nearest Go relative is `GODEBUG=inittrace`).
use crate::args::InitialStack;
use crate::print::{STDERR, Writer};
use crate::sys_linux_amd64::nanotime;
use abi::rt0::AT_RT0_TSC_HZ;
use abi::rt0::log::{PREFIX_MAX, Stamp, prefix};
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU8, AtomicU64, Ordering};

const UNKNOWN: u8 = 0;
const ON: u8 = 1;
const OFF: u8 = 2;
static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);
/// TSC rate from the kernel: u64::MAX = not on rt0 (use CLOCK_MONOTONIC), 0 = instructions.
static TSC_HZ: AtomicU64 = AtomicU64::new(u64::MAX);

/// Reads the log's switches from the initial stack: `RT0_LOG` in the environment and the TSC
/// rate in the auxv. rt0_go calls it right after settls (see [`crate::rt0`]).
pub fn init(stack: &InitialStack) {
    let quiet = stack.getenv("RT0_LOG") == Some(b"0");
    STATE.store(if quiet { OFF } else { ON }, Ordering::Relaxed);
    if let Some(hz) = stack.getauxval(AT_RT0_TSC_HZ) {
        TSC_HZ.store(hz as u64, Ordering::Relaxed);
    }
}

/// Whether step lines are printed.
pub fn enabled() -> bool {
    STATE.load(Ordering::Relaxed) != OFF
}

/// Reads the time-stamp counter.
#[inline(always)]
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc is allowed in ring 3 and has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Whether the TSC counts instructions (rt0 under `--icount`).
pub fn tsc_counts_instructions() -> bool {
    TSC_HZ.load(Ordering::Relaxed) == 0
}

/// The log's timestamp column now, in the kernel's clock.
fn stamp() -> Stamp {
    match TSC_HZ.load(Ordering::Relaxed) {
        0 => Stamp::Instructions(rdtsc()),
        u64::MAX => Stamp::Micros(nanotime() / 1000),
        hz => Stamp::Micros((rdtsc() as u128 * 1_000_000 / hz as u128) as u64),
    }
}

/// Prints one step line for `layer` (1–5). The check is inlined into every step so that a
/// silenced log (`RT0_LOG=0`, what benchmarks run with) costs a load and a branch per step.
#[inline(always)]
pub fn step(layer: u8, args: fmt::Arguments) {
    if enabled() {
        print_step(layer, args);
    }
}

#[inline(never)]
fn print_step(layer: u8, args: fmt::Arguments) {
    let mut w = Writer::new(STDERR);
    let mut buf = [0; PREFIX_MAX];
    w.write_bytes(prefix(&mut buf, stamp(), layer));
    let _ = w.write_fmt(args);
    w.write_bytes(b"\n");
}

/// `step!(3, "schedinit: gomaxprocs={}", n)`.
#[macro_export]
macro_rules! step {
    ($layer:expr, $($arg:tt)*) => {
        $crate::trace::step($layer, format_args!($($arg)*))
    };
}
