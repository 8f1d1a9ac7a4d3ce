//! The kernel's page table, edited through the `x86_64` crate's `OffsetPageTable`, which
//! reaches every table frame through the direct map.
use super::frame;
use spin::{Mutex, Once};
use x86_64::registers::control::Cr3;
use x86_64::structures::paging::mapper::{MapToError, UnmapError};
use x86_64::structures::paging::{
    Mapper, OffsetPageTable, Page, PageTable, PageTableFlags, PhysFrame, Size4KiB, Translate,
};
use x86_64::{PhysAddr, VirtAddr};

static KERNEL_PT: Once<Mutex<OffsetPageTable<'static>>> = Once::new();

/// Wraps the active (bootloader-built) PML4.
pub fn init(phys_offset: u64) {
    KERNEL_PT.call_once(|| {
        let (pml4, _) = Cr3::read();
        KERNEL_ROOT.store(pml4.start_address().as_u64(), core::sync::atomic::Ordering::Relaxed);
        let virt = phys_offset + pml4.start_address().as_u64();
        // SAFETY: CR3 holds the active PML4; all physical memory is mapped at `phys_offset`, and
        // this is the only `&mut` to the table (it lives behind the mutex from here on).
        let table = unsafe { &mut *(virt as *mut PageTable) };
        // SAFETY: as above, the complete physical memory is mapped at `phys_offset`.
        Mutex::new(unsafe { OffsetPageTable::new(table, VirtAddr::new(phys_offset)) })
    });
}

/// The boot PML4's physical address: the kernel's own page tables, with no process in them.
static KERNEL_ROOT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// The kernel's own PML4 (what a CPU loads while the address space it ran is freed).
pub fn kernel_root() -> u64 {
    KERNEL_ROOT.load(core::sync::atomic::Ordering::Relaxed)
}

fn table() -> &'static Mutex<OffsetPageTable<'static>> {
    KERNEL_PT.get().expect("paging not initialised")
}

/// Physical address of the kernel PML4.
pub fn pml4_phys() -> u64 {
    Cr3::read().0.start_address().as_u64()
}

/// Maps one 4 KiB page to `frame` and flushes its TLB entry.
///
/// # Safety
/// The caller owns `frame` and the virtual page; mapping it must not alias memory that Rust
/// code holds references to in a way that breaks those references' guarantees.
pub unsafe fn map(page: Page<Size4KiB>, frame: PhysFrame, flags: PageTableFlags) -> Result<(), MapToError<Size4KiB>> {
    // SAFETY: forwarded from the caller.
    unsafe { table().lock().map_to(page, frame, flags, &mut frame::Allocator) }.map(|flush| flush.flush())
}

/// Unmaps one page, flushes it from the TLB and returns the frame it mapped.
pub fn unmap(page: Page<Size4KiB>) -> Result<PhysFrame, UnmapError> {
    let (frame, flush) = table().lock().unmap(page)?;
    flush.flush();
    Ok(frame)
}

/// Maps the low-memory `frame` at the virtual address equal to its physical one, read-only and
/// executable: for code that runs at that address while it turns paging on (the SMP
/// trampoline). The lower half is the process's, but no process exists yet when this runs.
///
/// # Safety
/// The caller owns `frame`, and no process address space may have been made yet.
pub unsafe fn map_identity(frame: PhysFrame) -> Result<(), MapToError<Size4KiB>> {
    let page = Page::containing_address(VirtAddr::new(frame.start_address().as_u64()));
    // the page is in the lower half,
    // SAFETY: which holds no kernel mapping (caller), and maps a frame the caller owns, read-only.
    unsafe { map(page, frame, PageTableFlags::PRESENT) }
}

/// Undoes [`map_identity`]. The page-table frames the mapping created stay, empty: another CPU
/// may still cache a walk through them until its next CR3 load (a process's address space),
/// so they must not be reused before; they cost three frames, once.
pub fn unmap_identity(frame: PhysFrame) {
    let page = Page::containing_address(VirtAddr::new(frame.start_address().as_u64()));
    let _ = unmap(page);
}

/// Physical address behind `addr` in the kernel page table.
pub fn translate(addr: VirtAddr) -> Option<PhysAddr> {
    table().lock().translate_addr(addr)
}

/// Maps `frames` at consecutive pages from `start`, in the kernel half, where nothing is mapped
/// yet: one table walk per 2 MiB instead of one per page, and no TLB flush (x86 caches no
/// non-present entries). Missing intermediate tables are created. Err(n) if a table frame cannot
/// be had: the first n pages are mapped (the caller unmaps them), the rest are not.
///
/// # Safety
/// The pages must be unmapped and owned by the caller, the frames unused and owned by it.
pub unsafe fn map_fresh(start: VirtAddr, frames: &[PhysFrame], flags: PageTableFlags) -> Result<(), usize> {
    let mut pt = table().lock();
    let phys_offset = pt.phys_offset().as_u64();
    let table_at = |phys: u64| (phys_offset + phys) as *mut PageTable;
    let mut l1: *mut PageTable = core::ptr::null_mut();
    for (i, f) in frames.iter().enumerate() {
        let va = start + i as u64 * 4096;
        if l1.is_null() || u16::from(va.p1_index()) == 0 {
            let mut t: *mut PageTable = pt.level_4_table_mut();
            for idx in [va.p4_index(), va.p3_index(), va.p2_index()] {
                // SAFETY: `t` is a page table of the kernel's, reached through the direct map with the table lock held.
                let e = unsafe { &mut (&mut *t)[idx] };
                if e.is_unused() {
                    let nf = frame::alloc().ok_or(i)?;
                    // SAFETY: a fresh frame, zeroed through the direct map before it is linked.
                    unsafe { core::ptr::write_bytes(table_at(nf.start_address().as_u64()) as *mut u8, 0, 4096) };
                    e.set_frame(nf, PageTableFlags::PRESENT | PageTableFlags::WRITABLE);
                }
                t = table_at(e.addr().as_u64());
            }
            l1 = t;
        }
        // SAFETY: `l1` is the level-1 table for `va`, locked as above; the caller owns the page.
        let e = unsafe { &mut (&mut *l1)[va.p1_index()] };
        debug_assert!(e.is_unused(), "map_fresh over a mapped page at {va:?}");
        e.set_frame(*f, flags);
    }
    Ok(())
}
