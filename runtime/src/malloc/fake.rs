//! A fake OS for host unit tests: a heap whose "address space" is a `Vec`-style region of four arenas allocated
//! from the test binary's own allocator, and whose metadata comes from leaked `Vec`s instead of brk.
//!
//! Test support only; it mirrors no Go file (Go's own allocator tests use a real heap, `runtime/export_test.go`).

use super::mheap::{MHeap, SysMem};
use super::{HEAP_ARENA_BYTES, LOG_HEAP_ARENA_BYTES, MCache};
use crate::mem::ReserveError;
use std::alloc::Layout;

/// Arenas in a fake heap's region: 256 MiB of address space, touched only where used.
pub const FAKE_ARENAS: usize = 4;

/// A heap over a private region; the region is freed when the test drops it.
pub struct FakeHeap {
    pub heap: Box<MHeap>,
    region: *mut u8,
}

fn region_layout() -> Layout {
    Layout::from_size_align(FAKE_ARENAS * HEAP_ARENA_BYTES, HEAP_ARENA_BYTES).unwrap()
}

/// Every hint inside the region is free.
fn reserve_any(hint: usize, _len: usize) -> Result<usize, ReserveError> {
    Ok(hint)
}

/// Arenas at even arena numbers are "taken": the heap must skip to the next hint.
pub fn reserve_odd_only(hint: usize, _len: usize) -> Result<usize, ReserveError> {
    if (hint >> LOG_HEAP_ARENA_BYTES).is_multiple_of(2) { Err(ReserveError::Taken) } else { Ok(hint) }
}

/// The region is already readable and writable.
///
/// # Safety
/// Always safe; `unsafe` to fit `SysMem::map`.
unsafe fn map_nothing(_addr: usize, _len: usize) -> bool {
    true
}

/// MADV_DONTNEED: the pages read back as zeros.
///
/// # Safety
/// `[addr, addr + len)` must be writable memory whose contents nobody needs.
unsafe fn unused_zero(addr: usize, len: usize) {
    // SAFETY: the heap only releases free runs inside the region, which nobody uses.
    unsafe { core::ptr::write_bytes(addr as *mut u8, 0, len) };
}

/// Persistent memory: leaked zeroed `Vec`s.
///
/// # Safety
/// Always safe; `unsafe` to fit `ChunkSource`.
unsafe fn vec_chunk(len: usize) -> usize {
    Box::leak(vec![0u8; len].into_boxed_slice()).as_mut_ptr() as usize
}

pub const FAKE_SYS: SysMem = SysMem { reserve: reserve_any, map: map_nothing, unused: unused_zero };

impl FakeHeap {
    pub fn new() -> FakeHeap {
        FakeHeap::with(FAKE_SYS)
    }

    pub fn with(sys: SysMem) -> FakeHeap {
        // SAFETY: a nonzero size; the region is freed with the same layout in Drop.
        let region = unsafe { std::alloc::alloc_zeroed(region_layout()) };
        assert!(!region.is_null());
        let heap = Box::new(MHeap::new(sys, vec_chunk, region as usize, FAKE_ARENAS));
        FakeHeap { heap, region }
    }

    /// The first address of the region (arena 0).
    pub fn base(&self) -> usize {
        self.region as usize
    }

    /// A new mcache of this heap.
    pub fn mcache(&mut self) -> &'static mut MCache {
        let c = self.heap.alloc_mcache();
        assert!(!c.is_null());
        // SAFETY: mcaches live in leaked persistent memory; tests drop them (unused) before the heap.
        unsafe { &mut *c }
    }

    /// Free runs on the heap's lists: (start, npages), sorted.
    pub fn free_runs(&self) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        for list in self.heap.free.iter().chain([&self.heap.free_large]) {
            let mut s = list.first;
            while !s.is_null() {
                // SAFETY: the lists link live span structs.
                unsafe {
                    runs.push(((*s).start, (*s).npages));
                    s = (*s).next;
                }
            }
        }
        runs.sort();
        runs
    }
}

impl Drop for FakeHeap {
    fn drop(&mut self) {
        // SAFETY: allocated in `with` with this layout; the heap that pointed into it is dropped with us.
        unsafe { std::alloc::dealloc(self.region, region_layout()) };
    }
}

/// A deterministic xorshift64* generator for the tests' random sizes.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Byte `i` of object `id`'s pattern.
fn pattern(id: u64, i: usize) -> u8 {
    (id.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as u8 ^ (i as u8).wrapping_mul(7)
}

/// Fills `len` bytes at `p` with a pattern derived from `id`.
pub fn fill(p: *mut u8, len: usize, id: u64) {
    for i in 0..len {
        // SAFETY: the caller's object of `len` bytes.
        unsafe { p.add(i).write(pattern(id, i)) };
    }
}

/// Checks the pattern `fill` wrote.
pub fn check(p: *const u8, len: usize, id: u64) -> bool {
    // SAFETY: the caller's object of `len` bytes.
    (0..len).all(|i| unsafe { p.add(i).read() } == pattern(id, i))
}
