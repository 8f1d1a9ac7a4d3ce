//! The bookkeeping half of an address space (Linux's `mm_struct` VMA tree, mm/mmap.c): a sorted
//! set of non-overlapping virtual memory areas, each a page-aligned `[start, end)` with its
//! protection and a name for reports. Pure arithmetic over the map — no page tables — so it is
//! unit-tested on the host; [`super::aspace`] pairs it with the x86-64 page-table walker.
//!
//! As in Linux, neighbours of one protection and name merge into one VMA, and the count is
//! bounded by `vm.max_map_count` ([`MAX_MAP_COUNT`]) with Linux's checks: a new mapping needs
//! the count at most the limit (mm/mmap.c do_mmap), a split needs it below (split_vma), and an
//! unmap that leaves two pieces of one VMA needs it below (vms_gather_munmap_vmas). Each VMA
//! costs the kernel heap about 100 bytes, so the limit bounds that memory too.
use abi::mman::{MAX_MAP_COUNT, PAGE_SIZE, PROT_EXEC, PROT_WRITE, TASK_SIZE_MAX};
use alloc::collections::BTreeMap;

/// Page size as the address arithmetic uses it.
pub const PAGE: u64 = PAGE_SIZE as u64;
/// Exclusive end of user space: Linux's TASK_SIZE_MAX, 2^47 minus one page. The top page of the
/// lower half stays unmapped so that a `syscall` there can never return (SYSRET) to the
/// non-canonical address just above it.
pub const USER_END: u64 = TASK_SIZE_MAX as u64;

pub fn page_down(a: u64) -> u64 {
    a & !(PAGE - 1)
}

pub fn page_up(a: u64) -> Option<u64> {
    a.checked_add(PAGE - 1).map(page_down)
}

/// One mapped range `[start, end)` with its protection (`PROT_*` bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub prot: u32,
    pub name: &'static str,
}

/// What a touch wanted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    Read,
    Write,
    Exec,
}

/// Whether `prot` permits `access`: x86 pages are readable whenever present, so any protection
/// but PROT_NONE allows a read.
pub fn allowed(prot: u32, access: Access) -> bool {
    match access {
        Access::Read => prot != 0,
        Access::Write => prot & PROT_WRITE as u32 != 0,
        Access::Exec => prot & PROT_EXEC as u32 != 0,
    }
}

/// The VMAs of one address space, keyed by start address, and the last one a lookup found
/// (Linux's vmacache): user copies and faults hit the same VMA again and again, so most lookups
/// skip the tree. Every change to the map forgets it.
#[derive(Default, Clone)]
pub struct Vmas {
    map: BTreeMap<u64, Vma>,
    last: core::cell::Cell<Option<Vma>>,
}

impl Vmas {
    pub const fn new() -> Self {
        Vmas { map: BTreeMap::new(), last: core::cell::Cell::new(None) }
    }

    /// The VMA containing `addr` (a copy: VMAs are small).
    pub fn find(&self, addr: u64) -> Option<Vma> {
        if let Some(v) = self.last.get()
            && (v.start..v.end).contains(&addr)
        {
            return Some(v);
        }
        let found = self.lookup(addr);
        if found.is_some() {
            self.last.set(found);
        }
        found
    }

    /// The VMA containing `addr`, from the tree (the mutators use this: a cached copy of a VMA
    /// they are about to change would go stale).
    fn lookup(&self, addr: u64) -> Option<Vma> {
        self.map.range(..=addr).next_back().map(|(_, v)| *v).filter(|v| addr < v.end)
    }

    /// Whether no VMA overlaps `[start, end)`.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        self.map.range(..end).next_back().is_none_or(|(_, v)| v.end <= start)
    }

    /// The lowest free gap of `len` bytes at or above `from` (page-aligned), below USER_END.
    pub fn find_free(&self, from: u64, len: u64) -> Option<u64> {
        // Start after the VMA that contains `from`, if any, then walk the later ones.
        let mut cand = self.find(from).map_or(from, |v| v.end);
        for v in self.map.range(cand..).map(|(_, v)| v) {
            if v.start >= cand.checked_add(len)? {
                break;
            }
            cand = v.end;
        }
        (cand.checked_add(len)? <= USER_END).then_some(cand)
    }

    /// The highest free gap of `len` bytes ending at or below `limit` (and USER_END) and
    /// starting at or above `floor` (Linux's top-down `unmapped_area_topdown`).
    pub fn find_free_below(&self, floor: u64, limit: u64, len: u64) -> Option<u64> {
        let mut top = limit.min(USER_END);
        for v in self.map.range(..top).rev().map(|(_, v)| v) {
            if v.end <= top && top - v.end >= len {
                break; // the gap [v.end, top) fits
            }
            top = top.min(v.start);
        }
        top.checked_sub(len).filter(|&s| s >= floor)
    }

    /// The free range around `[start, end)`, which no VMA overlaps: from the end of the VMA
    /// before it (or 0) to the start of the one after it (or `u64::MAX`).
    pub fn gap_around(&self, start: u64, end: u64) -> (u64, u64) {
        debug_assert!(self.is_free(start, end));
        let floor = self.map.range(..start).next_back().map_or(0, |(_, v)| v.end);
        let ceiling = self.map.range(end..).next().map_or(u64::MAX, |(&s, _)| s);
        (floor, ceiling)
    }

    /// Whether one more mapping may be made (Linux's do_mmap and do_brk_flags: the count may
    /// not already exceed the limit).
    pub fn may_map(&self) -> bool {
        self.map.len() <= MAX_MAP_COUNT
    }

    /// Adds a VMA over a free, page-aligned, non-empty range (callers unmap first for MAP_FIXED),
    /// merged with the neighbours it touches that have its protection and name.
    pub fn insert(&mut self, start: u64, end: u64, prot: u32, name: &'static str) {
        self.last.set(None);
        debug_assert!(
            self.is_free(start, end) && start.is_multiple_of(PAGE) && end.is_multiple_of(PAGE) && start < end
        );
        let same = |v: &Vma| v.prot == prot && v.name == name;
        let next = self.map.get(&end).copied().filter(same);
        if let Some((_, prev)) = self.map.range_mut(..start).next_back()
            && prev.end == start
            && same(prev)
        {
            // The common case, a mapping placed after one like it: the neighbour grows in place.
            prev.end = next.map_or(end, |n| n.end);
            if next.is_some() {
                self.map.remove(&end);
            }
            return;
        }
        let end = match next {
            Some(n) => {
                self.map.remove(&end);
                n.end
            }
            None => end,
        };
        self.map.insert(start, Vma { start, end, prot, name });
    }

    /// Joins the VMA ending at `at` and the one starting there if their protection and name
    /// agree (Linux's vma_merge for private anonymous memory).
    fn merge_at(&mut self, at: u64) {
        let Some(next) = self.map.get(&at).copied() else { return };
        let prev = self.map.range(..at).next_back().map(|(_, v)| *v);
        if let Some(prev) = prev.filter(|p| p.end == at && p.prot == next.prot && p.name == next.name) {
            self.map.remove(&at);
            self.map.insert(prev.start, Vma { end: next.end, ..prev });
        }
    }

    /// Splits the VMA containing `at` so that `at` is a boundary; `checked`: only while the
    /// count is below the limit (Linux's split_vma), else Err and nothing changes.
    fn split_at(&mut self, at: u64, checked: bool) -> Result<(), ()> {
        self.last.set(None);
        if let Some(v) = self.lookup(at)
            && v.start < at
        {
            if checked && self.map.len() >= MAX_MAP_COUNT {
                return Err(());
            }
            self.map.insert(v.start, Vma { end: at, ..v });
            self.map.insert(at, Vma { start: at, ..v });
        }
        Ok(())
    }

    /// Removes `[start, end)` from every VMA (cutting those that straddle its ends). Err, with
    /// nothing changed, when that would cut one VMA into two pieces at the limit.
    pub fn remove(&mut self, start: u64, end: u64) -> Result<(), ()> {
        self.last.set(None);
        // The common cases first: the range is a whole VMA, or its tail, which shrinks in place.
        if let Some((_, v)) = self.map.range_mut(..=start).next_back()
            && start < v.end
            && v.end == end
        {
            if v.start == start {
                self.map.remove(&start);
            } else {
                v.end = start;
            }
            return Ok(());
        }
        if let Some(v) = self.lookup(start)
            && v.start < start
            && end < v.end
            && self.map.len() >= MAX_MAP_COUNT
        {
            return Err(());
        }
        // Linux lets the count pass the limit for a moment here, to free what is asked.
        self.split_at(start, false)?;
        self.split_at(end, false)?;
        // After the splits every VMA that starts in the range also ends in it; the one that
        // ends at `end` is the last, so the loop needs no final empty lookup.
        while let Some(k) = self.map.range(start..end).next().map(|(k, _)| *k) {
            if self.map.remove(&k).is_some_and(|v| v.end >= end) {
                break;
            }
        }
        Ok(())
    }

    /// The VMA containing `addr` widened over its neighbours of the same protection: what
    /// Linux would hold as one merged VMA (rt0 never merges), as mremap sees it.
    pub fn extent(&self, addr: u64) -> Option<Vma> {
        let mut e = self.lookup(addr)?;
        while let Some(v) = e.start.checked_sub(1).and_then(|a| self.lookup(a)).filter(|v| v.prot == e.prot) {
            e.start = v.start;
        }
        while let Some(v) = self.lookup(e.end).filter(|v| v.prot == e.prot) {
            e.end = v.end;
        }
        Some(e)
    }

    /// Moves the VMAs of `[from, from + len)` to a free `[to, to + new_len)` as one VMA of
    /// `from`'s protection and name (mremap's `move_vma`), removing the old range unless `keep`
    /// (MREMAP_DONTUNMAP). The caller moves the pages.
    pub fn relocate(&mut self, from: u64, len: u64, to: u64, new_len: u64, keep: bool) {
        let v = self.lookup(from).expect("relocate: the source is mapped");
        if !keep {
            // The caller checked the count (mremap's move needs room for three more).
            let _ = self.remove(from, from + len);
        }
        self.insert(to, to + new_len, v.prot, v.name);
    }

    /// Whether every page of `[start, end)` lies in some VMA (Linux's mprotect and madvise
    /// need that: a gap is ENOMEM).
    pub fn covers(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        while at < end {
            match self.find(at) {
                Some(v) => at = v.end,
                None => return false,
            }
        }
        true
    }

    /// Sets the protection of `[start, end)`, which [`Self::covers`] must have approved, then
    /// merges what now agrees. Err (ENOMEM) when a split would pass the limit; as in Linux, a
    /// first split already made stays (it changes nothing a program can see).
    pub fn protect(&mut self, start: u64, end: u64, prot: u32) -> Result<(), ()> {
        self.last.set(None);
        self.split_at(start, true)?;
        self.split_at(end, true)?;
        let mut starts = alloc::vec::Vec::new();
        for (&k, v) in self.map.range_mut(start..end) {
            v.prot = prot;
            starts.push(k);
        }
        self.merge_at(end);
        for k in starts.into_iter().rev() {
            self.merge_at(k);
        }
        Ok(())
    }

    /// Whether `[addr, addr + len)` lies in VMAs that allow `access`: `Err(true)` for a gap
    /// (SEGV_MAPERR), `Err(false)` for a VMA that forbids it (SEGV_ACCERR).
    pub fn check(&self, addr: u64, len: u64, access: Access) -> Result<(), bool> {
        let end = addr.checked_add(len).filter(|&e| e <= USER_END).ok_or(true)?;
        let mut at = addr;
        while at < end {
            let v = self.find(at).ok_or(true)?;
            if !allowed(v.prot, access) {
                return Err(false);
            }
            at = v.end;
        }
        Ok(())
    }

    /// Number of VMAs.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The VMAs in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Vma> {
        self.map.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const R: u32 = 1;
    const RW: u32 = 3;

    #[test]
    fn top_down_search_finds_the_highest_gap_that_fits() {
        let mut v = Vmas::new();
        v.insert(0x10000, 0x20000, R, "a");
        v.insert(0x30000, 0x40000, R, "b");
        v.insert(0x80000, 0x90000, R, "c");
        assert_eq!(v.find_free_below(0x10000, 0x90000, 0x10000), Some(0x70000));
        assert_eq!(v.find_free_below(0x10000, 0x85000, 0x40000), Some(0x40000));
        assert_eq!(v.find_free_below(0x10000, 0x85000, 0x41000), None);
        assert_eq!(v.find_free_below(0x10000, 0x40000, 0x10000), Some(0x20000));
        assert_eq!(v.find_free_below(0, 0x10000, 0x10000), Some(0));
        assert_eq!(v.find_free_below(0x1000, 0x10000, 0x10000), None);
    }

    #[test]
    fn the_gap_around_a_range_reaches_its_neighbours() {
        let mut v = Vmas::new();
        v.insert(0x10000, 0x20000, R, "a");
        v.insert(0x80000, 0x90000, R, "c");
        assert_eq!(v.gap_around(0x30000, 0x40000), (0x20000, 0x80000));
        assert_eq!(v.gap_around(0x90000, 0xa0000), (0x90000, u64::MAX));
        assert_eq!(v.gap_around(0x0, 0x1000), (0, 0x10000));
    }

    fn spans(v: &Vmas) -> Vec<(u64, u64, u32)> {
        v.iter().map(|v| (v.start, v.end, v.prot)).collect()
    }

    #[test]
    fn find_is_half_open() {
        let mut v = Vmas::new();
        v.insert(0x10000, 0x12000, R, "a");
        assert!(v.find(0xffff).is_none());
        assert_eq!(v.find(0x10000).unwrap().start, 0x10000);
        assert_eq!(v.find(0x11fff).unwrap().start, 0x10000);
        assert!(v.find(0x12000).is_none());
    }

    #[test]
    fn remove_cuts_straddling_vmas_and_keeps_the_rest() {
        let mut v = Vmas::new();
        v.insert(0x10000, 0x20000, RW, "a");
        v.remove(0x12000, 0x13000).unwrap();
        assert_eq!(spans(&v), [(0x10000, 0x12000, RW), (0x13000, 0x20000, RW)]);
        v.remove(0x0, 0x11000).unwrap();
        assert_eq!(spans(&v), [(0x11000, 0x12000, RW), (0x13000, 0x20000, RW)]);
        v.remove(0x11000, USER_END).unwrap();
        assert!(v.is_empty());
    }

    #[test]
    fn protect_splits_into_three_and_covers_sees_gaps() {
        let mut v = Vmas::new();
        v.insert(0x10000, 0x20000, RW, "a");
        assert!(v.covers(0x11000, 0x12000));
        v.protect(0x11000, 0x12000, R).unwrap();
        assert_eq!(spans(&v), [(0x10000, 0x11000, RW), (0x11000, 0x12000, R), (0x12000, 0x20000, RW)]);
        v.insert(0x21000, 0x22000, R, "b");
        assert!(!v.covers(0x1f000, 0x22000), "the page at 0x20000 is a gap");
        assert!(v.covers(0x10000, 0x20000));
    }

    #[test]
    fn find_free_skips_occupied_ranges_and_respects_the_end() {
        let mut v = Vmas::new();
        v.insert(0x10000, 0x20000, R, "a");
        v.insert(0x21000, 0x30000, R, "b");
        assert_eq!(v.find_free(0x10000, 0x1000), Some(0x20000));
        assert_eq!(v.find_free(0x10000, 0x2000), Some(0x30000));
        assert_eq!(v.find_free(0x5000, 0x1000), Some(0x5000));
        assert_eq!(v.find_free(USER_END - 0x1000, 0x1000), Some(USER_END - 0x1000));
        assert_eq!(v.find_free(USER_END - 0x1000, 0x2000), None);
        assert_eq!(v.find_free(u64::MAX - 0xfff, 0x1000), None, "no overflow");
    }

    #[test]
    fn is_free_and_check_report_gaps_and_forbidden_access() {
        let mut v = Vmas::new();
        v.insert(0x10000, 0x11000, R, "ro");
        v.insert(0x11000, 0x12000, 0, "none");
        assert!(!v.is_free(0xf000, 0x10001));
        assert!(v.is_free(0x12000, 0x13000));
        assert_eq!(v.check(0x10000, 0x1000, Access::Read), Ok(()));
        assert_eq!(v.check(0x10000, 0x1000, Access::Write), Err(false));
        assert_eq!(v.check(0x10ff0, 0x20, Access::Read), Err(false), "runs into PROT_NONE");
        assert_eq!(v.check(0x11ff0, 0x20, Access::Read), Err(false));
        assert_eq!(v.check(0x12000, 1, Access::Read), Err(true));
        assert_eq!(v.check(USER_END - 1, 2, Access::Read), Err(true), "past the user half");
        assert_eq!(v.check(u64::MAX, 2, Access::Read), Err(true), "wraps");
    }

    #[test]
    fn page_rounding() {
        assert_eq!(page_down(0x1fff), 0x1000);
        assert_eq!(page_up(0x1001), Some(0x2000));
        assert_eq!(page_up(0x1000), Some(0x1000));
        assert_eq!(page_up(u64::MAX), None);
    }
}

#[cfg(test)]
mod remap_tests {
    use super::*;

    #[test]
    fn extent_spans_neighbours_of_the_same_protection_only() {
        let mut v = Vmas::new();
        v.insert(0x10000, 0x12000, 3, "anon");
        v.insert(0x12000, 0x14000, 3, "brk");
        v.insert(0x14000, 0x15000, 1, "ro");
        v.insert(0x16000, 0x17000, 3, "gap before");
        let e = v.extent(0x13000).unwrap();
        assert_eq!((e.start, e.end, e.prot), (0x10000, 0x14000, 3));
        assert_eq!(v.extent(0x14000).map(|e| (e.start, e.end)), Some((0x14000, 0x15000)));
        assert_eq!(v.extent(0x16000).map(|e| (e.start, e.end)), Some((0x16000, 0x17000)), "a gap ends it");
        assert!(v.extent(0x15000).is_none());
    }

    #[test]
    fn relocate_moves_or_copies_the_range_and_keeps_the_cache_right() {
        let mut v = Vmas::new();
        v.insert(0x10000, 0x14000, 3, "anon");
        assert_eq!(v.find(0x11000).unwrap().end, 0x14000, "cached");
        v.relocate(0x11000, 0x2000, 0x40000, 0x5000, false);
        assert_eq!(
            v.iter().map(|v| (v.start, v.end)).collect::<Vec<_>>(),
            [(0x10000, 0x11000), (0x13000, 0x14000), (0x40000, 0x45000)]
        );
        assert!(v.find(0x11000).is_none(), "the cached VMA must not survive the move");
        assert_eq!(v.find(0x44fff).unwrap().name, "anon");
        v.relocate(0x40000, 0x5000, 0x50000, 0x5000, true);
        assert_eq!(v.find(0x40000).unwrap().end, 0x45000, "MREMAP_DONTUNMAP keeps the old range");
        assert_eq!(v.find(0x54000).unwrap().prot, 3);
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    #[test]
    fn a_lookup_after_protect_or_remove_sees_the_new_map() {
        let mut v = Vmas::new();
        v.insert(0x10000, 0x20000, 3, "a");
        assert_eq!(v.find(0x15000).unwrap().prot, 3, "caches the whole VMA");
        assert!(v.covers(0x12000, 0x13000));
        v.protect(0x12000, 0x13000, 0).unwrap();
        assert_eq!(v.find(0x12500).unwrap().prot, 0, "the cached VMA must not survive the split");
        assert_eq!(v.find(0x11000).unwrap(), Vma { start: 0x10000, end: 0x12000, prot: 3, name: "a" });
        v.remove(0x10000, 0x12000).unwrap();
        assert!(v.find(0x11000).is_none(), "the cached VMA must not survive the removal");
        v.insert(0x10000, 0x11000, 1, "b");
        assert_eq!(v.find(0x10800).unwrap().name, "b");
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn neighbours_of_one_protection_and_name_merge() {
        let mut v = Vmas::new();
        v.insert(0x10000, 0x11000, 3, "anon");
        v.insert(0x12000, 0x13000, 3, "anon");
        v.insert(0x11000, 0x12000, 3, "anon");
        assert_eq!(v.iter().map(|v| (v.start, v.end)).collect::<Vec<_>>(), [(0x10000, 0x13000)]);
        v.insert(0x13000, 0x14000, 1, "anon");
        v.insert(0x14000, 0x15000, 1, "brk");
        assert_eq!(v.len(), 3, "another protection or name stays apart");
        v.protect(0x11000, 0x12000, 1).unwrap();
        assert_eq!(v.len(), 5);
        v.protect(0x11000, 0x12000, 3).unwrap();
        assert_eq!(v.len(), 3, "protecting it back merges again");
        v.protect(0x10000, 0x13000, 1).unwrap();
        assert_eq!(v.find(0x13000).unwrap(), Vma { start: 0x10000, end: 0x14000, prot: 1, name: "anon" });
    }

    #[test]
    fn the_count_stops_at_max_map_count() {
        let mut v = Vmas::new();
        let page = |i: u64| 0x10000 + 2 * i * PAGE;
        let mut n = 0;
        while v.may_map() {
            v.insert(page(n), page(n) + PAGE, 1, "anon");
            n += 1;
        }
        assert_eq!(v.len(), MAX_MAP_COUNT + 1, "do_mmap checks `map_count > max` first");
        v.remove(page(0), page(2)).unwrap();
        assert_eq!(v.len(), MAX_MAP_COUNT - 1);
        let big = page(n);
        v.insert(big, big + 8 * PAGE, 1, "anon");
        assert_eq!(v.len(), MAX_MAP_COUNT);
        assert_eq!(v.protect(big + PAGE, big + 2 * PAGE, 0), Err(()), "a split at the limit");
        assert_eq!(v.remove(big + PAGE, big + 2 * PAGE), Err(()), "an unmap leaving two pieces");
        v.remove(big, big + PAGE).unwrap();
        assert_eq!(v.len(), MAX_MAP_COUNT, "trimming an end needs no room");
    }
}
