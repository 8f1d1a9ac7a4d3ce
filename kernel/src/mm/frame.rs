//! The physical frame allocator: 4 KiB frames from the bootloader's usable ranges.
//!
//! Allocation bumps through the usable ranges in order; freed frames go on a LIFO free list
//! threaded through the frames themselves (the first 8 bytes of a free frame, written through
//! the direct map, hold the next free frame's address), so both alloc and free are O(1).
//! Physical memory below 1 MiB (real-mode structures, BIOS data) is never handed out by
//! [`alloc`]; the free list therefore uses 0 as its end marker. Its usable pages are kept apart
//! for what must live there — the SMP trampoline, which an AP starts in real mode — and taken
//! once each with [`alloc_low`].
//!
//! Each CPU keeps a few free frames of its own (Linux's per-CPU page lists, `pcp`): [`alloc`]
//! and [`free`] take and give them under the CPU's own lock, which no other CPU takes except to
//! count, and move [`BATCH`] frames at a time from and to the global list. So a page fault on
//! one CPU does not wait for a page fault on another, and the global lock is taken once per
//! batch. Lock order: a CPU's cache → the global list.
use crate::arch::percpu::{self, MAX_CPUS};
use crate::bootinfo::MAX_REGIONS;
use spin::Mutex;
use x86_64::PhysAddr;
use x86_64::structures::paging::{PhysFrame, Size4KiB};

const FRAME: u64 = 4096;
const LOW_MEMORY_END: u64 = 1 << 20;

struct Frames {
    ranges: [(u64, u64); MAX_REGIONS],
    count: usize,
    /// Index of the range being bumped through, and the next never-used frame in it.
    range: usize,
    next: u64,
    free_head: u64,
    free_frames: u64,
    total_frames: u64,
    phys_offset: u64,
    /// The first usable range below 1 MiB (page 0 excluded: the real-mode IVT and BIOS data),
    /// `[start, end)`; `alloc_low` takes its pages from the bottom up.
    low: (u64, u64),
}

static FRAMES: Mutex<Frames> = Mutex::new(Frames {
    ranges: [(0, 0); MAX_REGIONS],
    count: 0,
    range: 0,
    next: 0,
    free_head: 0,
    free_frames: 0,
    total_frames: 0,
    phys_offset: 0,
    low: (0, 0),
});

/// Removes `size` bytes (page-aligned) from the top of the first range that can spare them and
/// returns their physical start.
pub fn carve(ranges: &mut [(u64, u64)], size: u64) -> Option<u64> {
    let r = ranges.iter_mut().find(|(s, e)| e.saturating_sub((*s).max(LOW_MEMORY_END)) >= size)?;
    r.1 -= size;
    Some(r.1)
}

/// Takes ownership of `ranges` (page-aligned, usable, not used by anything else); returns the
/// number of frames available.
pub fn init(ranges: &[(u64, u64)], phys_offset: u64) -> u64 {
    let mut f = FRAMES.lock();
    f.phys_offset = phys_offset;
    let low = ranges.iter().map(|&(s, e)| (s.max(FRAME), e.min(LOW_MEMORY_END))).find(|(s, e)| s < e);
    f.low = low.unwrap_or((0, 0));
    for &(start, end) in ranges {
        let start = start.max(LOW_MEMORY_END);
        if start < end {
            let i = f.count;
            f.ranges[i] = (start, end);
            f.count += 1;
            f.free_frames += (end - start) / FRAME;
        }
    }
    f.range = 0;
    f.next = f.ranges[0].0;
    f.total_frames = f.free_frames;
    f.free_frames
}

/// Frames a CPU's cache holds at most, and moves from or to the global list at a time.
const CACHE: usize = 64;
const BATCH: usize = 32;

/// One CPU's free frames (physical addresses).
struct Cache {
    n: usize,
    frames: [u64; CACHE],
}

static CACHES: [Mutex<Cache>; MAX_CPUS] = [const { Mutex::new(Cache { n: 0, frames: [0; CACHE] }) }; MAX_CPUS];

/// Allocates one 4 KiB frame (contents undefined): from this CPU's cache, refilled from the
/// global list when empty. The boot CPU may call it before its per-CPU block is set up (the
/// zero page is taken then); an AP sets its block up before it takes a frame.
pub fn alloc() -> Option<PhysFrame> {
    let mut c = CACHES[percpu::id_early() as usize].lock();
    if c.n == 0 {
        let mut f = FRAMES.lock();
        while c.n < BATCH {
            let Some(a) = take(&mut f) else { break };
            let n = c.n;
            c.frames[n] = a;
            c.n += 1;
        }
    }
    if c.n == 0 {
        return None;
    }
    c.n -= 1;
    Some(PhysFrame::containing_address(PhysAddr::new(c.frames[c.n])))
}

/// One frame off the global list (a freed one first, else the next never used).
fn take(f: &mut Frames) -> Option<u64> {
    let addr = if f.free_head != 0 {
        let head = f.free_head;
        // SAFETY: `head` is a free frame owned by the allocator; its first word was written by
        // `free` and is read through the direct map.
        f.free_head = unsafe { ((f.phys_offset + head) as *const u64).read() };
        head
    } else {
        while f.range < f.count && f.next >= f.ranges[f.range].1 {
            f.range += 1;
            f.next = f.ranges.get(f.range).map_or(0, |r| r.0);
        }
        if f.range == f.count {
            return None;
        }
        let a = f.next;
        f.next += FRAME;
        a
    };
    f.free_frames -= 1;
    Some(addr)
}

/// Takes a usable frame below 1 MiB for good (it is never freed); None when there is none left.
pub fn alloc_low() -> Option<PhysFrame> {
    let mut f = FRAMES.lock();
    let (start, end) = f.low;
    if start >= end {
        return None;
    }
    f.low.0 += FRAME;
    Some(PhysFrame::containing_address(PhysAddr::new(start)))
}

/// Returns a frame to the allocator.
///
/// # Safety
/// `frame` must have come from [`alloc`], must not be freed twice, and nothing may use it
/// (through any mapping) afterwards.
pub unsafe fn free(frame: PhysFrame) {
    let mut c = CACHES[percpu::id_early() as usize].lock();
    if c.n == CACHE {
        let mut f = FRAMES.lock();
        for _ in 0..BATCH {
            c.n -= 1;
            let addr = c.frames[c.n];
            // SAFETY: a frame in a cache is free, so the allocator may write its first word.
            unsafe { ((f.phys_offset + addr) as *mut u64).write(f.free_head) };
            f.free_head = addr;
            f.free_frames += 1;
        }
    }
    let n = c.n;
    c.frames[n] = frame.start_address().as_u64();
    c.n += 1;
}

/// Frames the allocator was given at boot.
pub fn total_count() -> u64 {
    FRAMES.lock().total_frames
}

/// Frames currently available: on the global list and in the CPUs' caches.
pub fn free_count() -> u64 {
    let cached: usize = (0..crate::smp::online_cpus() as usize).map(|c| CACHES[c].lock().n).sum();
    FRAMES.lock().free_frames + cached as u64
}

/// Adapter for the `x86_64` crate's mapper, which allocates page-table frames through it.
pub struct Allocator;

// SAFETY: `alloc` hands out each frame once until it is freed.
unsafe impl x86_64::structures::paging::FrameAllocator<Size4KiB> for Allocator {
    fn allocate_frame(&mut self) -> Option<PhysFrame> {
        alloc()
    }
}
