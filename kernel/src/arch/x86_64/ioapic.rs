//! The I/O APIC (Intel 82093AA datasheet, §3): the chip that turns device interrupt lines into
//! messages to a local APIC. Each pin has a 64-bit redirection entry — vector, destination APIC
//! id, polarity, trigger mode, mask — written through an index register and a data window.
//! Entries start masked; the kernel unmasks only the lines it routes (COM1's today).
//!
//! The registers are reached through the direct map at the chip's physical base.

const IOREGSEL: u64 = 0x00;
const IOWIN: u64 = 0x10;
/// Redirection entry `n` is the register pair 0x10 + 2n (low dword), 0x11 + 2n (high dword).
const REG_REDTBL: u32 = 0x10;
const ENTRY_ACTIVE_LOW: u32 = 1 << 13;
const ENTRY_LEVEL: u32 = 1 << 15;

fn write(base: u64, reg: u32, value: u32) {
    // `base` is the I/O APIC's register window in the direct map (from the MADT);
    // SAFETY: the index and data registers are 32-bit and are written with 32-bit accesses, the index first.
    unsafe {
        ((base + IOREGSEL) as *mut u32).write_volatile(reg);
        ((base + IOWIN) as *mut u32).write_volatile(value);
    }
}

/// Routes `pin` of the I/O APIC at physical address `phys` to `vector` on the local APIC
/// `apic_id` (fixed delivery, physical destination), with the line's polarity and trigger
/// mode, and unmasks it.
pub fn route(phys_offset: u64, phys: u64, pin: u32, vector: u8, apic_id: u32, active_low: bool, level: bool) {
    let base = phys_offset + phys;
    let mut low = vector as u32;
    if active_low {
        low |= ENTRY_ACTIVE_LOW;
    }
    if level {
        low |= ENTRY_LEVEL;
    }
    // Destination first, so the entry is never live with a stale one.
    write(base, REG_REDTBL + 2 * pin + 1, apic_id << 24);
    write(base, REG_REDTBL + 2 * pin, low);
}
