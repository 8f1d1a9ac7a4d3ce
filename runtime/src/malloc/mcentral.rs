//! `MCentral`: the spans of one size class that no mcache holds, on a partial list (some objects free) and a full
//! list (none free); mcaches take spans from here and give them back.
//!
//! Mirrors Go's `runtime/mcentral.go` (`cacheSpan`, `uncacheSpan`, `grow`). Go's mcentral keeps swept/unswept
//! partial and full sets and learns about freed objects by sweeping; rt0 frees explicitly, so a free into a span
//! that no mcache holds lands here (`free_uncached`): it may move the span from full to partial, and a span whose
//! last object is freed goes straight back to the heap, as Go's sweeper does with an empty span.
//!
//! The functions are methods of the heap because, as in Go, an mcentral grows by asking the heap for a span.

use super::mheap::MHeap;
use super::mspan::{FreeObject, MSPAN_CACHED, MSPAN_IN_USE, MSpan, SpanList};
use core::sync::atomic::Ordering::Relaxed;

/// The spans of one size class not cached by any mcache (Go's `mcentral`).
pub struct MCentral {
    /// Spans with at least one free object.
    pub partial: SpanList,
    /// Spans with no free object.
    pub full: SpanList,
}

impl MCentral {
    pub const ZERO: MCentral = MCentral { partial: SpanList::ZERO, full: SpanList::ZERO };
}

impl MHeap {
    /// A span of class `class` with free objects, for the mcache at `owner` to cache: a partial one if there is
    /// one, else a fresh one from the heap (Go's `mcentral.cacheSpan` and `mcentral.grow`). Null if out of
    /// memory. The heap lock is held.
    pub fn cache_span(&mut self, class: usize, owner: usize) -> *mut MSpan {
        let mut s = self.central[class].partial.pop();
        if s.is_null() {
            s = self.alloc_small_span(class);
            if s.is_null() {
                return s;
            }
        }
        // SAFETY: `s` is a live small span now on no list.
        unsafe {
            (*s).state = MSPAN_CACHED;
            (*s).owner.store(owner, Relaxed);
        }
        s
    }

    /// Takes back a span an mcache no longer caches (Go's `mcentral.uncacheSpan`): the objects other Ps freed
    /// meanwhile join its free list; then to the heap if every object is free, else onto the full or partial
    /// list. The heap lock is held.
    ///
    /// # Safety
    /// `s` must be a span this heap handed to an mcache with [`MHeap::cache_span`], now dropped by it.
    pub unsafe fn uncache_span(&mut self, s: *mut MSpan) {
        // SAFETY: `s` is a live cached span on no list (caller); its remote list is guarded by the heap lock.
        unsafe {
            (*s).take_remote();
            (*s).owner.store(0, Relaxed);
            (*s).state = MSPAN_IN_USE;
            if (*s).alloc_count == 0 {
                self.free_span(s);
                return;
            }
            let c = &mut self.central[(*s).class as usize];
            if (*s).freelist.is_null() { c.full.push(s) } else { c.partial.push(s) }
        }
    }

    /// Frees object `obj` of the small span `s`, which no mcache caches.
    ///
    /// # Safety
    /// `s` must be an `MSPAN_IN_USE` span of this heap and `obj` one of its allocated objects.
    pub unsafe fn free_uncached(&mut self, s: *mut MSpan, obj: *mut u8) {
        // `s` is live and on its mcentral's full list (no free object) or partial list; `obj` is one of
        // its objects, dead now, so its first word can hold the free-list link.
        // SAFETY: so the block below is sound.
        unsafe {
            let c = &mut self.central[(*s).class as usize];
            let was_full = (*s).freelist.is_null();
            let o = obj as *mut FreeObject;
            (*o).next = (*s).freelist;
            (*s).freelist = o;
            (*s).alloc_count -= 1;
            if (*s).alloc_count == 0 {
                if was_full {
                    c.full.remove(s)
                } else {
                    c.partial.remove(s)
                }
                self.free_span(s);
            } else if was_full {
                c.full.remove(s);
                c.partial.push(s);
            }
        }
    }
}
