//! Heap arenas: reserving 64 MiB regions of address space at Go's hint addresses, and their metadata.
//!
//! Mirrors `mheap.sysAlloc` and the arena hints of `mallocinit` in Go's `runtime/malloc.go`. Go on amd64 starts
//! its heap at 0x00c0_0000_0000 and grows it upward one 64 MiB arena at a time, so heap addresses are easy to
//! recognise in a crash dump. rt0 does the same: the first arena is reserved, lazily, by the first allocation that
//! needs heap pages, at [`super::ARENA_BASE_HINT`]; each later one at the next 64 MiB up. A hint that is already
//! taken (`EEXIST` from `MAP_FIXED_NOREPLACE`) is skipped and the next one tried. Reservations are `PROT_NONE`
//! until the page allocator commits them (see `pages`).
//!
//! Unlike Go, which falls back to any address the kernel offers when its hints run out, rt0 keeps the heap
//! inside a window of `ARENA_INDEX_LEN` arenas (256 GiB) above the first hint, so that the arena index is one
//! flat table.

use super::mheap::{HeapArena, MHeap};
use super::{HEAP_ARENA_BYTES, LOG_HEAP_ARENA_BYTES};
use crate::mem::ReserveError;

impl MHeap {
    /// Reserves `len` bytes (rounded up to whole arenas) at the next free hint, allocates the arenas' metadata and
    /// enters it in the arena index. Returns the base, or None if the window is full or the OS refuses.
    pub(super) fn reserve_arenas(&mut self, len: usize) -> Option<usize> {
        let len = super::persistent::round_up(len, HEAP_ARENA_BYTES);
        let window_end = self.arena_base + (self.arena_limit << LOG_HEAP_ARENA_BYTES);
        while self.next_hint + len <= window_end {
            let hint = self.next_hint;
            match (self.sys.reserve)(hint, len) {
                Ok(base) => {
                    self.next_hint = base + len;
                    return self.register_arenas(base, len).then_some(base);
                }
                Err(ReserveError::Taken) => self.next_hint = hint + HEAP_ARENA_BYTES,
                Err(ReserveError::Failed(_)) => return None,
            }
        }
        None
    }

    /// Allocates metadata for every arena in `[base, base + len)` and records it in the index. False if
    /// persistent memory ran out (the reservation then stays unused).
    fn register_arenas(&mut self, base: usize, len: usize) -> bool {
        let mut a = base;
        while a < base + len {
            let ha = self.persistent.alloc(size_of::<HeapArena>(), align_of::<HeapArena>()) as *mut HeapArena;
            if ha.is_null() {
                return false;
            }
            // Persistent memory is zeroed: every page → span entry starts out null.
            self.arenas[(a - self.arena_base) >> LOG_HEAP_ARENA_BYTES] = ha;
            a += HEAP_ARENA_BYTES;
        }
        true
    }

    /// Number of arenas reserved so far.
    pub fn arena_count(&self) -> usize {
        self.arenas[..self.arena_limit].iter().filter(|a| !a.is_null()).count()
    }
}
