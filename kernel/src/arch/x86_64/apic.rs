//! The local APIC timer (Intel SDM vol. 3, ch. 11): the interrupt that preempts ring 3 and
//! wakes the idle loop. Used one-shot ("tickless"): each scheduling decision arms it for the
//! next deadline — the end of the time slice or the earliest sleeper.
//!
//! The registers are reached through the direct map at the APIC's physical base.
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::registers::model_specific::Msr;

/// Vector of the timer interrupt (first vector above the CPU exceptions).
pub const TIMER_VECTOR: u8 = 32;
/// Vector for spurious interrupts (low 4 bits must be 1s on old APICs).
pub const SPURIOUS_VECTOR: u8 = 0xff;

const IA32_APIC_BASE: u32 = 0x1b;
const REG_ID: usize = 0x20;
const REG_EOI: usize = 0xb0;
const REG_SVR: usize = 0xf0;
const REG_LVT_TIMER: usize = 0x320;
const REG_INITIAL_COUNT: usize = 0x380;
const REG_CURRENT_COUNT: usize = 0x390;
const REG_DIVIDE: usize = 0x3e0;
const LVT_MASKED: u32 = 1 << 16;

static BASE: AtomicU64 = AtomicU64::new(0);
/// Timer ticks per nanosecond as a 32.32 fixed-point factor (with divide-by-1), so arming the
/// timer is a multiply and a shift rather than a 128-bit division on every scheduling decision.
static TICKS_PER_NS_Q32: AtomicU64 = AtomicU64::new(0);

fn reg(off: usize) -> *mut u32 {
    (BASE.load(Ordering::Relaxed) as usize + off) as *mut u32
}

fn write(off: usize, v: u32) {
    // SAFETY: `off` is a register of the local APIC page mapped at BASE (through the direct
    // map); APIC registers are 32-bit and must be written with a 32-bit access.
    unsafe { reg(off).write_volatile(v) }
}

fn read(off: usize) -> u32 {
    // SAFETY: as in `write`.
    unsafe { reg(off).read_volatile() }
}

/// Enables the local APIC and measures its timer against the TSC (`tsc_per_ms` TSC ticks are
/// one millisecond). Returns timer ticks per millisecond.
pub fn init(phys_offset: u64, tsc_per_ms: u64) -> u64 {
    // SAFETY: reading IA32_APIC_BASE has no side effects.
    let phys = unsafe { Msr::new(IA32_APIC_BASE).read() } & 0xf_ffff_f000;
    BASE.store(phys_offset + phys, Ordering::Relaxed);
    write(REG_SVR, 0x100 | SPURIOUS_VECTOR as u32); // software enable
    write(REG_DIVIDE, 0b1011); // divide by 1
    write(REG_LVT_TIMER, LVT_MASKED | TIMER_VECTOR as u32);
    // Count down from the top for 20 µs of TSC time: enough for a 0.1 % estimate of a GHz
    // counter, and cheap (20,000 instructions under icount).
    const WINDOWS_PER_MS: u64 = 50;
    let window = (tsc_per_ms / WINDOWS_PER_MS).max(1);
    write(REG_INITIAL_COUNT, u32::MAX);
    let start = super::tsc::read();
    while super::tsc::read() - start < window {}
    let elapsed = u32::MAX - read(REG_CURRENT_COUNT);
    write(REG_INITIAL_COUNT, 0);
    let per_ms = (elapsed as u64 * WINDOWS_PER_MS).max(1);
    TICKS_PER_NS_Q32.store(((per_ms as u128) << 32).div_ceil(1_000_000) as u64, Ordering::Relaxed);
    per_ms
}

/// Arms a one-shot interrupt `ns` nanoseconds from now (clamped to the counter's range).
pub fn arm(ns: u64) {
    let q32 = TICKS_PER_NS_Q32.load(Ordering::Relaxed);
    let ticks = ((ns as u128 * q32 as u128) >> 32).clamp(1, u32::MAX as u128) as u32;
    write(REG_LVT_TIMER, TIMER_VECTOR as u32); // one-shot, unmasked
    write(REG_INITIAL_COUNT, ticks);
}

/// This CPU's local APIC id (the destination an I/O APIC entry names).
pub fn id() -> u32 {
    read(REG_ID) >> 24
}

/// Signals end of interrupt.
pub fn eoi() {
    write(REG_EOI, 0);
}
