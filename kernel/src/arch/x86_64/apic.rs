//! The local APIC (Intel SDM vol. 3, ch. 11): its timer, the interrupt that preempts ring 3 and
//! wakes the idle loop, and the interrupt command register that sends INIT and STARTUP IPIs to
//! the other CPUs (11.6, used by `smpboot`). The timer is used one-shot ("tickless"): each
//! scheduling decision arms it for the next deadline — the end of the time slice or the earliest
//! sleeper. It is measured once, on the boot CPU; every CPU's timer runs at the same bus clock,
//! so the others take the same factor.
//!
//! xAPIC mode: the registers are memory-mapped, reached through the direct map at the APIC's
//! physical base (the same address on every CPU, each seeing its own APIC). x2APIC (MSRs, 32-bit
//! ids) is needed only for APIC ids above 254; QEMU numbers its CPUs from 0, and the kernel
//! supports 64, so xAPIC's 8-bit destination field is enough — and Debian's QEMU 7.2 TCG offers
//! no x2APIC at all.
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::registers::model_specific::Msr;

/// Vector of the timer interrupt (first vector above the CPU exceptions).
pub const TIMER_VECTOR: u8 = 32;
/// Vector for spurious interrupts (low 4 bits must be 1s on old APICs).
pub const SPURIOUS_VECTOR: u8 = 0xff;
/// Vector of the IPI one CPU sends another to make it look at its work bits: a thread to run,
/// a signal to deliver, a TLB to flush (Linux's RESCHEDULE_VECTOR, the same number).
pub const RESCHEDULE_VECTOR: u8 = 0xfd;

const IA32_APIC_BASE: u32 = 0x1b;
const REG_ID: usize = 0x20;
const REG_EOI: usize = 0xb0;
const REG_SVR: usize = 0xf0;
const REG_LVT_TIMER: usize = 0x320;
const REG_INITIAL_COUNT: usize = 0x380;
const REG_CURRENT_COUNT: usize = 0x390;
const REG_DIVIDE: usize = 0x3e0;
const REG_ICR_LOW: usize = 0x300;
const REG_ICR_HIGH: usize = 0x310;
const LVT_MASKED: u32 = 1 << 16;
/// Spurious-interrupt vector register: bit 8 enables the APIC.
const SVR_ENABLE: u32 = 1 << 8;
/// Divide configuration register value for divide-by-1.
const DIVIDE_BY_1: u32 = 0b1011;
/// ICR delivery modes (bits 10:8), level (bit 14), trigger mode (bit 15), delivery status
/// (bit 12, read-only: the IPI is not yet sent), destination (ICR high bits 31:24).
const ICR_INIT: u32 = 0b101 << 8;
const ICR_STARTUP: u32 = 0b110 << 8;
const ICR_ASSERT: u32 = 1 << 14;
const ICR_LEVEL_TRIGGERED: u32 = 1 << 15;
const ICR_SEND_PENDING: u32 = 1 << 12;
const ICR_DEST_SHIFT: u32 = 24;
/// Highest APIC id xAPIC's 8-bit destination can name (0xff is the broadcast id).
pub const MAX_XAPIC_ID: u32 = 0xfe;

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

/// Software-enables this CPU's local APIC, its timer stopped (masked, divide-by-1).
fn enable() {
    write(REG_SVR, SVR_ENABLE | SPURIOUS_VECTOR as u32);
    write(REG_DIVIDE, DIVIDE_BY_1);
    write(REG_LVT_TIMER, LVT_MASKED | TIMER_VECTOR as u32);
}

/// Enables an application processor's local APIC: the registers and the timer factor are the
/// boot CPU's ([`init`]), nothing is measured again.
pub fn init_ap() {
    enable();
}

/// How long the timer is measured against the TSC. Each end of the window reads the timer's
/// count between two TSC reads and takes their middle, so the error is under half the time one
/// register read takes — a microsecond or two under QEMU's TCG, where an MMIO access leaves the
/// translated code — over the window: about 0.1 % with 1 ms (Linux measures over 100 ms of PIT
/// ticks). But the host may stop the vCPU's thread inside a read, so each end takes the best of
/// [`READS`] reads (the narrowest pair of TSC stamps), and the rate is taken at the low end of
/// what the stamps allow: a timer that fires early is armed again for the rest of its deadline,
/// one that fires late makes every sleep late (a 0.6 % fast reading made a CI run's 10 ms sleeps
/// 60 µs late). The timer only says when to look at the clock: the kernel's time is the TSC.
/// Under icount the TSC and the timer both run on the virtual clock, one tick per instruction,
/// so one read and 20 µs are exact.
const WINDOW_US: u64 = 1_000;
const WINDOW_US_ICOUNT: u64 = 20;
const READS: usize = 5;

/// Reads the timer's current count together with the TSC at the moment of the read (the middle
/// of the TSC reads around it) and the width of those stamps: of `reads` reads, the narrowest.
fn count_at(reads: usize) -> (u32, u64, u64) {
    let mut best = (0, 0, u64::MAX);
    for _ in 0..reads {
        let before = super::tsc::read();
        let count = read(REG_CURRENT_COUNT);
        let after = super::tsc::read();
        if after - before < best.2 {
            best = (count, before + (after - before) / 2, after - before);
        }
    }
    best
}

/// Enables the boot CPU's local APIC and measures its timer against the TSC (`tsc_per_ms` TSC
/// ticks are one millisecond; `icount`: the TSC counts instructions). Returns timer ticks per
/// millisecond.
pub fn init(phys_offset: u64, tsc_per_ms: u64, icount: bool) -> u64 {
    // SAFETY: reading IA32_APIC_BASE has no side effects.
    let phys = unsafe { Msr::new(IA32_APIC_BASE).read() } & 0xf_ffff_f000;
    BASE.store(phys_offset + phys, Ordering::Relaxed);
    enable();
    // Count down from the top (masked: no interrupt) and read the count at both ends of the window,
    // each read stamped with the TSC: the first read is the origin, so the time the write of the
    // initial count takes is not counted.
    let (window_us, reads) = if icount { (WINDOW_US_ICOUNT, 1) } else { (WINDOW_US, READS) };
    let window = (tsc_per_ms * window_us / 1000).max(1);
    write(REG_INITIAL_COUNT, u32::MAX);
    let (c0, t0, w0) = count_at(reads);
    while super::tsc::read() - t0 < window {}
    let (c1, t1, w1) = count_at(reads);
    write(REG_INITIAL_COUNT, 0);
    let ticks = c0.wrapping_sub(c1) as u128;
    // The longest the window can have been, by the stamps (exact under icount).
    let elapsed = (t1 - t0) + if icount { 0 } else { (w0 + w1) / 2 };
    // ticks per ms = ticks / (TSC elapsed / TSC per ms)
    let per_ms = (ticks * tsc_per_ms as u128 / elapsed.max(1) as u128).max(1) as u64;
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

/// Sends an IPI: `low` is the ICR's low word (mode, level, trigger, vector) for the APIC
/// `apic_id`; waits until the APIC has sent it. False if it is still pending after
/// `spins` polls (Linux's `safe_apic_wait_icr_idle`).
fn send_ipi(apic_id: u32, low: u32, spins: u32) -> bool {
    write(REG_ICR_HIGH, apic_id << ICR_DEST_SHIFT);
    write(REG_ICR_LOW, low); // writing the low word sends
    (0..spins).any(|_| {
        core::hint::spin_loop();
        read(REG_ICR_LOW) & ICR_SEND_PENDING == 0
    })
}

/// ICR destination shorthand "all excluding self" (bits 19:18) and the NMI delivery mode.
const ICR_ALL_BUT_SELF: u32 = 0b11 << 18;
const ICR_NMI: u32 = 0b100 << 8;

/// Sends an NMI to every other CPU (they take it even with interrupts off): the panic's order
/// to stop.
pub fn send_nmi_to_others() {
    send_ipi(0, ICR_ALL_BUT_SELF | ICR_NMI | ICR_ASSERT, ICR_SPINS);
}

/// Sends the reschedule IPI to the CPU whose APIC id is `apic_id` (fixed delivery, edge).
pub fn send_reschedule(apic_id: u32) {
    send_ipi(apic_id, RESCHEDULE_VECTOR as u32, ICR_SPINS);
}

/// Polls of the delivery status before an IPI counts as not sent.
const ICR_SPINS: u32 = 100_000;

/// Asserts INIT on the CPU `apic_id` (it resets and waits for a STARTUP IPI).
pub fn send_init(apic_id: u32) -> bool {
    send_ipi(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL_TRIGGERED, ICR_SPINS)
}

/// De-asserts INIT (the level-triggered INIT's second half, which the 82489DX needed and the
/// SDM's sequence still sends).
pub fn send_init_deassert(apic_id: u32) -> bool {
    send_ipi(apic_id, ICR_INIT | ICR_LEVEL_TRIGGERED, ICR_SPINS)
}

/// Sends a STARTUP IPI: the CPU `apic_id`, waiting after INIT, starts in real mode at
/// `page << 12` (CS = page << 8, IP = 0).
pub fn send_startup(apic_id: u32, page: u8) -> bool {
    send_ipi(apic_id, ICR_STARTUP | page as u32, ICR_SPINS)
}

/// Signals end of interrupt.
pub fn eoi() {
    write(REG_EOI, 0);
}
