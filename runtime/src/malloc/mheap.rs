//! `MHeap`: the page heap. It owns the arenas, hands out spans of pages to the mcentrals and to large objects,
//! takes them back, and maps any address to its span in O(1).
//!
//! Mirrors Go's `runtime/mheap.go` (`mheap`, `heapArena`, `spanOf`, `alloc`, `freeSpan`, `allocMSpanLocked`).
//! The free-page bookkeeping is in `pages` and the arena reservation in `arena`; this file holds the structure and
//! the span-level operations. Go's `heapArena.spans` is here too: every arena has a page → span table, filled for
//! every page of an in-use span and for the first and last page of a free run, so `free(ptr)` finds its span
//! with two loads and a free run finds its neighbours for coalescing.
//!
//! The heap's OS services come in a [`SysMem`] and its metadata memory from a [`PersistentAlloc`], so host tests
//! run the same code over a `Vec`-backed region.

use super::mcache::MCache;
use super::mcentral::MCentral;
use super::mspan::{MSPAN_DEAD, MSPAN_IN_USE, MSPAN_LARGE, MSpan, SpanList};
use super::persistent::{ChunkSource, PersistentAlloc};
use super::sizeclasses::{CLASS_TO_ALLOCNPAGES, CLASS_TO_NOBJ, CLASS_TO_SIZE, NUM_SIZE_CLASSES};
use super::{ARENA_INDEX_LEN, HEAP_ARENA_BYTES, LOG_HEAP_ARENA_BYTES, MAX_MHEAP_LIST, PAGE_SHIFT, PAGES_PER_ARENA};
use crate::mem::ReserveError;
use core::ptr::null_mut;

/// The OS operations the heap needs (see `crate::mem`); plain functions, so tests can substitute fakes.
#[derive(Clone, Copy)]
pub struct SysMem {
    /// Reserve exactly `[hint, hint + len)`: None → Reserved.
    pub reserve: fn(hint: usize, len: usize) -> Result<usize, ReserveError>,
    /// Make reserved memory readable and writable: Reserved → Ready. Safety as for `mem::sys_map`.
    pub map: unsafe fn(addr: usize, len: usize) -> bool,
    /// Give the pages of a dead range back: Ready → Prepared. Safety as for `mem::sys_unused`.
    pub unused: unsafe fn(addr: usize, len: usize),
}

/// Per-arena metadata (Go's `heapArena`): the span that owns each page. Allocated from persistent memory when the
/// arena is reserved; 64 KiB per 64 MiB arena.
#[repr(C)]
pub struct HeapArena {
    pub spans: [*mut MSpan; PAGES_PER_ARENA],
}

/// Heap-level counters (Go keeps these in `memstats` and `gcController`).
#[derive(Clone, Copy, Default, Debug)]
pub struct HeapStats {
    /// Bytes of arena memory committed (`sys_map`ped): Go's `HeapSys`.
    pub sys: u64,
    /// Bytes in spans that hold objects: Go's `HeapInuse`.
    pub inuse: u64,
    /// Bytes of free runs whose pages were given back to the OS (or never touched): Go's `HeapReleased`.
    pub released: u64,
}

/// The heap (Go's `mheap`). The runtime has one, `malloc::MHEAP`; tests make their own.
#[repr(C)]
pub struct MHeap {
    /// The address of arena index 0, arena-aligned ([`super::ARENA_BASE_HINT`] for the runtime's heap).
    pub arena_base: usize,
    /// Arena index → metadata; null where no arena is reserved (Go's `arenas`, one level since the heap's address
    /// window is small).
    pub arenas: [*mut HeapArena; ARENA_INDEX_LEN],
    /// Usable index slots (≤ `ARENA_INDEX_LEN`): the heap never reserves past `arena_base + arena_limit` arenas.
    pub(super) arena_limit: usize,
    /// The next arena address to try (Go's `arenaHints`).
    pub(super) next_hint: usize,
    /// The reserved but not yet committed rest of the newest reservation (Go's `curArena`).
    pub(super) cur_base: usize,
    pub(super) cur_end: usize,
    /// Free runs of exactly `n` pages on `free[n]` (n < 128), bit `n` of `free_mask` set iff that list is not
    /// empty; longer runs on `free_large` (Go ≤ 1.13's `free[_MaxMHeapList]` and `freelarge`).
    pub(super) free: [SpanList; MAX_MHEAP_LIST],
    pub(super) free_mask: u128,
    pub(super) free_large: SpanList,
    /// Unused span structs (Go's `spanalloc` fixalloc free list), linked through `next`.
    span_pool: *mut MSpan,
    /// One mcentral per size class (Go's `central`).
    pub central: [MCentral; NUM_SIZE_CLASSES],
    /// Metadata memory (Go's `persistentalloc`).
    pub persistent: PersistentAlloc,
    pub(super) sys: SysMem,
    /// Every mcache made from this heap, linked through `MCache::next`: `read_memstats` sums their counters.
    pub caches: *mut MCache,
    pub stats: HeapStats,
    /// The heap lock (Go's `mheap_.lock`, which also stands here for each mcentral's lock): every field above is
    /// read and written with it held, except `arenas` and the arenas' span tables, which `span_of` reads without
    /// it (an entry for a live object's page is written before the object is handed out and stays until it is
    /// freed), and each span's `owner`, read by `MCache::free`. A leaf: nothing takes another lock under it.
    pub lock: crate::lock_futex::Mutex,
}

/// The span that owns the page holding `addr` in `heap` (Go's `spanOf`), or null: [`MHeap::span_of`] without
/// forming a reference to the heap, for the lock-free paths of another thread's alloc and free. Reads only the
/// arena index and the arena's span table; the entry of a live object's page does not change while it lives.
#[inline(always)]
pub(super) fn span_of(heap: *const MHeap, addr: usize) -> *mut MSpan {
    // the heap outlives its callers; the arena index and the tables are read through raw places, and
    // non-null arena entries point at live HeapArena metadata; both indices are in range.
    // SAFETY: so the block below is sound.
    unsafe {
        let ai = addr.wrapping_sub((*heap).arena_base) >> LOG_HEAP_ARENA_BYTES;
        if ai >= ARENA_INDEX_LEN {
            return null_mut();
        }
        let ha = (*heap).arenas[ai];
        if ha.is_null() {
            return null_mut();
        }
        (*ha).spans[(addr >> PAGE_SHIFT) & (PAGES_PER_ARENA - 1)]
    }
}

/// Takes the heap lock of `heap`. The plain futex lock (Go's `lock2`, no M bookkeeping): the allocator also
/// serves bare programs, which have no M and no TLS, and host tests; it is never held across a park or a
/// reschedule, only across the slow paths of allocation and free.
#[inline]
pub(super) fn lock_heap(heap: *mut MHeap) {
    // the heap outlives every caller; the lock is an atomic word reached through a raw pointer, so no
    // reference to the rest of the heap is formed here.
    // SAFETY: so the block below is sound.
    unsafe { (*(&raw const (*heap).lock)).lock2() }
}

/// Releases the heap lock of `heap`.
#[inline]
pub(super) fn unlock_heap(heap: *mut MHeap) {
    // SAFETY: as for lock_heap.
    unsafe { (*(&raw const (*heap).lock)).unlock2() }
}

impl MHeap {
    /// An empty heap whose arenas will be reserved at `arena_base`, `arena_base + 64 MiB`, … (at most
    /// `arena_limit` of them). Reserves nothing (Go's `mheap.init`).
    pub const fn new(sys: SysMem, chunk: ChunkSource, arena_base: usize, arena_limit: usize) -> MHeap {
        assert!(arena_base.is_multiple_of(HEAP_ARENA_BYTES) && arena_limit <= ARENA_INDEX_LEN);
        MHeap {
            arena_base,
            arenas: [null_mut(); ARENA_INDEX_LEN],
            arena_limit,
            next_hint: arena_base,
            cur_base: 0,
            cur_end: 0,
            free: [SpanList::ZERO; MAX_MHEAP_LIST],
            free_mask: 0,
            free_large: SpanList::ZERO,
            span_pool: null_mut(),
            central: [MCentral::ZERO; NUM_SIZE_CLASSES],
            persistent: PersistentAlloc::new(chunk),
            sys,
            caches: null_mut(),
            stats: HeapStats { sys: 0, inuse: 0, released: 0 },
            lock: crate::lock_futex::Mutex::new(),
        }
    }

    /// The arena metadata for `addr`, or null if `addr` is not in a reserved arena.
    #[inline(always)]
    pub fn arena_of(&self, addr: usize) -> *mut HeapArena {
        let ai = addr.wrapping_sub(self.arena_base) >> LOG_HEAP_ARENA_BYTES;
        if ai < ARENA_INDEX_LEN { self.arenas[ai] } else { null_mut() }
    }

    /// The span that owns the page holding `addr` (Go's `spanOf`), or null. Only meaningful for addresses in an
    /// in-use span or at either end of a free run.
    #[inline(always)]
    pub fn span_of(&self, addr: usize) -> *mut MSpan {
        let ha = self.arena_of(addr);
        if ha.is_null() {
            return null_mut();
        }
        // SAFETY: non-null arena entries point at live HeapArena metadata; the index is masked into range.
        unsafe { (*ha).spans[(addr >> PAGE_SHIFT) & (PAGES_PER_ARENA - 1)] }
    }

    /// Records `s` as the owner of page `addr` (which lies in a reserved arena).
    pub(super) fn set_span(&mut self, addr: usize, s: *mut MSpan) {
        let ha = self.arena_of(addr);
        debug_assert!(!ha.is_null());
        // SAFETY: heap pages always lie in reserved arenas, whose metadata is live; the index is masked.
        unsafe { (*ha).spans[(addr >> PAGE_SHIFT) & (PAGES_PER_ARENA - 1)] = s };
    }

    /// Records `s` as the owner of all its pages.
    fn set_spans(&mut self, s: *mut MSpan) {
        // SAFETY: `s` is a live span struct.
        let (start, npages) = unsafe { ((*s).start, (*s).npages) };
        for i in 0..npages {
            self.set_span(start + (i << PAGE_SHIFT), s);
        }
    }

    /// A span struct from the pool or persistent memory (Go's `allocMSpanLocked`). Running out of memory for
    /// span structs is fatal, as in Go.
    pub(super) fn new_span_struct(&mut self) -> *mut MSpan {
        let mut s = self.span_pool;
        if s.is_null() {
            s = self.persistent.alloc(size_of::<MSpan>(), align_of::<MSpan>()) as *mut MSpan;
            if s.is_null() {
                super::throw("out of memory for span structs");
            }
        } else {
            // SAFETY: pool entries are live span structs linked through `next`.
            self.span_pool = unsafe { (*s).next };
        }
        // SAFETY: `s` is a span struct nobody else refers to.
        unsafe { s.write(MSpan::ZERO) };
        s
    }

    /// Returns a span struct to the pool (Go's `freeMSpanLocked`).
    pub(super) fn recycle_span_struct(&mut self, s: *mut MSpan) {
        // SAFETY: the caller hands over a span struct it no longer uses.
        unsafe {
            (*s).state = MSPAN_DEAD;
            (*s).next = self.span_pool;
        }
        self.span_pool = s;
    }

    /// A span for size class `class` with its free list built (Go's `mheap.alloc` for mcentral.grow), or null.
    pub fn alloc_small_span(&mut self, class: usize) -> *mut MSpan {
        let s = self.alloc_pages(CLASS_TO_ALLOCNPAGES[class] as usize);
        if s.is_null() {
            return s;
        }
        // SAFETY: `s` is a fresh run of committed pages owned by nobody else.
        unsafe {
            (*s).state = MSPAN_IN_USE;
            (*s).class = class as u8;
            (*s).elemsize = CLASS_TO_SIZE[class] as usize;
            (*s).nelems = CLASS_TO_NOBJ[class] as u32;
            (*s).init_freelist();
        }
        self.set_spans(s);
        self.stats.inuse += (CLASS_TO_ALLOCNPAGES[class] as u64) << PAGE_SHIFT;
        s
    }

    /// A span of `npages` pages for one large object, starting on a multiple of `align_pages` pages (a power of
    /// two), or null (Go's `mheap.alloc` for `largeAlloc`).
    pub fn alloc_large(&mut self, npages: usize, align_pages: usize) -> *mut MSpan {
        let extra = align_pages - 1;
        let s = self.alloc_pages(npages + extra);
        if s.is_null() {
            return s;
        }
        // SAFETY: `s` is a fresh run owned by nobody else; the trimmed ends are handed back as free runs.
        unsafe {
            (*s).state = MSPAN_LARGE;
            if extra > 0 {
                let aligned = super::persistent::round_up((*s).start, align_pages << PAGE_SHIFT);
                let head = (aligned - (*s).start) >> PAGE_SHIFT;
                self.trim(s, head, extra - head);
            }
            (*s).nelems = 1;
            (*s).alloc_count = 1;
            (*s).elemsize = npages << PAGE_SHIFT;
        }
        self.set_spans(s);
        self.stats.inuse += (npages as u64) << PAGE_SHIFT;
        s
    }

    /// Gives the first `head` and last `tail` pages of the in-use span `s` back to the free runs.
    ///
    /// # Safety
    /// `s` must be a live span (not free) of more than `head + tail` pages.
    unsafe fn trim(&mut self, s: *mut MSpan, head: usize, tail: usize) {
        for (n, at_head) in [(head, true), (tail, false)] {
            if n == 0 {
                continue;
            }
            let t = self.new_span_struct();
            // SAFETY: `s` and `t` are live span structs; `t` takes over pages `s` gives up.
            unsafe {
                (*s).npages -= n;
                (*t).npages = n;
                (*t).start = if at_head { (*s).start } else { (*s).limit() };
                (*t).dirty = n;
                if at_head {
                    (*s).start += n << PAGE_SHIFT;
                }
                self.free_pages(t);
            }
        }
    }

    /// Takes back a span whose objects are all free, or a large object's span (Go's `freeSpan`).
    ///
    /// # Safety
    /// `s` must be an in-use span (small, on no list, or large) that nobody uses any more.
    pub unsafe fn free_span(&mut self, s: *mut MSpan) {
        // SAFETY: `s` is live (caller) and its pages are dead: every one may have been touched.
        unsafe {
            self.stats.inuse -= ((*s).npages as u64) << PAGE_SHIFT;
            (*s).dirty = (*s).npages;
            self.free_pages(s);
        }
    }
}
