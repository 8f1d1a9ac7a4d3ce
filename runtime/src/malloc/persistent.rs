//! The persistent allocator: zeroed memory for runtime metadata that is never freed — span structs, heap-arena
//! metadata (the page → span maps), mcaches.
//!
//! Mirrors Go's `persistentalloc` in `runtime/malloc.go`: bump allocation out of 256 KiB chunks, with requests of
//! 64 KiB or more served from a chunk of their own. The difference is where the chunks come from. Go maps each
//! one with mmap (`sysAlloc`); **rt0 takes them from the program break with brk(2)** ([`brk_chunk`]), so the
//! runtime's metadata sits just above the program image, as a C malloc's would, and the heap arenas stay the only
//! mmap users. If the kernel refuses to move the break, [`brk_chunk`] falls back to an anonymous mmap.
//!
//! The source of chunks is a plain function ([`ChunkSource`]), so host tests can hand out `Vec`-backed memory
//! instead (a test binary's C library owns its break).

use crate::mem;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Size of the chunks taken from the source (Go's `persistentChunkSize`).
pub const PERSISTENT_CHUNK: usize = 256 << 10;
/// Requests this large get a chunk of their own (Go's `maxBlock`).
pub const PERSISTENT_MAX_BLOCK: usize = 64 << 10;

/// Returns `len` bytes of zeroed read/write memory that is never given back, or 0 if there is none.
///
/// # Safety
/// The implementation may move the program break (see [`brk_chunk`]); callers must not otherwise manage it.
pub type ChunkSource = unsafe fn(len: usize) -> usize;

/// A bump allocator over chunks from a [`ChunkSource`].
pub struct PersistentAlloc {
    next: usize,
    end: usize,
    source: ChunkSource,
    /// Bytes obtained from the source so far (Go's `memstats.other_sys`, roughly).
    pub sys_bytes: u64,
}

impl PersistentAlloc {
    pub const fn new(source: ChunkSource) -> Self {
        PersistentAlloc { next: 0, end: 0, source, sys_bytes: 0 }
    }

    /// `size` zeroed bytes aligned to `align` (a power of two ≤ the page size), never freed; null if the source is out of
    /// memory.
    pub fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        debug_assert!(align.is_power_of_two() && align <= abi::mman::PAGE_SIZE);
        let size = size.max(1);
        if size >= PERSISTENT_MAX_BLOCK {
            // Room to align the start too: a brk chunk starts wherever the break was.
            let len = round_up(size + align - 1, abi::mman::PAGE_SIZE);
            // SAFETY: the runtime is the only manager of the break (see `ChunkSource`).
            let p = unsafe { (self.source)(len) };
            self.sys_bytes += if p == 0 { 0 } else { len as u64 };
            return if p == 0 { core::ptr::null_mut() } else { round_up(p, align) as *mut u8 };
        }
        let mut p = round_up(self.next, align);
        if self.next == 0 || p + size > self.end {
            // SAFETY: as above.
            let chunk = unsafe { (self.source)(PERSISTENT_CHUNK) };
            if chunk == 0 {
                return core::ptr::null_mut();
            }
            self.sys_bytes += PERSISTENT_CHUNK as u64;
            if chunk != self.end || self.next == 0 {
                self.next = chunk; // not contiguous with the old chunk (as brk's are): its tail is lost
            }
            self.end = chunk + PERSISTENT_CHUNK;
            p = round_up(self.next, align);
            if p + size > self.end {
                return core::ptr::null_mut(); // cannot happen: size < PERSISTENT_MAX_BLOCK
            }
        }
        self.next = p + size;
        p as *mut u8
    }
}

/// `x` rounded up to a multiple of `a`, a power of two.
#[inline]
pub const fn round_up(x: usize, a: usize) -> usize {
    (x + a - 1) & !(a - 1)
}

/// The program break as rt0's runtime last set it (0: not asked yet).
static BRK_END: AtomicUsize = AtomicUsize::new(0);

/// The [`ChunkSource`] of rt0 programs: moves the break up by `len` and returns the old break. Falls back to
/// [`mem::sys_alloc`] (mmap) if the kernel refuses.
///
/// # Safety
/// No other code in the process may manage the break (see [`mem::sys_brk_grow`]). Called under the heap lock, like the rest
/// of the allocator.
pub unsafe fn brk_chunk(len: usize) -> usize {
    let mut cur = BRK_END.load(Relaxed);
    if cur == 0 {
        cur = mem::sys_brk_current();
    }
    // `cur` is the break (read above or recorded by the last grow); the caller guarantees nobody else
    // moves it.
    // SAFETY: so the block below is sound.
    match unsafe { mem::sys_brk_grow(cur, len) } {
        Some(p) => {
            BRK_END.store(cur + len, Relaxed);
            p
        }
        None => mem::sys_alloc(len),
    }
}

/// A [`ChunkSource`] that maps every chunk with mmap, as Go does: what the heap uses in host tests, where the C
/// library owns the break.
///
/// # Safety
/// Always safe to call; `unsafe` only to fit [`ChunkSource`].
pub unsafe fn mmap_chunk(len: usize) -> usize {
    mem::sys_alloc(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out leaked zeroed `Vec` memory (page-aligned start, like a fresh mapping).
    ///
    /// # Safety
    /// Always safe; `unsafe` to fit `ChunkSource`.
    unsafe fn vec_chunk(len: usize) -> usize {
        let page = abi::mman::PAGE_SIZE;
        (Box::leak(vec![0u8; len + page].into_boxed_slice()).as_ptr() as usize + page) & !(page - 1)
    }

    #[test]
    fn bump_allocates_aligned_zeroed_disjoint_blocks() {
        let mut pa = PersistentAlloc::new(vec_chunk);
        let mut blocks: Vec<(usize, usize)> = Vec::new();
        for i in 0..2000usize {
            let (size, align) = (1 + i * 37 % 700, 1 << (i % 7));
            let p = pa.alloc(size, align) as usize;
            assert!(p != 0 && p.is_multiple_of(align));
            // SAFETY: `p` is a fresh block of `size` bytes.
            let block = unsafe { core::slice::from_raw_parts_mut(p as *mut u8, size) };
            assert!(block.iter().all(|&b| b == 0), "persistent memory is zeroed");
            block.fill(0xee);
            blocks.push((p, p + size));
        }
        blocks.sort();
        assert!(blocks.windows(2).all(|w| w[0].1 <= w[1].0), "blocks overlap");
        assert!(pa.sys_bytes >= 2 * PERSISTENT_CHUNK as u64, "several chunks were used");
    }

    #[test]
    fn big_requests_get_their_own_chunk() {
        let mut pa = PersistentAlloc::new(vec_chunk);
        let small = pa.alloc(64, 8) as usize;
        let big = pa.alloc(PERSISTENT_MAX_BLOCK, 64) as usize;
        let small2 = pa.alloc(64, 8) as usize;
        assert!(big != 0 && big.is_multiple_of(64));
        assert_eq!(small2, small + 64, "the current chunk keeps serving small requests");
    }
}
