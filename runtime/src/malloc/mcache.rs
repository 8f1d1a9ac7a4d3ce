//! `MCache`: a P's private cache of one span per size class. Small allocations pop an object off the cached
//! span's free list; frees push it back onto its own span's list. No locks, no system calls, no division.
//!
//! Mirrors Go's `runtime/mcache.go` (`mcache`, `refill`, `releaseAll`, `allocmcache`) and the small/large split
//! of `mallocgc` in `runtime/malloc.go`. Go's fast path is `nextFreeFast` over the span's allocation bitmap; rt0
//! pops a free list (see `mspan`). Objects over 32 KiB, and requests aligned to more than a page, skip the cache
//! and get a span of their own from the heap (Go's `largeAlloc`).
//!
//! Alignment: a small object of class `c` lies at a multiple of its size from an 8 KiB page boundary, so it is
//! aligned to the largest power of two dividing that size. Requests aligned to 8 or less take any class; larger
//! alignments up to 8 KiB take the smallest class whose size is a multiple of the alignment
//! (`sizeclasses::ALIGNED_CLASS`); alignments above 8 KiB get a large span whose start is aligned by trimming
//! the page run it is cut from (`MHeap::alloc_large`).
//!
//! An mcache belongs to one P and only the thread holding that P uses it. The fast paths take no lock: a span an
//! mcache caches is its P's alone (`MSpan::owner`), except for its remote list, where other Ps' frees of its
//! objects wait under the heap lock; every other heap operation takes the heap lock.

use super::mheap::{MHeap, lock_heap, span_of, unlock_heap};
use super::mspan::{FreeObject, MSPAN_CACHED, MSPAN_IN_USE, MSPAN_LARGE, MSpan};
use super::mstats::CacheStats;
use super::sizeclasses::{MAX_SMALL_SIZE, NUM_SIZE_CLASSES, class_for, size_to_class};
use super::{ARENA_INDEX_LEN, HEAP_ARENA_BYTES, MIN_ALIGN, PAGE_BYTES, PAGE_SHIFT, throw};
use core::ptr::null_mut;
use core::sync::atomic::Ordering::Relaxed;

/// The span every empty mcache slot points at (Go's `emptymspan`): its free list is null, so the fast path
/// falls through to `refill`. Never written.
struct EmptySpan(MSpan);
// SAFETY: nothing ever writes EMPTY_MSPAN (the fast path writes only spans with a free object), so sharing it
// between threads is sound.
unsafe impl Sync for EmptySpan {}
static EMPTY_MSPAN: EmptySpan = EmptySpan(MSpan::ZERO);

fn empty_span() -> *mut MSpan {
    &EMPTY_MSPAN.0 as *const MSpan as *mut MSpan
}

/// A per-P allocation cache (Go's `mcache`).
#[repr(C)]
pub struct MCache {
    heap: *mut MHeap,
    /// The span objects of each class come from; `EMPTY_MSPAN` when none is cached (Go's `alloc`).
    alloc: [*mut MSpan; NUM_SIZE_CLASSES],
    /// Allocation and free counts, summed by `read_memstats` (Go's per-P `heapStatsDelta`).
    pub stats: CacheStats,
    /// Next mcache of the same heap.
    pub(super) next: *mut MCache,
}

impl MHeap {
    /// A new, empty mcache in persistent memory, registered with this heap (Go's `allocmcache`); null if out of
    /// memory. Its spans are filled lazily, one size class at a time.
    pub fn alloc_mcache(&mut self) -> *mut MCache {
        let c = self.persistent.alloc(size_of::<MCache>(), align_of::<MCache>()) as *mut MCache;
        if !c.is_null() {
            let cache = MCache {
                heap: self,
                alloc: [empty_span(); NUM_SIZE_CLASSES],
                stats: CacheStats::ZERO,
                next: self.caches,
            };
            // SAFETY: `c` is fresh persistent memory of the right size and alignment.
            unsafe { c.write(cache) };
            self.caches = c;
        }
        c
    }
}

impl MCache {
    /// `size` bytes aligned to `align` (a power of two), uninitialised; null when out of memory (Go's
    /// `mallocgc`, without the GC parts), or for an alignment over 8 that is not a power of two. `size` 0 gets
    /// a distinct 8-byte object.
    #[inline(always)]
    pub fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        if size <= MAX_SMALL_SIZE && align <= MIN_ALIGN {
            let class = size_to_class(size);
            // the size tables only hold classes < NUM_SIZE_CLASSES; every slot points at a live span or
            // EMPTY_MSPAN, and a span's free list links only its free objects.
            // SAFETY: so the block below is sound.
            unsafe {
                let s = *self.alloc.get_unchecked(class);
                let obj = (*s).freelist;
                if !obj.is_null() {
                    (*s).freelist = (*obj).next;
                    (*s).alloc_count = (*s).alloc_count.wrapping_add(1);
                    self.stats.nmalloc.get_unchecked(class).add(1);
                    return obj as *mut u8;
                }
            }
        }
        self.alloc_slow(size, align)
    }

    /// Frees an object this heap allocated. `size` and `align` are those it was allocated with; the span the
    /// object lies in is found from its address, so they are not needed (they are kept for `GlobalAlloc`'s shape).
    ///
    /// # Safety
    /// `ptr` must come from `alloc` on an mcache of the same heap (or be null, which does nothing), and must not
    /// be used or freed again. Pointers outside the heap are caught (a panic), and so are pointers that are not
    /// an object's start in a span no mcache holds; other misuse, such as a double free, is not.
    #[inline(always)]
    pub unsafe fn free(&mut self, ptr: *mut u8, _size: usize, _align: usize) {
        let s = span_of(self.heap, ptr as usize);
        // a non-null table entry is a live span struct. If this mcache caches it (only this thread
        // stores this mcache's address in `owner`, so reading it back proves it), its free list is this
        // thread's alone, and `ptr` (the caller's object) is one of its objects and dead now, so its first word
        // can hold the link.
        // SAFETY: so the block below is sound.
        unsafe {
            if !s.is_null() && (*s).owner.load(Relaxed) == self as *mut MCache as usize {
                let o = ptr as *mut FreeObject;
                (*o).next = (*s).freelist;
                (*s).freelist = o;
                (*s).alloc_count = (*s).alloc_count.wrapping_sub(1);
                self.stats.nfree.get_unchecked((*s).class as usize).add(1);
                return;
            }
            self.free_slow(s, ptr);
        }
    }

    #[cold]
    #[inline(never)]
    fn alloc_slow(&mut self, size: usize, align: usize) -> *mut u8 {
        if !align.is_power_of_two() {
            return null_mut();
        }
        let class = class_for(size, align);
        if class == 0 {
            return self.alloc_large(size, align);
        }
        // SAFETY: slots point at live spans or EMPTY_MSPAN; after a refill the slot's span has a free object.
        unsafe {
            if (*self.alloc[class]).freelist.is_null() && !self.refill(class) {
                return null_mut();
            }
            let s = self.alloc[class];
            let obj = (*s).freelist;
            (*s).freelist = (*obj).next;
            (*s).alloc_count += 1;
            self.stats.nmalloc[class].add(1);
            obj as *mut u8
        }
    }

    /// Gives the (full) span cached for `class` free objects again (Go's `mcache.refill`): the objects other
    /// Ps freed into it meanwhile if there are any, else it is swapped for a span with free objects from the
    /// mcentral. False if the heap is out of memory.
    fn refill(&mut self, class: usize) -> bool {
        lock_heap(self.heap);
        // SAFETY: the heap outlives its mcaches, and its lock is held: this is the only reference to it.
        let heap = unsafe { &mut *self.heap };
        let old = self.alloc[class];
        if old != empty_span() {
            // SAFETY: `old` is cached by this mcache; its remote list is guarded by the heap lock.
            unsafe {
                if !(*old).remote.is_null() {
                    (*old).take_remote();
                    unlock_heap(self.heap);
                    return true;
                }
            }
            self.alloc[class] = empty_span();
            // SAFETY: `old` was cached by this mcache and is no longer.
            unsafe { heap.uncache_span(old) };
        }
        let s = heap.cache_span(class, self as *mut MCache as usize);
        unlock_heap(self.heap);
        if s.is_null() {
            return false;
        }
        self.alloc[class] = s;
        true
    }

    /// A large object: a span of its own, page-aligned or better (Go's `largeAlloc`).
    fn alloc_large(&mut self, size: usize, align: usize) -> *mut u8 {
        if size > ARENA_INDEX_LEN * HEAP_ARENA_BYTES || align > HEAP_ARENA_BYTES {
            return null_mut(); // more than the heap's whole address window
        }
        let npages = size.div_ceil(PAGE_BYTES).max(1);
        lock_heap(self.heap);
        // SAFETY: the heap outlives its mcaches, and its lock is held.
        let s = unsafe { (*self.heap).alloc_large(npages, (align >> PAGE_SHIFT).max(1)) };
        unlock_heap(self.heap);
        if s.is_null() {
            return null_mut();
        }
        self.stats.large_nmalloc.add(1);
        self.stats.large_alloc.add((npages as u64) << PAGE_SHIFT);
        // SAFETY: `s` is the live span just allocated.
        unsafe { (*s).start as *mut u8 }
    }

    /// The slow half of `free`: objects of spans this mcache does not cache — another P's (the object joins
    /// that span's remote list), the mcentral's, large objects — and bad pointers. Under the heap lock.
    ///
    /// # Safety
    /// As for [`MCache::free`]; `s` is `span_of(ptr)`.
    #[cold]
    #[inline(never)]
    unsafe fn free_slow(&mut self, s: *mut MSpan, ptr: *mut u8) {
        if ptr.is_null() {
            return;
        }
        if s.is_null() {
            throw("free of a pointer outside the heap");
        }
        let p = ptr as usize;
        lock_heap(self.heap);
        // the heap outlives its mcaches and its lock is held; `s` is a live span struct (a table entry)
        // whose state only changes under that lock; for a small span, `p` is checked to be one of its objects
        // before it is freed.
        // SAFETY: so the block below is sound.
        let bad = unsafe {
            let heap = &mut *self.heap;
            let off = p.wrapping_sub((*s).start);
            let small_object = off < (*s).nelems as usize * (*s).elemsize && off.is_multiple_of((*s).elemsize);
            match (*s).state {
                MSPAN_CACHED | MSPAN_IN_USE if !small_object => Some("free of a pointer that is not an object's start"),
                MSPAN_CACHED => {
                    // Another P caches this span: its free list is that P's, so the object waits on the
                    // span's remote list, which the owner takes back under this lock.
                    let o = ptr as *mut FreeObject;
                    (*o).next = (*s).remote;
                    (*s).remote = o;
                    (*s).remote_count += 1;
                    self.stats.nfree[(*s).class as usize].add(1);
                    None
                }
                MSPAN_IN_USE => {
                    self.stats.nfree[(*s).class as usize].add(1);
                    heap.free_uncached(s, ptr);
                    None
                }
                MSPAN_LARGE if p == (*s).start => {
                    self.stats.large_nfree.add(1);
                    self.stats.large_free.add(((*s).npages as u64) << PAGE_SHIFT);
                    heap.free_span(s);
                    None
                }
                _ => Some("free of a pointer that is not allocated"),
            }
        };
        unlock_heap(self.heap);
        if let Some(msg) = bad {
            throw(msg);
        }
    }

    /// Whether the object at `ptr` (allocated with alignment `align`) can simply be kept for `new_size` bytes:
    /// true when a fresh allocation of `new_size` would get the same size class, or as many pages for a large
    /// object. `GlobalAlloc::realloc` uses it to skip the copy.
    pub fn fits_in_place(&self, ptr: *mut u8, align: usize, new_size: usize) -> bool {
        let s = span_of(self.heap, ptr as usize);
        if s.is_null() {
            return false;
        }
        let class = class_for(new_size, align);
        // a non-null table entry is a live span struct. The caller's live object keeps its span's class
        // (nonzero for small objects, 0 for a large one) and page count unchanged, whatever P caches it; its
        // state may change under the heap lock meanwhile, so it is not read.
        // SAFETY: so the block below is sound.
        unsafe {
            if (*s).class != 0 {
                class == (*s).class as usize
            } else {
                class == 0 && new_size.div_ceil(PAGE_BYTES).max(1) == (*s).npages
            }
        }
    }

    /// Gives every cached span back to its mcentral (Go's `mcache.releaseAll`, run when a P is destroyed or
    /// before the heap is inspected); the cache stays usable and refills on demand.
    pub fn release_all(&mut self) {
        lock_heap(self.heap);
        for class in 1..NUM_SIZE_CLASSES {
            let s = self.alloc[class];
            if s != empty_span() {
                self.alloc[class] = empty_span();
                // SAFETY: `s` was cached by this mcache and is no longer; the heap outlives its mcaches.
                unsafe { (*self.heap).uncache_span(s) };
            }
        }
        unlock_heap(self.heap);
    }

    /// The heap this cache allocates from.
    pub fn heap(&self) -> *mut MHeap {
        self.heap
    }
}
