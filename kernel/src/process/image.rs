//! Where the program's ELF comes from: the fw_cfg file `opt/rt0/program`, read by DMA
//! (`mm::fwfile`), which is how the runner passes it; else the disk image's ramdisk, which the
//! bootloader read through the BIOS (about 1.1 MB/s under TCG) — an image built with a
//! program in it still runs it.
use crate::arch::fw_cfg;

/// Where the program file is mapped: 2 TiB into the kernel's own mappings (the tree is at 1 TiB).
pub const PROGRAM_BASE: u64 = crate::config::KERNEL_VMAP_BASE + (2 << 40);

/// The program's bytes, for good; None when there is none (a bare kernel boot). A program that
/// cannot be read is the runner's "cannot execute" with the reason.
pub fn program(ramdisk: Option<(u64, u64)>) -> Option<&'static [u8]> {
    if let Some((selector, size)) = fw_cfg::find(abi::rt0::FW_CFG_PROGRAM) {
        let start = crate::arch::tsc::read();
        // PROGRAM_BASE's area is used by nothing else, and this runs once, before any
        // process exists.
        // SAFETY: so the block below is sound.
        match unsafe { crate::mm::fwfile::load(selector, size, PROGRAM_BASE, abi::rt0::MAX_PROGRAM_BYTES) } {
            Ok(elf) => {
                let took = crate::time::Span(crate::arch::tsc::read() - start);
                log::info!("program: {size} bytes from fw_cfg by DMA in {took}");
                return Some(elf);
            }
            Err(why) => crate::control::bad_program(why),
        }
    }
    let (addr, len) = ramdisk?;
    // SAFETY: the bootloader maps the ramdisk at `addr` for `len` bytes for good; it is only read.
    Some(unsafe { core::slice::from_raw_parts(addr as *const u8, len as usize) })
}
