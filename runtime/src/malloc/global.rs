//! The runtime's heap and its entry points: `mallocinit`, `mcache0`, `allocmcache`, the current mcache, the
//! `GlobalAlloc` implementation and `read_memstats`.
//!
//! Mirrors Go's `runtime/malloc.go` (`mallocinit`, `mcache0`, `persistentalloc`, `mallocgc`'s `getMCache`) and
//! `runtime.ReadMemStats` of `runtime/mstats.go`. Single-threaded use is assumed (see the `malloc` module docs):
//! the statics here are plain pointers, read and written without synchronisation beyond relaxed atomics.

use super::mcache::MCache;
use super::mheap::{MHeap, SysMem};
use super::mstats::MemStats;
use super::persistent::ChunkSource;
use super::{ARENA_BASE_HINT, ARENA_INDEX_LEN, throw};
use crate::mem;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, Ordering::Relaxed};

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

/// The mcache of the P the (single) running thread holds; what [`RuntimeAllocator`] allocates through.
static CURRENT: AtomicPtr<MCache> = AtomicPtr::new(null_mut());

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
    // SAFETY: only the thread holding a P reaches the heap (malloc module docs), and mallocinit runs on it.
    let c = unsafe { (*mheap()).alloc_mcache() };
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
    // SAFETY: only the thread holding a P reaches the heap (malloc module docs); procresize calls this there.
    let c = unsafe { (*mheap()).alloc_mcache() };
    if c.is_null() {
        throw("allocmcache: out of memory");
    }
    c
}

/// Makes `c` the mcache [`RuntimeAllocator`] uses (when a thread acquires a P, it installs that P's mcache).
pub fn set_current_mcache(c: *mut MCache) {
    CURRENT.store(c, Relaxed);
}

/// The mcache allocations go through now; runs [`mallocinit`] on first use.
#[inline]
pub fn current_mcache() -> *mut MCache {
    let c = CURRENT.load(Relaxed);
    if !c.is_null() {
        return c;
    }
    first_mcache()
}

/// `current_mcache` before `mallocinit`: kept out of line so the allocation paths stay small.
#[cold]
#[inline(never)]
fn first_mcache() -> *mut MCache {
    mallocinit();
    CURRENT.load(Relaxed)
}

/// The heap's statistics (Go's `runtime.ReadMemStats`, heap fields).
pub fn read_memstats() -> MemStats {
    // SAFETY: only the thread holding a P reaches the heap (malloc module docs); memstats only reads.
    unsafe { (*mheap()).memstats() }
}

/// `size` zeroed bytes aligned to `align` (≤ 4096) that are never freed, for runtime metadata (Go's
/// `persistentalloc`); null when out of memory.
pub fn persistentalloc(size: usize, align: usize) -> *mut u8 {
    // SAFETY: only the thread holding a P reaches the heap (malloc module docs).
    unsafe { (*mheap()).persistent.alloc(size, align) }
}

/// Rust's global allocator in rt0 programs: every `Box`, `Vec`, `String` goes through the current P's mcache.
/// Registered with `#[global_allocator]` only when building for `x86_64-unknown-none` (host tests keep std's).
pub struct RuntimeAllocator;

// SAFETY: `alloc` returns null or a block of at least `layout.size()` bytes aligned to `layout.align()` that no
// other live allocation overlaps (MCache::alloc); `dealloc` and `realloc` take back only such blocks, as the
// GlobalAlloc contract requires of their callers. The `Sync` the contract implies holds because only the thread
// that holds a P allocates (malloc module docs).
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
