//! Allocator statistics: Go's `runtime.MemStats` heap figures, from per-mcache counters and heap counters.
//!
//! Mirrors Go's `runtime/mstats.go` (`MemStats`, `readmemstats_m`) and the per-P `heapStatsDelta` of
//! `runtime/mcache.go`. As in Go, the fast path only bumps a per-mcache, per-size-class count; byte totals are
//! worked out when the statistics are read (count × class size), so allocation does not load the object size.
//! Large objects are counted by their span size, as Go does.

use super::mheap::MHeap;
use super::sizeclasses::{CLASS_TO_SIZE, NUM_SIZE_CLASSES};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A counter one thread bumps (the thread holding the mcache's P) and any thread may read: a relaxed load and
/// store, which compile to the plain add of a `u64` while letting `read_memstats` sum other Ps' counters without
/// a data race (Go's `heapStatsDelta` is read the same way, under its own consistency protocol).
pub struct Counter(AtomicU64);

impl Counter {
    // A template: every use is a fresh value (a new span struct, counter or cache), never shared.
    #[allow(clippy::declare_interior_mutable_const)]
    pub const ZERO: Counter = Counter(AtomicU64::new(0));

    /// Adds `n`. Only the owner of the mcache calls this.
    #[inline(always)]
    pub fn add(&self, n: u64) {
        self.0.store(self.0.load(Relaxed).wrapping_add(n), Relaxed);
    }

    /// The current count.
    #[inline(always)]
    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// One mcache's cumulative counters. An object freed through another mcache than the one that allocated it is
/// counted there, so only the sum over all mcaches is meaningful.
pub struct CacheStats {
    /// Small objects allocated / freed, per size class (Go's `smallAllocCount`, `smallFreeCount`).
    pub nmalloc: [Counter; NUM_SIZE_CLASSES],
    pub nfree: [Counter; NUM_SIZE_CLASSES],
    /// Large objects allocated / freed (Go's `largeAllocCount`, `largeFreeCount`) and their bytes.
    pub large_nmalloc: Counter,
    pub large_nfree: Counter,
    pub large_alloc: Counter,
    pub large_free: Counter,
}

impl CacheStats {
    // A template: every use is a fresh value (a new span struct, counter or cache), never shared.
    #[allow(clippy::declare_interior_mutable_const)]
    pub const ZERO: CacheStats = CacheStats {
        nmalloc: [Counter::ZERO; NUM_SIZE_CLASSES],
        nfree: [Counter::ZERO; NUM_SIZE_CLASSES],
        large_nmalloc: Counter::ZERO,
        large_nfree: Counter::ZERO,
        large_alloc: Counter::ZERO,
        large_free: Counter::ZERO,
    };
}

/// Heap statistics with the meanings of Go's `runtime.MemStats` fields of the same names.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct MemStats {
    /// Bytes of allocated heap objects (small objects count their class size).
    pub heap_alloc: u64,
    /// Bytes of heap memory obtained from the OS: arena memory committed with mmap. Reserved-only address space
    /// is not counted; memory given back with `MADV_DONTNEED` still is (see `heap_released`).
    pub heap_sys: u64,
    /// Bytes in in-use spans (spans holding small objects, whole or partly used, and large objects).
    pub heap_inuse: u64,
    /// Cumulative count of heap objects allocated.
    pub mallocs: u64,
    /// Cumulative count of heap objects freed.
    pub frees: u64,
    /// Cumulative bytes allocated for heap objects (never decreases).
    pub total_alloc: u64,
    /// Bytes in free spans (`heap_sys − heap_inuse`).
    pub heap_idle: u64,
    /// Bytes of free spans given back to the OS or never touched.
    pub heap_released: u64,
    /// Objects allocated and not yet freed (`mallocs − frees`).
    pub heap_objects: u64,
}

impl MHeap {
    /// The heap's statistics, summed over all its mcaches (Go's `ReadMemStats`; Go stops the world for it; rt0
    /// reads each P's counters as they are, under the heap lock, which guards the heap's own).
    pub fn memstats(&self) -> MemStats {
        let (mut mallocs, mut frees, mut total_alloc, mut total_free) = (0u64, 0u64, 0u64, 0u64);
        let mut c = self.caches;
        while !c.is_null() {
            // SAFETY: the list links live mcaches in persistent memory, never freed.
            let st = unsafe { &(*c).stats };
            for class in 1..NUM_SIZE_CLASSES {
                let size = CLASS_TO_SIZE[class] as u64;
                let (n, f) = (st.nmalloc[class].get(), st.nfree[class].get());
                mallocs = mallocs.wrapping_add(n);
                frees = frees.wrapping_add(f);
                total_alloc = total_alloc.wrapping_add(n.wrapping_mul(size));
                total_free = total_free.wrapping_add(f.wrapping_mul(size));
            }
            mallocs = mallocs.wrapping_add(st.large_nmalloc.get());
            frees = frees.wrapping_add(st.large_nfree.get());
            total_alloc = total_alloc.wrapping_add(st.large_alloc.get());
            total_free = total_free.wrapping_add(st.large_free.get());
            // SAFETY: as above.
            c = unsafe { (*c).next };
        }
        MemStats {
            heap_alloc: total_alloc.wrapping_sub(total_free),
            heap_sys: self.stats.sys,
            heap_inuse: self.stats.inuse,
            mallocs,
            frees,
            total_alloc,
            heap_idle: self.stats.sys - self.stats.inuse,
            heap_released: self.stats.released,
            heap_objects: mallocs.wrapping_sub(frees),
        }
    }
}
