//! `MSpan`: a run of 8 KiB pages, either free in the heap, cut into objects of one size class, or holding one
//! large object; and `SpanList`, the doubly linked lists spans live on.
//!
//! Mirrors the `mspan` and `mSpanList` types of Go's `runtime/mheap.go`. Go finds a span's free objects with
//! `freeindex` and the `allocBits` bitmap, which turns an address into an object index with a magic-number
//! division; rt0 frees objects explicitly, so it threads a free list through the free objects instead (Go's
//! `gclinkptr`, as Go's allocator did before 1.7): allocation pops its head, free pushes, and neither divides.

use core::ptr::null_mut;
use core::sync::atomic::AtomicUsize;

/// A span struct on the heap's pool of unused structs (Go's `mSpanDead`).
pub const MSPAN_DEAD: u8 = 0;
/// A free page run on the heap's free lists (Go's `mSpanFree`, before 1.14's page allocator).
pub const MSPAN_FREE: u8 = 1;
/// Small objects, on its size class's mcentral lists (partial or full).
pub const MSPAN_IN_USE: u8 = 2;
/// Small objects, cached by an mcache: frees only push onto its free list.
pub const MSPAN_CACHED: u8 = 3;
/// One large object (size class 0).
pub const MSPAN_LARGE: u8 = 4;

/// A free object: its first word links to the next free object of the same span (Go's `gclink`).
#[repr(C)]
pub struct FreeObject {
    pub next: *mut FreeObject,
}

/// A run of pages and what it holds (Go's `mspan`). Structs come from persistent memory and are recycled through
/// the heap's pool; they are never freed.
#[repr(C)]
pub struct MSpan {
    /// Head of the free-object list (small spans); null when every object is allocated.
    pub freelist: *mut FreeObject,
    /// Objects handed out and not yet freed (Go's `allocCount`).
    pub alloc_count: u32,
    /// Objects in the span (Go's `nelems`); 1 for a large span.
    pub nelems: u32,
    /// One of the `MSPAN_*` states.
    pub state: u8,
    /// Size class; 0 for large objects and free runs (Go's `spanclass`, without the noscan bit: rt0 has no GC).
    pub class: u8,
    /// Links on a `SpanList` (Go's `next`, `prev`).
    pub next: *mut MSpan,
    pub prev: *mut MSpan,
    /// Address of the first page (Go's `startAddr`) and number of pages (Go's `npages`).
    pub start: usize,
    pub npages: usize,
    /// Object size (Go's `elemsize`); the whole span for a large object.
    pub elemsize: usize,
    /// For a free run: how many of its pages may still hold physical memory (an upper bound); the rest were
    /// given back with `MADV_DONTNEED` or never touched. See `pages`.
    pub dirty: usize,
    /// The mcache that caches this span (its address), 0 when none does. Set and cleared under the heap lock by
    /// `cache_span`/`uncache_span`, on the owner's own thread, and read without the lock by `MCache::free`: only
    /// the owner ever stores its own address here, so a thread reading its own address knows the span is its.
    pub owner: AtomicUsize,
    /// Objects of this cached span freed by another P (under the heap lock), waiting for the owner to take
    /// them back into `freelist` — when its free list runs dry (`refill`) or when it uncaches the span. Go has no
    /// such list: its sweeper frees objects while the span is uncached; rt0's explicit frees come from any P.
    pub remote: *mut FreeObject,
    pub remote_count: u32,
}

impl MSpan {
    /// A span covering nothing: the state of a fresh struct, and the placeholder every empty mcache slot points
    /// at (Go's `emptymspan`), whose null free list sends allocation to the refill path.
    // A template: every use is a fresh value (a new span struct, counter or cache), never shared.
    #[allow(clippy::declare_interior_mutable_const)]
    pub const ZERO: MSpan = MSpan {
        freelist: null_mut(),
        alloc_count: 0,
        nelems: 0,
        state: MSPAN_DEAD,
        class: 0,
        next: null_mut(),
        prev: null_mut(),
        start: 0,
        npages: 0,
        elemsize: 0,
        dirty: 0,
        owner: AtomicUsize::new(0),
        remote: null_mut(),
        remote_count: 0,
    };

    /// Moves the objects other Ps freed into this cached span ([`MSpan::remote`]) onto its free list. The heap
    /// lock is held, and the caller owns the span's free list (its mcache's P, or the heap for an uncached span).
    pub fn take_remote(&mut self) {
        let mut o = core::mem::replace(&mut self.remote, null_mut());
        while !o.is_null() {
            // SAFETY: the remote list links free objects of this span, each pushed once by a remote free.
            let next = unsafe { (*o).next };
            // SAFETY: as above; the object joins the free list the caller owns.
            unsafe { (*o).next = self.freelist };
            self.freelist = o;
            o = next;
        }
        self.alloc_count -= core::mem::replace(&mut self.remote_count, 0);
    }

    /// First byte past the span.
    pub fn limit(&self) -> usize {
        self.start + (self.npages << super::PAGE_SHIFT)
    }

    /// Cuts the span into `nelems` objects of `elemsize` bytes and links them all, in address order, into the free
    /// list (Go's `initHeapBits` + `freeindex = 0`). Writes the first word of every object.
    ///
    /// # Safety
    /// `[start, start + nelems * elemsize)` must be committed memory owned by this span, holding no live objects;
    /// `elemsize` must be a nonzero multiple of 8.
    pub unsafe fn init_freelist(&mut self) {
        let mut head: *mut FreeObject = null_mut();
        let mut obj = self.start + self.nelems as usize * self.elemsize;
        while obj > self.start {
            obj -= self.elemsize;
            let o = obj as *mut FreeObject;
            // SAFETY: `o` is an 8-aligned object inside the span's committed memory (caller's guarantee).
            unsafe { (*o).next = head };
            head = o;
        }
        self.freelist = head;
        self.alloc_count = 0;
    }
}

/// A doubly linked list of spans, linked through `MSpan::next`/`prev` (Go's `mSpanList`): O(1) push, pop and
/// removal from the middle.
pub struct SpanList {
    pub first: *mut MSpan,
}

impl SpanList {
    pub const ZERO: SpanList = SpanList { first: null_mut() };

    pub fn is_empty(&self) -> bool {
        self.first.is_null()
    }

    /// Puts `s` at the front.
    ///
    /// # Safety
    /// `s` must be a valid span on no list.
    pub unsafe fn push(&mut self, s: *mut MSpan) {
        // SAFETY: `s` is valid (caller) and so is every span on the list.
        unsafe {
            (*s).prev = null_mut();
            (*s).next = self.first;
            if !self.first.is_null() {
                (*self.first).prev = s;
            }
        }
        self.first = s;
    }

    /// Unlinks `s`.
    ///
    /// # Safety
    /// `s` must be on this list.
    pub unsafe fn remove(&mut self, s: *mut MSpan) {
        // SAFETY: `s` and its neighbours are valid spans on this list (caller).
        unsafe {
            let (prev, next) = ((*s).prev, (*s).next);
            if prev.is_null() {
                self.first = next;
            } else {
                (*prev).next = next;
            }
            if !next.is_null() {
                (*next).prev = prev;
            }
            (*s).next = null_mut();
            (*s).prev = null_mut();
        }
    }

    /// Takes the first span, or null.
    pub fn pop(&mut self) -> *mut MSpan {
        let s = self.first;
        if !s.is_null() {
            // SAFETY: `s` is the list's first span.
            unsafe { self.remove(s) };
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_list_links_every_object_once_in_address_order() {
        let mut mem = vec![0u64; 8192 / 8];
        let mut s = MSpan { start: mem.as_mut_ptr() as usize, npages: 1, elemsize: 48, nelems: 170, ..MSpan::ZERO };
        // SAFETY: the span covers `mem`, 8192 bytes ≥ 170 × 48.
        unsafe { s.init_freelist() };
        let (mut p, mut n) = (s.freelist, 0);
        while !p.is_null() {
            assert_eq!(p as usize, s.start + n * 48);
            n += 1;
            // SAFETY: list members are objects inside `mem`.
            p = unsafe { (*p).next };
        }
        assert_eq!(n, 170);
        assert!(s.limit() == s.start + 8192 && s.alloc_count == 0);
    }

    #[test]
    fn span_list_push_pop_remove() {
        let mut spans: Vec<MSpan> = (0..4).map(|i| MSpan { start: i, ..MSpan::ZERO }).collect();
        let p: Vec<*mut MSpan> = spans.iter_mut().map(|s| s as *mut MSpan).collect();
        let mut l = SpanList::ZERO;
        // SAFETY: each span is pushed once and removed only while on the list.
        unsafe {
            for &s in &p {
                l.push(s);
            }
            l.remove(p[1]); // middle
            l.remove(p[3]); // first
            assert_eq!(l.pop(), p[2]);
            assert_eq!(l.pop(), p[0]);
        }
        assert!(l.is_empty() && l.pop().is_null());
    }
}
