//! The heap's page allocator: free page runs kept in size-segregated lists, split on allocation, coalesced with
//! their neighbours on free, grown by committing more of the current arena.
//!
//! Mirrors Go's `runtime/mheap.go` as it was up to Go 1.13 (`allocSpanLocked`, `freeSpanLocked`, `grow`, the
//! `free[_MaxMHeapList]` lists and `freelarge`), before Go 1.14 replaced it with the radix-tree bitmap allocator
//! in `mpagealloc.go`. Runs shorter than 128 pages (1 MiB) sit on exact-size lists, found in O(1) through a bit
//! mask of non-empty lists; longer runs on one list searched best-fit. A free run is recorded in the arena's page
//! → span table at its first and last page, which is how a freed span finds the runs on either side.
//!
//! Memory is committed in steps of at least [`HEAP_GROW_PAGES`] pages (512 KiB, Go's `pallocChunkPages`
//! rounding), never page by page. Each free run counts how many of its pages may still hold physical memory
//! (`MSpan::dirty`, an upper bound); once a run has [`RELEASE_MIN_PAGES`] such pages, the whole run is given back
//! to the OS with `MADV_DONTNEED` (Go leaves that to its background scavenger; rt0 has no background work yet).
//! Counting dirty pages instead of releasing every freed span keeps the system calls to one per 512 KiB freed.

use super::mheap::MHeap;
use super::mspan::{MSPAN_FREE, MSpan};
use super::persistent::round_up;
use super::{HEAP_GROW_PAGES, MAX_MHEAP_LIST, PAGE_SHIFT, RELEASE_MIN_PAGES};
use core::ptr::null_mut;

impl MHeap {
    /// A span struct for a run of exactly `npages` committed pages, growing the heap if needed (Go's
    /// `allocSpanLocked`); null if the OS has no more memory. The span's state and map entries are the caller's
    /// to set.
    pub(super) fn alloc_pages(&mut self, npages: usize) -> *mut MSpan {
        loop {
            let s = self.take_free_run(npages);
            if !s.is_null() {
                // SAFETY: `s` was just taken off the free lists: a live span struct nobody else refers to.
                unsafe {
                    if (*s).npages > npages {
                        let t = self.new_span_struct();
                        (*t).start = (*s).start + (npages << PAGE_SHIFT);
                        (*t).npages = (*s).npages - npages;
                        (*t).dirty = (*s).dirty.min((*t).npages);
                        (*s).npages = npages;
                        self.insert_free(t);
                    }
                }
                return s;
            }
            if !self.grow(npages) {
                return null_mut();
            }
        }
    }

    /// Takes a free run of at least `npages` off the free lists: the smallest exact-size list that fits, else the
    /// best fit (lowest address on ties) among the long runs. Null if there is none.
    fn take_free_run(&mut self, npages: usize) -> *mut MSpan {
        if npages < MAX_MHEAP_LIST {
            let fits = self.free_mask & (!0u128 << npages);
            if fits != 0 {
                let s = self.free[fits.trailing_zeros() as usize].first;
                // SAFETY: `s` heads a non-empty free list.
                unsafe { self.remove_free(s) };
                return s;
            }
        }
        let mut best: *mut MSpan = null_mut();
        let mut s = self.free_large.first;
        // SAFETY: the list holds live free spans.
        unsafe {
            while !s.is_null() {
                let better = best.is_null()
                    || (*s).npages < (*best).npages
                    || ((*s).npages == (*best).npages && (*s).start < (*best).start);
                if (*s).npages >= npages && better {
                    best = s;
                }
                s = (*s).next;
            }
            if !best.is_null() {
                self.remove_free(best);
            }
        }
        best
    }

    /// Puts the free run `s` on its list and records its ends in the page → span table.
    ///
    /// # Safety
    /// `s` must be a live span struct on no list, covering committed pages nobody uses.
    unsafe fn insert_free(&mut self, s: *mut MSpan) {
        // SAFETY: `s` is live and on no list (caller).
        let (start, n, dirty) = unsafe {
            (*s).state = MSPAN_FREE;
            (*s).class = 0;
            ((*s).start, (*s).npages, (*s).dirty)
        };
        self.set_span(start, s);
        self.set_span(start + ((n - 1) << PAGE_SHIFT), s);
        self.stats.released += ((n - dirty) as u64) << PAGE_SHIFT;
        // SAFETY: `s` is on no list.
        unsafe {
            if n < MAX_MHEAP_LIST {
                self.free[n].push(s);
                self.free_mask |= 1 << n;
            } else {
                self.free_large.push(s);
            }
        }
    }

    /// Takes the free run `s` off its list.
    ///
    /// # Safety
    /// `s` must be on the free lists.
    unsafe fn remove_free(&mut self, s: *mut MSpan) {
        // SAFETY: `s` is a live free run on its list (caller).
        let (n, dirty) = unsafe { ((*s).npages, (*s).dirty) };
        self.stats.released -= ((n - dirty) as u64) << PAGE_SHIFT;
        // SAFETY: as above.
        unsafe {
            if n < MAX_MHEAP_LIST {
                self.free[n].remove(s);
                if self.free[n].is_empty() {
                    self.free_mask &= !(1 << n);
                }
            } else {
                self.free_large.remove(s);
            }
        }
    }

    /// The free run ending at `addr` or starting at `addr` (as `before` says), or null.
    fn free_neighbour(&self, addr: usize, before: bool) -> *mut MSpan {
        let s = self.span_of(if before { addr.wrapping_sub(1) } else { addr });
        // SAFETY: table entries are null or live span structs; a stale entry fails the state or position check.
        let ok = !s.is_null()
            && unsafe { (*s).state == MSPAN_FREE && if before { (*s).limit() == addr } else { (*s).start == addr } };
        if ok { s } else { null_mut() }
    }

    /// Returns the pages of `s` to the free runs, merging it with free runs on either side, and gives the run's
    /// memory back to the OS once it has `RELEASE_MIN_PAGES` dirty pages (Go's `freeSpanLocked`).
    ///
    /// # Safety
    /// `s` must be a live span struct on no list whose committed pages nobody uses any more, with `dirty` set.
    pub(super) unsafe fn free_pages(&mut self, s: *mut MSpan) {
        // SAFETY: `s` is live (caller); neighbours come off the free lists before they are merged and recycled.
        unsafe {
            for before in [true, false] {
                let addr = if before { (*s).start } else { (*s).limit() };
                let t = self.free_neighbour(addr, before);
                if t.is_null() {
                    continue;
                }
                self.remove_free(t);
                if before {
                    (*s).start = (*t).start;
                }
                (*s).npages += (*t).npages;
                (*s).dirty += (*t).dirty;
                self.recycle_span_struct(t);
            }
            if (*s).dirty >= RELEASE_MIN_PAGES {
                (self.sys.unused)((*s).start, (*s).npages << PAGE_SHIFT);
                (*s).dirty = 0;
            }
            self.insert_free(s);
        }
    }

    /// Commits at least `npages` more pages (in steps of `HEAP_GROW_PAGES`) from the current reservation,
    /// reserving new arenas when it runs out, and adds them to the free runs (Go's `mheap.grow`). False if the
    /// OS refuses.
    fn grow(&mut self, npages: usize) -> bool {
        let ask = round_up(npages, HEAP_GROW_PAGES) << PAGE_SHIFT;
        if self.cur_end - self.cur_base < ask {
            let Some(base) = self.reserve_arenas(ask) else { return false };
            if base != self.cur_end && self.cur_end > self.cur_base {
                // Not contiguous: commit what is left of the old reservation and free it, as Go does.
                let rest = self.cur_end - self.cur_base;
                if !self.commit_free(self.cur_base, rest) {
                    return false;
                }
            }
            if base != self.cur_end {
                self.cur_base = base;
            }
            self.cur_end = base + round_up(ask, super::HEAP_ARENA_BYTES);
        }
        let base = self.cur_base;
        self.cur_base += ask;
        self.commit_free(base, ask)
    }

    /// Commits `[base, base + len)` of reserved arena space and frees it into the heap as one released run.
    fn commit_free(&mut self, base: usize, len: usize) -> bool {
        let s = self.new_span_struct();
        // SAFETY: the range lies in this heap's own reservation and has never been handed out.
        if !unsafe { (self.sys.map)(base, len) } {
            self.recycle_span_struct(s);
            return false;
        }
        self.stats.sys += len as u64;
        // SAFETY: `s` is a fresh span struct for the freshly committed, untouched pages.
        unsafe {
            (*s).start = base;
            (*s).npages = len >> PAGE_SHIFT;
            (*s).dirty = 0; // never touched: no physical memory yet
            self.free_pages(s);
        }
        true
    }
}
