//! Guard regions (Linux 6.13's `MADV_GUARD_INSTALL` / `MADV_GUARD_REMOVE`, mm/madvise.c with the
//! PTE markers of mm/memory.c): pages marked in the page table so that every access faults —
//! SIGSEGV with `SEGV_MAPERR` for the program, EFAULT for the kernel's own accesses — without a
//! VMA of their own. A program may so guard more regions than `vm.max_map_count` allows
//! mappings (rt0's runtime guards every goroutine stack this way).
//!
//! A marker is a not-present entry with no frame and software bit 10 set. Markers stay through
//! MADV_DONTNEED/MADV_FREE and mprotect, move with mremap, and go with munmap or
//! MADV_GUARD_REMOVE; installing one discards what the page held.
use super::{AddressSpace, PAGE, zap};
use abi::errno::{EINVAL, ENOMEM};
use x86_64::structures::paging::PageTableFlags as F;
use x86_64::structures::paging::page_table::PageTableEntry;

/// The marker's software bit (bit 9 marks a PROT_NONE'd page that kept its frame).
const MARK: F = F::BIT_10;

/// Whether `e` is a guard marker.
pub(super) fn is_guard(e: &PageTableEntry) -> bool {
    e.flags().contains(MARK) && !e.flags().contains(F::PRESENT)
}

impl AddressSpace {
    /// MADV_GUARD_INSTALL over the page-aligned `[start, end)`.
    pub fn guard_install(&mut self, start: u64, end: u64) -> Result<(), isize> {
        self.each_guardable(start, end, &mut |s, va| {
            let e = s.pte(va, true).ok_or(ENOMEM)?;
            if !is_guard(e) {
                if !e.is_unused() {
                    zap(va, e);
                }
                e.set_flags(MARK);
            }
            Ok(())
        })
    }

    /// MADV_GUARD_REMOVE over the page-aligned `[start, end)`: the markers there are cleared
    /// (the pages read zeros again); other pages are left as they are.
    pub fn guard_remove(&mut self, start: u64, end: u64) -> Result<(), isize> {
        self.each_guardable(start, end, &mut |s, va| {
            if let Some(e) = s.pte(va, false)
                && is_guard(e)
            {
                // Not present, so no CPU holds a translation to drop.
                e.set_unused();
            }
            Ok(())
        })
    }

    /// Linux's walk of a guard request (`madvise_walk_vmas`): VMA by VMA in address order,
    /// EINVAL at the first one that cannot hold guards (the vDSO's special mappings), `f` for
    /// each page of the others; a range not wholly mapped is ENOMEM once the mapped parts are
    /// done.
    fn each_guardable(
        &mut self,
        start: u64,
        end: u64,
        f: &mut dyn FnMut(&mut AddressSpace, u64) -> Result<(), isize>,
    ) -> Result<(), isize> {
        let mut at = start;
        let mut gap = false;
        while at < end {
            let Some(v) = self.vmas.iter().find(|v| v.end > at && v.start < end).copied() else {
                gap = true;
                break;
            };
            gap |= v.start > at;
            if matches!(v.name, "[vdso]" | "[vvar]") {
                return Err(EINVAL);
            }
            let mut va = v.start.max(at);
            while va < v.end.min(end) {
                f(self, va)?;
                va += PAGE;
            }
            at = v.end;
        }
        if gap { Err(ENOMEM) } else { Ok(()) }
    }
}
