//! A process's address space (Linux mm/mmap.c and mm/memory.c, much reduced): a page table
//! whose upper half is the kernel's, and a sorted set of VMAs (virtual memory areas) saying
//! what each user range may hold. Pages are materialised on first touch: a fault inside a VMA
//! that permits the access maps a frame ("demand paging"); anything else is a segmentation
//! violation. A read maps the one shared zero frame read-only (Linux's ZERO_PAGE, from
//! `do_anonymous_page`), so memory only read costs no frames; the first write to such a page
//! gives it a zeroed frame of its own ("copy on write", `wp_page_copy`). Every other user page
//! owns its frame; unmapping frees it.
//!
//! Page tables are freed when their whole range holds no VMA any more (Linux's
//! `free_pgtables`, bounded by the neighbouring VMAs): a program that maps and unmaps at ever
//! new addresses keeps a bounded number of tables. Invariant: no page-table entry lies outside
//! a VMA (every path that removes a VMA clears its entries first), so a table whose range holds
//! no VMA holds nothing.
//!
//! The kernel never dereferences user addresses: [`AddressSpace::copy_in`] and
//! [`AddressSpace::copy_out`] check the VMA, fault the page in if needed, and copy through the
//! direct map, so a bad user pointer is an `EFAULT`, never a kernel fault (and SMAP can stay on).
use super::frame;
mod guard;
pub use super::vma::{Access, PAGE, USER_END, Vma, page_down, page_up};
use super::vma::{Vmas, allowed};
use abi::mman::{PROT_EXEC, PROT_WRITE};
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::registers::control::{Cr3, Cr3Flags};
use x86_64::structures::paging::page_table::PageTableEntry;
use x86_64::structures::paging::{PageTable, PageTableFlags as F, PhysFrame};
use x86_64::{PhysAddr, VirtAddr};

/// Why a touch failed: `SEGV_MAPERR` (nothing mapped) or `SEGV_ACCERR` (mapped, not allowed).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fault {
    NotMapped,
    NotAllowed,
    OutOfMemory,
}

pub struct AddressSpace {
    pml4: PhysFrame,
    vmas: Vmas,
    phys_offset: u64,
}

fn pte_flags(prot: u32) -> F {
    let mut f = F::PRESENT | F::USER_ACCESSIBLE;
    if prot & PROT_WRITE as u32 != 0 {
        f |= F::WRITABLE;
    }
    if prot & PROT_EXEC as u32 == 0 {
        f |= F::NO_EXECUTE;
    }
    f
}

/// Drops the translation of user page `va` on every CPU that may hold it (`tlb`: at once on
/// this CPU, on the others before the system call returns).
fn flush(va: u64) {
    super::tlb::invalidate(va);
}

/// Drops this CPU's translation of `va` only (a stale entry found by a fault here).
fn flush_local(va: u64) {
    x86_64::instructions::tlb::flush(VirtAddr::new(va));
}

/// Physical address of the shared zero frame (0 before [`init`]).
static ZERO_FRAME: AtomicU64 = AtomicU64::new(0);

/// Allocates and clears the shared zero frame; once, at boot, before any address space exists.
pub fn init(phys_offset: u64) -> Option<()> {
    let f = frame::alloc()?;
    // The frame was just allocated; it is written through the direct map, and never again:
    // every mapping of it is read-only.
    // SAFETY: so nothing else reads or writes it while it is cleared.
    unsafe { core::ptr::write_bytes((phys_offset + f.start_address().as_u64()) as *mut u8, 0, PAGE as usize) };
    ZERO_FRAME.store(f.start_address().as_u64(), Ordering::Relaxed);
    Some(())
}

/// Whether `e` maps (or, PROT_NONE'd, kept) the shared zero frame.
fn is_zero(e: &PageTableEntry) -> bool {
    e.addr().as_u64() == ZERO_FRAME.load(Ordering::Relaxed)
}

/// Clears the entry `e` of page `va` (present, or PROT_NONE'd with its frame kept) and frees
/// its frame unless it is the shared zero frame.
fn zap(va: u64, e: &mut PageTableEntry) {
    let f = PhysFrame::containing_address(e.addr());
    let zero = is_zero(e);
    e.set_unused();
    flush(va);
    if !zero {
        // The only mapping of the frame was just removed and invalidated; `tlb` frees it once
        // no CPU can reach it.
        // SAFETY: so nothing uses the frame once it is free.
        unsafe { super::tlb::free_frame(f) };
    }
}

/// Heap bytes a mapping call may add: two VMAs (a split) and their share of the tree's nodes.
const VMA_BYTES: usize = 512;

/// One past the highest address of the lower half: the range the user's page tables cover.
const LOWER_HALF_END: u64 = 1 << 47;

impl AddressSpace {
    /// An empty user half over a copy of the kernel's upper-half PML4 entries.
    pub fn new(phys_offset: u64) -> Option<Self> {
        let pml4 = frame::alloc()?;
        let (active, _) = Cr3::read();
        // SAFETY: both frames are page tables reached through the direct map; the new one was
        // just allocated and is not in use yet.
        unsafe {
            let new = &mut *((phys_offset + pml4.start_address().as_u64()) as *mut PageTable);
            let cur = &*((phys_offset + active.start_address().as_u64()) as *const PageTable);
            for i in 0..256 {
                new[i].set_unused();
            }
            for i in 256..512 {
                new[i] = cur[i].clone();
            }
        }
        Some(Self { pml4, vmas: Vmas::new(), phys_offset })
    }

    /// The physical address of this address space's root table: what CR3 holds while one of
    /// its threads runs, and a name for it that no other live address space has.
    pub fn root(&self) -> u64 {
        self.pml4.start_address().as_u64()
    }

    /// fork's copy (Linux's `dup_mmap`), made eagerly: the same VMAs, and every present page
    /// copied into a frame of the child's own. Pages mapping the shared zero frame map it in the
    /// child too (read-only), and PROT_NONE'd pages keep their contents. Eager, not
    /// copy-on-write: the callers that matter (Go's os/exec, musl's and glibc's posix_spawn)
    /// share the memory with CLONE_VM|CLONE_VFORK and copy nothing; a plain fork of a small C
    /// program copies its few touched pages; and it keeps every frame with one owner, so
    /// unmapping stays a plain free. None when memory runs out (the caller's ENOMEM); what was
    /// copied is then freed with the new space.
    pub fn fork_copy(&mut self) -> Option<AddressSpace> {
        let mut child = AddressSpace::new(self.phys_offset)?;
        child.vmas = self.vmas.clone();
        let mut pages = alloc::vec::Vec::new();
        self.for_each_present(0, LOWER_HALF_END, &mut |va, e| pages.push((va, e.clone())));
        for (va, e) in pages {
            let mut entry = e.clone();
            if guard::is_guard(&e) {
                // A guard marker has no frame: the child gets the marker (Linux copies guard
                // regions into a fork child).
                *child.pte(va, true)? = entry;
            } else if !is_zero(&e) {
                let f = frame::alloc()?;
                let (src, dst) = (self.phys_offset + e.addr().as_u64(), self.phys_offset + f.start_address().as_u64());
                // `src` is a frame this address space maps (the caller holds it locked, so it is
                // not freed meanwhile) and `dst` a frame just allocated; both are reached through
                // the direct map and are whole pages.
                // SAFETY: so the copy reads and writes only those two pages.
                unsafe { core::ptr::copy_nonoverlapping(src as *const u8, dst as *mut u8, PAGE as usize) };
                entry.set_addr(f.start_address(), e.flags());
                // Owned by the child from here on (freed with it if a later page fails).
                let slot = match child.pte(va, true) {
                    Some(slot) => slot,
                    None => {
                        // SAFETY: the frame was just allocated and is mapped nowhere.
                        unsafe { frame::free(f) };
                        return None;
                    }
                };
                *slot = entry;
            } else {
                *child.pte(va, true)? = entry;
            }
        }
        Some(child)
    }

    /// Loads this address space into CR3.
    pub fn activate(&self) {
        // SAFETY: the upper half (kernel code, stacks, heap, direct map) is identical to the
        // active table's, so the kernel keeps running after the switch.
        unsafe { Cr3::write(self.pml4, Cr3Flags::empty()) };
        super::tlb::set_user_root(self.pml4.start_address());
    }

    fn table(&self, frame: PhysAddr) -> &'static mut PageTable {
        // SAFETY: `frame` is a page-table frame owned by this address space, mapped by the
        // direct map; callers hold `&mut self`, so no other reference to it is live.
        unsafe { &mut *((self.phys_offset + frame.as_u64()) as *mut PageTable) }
    }

    fn zeroed_frame(&self) -> Option<PhysFrame> {
        let f = frame::alloc()?;
        // SAFETY: the frame was just allocated; it is written through the direct map.
        unsafe { core::ptr::write_bytes((self.phys_offset + f.start_address().as_u64()) as *mut u8, 0, PAGE as usize) };
        Some(f)
    }

    /// The level-1 entry for `va`, creating the intermediate tables when `create`.
    fn pte(&mut self, va: u64, create: bool) -> Option<&'static mut PageTableEntry> {
        let mut table = self.table(self.pml4.start_address());
        for level in [4u32, 3, 2] {
            let e = &mut table[((va >> (12 + 9 * (level - 1))) & 511) as usize];
            if e.is_unused() {
                if !create {
                    return None;
                }
                let f = self.zeroed_frame()?;
                e.set_addr(f.start_address(), F::PRESENT | F::WRITABLE | F::USER_ACCESSIBLE);
            }
            table = self.table(e.addr());
        }
        Some(&mut table[((va >> 12) & 511) as usize])
    }

    /// Frees the page tables below the PML4 whose whole range lies in `[floor, ceiling)` and
    /// meets `[start, end)` (Linux's `free_pgd_range`): `[floor, ceiling)` holds no VMA, so
    /// such tables hold no entries. Each emptied entry is cleared and flushed before its table
    /// goes back to the allocator, so no CPU walks through a table after it is reused.
    fn free_tables(&mut self, start: u64, end: u64, floor: u64, ceiling: u64) {
        /// Frees the table `t` of `level` and every table below it.
        fn free_subtree(s: &AddressSpace, t: PhysAddr, level: u32) {
            if level > 1 {
                for e in s.table(t).iter().filter(|e| !e.is_unused()) {
                    free_subtree(s, e.addr(), level - 1);
                }
            } else {
                debug_assert!(
                    s.table(t).iter().all(|e| e.is_unused()),
                    "a page table outside every VMA holds an entry"
                );
            }
            // The table is unlinked from its parent and invalidated (the caller), every table below
            // it was freed first, and `tlb` frees it once no CPU's paging-structure cache can
            // reach it.
            // SAFETY: so nothing refers to the frame any more by then.
            unsafe { super::tlb::free_frame(PhysFrame::containing_address(t)) };
        }
        fn walk(s: &AddressSpace, t: &mut PageTable, level: u32, base: u64, r: (u64, u64), gap: (u64, u64)) {
            let span = 1u64 << (12 + 9 * (level - 1));
            let first = ((r.0 - base) / span) as usize;
            let last = ((r.1 - 1 - base) / span) as usize;
            for i in first..=last {
                let e = &mut t[i];
                if e.is_unused() {
                    continue;
                }
                let va = base + i as u64 * span;
                if gap.0 <= va && va + span <= gap.1 {
                    let child = e.addr();
                    e.set_unused();
                    flush(va);
                    free_subtree(s, child, level - 1);
                } else if level > 2 {
                    let next = s.table(e.addr());
                    walk(s, next, level - 1, va, (r.0.max(va), r.1.min(va + span)), gap);
                }
            }
        }
        if start < end {
            let root = self.table(self.pml4.start_address());
            walk(self, root, 4, 0, (start, end), (floor, ceiling));
        }
    }

    /// Calls `f` for every present leaf entry in `[start, end)`, skipping empty subtrees.
    fn for_each_present(&mut self, start: u64, end: u64, f: &mut dyn FnMut(u64, &mut PageTableEntry)) {
        fn walk(
            s: &AddressSpace,
            t: &mut PageTable,
            level: u32,
            base: u64,
            start: u64,
            end: u64,
            f: &mut dyn FnMut(u64, &mut PageTableEntry),
        ) {
            let span = 1u64 << (12 + 9 * (level - 1));
            let first = ((start - base) / span) as usize;
            let last = ((end - 1 - base) / span) as usize;
            for i in first..=last {
                let e = &mut t[i];
                if e.is_unused() {
                    continue;
                }
                let va = base + i as u64 * span;
                if level == 1 {
                    f(va, e);
                } else {
                    let next = s.table(e.addr());
                    walk(s, next, level - 1, va, start.max(va), end.min(va + span), f);
                }
            }
        }
        if start < end {
            let root = self.table(self.pml4.start_address());
            walk(self, root, 4, 0, start, end, f);
        }
    }

    /// The VMA containing `addr`.
    pub fn find(&self, addr: u64) -> Option<Vma> {
        self.vmas.find(addr)
    }

    /// Whether no VMA overlaps `[start, end)`.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        self.vmas.is_free(start, end)
    }

    /// The lowest free gap of `len` bytes at or above `from` (page-aligned), below USER_END.
    pub fn find_free(&self, from: u64, len: u64) -> Option<u64> {
        self.vmas.find_free(from, len)
    }

    /// The highest free gap of `len` bytes ending at or below `limit` and starting at or above
    /// `floor` (a top-down search).
    pub fn find_free_below(&self, floor: u64, limit: u64, len: u64) -> Option<u64> {
        self.vmas.find_free_below(floor, limit, len)
    }

    /// Adds a VMA over a free, page-aligned range (callers unmap first for MAP_FIXED).
    pub fn map(&mut self, start: u64, end: u64, prot: u32, name: &'static str) {
        self.vmas.insert(start, end, prot, name);
    }

    /// Whether every page of `[start, end)` is mapped.
    pub fn covers(&self, start: u64, end: u64) -> bool {
        self.vmas.covers(start, end)
    }

    /// Whether one more mapping may be made under `vm.max_map_count`, and the kernel heap can
    /// take a split's worth of VMAs beyond its reserve.
    pub fn may_map(&self) -> bool {
        self.vmas.may_map() && super::heap::may_take(VMA_BYTES)
    }

    /// Whether `start` or `end` cuts a VMA in two (a change there needs a new VMA).
    fn splits(&self, start: u64, end: u64) -> bool {
        let cuts = |at: u64| self.vmas.find(at).is_some_and(|v| v.start < at);
        cuts(start) || cuts(end)
    }

    /// Number of VMAs.
    pub fn map_count(&self) -> usize {
        self.vmas.len()
    }

    /// Removes every mapping in `[start, end)`: VMAs are cut and present pages freed. Err
    /// (ENOMEM), with nothing changed, when that would split a VMA at `vm.max_map_count`.
    pub fn unmap(&mut self, start: u64, end: u64) -> Result<(), ()> {
        if self.splits(start, end) && !super::heap::may_take(VMA_BYTES) {
            return Err(());
        }
        self.vmas.remove(start, end)?;
        self.zap_range(start, end, true);
        let (floor, ceiling) = self.vmas.gap_around(start, end);
        self.free_tables(start, end, floor, ceiling.min(LOWER_HALF_END));
        Ok(())
    }

    /// Drops the pages of `[start, end)` but keeps the VMAs: the next touch sees zeros
    /// (MADV_DONTNEED on private anonymous memory). Guard markers stay.
    pub fn discard(&mut self, start: u64, end: u64) {
        self.zap_range(start, end, false);
    }

    /// Clears every entry of `[start, end)`, freeing the frames; guard markers too if
    /// `guards` (munmap), else they stay (MADV_DONTNEED).
    fn zap_range(&mut self, start: u64, end: u64, guards: bool) {
        self.for_each_present(start, end, &mut |va, e| {
            if guard::is_guard(e) {
                if guards {
                    e.set_unused(); // not present: no translation to drop
                }
                return;
            }
            zap(va, e);
        });
    }

    /// The mapping containing `addr` as mremap sees it (adjacent VMAs of one protection as one).
    pub fn extent(&self, addr: u64) -> Option<Vma> {
        self.vmas.extent(addr)
    }

    /// mremap's move (Linux `move_vma` + `move_page_tables`): the VMA of `[from, from + len)`
    /// becomes `[to, to + new_len)` (which must be free) and every page-table entry of the old
    /// range moves to the same offset in the new one, so the frames and their contents go with
    /// it (PROT_NONE'd entries too). The old range is unmapped unless `keep` (MREMAP_DONTUNMAP:
    /// it stays mapped, and empty). Nothing changes if a page table cannot be allocated.
    pub fn move_pages(&mut self, from: u64, len: u64, to: u64, new_len: u64, keep: bool) -> Result<(), Fault> {
        let moved = len.min(new_len);
        let mut entries = alloc::vec::Vec::new();
        self.for_each_present(from, from + moved, &mut |va, _| entries.push(va));
        // Every table on the way to the new entries first, so that the move cannot stop halfway.
        for &va in &entries {
            self.pte(va - from + to, true).ok_or(Fault::OutOfMemory)?;
        }
        for va in entries {
            let old = self.pte(va, false).expect("present a moment ago");
            let entry = old.clone();
            old.set_unused();
            flush(va);
            // Not flushed: the new entry was unused, and x86 caches no not-present translations.
            *self.pte(va - from + to, true).expect("created above") = entry;
        }
        self.vmas.relocate(from, len, to, new_len, keep);
        if !keep {
            self.zap_range(from, from + len, true); // what lay past `new_len` of a shrinking move
            let (floor, ceiling) = self.vmas.gap_around(from, from + len);
            self.free_tables(from, from + len, floor, ceiling.min(LOWER_HALF_END));
        }
        Ok(())
    }

    /// Changes the protection of `[start, end)`. Every page must be inside some VMA, and the
    /// splits must fit under `vm.max_map_count` (else ENOMEM, as Linux's mprotect).
    pub fn protect(&mut self, start: u64, end: u64, prot: u32) -> Result<(), ()> {
        if !self.vmas.covers(start, end) || (self.splits(start, end) && !super::heap::may_take(VMA_BYTES)) {
            return Err(());
        }
        self.vmas.protect(start, end, prot)?;
        let flags = pte_flags(prot);
        self.for_each_present(start, end, &mut |va, e| {
            if guard::is_guard(e) {
                return; // a guard stays a guard whatever the protection
            }
            if prot == 0 {
                // PROT_NONE: keep the frame (the contents survive) but make the page absent to
                // the CPU; the entry keeps its address with PRESENT cleared.
                e.set_flags(F::NO_EXECUTE | F::BIT_9);
            } else if is_zero(e) {
                e.set_flags(flags & !F::WRITABLE); // the zero frame is never written
            } else {
                e.set_flags(flags);
            }
            flush(va);
        });
        Ok(())
    }

    /// Demand paging: makes the page at `addr` present if its VMA allows `access`. Ok(false):
    /// the page was present already, so only the TLB entry was flushed.
    pub fn fault(&mut self, addr: u64, access: Access) -> Result<bool, Fault> {
        self.fault_in(addr, access, access == Access::Write)
    }

    /// [`Self::fault`], with `own`: the page must get a frame of its own (it is about to be
    /// written, by the program or by the kernel loading a segment), never the zero frame.
    fn fault_in(&mut self, addr: u64, access: Access, own: bool) -> Result<bool, Fault> {
        let v = self.find(addr).ok_or(Fault::NotMapped)?;
        if !allowed(v.prot, access) {
            return Err(Fault::NotAllowed);
        }
        let va = page_down(addr);
        let flags = pte_flags(v.prot);
        let pte = self.pte(va, true).ok_or(Fault::OutOfMemory)?;
        if guard::is_guard(pte) {
            return Err(Fault::NotMapped); // Linux: VM_FAULT_SIGSEGV, SEGV_MAPERR
        }
        let zero = is_zero(pte);
        if pte.flags().contains(F::PRESENT) {
            if own && zero {
                // The first write to a page only read so far: a zeroed frame of its own in
                // place of the shared one, and the read-only entry shot down on every CPU (one
                // that kept it would go on reading zeros after this write).
                let f = self.zeroed_frame().ok_or(Fault::OutOfMemory)?;
                pte.set_addr(f.start_address(), flags);
                flush(va);
                return Ok(true);
            }
            // Present and allowed by the VMA: a stale TLB entry of this CPU's (e.g. after an
            // mprotect that widened the access, which shoots nothing down, as on Linux).
            flush_local(va);
            return Ok(false);
        }
        let kept = pte.flags().contains(F::BIT_9);
        if kept && !zero {
            // Was PROT_NONE'd with contents kept: bring the same frame back.
            pte.set_flags(flags);
        } else if own {
            let f = self.zeroed_frame().ok_or(Fault::OutOfMemory)?;
            pte.set_addr(f.start_address(), flags);
        } else {
            let z = PhysAddr::new(ZERO_FRAME.load(Ordering::Relaxed));
            pte.set_addr(z, flags & !F::WRITABLE);
        }
        // No invlpg: the entry was not present, and x86 caches no not-present translations
        // (SDM vol. 3, 4.10.4.3); the fault itself dropped any stale entry for `va`.
        Ok(true)
    }

    /// The direct-map address of user byte `addr`, faulting its page in for `access`; `own`:
    /// the kernel will write it, so it must not be the shared zero frame.
    #[inline(always)]
    fn direct(&mut self, addr: u64, access: Access, own: bool) -> Result<*mut u8, Fault> {
        if addr >= USER_END {
            return Err(Fault::NotMapped);
        }
        let v = self.find(addr).ok_or(Fault::NotMapped)?;
        if !allowed(v.prot, access) {
            return Err(Fault::NotAllowed);
        }
        let frame = match self.pte(page_down(addr), false) {
            Some(e) if e.flags().contains(F::PRESENT) && !(own && is_zero(e)) => e.addr(),
            _ => {
                self.fault_in(addr, access, own)?;
                self.pte(page_down(addr), false).ok_or(Fault::NotMapped)?.addr()
            }
        };
        Ok((self.phys_offset + frame.as_u64() + (addr & (PAGE - 1))) as *mut u8)
    }

    /// The direct-map address of `[addr, addr + len)` when it lies in one user page allowed for
    /// `access` (faulted in if need be); None when it spans two pages.
    pub fn within_page(&mut self, addr: u64, len: u64, access: Access) -> Result<Option<*mut u8>, Fault> {
        if (addr & (PAGE - 1)) + len > PAGE {
            return Ok(None);
        }
        self.direct(addr, access, access == Access::Write).map(Some)
    }

    /// Whether `[addr, addr + len)` lies in VMAs that allow `access` (nothing is faulted in).
    pub fn check(&self, addr: u64, len: u64, access: Access) -> Result<(), Fault> {
        self.vmas.check(addr, len, access).map_err(|gap| if gap { Fault::NotMapped } else { Fault::NotAllowed })
    }

    /// Copies `buf.len()` bytes from user address `addr` into `buf`.
    pub fn copy_in(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        self.chunks(addr, buf.len(), Access::Read, false, &mut |src, off, n| {
            // SAFETY: `src` is the direct-map address of `n` bytes of one user page.
            unsafe { core::ptr::copy_nonoverlapping(src, buf[off..].as_mut_ptr(), n) }
        })
    }

    /// [`Self::copy_in`] into memory that need not be initialized: on Ok, `buf`'s first `len`
    /// bytes are written (a kernel buffer that would otherwise be cleared first).
    pub fn copy_in_uninit<'a>(
        &mut self,
        addr: u64,
        buf: &'a mut [core::mem::MaybeUninit<u8>],
        len: usize,
    ) -> Result<&'a [u8], Fault> {
        let len = len.min(buf.len());
        let dst = buf.as_mut_ptr() as *mut u8;
        self.chunks(addr, len, Access::Read, false, &mut |src, off, n| {
            // `src` is the direct-map address of `n` bytes of one user page, and `off + n` is at
            // most `len`, within `buf`.
            // SAFETY: so the copy reads and writes only memory it may.
            unsafe { core::ptr::copy_nonoverlapping(src, dst.add(off), n) }
        })?;
        // SAFETY: the chunks above wrote each of the first `len` bytes.
        Ok(unsafe { core::slice::from_raw_parts(dst, len) })
    }

    /// Copies `data` to user address `addr`; the pages must be writable by the program.
    pub fn copy_out(&mut self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        self.chunks(addr, data.len(), Access::Write, true, &mut |dst, off, n| {
            // SAFETY: `dst` is the direct-map address of `n` bytes of one user page.
            unsafe { core::ptr::copy_nonoverlapping(data[off..].as_ptr(), dst, n) }
        })
    }

    /// Compare-and-exchange of the aligned u32 at `addr`, which the process may write (Linux's
    /// `futex_atomic_cmpxchg_inatomic`): one atomic step against the process's threads on any
    /// CPU. Returns the value found (the exchange happened if it equals `old`).
    pub fn cmpxchg_u32(&mut self, addr: u64, old: u32, new: u32) -> Result<u32, Fault> {
        if !addr.is_multiple_of(4) || addr >= USER_END {
            return Err(Fault::NotMapped);
        }
        let p = self.direct(addr, Access::Write, true)?;
        // `p` is the direct-map address of an aligned, mapped, writable u32 of a user page; user
        // threads touch it only atomically or racily through their own mapping,
        // SAFETY: and an atomic access is sound against either.
        let word = unsafe { core::sync::atomic::AtomicU32::from_ptr(p as *mut u32) };
        let seen =
            word.compare_exchange(old, new, core::sync::atomic::Ordering::SeqCst, core::sync::atomic::Ordering::SeqCst);
        Ok(seen.unwrap_or_else(|v| v))
    }

    /// Copies from user address `addr` into `buf` up to the first page that cannot be read;
    /// returns the bytes copied (Linux's `copy_from_user` short count).
    pub fn copy_in_upto(&mut self, addr: u64, buf: &mut [u8]) -> usize {
        let mut done = 0;
        let _ = self.chunks(addr, buf.len(), Access::Read, false, &mut |src, off, n| {
            // SAFETY: `src` is the direct-map address of `n` bytes of one user page.
            unsafe { core::ptr::copy_nonoverlapping(src, buf[off..].as_mut_ptr(), n) };
            done = off + n;
        });
        done
    }

    /// Copies `data` to user address `addr` up to the first page that cannot be written;
    /// returns the bytes copied.
    pub fn copy_out_upto(&mut self, addr: u64, data: &[u8]) -> usize {
        let mut done = 0;
        let _ = self.chunks(addr, data.len(), Access::Write, true, &mut |dst, off, n| {
            // SAFETY: `dst` is the direct-map address of `n` bytes of one user page.
            unsafe { core::ptr::copy_nonoverlapping(data[off..].as_ptr(), dst, n) };
            done = off + n;
        });
        done
    }

    /// Like [`Self::copy_out`] but ignoring the VMA's write permission (for loading segments).
    pub fn load(&mut self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        self.chunks(addr, data.len(), Access::Read, true, &mut |dst, off, n| {
            // SAFETY: as in copy_out; the kernel may write any page it mapped for the process.
            unsafe { core::ptr::copy_nonoverlapping(data[off..].as_ptr(), dst, n) }
        })
    }

    fn chunks(
        &mut self,
        addr: u64,
        len: usize,
        access: Access,
        own: bool,
        f: &mut dyn FnMut(*mut u8, usize, usize),
    ) -> Result<(), Fault> {
        let end = addr.checked_add(len as u64).ok_or(Fault::NotMapped)?;
        if end > USER_END {
            return Err(Fault::NotMapped);
        }
        let mut at = addr;
        while at < end {
            let n = (PAGE - (at & (PAGE - 1))).min(end - at) as usize;
            let p = self.direct(at, access, own)?;
            f(p, (at - addr) as usize, n);
            at += n as u64;
        }
        Ok(())
    }
}

impl Drop for AddressSpace {
    /// Frees every user page and page table (through the TLB gather: the caller finishes the
    /// shootdown, `tlb::finish`, with no lock held), and retires the root once no CPU has it
    /// loaded. The address space must not be loaded on this CPU (`tlb::leave_mm` first).
    fn drop(&mut self) {
        self.zap_range(0, LOWER_HALF_END, true);
        self.vmas = Vmas::new();
        self.free_tables(0, LOWER_HALF_END, 0, LOWER_HALF_END);
        super::tlb::retire_root(self.pml4);
    }
}
