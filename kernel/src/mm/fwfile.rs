//! A file the runner passed through QEMU's fw_cfg, read by DMA into fresh frames and mapped
//! read-only in the kernel half (QEMU's fw_cfg DMA interface, docs/specs/fw_cfg.rst): the
//! program's ELF and the read-only file tree arrive this way. A file is loaded before any
//! process exists, so every address space, which copies the kernel half when it is made, sees
//! it; it is never written or freed.
use alloc::vec::Vec;
use x86_64::VirtAddr;
use x86_64::structures::paging::PageTableFlags as F;

/// Frames kept free whatever a file's size, for the process that comes after it.
const FRAMES_KEPT: u64 = 8192;

/// Reads fw_cfg item `selector` (`size` bytes, at most `max`) into fresh frames mapped
/// read-only and non-executable at `base`, and returns the bytes.
///
/// # Safety
/// `[base, base + size)` must be a kernel-half range nothing else maps or ever will, and each
/// `base` may be given once.
pub unsafe fn load(selector: u16, size: usize, base: u64, max: u64) -> Result<&'static [u8], &'static str> {
    if size as u64 > max {
        return Err("larger than the kernel takes");
    }
    let pages = size.div_ceil(4096) as u64;
    if pages + FRAMES_KEPT > super::frame::free_count() {
        return Err("not enough free memory: give the guest more with --memory");
    }
    let mut frames = Vec::with_capacity(pages as usize);
    for _ in 0..pages {
        frames.push(super::frame::alloc().ok_or("out of frames")?);
    }
    // Physically contiguous runs of frames, each one DMA request.
    let mut pieces: Vec<(u64, u32)> = Vec::new();
    let mut left = size as u64;
    for f in &frames {
        let at = f.start_address().as_u64();
        let n = left.min(4096) as u32;
        left -= u64::from(n);
        match pieces.last_mut() {
            Some((p, l)) if *p + u64::from(*l) == at && *l <= u32::MAX - n => *l += n,
            _ => pieces.push((at, n)),
        }
    }
    if !crate::arch::fw_cfg::has_dma() {
        return Err("fw_cfg has no DMA interface");
    }
    let phys = |va: u64| super::paging::translate(VirtAddr::new(va)).map_or(0, |p| p.as_u64());
    // SAFETY: the frames were just allocated and are owned here; nothing else maps them yet.
    if !unsafe { crate::arch::fw_cfg::dma_read(selector, pieces.into_iter(), phys) } {
        return Err("the DMA transfer failed");
    }
    // The caller's range is ours alone, and the frames are ours; they are mapped
    // read-only, never to be written or freed.
    // SAFETY: so the block below is sound.
    unsafe { super::paging::map_fresh(VirtAddr::new(base), &frames, F::PRESENT | F::NO_EXECUTE) }
        .map_err(|_| "no frame for a page table")?;
    // SAFETY: `size` bytes are mapped at `base` from here on, for good, and never written.
    Ok(unsafe { core::slice::from_raw_parts(base as *const u8, size) })
}
