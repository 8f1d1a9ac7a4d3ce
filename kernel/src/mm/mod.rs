//! Kernel memory: physical frames, the kernel heap, and page tables reached through the
//! physical-memory map (Linux's direct map: `virt = PHYS_MAP_BASE + phys`).
pub mod aspace;
pub mod frame;
pub mod fwfile;
pub mod heap;
pub mod paging;
pub mod tlb;
pub mod vma;

use crate::bootinfo::Handoff;

/// Kernel heap size. The heap is one physically contiguous run of usable memory addressed
/// through the direct map, so bringing it up costs no page-table work at all.
pub const HEAP_SIZE: u64 = 16 << 20;

/// Carves the heap out of usable memory, gives the rest to the frame allocator and opens the
/// kernel page table.
pub fn init(h: &Handoff) {
    let mut usable = h.usable;
    let heap_phys = frame::carve(&mut usable[..h.usable_count], HEAP_SIZE)
        .expect("no usable physical range large enough for the kernel heap");
    // SAFETY: the range was just removed from the usable set, so nothing else will use it, and
    // the direct map covers all physical memory.
    unsafe { heap::init(h.phys_offset + heap_phys, HEAP_SIZE as usize) };
    log::info!(
        "heap: {} KiB at phys {heap_phys:#x} (virt {:#x}), linked_list_allocator behind spin::Mutex",
        HEAP_SIZE / 1024,
        h.phys_offset + heap_phys
    );
    let free = frame::init(&usable[..h.usable_count], h.phys_offset);
    log::info!("frames: {free} free 4 KiB frames ({} MiB)", (free * 4096) >> 20);
    aspace::init(h.phys_offset).expect("no frame for the shared zero page");
    paging::init(h.phys_offset);
    log::info!("paging: kernel PML4 at phys {:#x}, mapper over the direct map", paging::pml4_phys());
}
