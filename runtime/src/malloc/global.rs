//! The runtime's heap and its entry points: `mallocinit`, `mcache0`, `allocmcache`, the current mcache, the
//! `GlobalAlloc` implementation and `read_memstats`.
//!
//! Mirrors Go's `runtime/malloc.go` (`mallocinit`, `mcache0`, `persistentalloc`, `mallocgc`'s `getMCache`) and
//! `runtime.ReadMemStats` of `runtime/mstats.go`. Which mcache a thread allocates through: see [`current_mcache`].

use super::mcache::MCache;
use super::mheap::{MHeap, SysMem, lock_heap, unlock_heap};
use super::mstats::MemStats;
use super::persistent::ChunkSource;
use super::{ARENA_BASE_HINT, ARENA_INDEX_LEN, throw};
use crate::mem;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering::Relaxed};

/// The OS services of the runtime's heap: `crate::mem` over Linux system calls.
const LINUX_SYS_MEM: SysMem = SysMem { reserve: mem::sys_reserve_at, map: mem::sys_map, unused: mem::sys_unused };

/// Where persistent memory comes from: brk in rt0 programs; mmap in host unit tests, whose C library owns the
/// break.
const PERSISTENT_SOURCE: ChunkSource =
    if cfg!(test) { super::persistent::mmap_chunk } else { super::persistent::brk_chunk };

/// The runtime's heap (Go's `mheap_`). Only reached through [`mheap`].
static mut MHEAP: MHeap = MHeap::new(LINUX_SYS_MEM, PERSISTENT_SOURCE, ARENA_BASE_HINT, ARENA_INDEX_LEN);

/// The bootstrap mcache (Go's `mcache0`), made by `mallocinit`, later P0's.
static MCACHE0: AtomicPtr<MCache> = AtomicPtr::new(null_mut());

/// While one thread runs Go code at a time, the mcache of the P it holds: what [`RuntimeAllocator`] allocates
/// through. Null once several Ps run at once ([`enter_parallel`]); each thread then finds its P's mcache in its
/// TLS block.
static CURRENT: AtomicPtr<MCache> = AtomicPtr::new(null_mut());

/// Set by [`enter_parallel`]: allocation goes through each thread's own P.
static PARALLEL: AtomicBool = AtomicBool::new(false);

/// The runtime's heap.
pub fn mheap() -> *mut MHeap {
    &raw mut MHEAP
}

/// Sets up the allocator (Go's `mallocinit`): the heap is already in place (a static, with its size-class tables
/// built at compile time), so this makes [`mcache0`] and makes it current. Reserves no arena: the first
/// allocation that needs pages does. Idempotent.
pub fn mallocinit() {
    if !MCACHE0.load(Relaxed).is_null() {
        return;
    }
    let c = with_heap(|h| h.alloc_mcache());
    if c.is_null() {
        throw("mallocinit: no memory for mcache0");
    }
    MCACHE0.store(c, Relaxed);
    if CURRENT.load(Relaxed).is_null() {
        CURRENT.store(c, Relaxed);
    }
}

/// The bootstrap mcache (Go's `mcache0`), set up by [`mallocinit`] (called here if it has not run).
pub fn mcache0() -> *mut MCache {
    mallocinit();
    MCACHE0.load(Relaxed)
}

/// A new, empty mcache for another P, in persistent memory (Go's `allocmcache`). Its spans are filled lazily.
pub fn allocmcache() -> *mut MCache {
    mallocinit();
    let c = with_heap(|h| h.alloc_mcache());
    if c.is_null() {
        throw("allocmcache: out of memory");
    }
    c
}

/// Runs `f` on the heap with its lock held.
fn with_heap<R>(f: impl FnOnce(&mut MHeap) -> R) -> R {
    lock_heap(mheap());
    // SAFETY: the heap lock is held, so this is the only reference to the heap.
    let r = f(unsafe { &mut *mheap() });
    unlock_heap(mheap());
    r
}

/// Makes `c` the mcache [`RuntimeAllocator`] uses while one thread runs Go code at a time (acquirep installs
/// its P's; the scheduler keeps the TLS copy for the parallel case).
pub fn set_current_mcache(c: *mut MCache) {
    if !PARALLEL.load(Relaxed) {
        CURRENT.store(c, Relaxed);
    }
}

/// From now on several threads hold Ps and allocate at once: each allocates through the mcache of its own P,
/// which the scheduler keeps in the thread's TLS block ([`crate::tls::TLS_MCACHE`]); the shared `CURRENT`
/// is retired. Called by the scheduler before a second P starts running (the first wakep).
pub fn enter_parallel() {
    PARALLEL.store(true, Relaxed);
    CURRENT.store(null_mut(), Relaxed);
}

/// The mcache allocations go through now (Go's `getMCache`): the one P's while one thread runs Go code at a
/// time — a single load, and the only way in for bare programs, which have no TLS — else the calling thread's
/// P's, from its TLS block. Runs [`mallocinit`] on first use.
#[inline]
pub fn current_mcache() -> *mut MCache {
    let c = CURRENT.load(Relaxed);
    if !c.is_null() {
        return c;
    }
    #[cfg(not(test))]
    if PARALLEL.load(Relaxed) {
        let c = crate::tls::getmcache_tls();
        if !c.is_null() {
            return c;
        }
    }
    other_mcache()
}

/// `current_mcache` before `mallocinit`, or on a thread without a P once several Ps run (a bug:
/// only Ms holding a P allocate): out of line so the allocation paths stay small.
#[cold]
#[inline(never)]
fn other_mcache() -> *mut MCache {
    if PARALLEL.load(Relaxed) {
        throw("malloc on an M without a P");
    }
    mallocinit();
    CURRENT.load(Relaxed)
}

/// The heap's statistics (Go's `runtime.ReadMemStats`, heap fields).
pub fn read_memstats() -> MemStats {
    with_heap(|h| h.memstats())
}

/// `size` zeroed bytes aligned to `align` (≤ 4096) that are never freed, for runtime metadata (Go's
/// `persistentalloc`); null when out of memory.
pub fn persistentalloc(size: usize, align: usize) -> *mut u8 {
    with_heap(|h| h.persistent.alloc(size, align))
}

/// Rust's global allocator in rt0 programs: every `Box`, `Vec`, `String` goes through the current P's mcache.
/// Registered with `#[global_allocator]` only when building for `x86_64-unknown-none` (host tests keep std's).
pub struct RuntimeAllocator;

// SAFETY: `alloc` returns null or a block of at least `layout.size()` bytes aligned to `layout.align()` that no
// other live allocation overlaps (MCache::alloc); `dealloc` and `realloc` take back only such blocks, as the
// GlobalAlloc contract requires of their callers. The `Sync` the contract implies holds because each thread
// allocates through the mcache of the P it holds, which no other thread uses, and everything shared is behind the
// heap lock (malloc module docs).
unsafe impl GlobalAlloc for RuntimeAllocator {
    /// # Safety
    /// As for [`GlobalAlloc::alloc`]: `layout` has a nonzero size.
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: current_mcache returns a live mcache, used only by this thread.
        unsafe { (*current_mcache()).alloc(layout.size(), layout.align()) }
    }

    /// # Safety
    /// As for [`GlobalAlloc::dealloc`]: `ptr` is a live block this allocator returned for `layout`.
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller passes a block this allocator returned and never uses it again.
        unsafe { (*current_mcache()).free(ptr, layout.size(), layout.align()) }
    }

    /// Keeps the block when the new size gets the same size class (or page count); otherwise allocates, copies,
    /// frees.
    ///
    /// # Safety
    /// As for [`GlobalAlloc::realloc`]: `ptr` is a live block of `layout` from this allocator, `new_size` is
    /// nonzero and, rounded up to `layout.align()`, does not overflow `isize`.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let c = current_mcache();
        // SAFETY: `ptr` is a live block of `layout` from this allocator (caller); a fresh block cannot overlap it.
        unsafe {
            if (*c).fits_in_place(ptr, layout.align(), new_size) {
                return ptr;
            }
            let new = (*c).alloc(new_size, layout.align());
            if !new.is_null() {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                (*c).free(ptr, layout.size(), layout.align());
            }
            new
        }
    }
}

#[cfg(all(not(test), target_os = "none"))]
#[global_allocator]
static GLOBAL: RuntimeAllocator = RuntimeAllocator;
