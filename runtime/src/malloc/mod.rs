//! The memory allocator: Go's size-class allocator (mcache → mcentral → mheap → arenas), with explicit frees in
//! place of a garbage collector.
//!
//! Mirrors Go's `runtime/malloc.go` (the design comment at its top, the constants, `mallocinit`, `mallocgc`'s
//! small/large split, `persistentalloc`). The model, as in Go:
//!
//! - The heap is a set of **arenas**, 64 MiB regions of address space reserved with mmap at Go's hint addresses
//!   (0x00c0_0000_0000, then each next 64 MiB up), lazily, when the first allocation needs pages (`arena`).
//! - The **mheap** divides arena memory into 8 KiB **pages** and hands out runs of pages as **spans** (`mheap`,
//!   `pages`, `mspan`). Every arena has a page → span table, so any heap address finds its span in O(1).
//! - Objects up to 32 KiB are rounded up to one of 67 **size classes** (`sizeclasses`); a span of a size class is
//!   cut into equal objects, whose free ones are linked into a free list.
//! - An **mcentral** per size class keeps the spans no P holds, partial or full (`mcentral`).
//! - An **mcache** per P caches one span per size class (`mcache`): allocating pops its free list, with no lock
//!   and no system call; when the span runs out the mcache swaps it for one from the mcentral, which asks the
//!   mheap for a fresh span when it has none.
//! - Objects over 32 KiB get a span of their own straight from the mheap.
//! - Freeing (rt0 frees explicitly; Go's sweeper does this job) pushes a small object back onto its own span's
//!   free list; a span whose objects are all free returns to the mheap, which coalesces free runs and gives
//!   their memory back to the OS with `MADV_DONTNEED` (`pages`). Large objects return their span directly.
//! - Runtime metadata (span structs, arena tables, mcaches) comes from a bump allocator that never frees, fed
//!   by brk(2) (`persistent`); the OS calls are in `crate::mem` (Go's `mem_linux.go`); statistics in `mstats`.
//!
//! **Threads.** Each thread that holds a P allocates and frees through that P's mcache, with no lock on the fast
//! paths: a span an mcache caches is its P's alone (`MSpan::owner`). A free of an object whose span another P
//! caches goes on that span's remote list under the heap lock, and the owner takes such objects back when its
//! free list runs dry or when it uncaches the span. Everything else — mcentrals, the page heap, persistent
//! memory, the statistics' sums — is under the heap lock (`MHeap::lock`), a leaf lock. While one P exists the
//! current mcache is one shared pointer (and bare programs, which have no TLS, only ever use that); with more,
//! each thread finds its P's mcache in its TLS block. sysmon allocates nothing; an M without a P allocates only
//! in newm, borrowing the P it hands on; a program's own threads from `clone_thread` must not allocate (that
//! function's safety contract).
//!
//! The runtime's heap is `MHEAP`; [`mallocinit`] sets it up with [`mcache0`], the bootstrap mcache. Rust code
//! reaches it through [`RuntimeAllocator`], the `#[global_allocator]` of rt0 programs, which allocates through
//! the current P's mcache ([`set_current_mcache`]).

mod arena;
mod global;
pub mod mcache;
pub mod mcentral;
pub mod mheap;
pub mod mspan;
pub mod mstats;
mod pages;
pub mod persistent;
pub mod sizeclasses;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests_cache;
#[cfg(test)]
mod tests_heap;

pub use global::{
    RuntimeAllocator, allocmcache, current_mcache, enter_parallel, mallocinit, mcache0, mheap, persistentalloc,
    read_memstats, set_current_mcache,
};
pub use mcache::MCache;
pub use mstats::MemStats;

/// log2 of the heap page size (Go's `_PageShift`).
pub const PAGE_SHIFT: usize = 13;
/// The heap page: 8 KiB, two hardware pages (Go's `pageSize`).
pub const PAGE_BYTES: usize = 1 << PAGE_SHIFT;
/// log2 of the arena size (Go's `logHeapArenaBytes`).
pub const LOG_HEAP_ARENA_BYTES: usize = 26;
/// A heap arena: 64 MiB of address space (Go's `heapArenaBytes`).
pub const HEAP_ARENA_BYTES: usize = 1 << LOG_HEAP_ARENA_BYTES;
/// Heap pages per arena (Go's `pagesPerArena`).
pub const PAGES_PER_ARENA: usize = HEAP_ARENA_BYTES / PAGE_BYTES;
/// Where the first arena is reserved (Go's first amd64 arena hint, `0x00c0 << 32`).
pub const ARENA_BASE_HINT: usize = 0x00c0_0000_0000;
/// Arenas the heap's index can hold: 4096 × 64 MiB = 256 GiB of heap above [`ARENA_BASE_HINT`].
pub const ARENA_INDEX_LEN: usize = 4096;
/// Free runs shorter than this many pages (1 MiB) have exact-size lists (Go's `_MaxMHeapList`, before 1.14).
pub const MAX_MHEAP_LIST: usize = 128;
/// The heap grows (commits memory) in steps of this many pages: 512 KiB (Go's `pallocChunkPages` rounding).
pub const HEAP_GROW_PAGES: usize = 64;
/// A free run gives its memory back to the OS once it has this many possibly touched pages (512 KiB).
pub const RELEASE_MIN_PAGES: usize = 64;
/// The alignment every size class guarantees: 8 bytes. Larger alignments pick a class that provides them.
pub const MIN_ALIGN: usize = 8;

/// A fatal allocator error: a bad pointer passed to free, or running out of memory for the allocator's own
/// metadata. The runtime's one [`crate::panic::throw`] (a panic with the same text in host unit tests).
pub(crate) use crate::panic::throw;
