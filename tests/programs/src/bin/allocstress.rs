//! Stress test of the runtime's allocator (`runtime::malloc`, Go's mcache → mcentral → mheap), checked the same
//! way on rt0 and on Linux.
//!
//! Objects of random sizes (8 B … 64 KiB, skewed to small, a few over 32 KiB) are allocated three ways — straight
//! from the P's mcache, through `alloc::alloc` (the global allocator) and as `Box<[u8]>` — filled with a pattern
//! derived from their index and freed in random order, each checked just before it is freed. Every round grows
//! to a peak of 100,000 live objects and shrinks again; the last round frees everything. Smaller checks cover
//! every size class, alignments up to 64 KiB, `Vec` growth (realloc), an 80 MiB object spanning arenas, and
//! frees through a second mcache.
//!
//! Prints `allocstress: <check> ok` (or `FAILED`) per check, MemStats before and after, and
//! `allocstress: N passed, M failed`; exits 0 iff all passed. HeapAlloc must be back at its starting value.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::alloc::{Layout, alloc as global_alloc, dealloc as global_dealloc};
use alloc::boxed::Box;
use alloc::vec::Vec;
use runtime::malloc::{self, MCache, MemStats, read_memstats, sizeclasses::CLASS_TO_SIZE};
use runtime::println;

runtime::main!(main);

const PEAK: usize = 100_000;
const ROUNDS: usize = 4;
const HUGE: usize = 80 << 20;

/// xorshift64*: deterministic, so rt0 and Linux run the same sequence.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as usize % n
    }
}

/// How an object was allocated, and so how it must be freed.
#[derive(Clone, Copy)]
enum Via {
    MCache,
    Global,
    Boxed,
}

struct Obj {
    ptr: *mut u8,
    size: usize,
    align: usize,
    id: u64,
    via: Via,
}

fn word(id: u64, i: usize) -> u64 {
    id.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i as u64).wrapping_mul(0x0100_0000_01b3)
}

/// Fills `size` bytes at `p` with the pattern of object `id` (whole words, then the tail bytes).
fn fill(p: *mut u8, size: usize, id: u64) {
    for i in 0..size / 8 {
        // SAFETY: inside the object; unaligned stores are fine on x86-64.
        unsafe { (p as *mut u64).add(i).write_unaligned(word(id, i)) };
    }
    for i in size / 8 * 8..size {
        // SAFETY: inside the object.
        unsafe { p.add(i).write(word(id, i) as u8) };
    }
}

fn check(p: *const u8, size: usize, id: u64) -> bool {
    // SAFETY: inside the object.
    let words = (0..size / 8).all(|i| unsafe { (p as *const u64).add(i).read_unaligned() } == word(id, i));
    // SAFETY: inside the object.
    words && (size / 8 * 8..size).all(|i| unsafe { p.add(i).read() } == word(id, i) as u8)
}

fn random_size(rng: &mut Rng) -> usize {
    match rng.below(1000) {
        0..=799 => 8 + rng.below(121),         // 8 … 128
        800..=949 => 129 + rng.below(896),     // … 1 KiB
        950..=994 => 1025 + rng.below(7168),   // … 8 KiB
        995..=998 => 8193 + rng.below(24_576), // … 32 KiB
        _ => 32_769 + rng.below(32_768),       // large: … 64 KiB
    }
}

fn mcache() -> &'static mut MCache {
    // SAFETY: the current P's mcache, used only by this (the only allocating) thread.
    unsafe { &mut *malloc::current_mcache() }
}

fn new_obj(rng: &mut Rng, id: u64) -> Obj {
    let size = random_size(rng);
    let (via, align) = match rng.below(10) {
        0..=4 => (Via::MCache, [8, 8, 16, 64][rng.below(4)]),
        5..=7 => (Via::Global, [1, 8, 16, 32, 64, 128, 256, 4096][rng.below(8)]),
        _ => (Via::Boxed, 1),
    };
    let ptr = match via {
        Via::MCache => mcache().alloc(size, align),
        // SAFETY: a nonzero size and a power-of-two alignment.
        Via::Global => unsafe { global_alloc(Layout::from_size_align(size, align).unwrap()) },
        Via::Boxed => Box::into_raw(alloc::vec![0u8; size].into_boxed_slice()) as *mut u8,
    };
    assert!(!ptr.is_null() && (ptr as usize).is_multiple_of(align), "allocation of {size} bytes failed");
    fill(ptr, size, id);
    Obj { ptr, size, align, id, via }
}

/// Checks the object's pattern, then frees it the way it was allocated. False if the pattern was damaged.
fn free_obj(o: Obj) -> bool {
    let ok = check(o.ptr, o.size, o.id);
    // SAFETY: each object is freed once, the way it was allocated, and not used afterwards.
    unsafe {
        match o.via {
            Via::MCache => mcache().free(o.ptr, o.size, o.align),
            Via::Global => global_dealloc(o.ptr, Layout::from_size_align(o.size, o.align).unwrap()),
            Via::Boxed => drop(Box::from_raw(core::ptr::slice_from_raw_parts_mut(o.ptr, o.size))),
        }
    }
    ok
}

/// Grows to PEAK live objects (7 allocations to 3 frees) and shrinks to `keep` (3 to 7), at random. Returns
/// whether every pattern survived, the numbers of allocations and frees, and MemStats at the peak.
fn round(rng: &mut Rng, live: &mut Vec<Obj>, next_id: &mut u64, keep: usize) -> (bool, usize, usize, MemStats) {
    let (mut ok, mut allocs, mut frees) = (true, 0, 0);
    let mut step = |live: &mut Vec<Obj>, p_alloc: usize| {
        if live.is_empty() || (rng.below(10) < p_alloc && live.len() < PEAK) {
            live.push(new_obj(rng, *next_id));
            *next_id += 1;
            allocs += 1;
        } else {
            ok &= free_obj(live.swap_remove(rng.below(live.len())));
            frees += 1;
        }
    };
    while live.len() < PEAK {
        step(live, 7);
    }
    let at_peak = read_memstats();
    while live.len() > keep {
        step(live, 3);
    }
    (ok, allocs, frees, at_peak)
}

fn every_class_and_alignment() -> bool {
    let c = mcache();
    let mut ok = true;
    for &s in &CLASS_TO_SIZE[1..] {
        for size in [s as usize - 1, s as usize, s as usize + 1] {
            let p = c.alloc(size, 8);
            fill(p, size, size as u64);
            ok &= (p as usize).is_multiple_of(8) && check(p, size, size as u64);
            // SAFETY: freed once.
            unsafe { c.free(p, size, 8) };
        }
    }
    for k in 0..=16 {
        let (align, size) = (1usize << k, 24 + 1000 * k);
        let p = c.alloc(size, align);
        fill(p, size, k as u64);
        ok &= (p as usize).is_multiple_of(align) && check(p, size, k as u64);
        // SAFETY: freed once.
        unsafe { c.free(p, size, align) };
    }
    ok
}

fn vec_growth_and_boxes() -> bool {
    let v: Vec<u64> = (0..200_000u64).map(|i| i * i).collect::<Vec<_>>().into_iter().rev().collect();
    let mut w: Vec<u32> = Vec::new();
    for i in 0..100_000u32 {
        w.push(i ^ 0x5a5a); // grows by realloc, in place while the size class stays the same
    }
    let boxes: Vec<Box<[u8; 300]>> = (0..1000).map(|i| Box::new([i as u8; 300])).collect();
    let s = alloc::format!("{} {}", v.len(), w.len());
    v.iter().rev().enumerate().all(|(i, &x)| x == (i * i) as u64)
        && w.iter().enumerate().all(|(i, &x)| x == i as u32 ^ 0x5a5a)
        && boxes.iter().enumerate().all(|(i, b)| b.iter().all(|&x| x == i as u8))
        && s == "200000 100000"
}

fn huge_object_spanning_arenas() -> bool {
    let c = mcache();
    let p = c.alloc(HUGE, 8);
    let ok = !p.is_null() && (p as usize).is_multiple_of(malloc::PAGE_BYTES);
    for off in [0, malloc::HEAP_ARENA_BYTES, HUGE - 8] {
        // SAFETY: inside the object; only these pages are touched.
        unsafe { (p.add(off) as *mut u64).write(off as u64) };
    }
    // SAFETY: as above.
    let ok = ok
        && [0, malloc::HEAP_ARENA_BYTES, HUGE - 8]
            .iter()
            .all(|&o| unsafe { (p.add(o) as *const u64).read() } == o as u64);
    // SAFETY: freed once.
    unsafe { c.free(p, HUGE, 8) };
    ok
}

fn frees_through_another_mcache() -> bool {
    let (c0, c1) = (mcache(), malloc::allocmcache());
    let objs: Vec<*mut u8> = (0..5000).map(|i| c0.alloc(16 + i % 500, 8)).collect();
    for (i, &p) in objs.iter().enumerate() {
        // SAFETY: each object freed once, through another P's mcache of the same heap.
        unsafe { (*c1).free(p, 16 + i % 500, 8) };
    }
    // SAFETY: c1 is a live mcache nobody else uses.
    unsafe { (*c1).release_all() };
    true
}

fn show(when: &str, m: &MemStats) {
    println!(
        "allocstress: memstats {when}: HeapAlloc={} HeapSys={} HeapInuse={} Mallocs={} Frees={} TotalAlloc={}",
        m.heap_alloc, m.heap_sys, m.heap_inuse, m.mallocs, m.frees, m.total_alloc
    );
}

fn main() {
    malloc::mallocinit();
    let before = read_memstats();
    let (mut passed, mut failed) = (0, 0);
    let mut report = |name: &str, ok: bool| {
        println!("allocstress: {name} {}", if ok { "ok" } else { "FAILED" });
        if ok { passed += 1 } else { failed += 1 }
    };
    report("every size class and alignments 1..64KiB", every_class_and_alignment());
    report("vec growth, boxes, format through the global allocator", vec_growth_and_boxes());
    report("80 MiB object spanning two arenas", huge_object_spanning_arenas());
    report("frees through a second mcache", frees_through_another_mcache());
    {
        let mut rng = Rng(0x243f_6a88_85a3_08d3);
        let mut live: Vec<Obj> = Vec::new();
        let mut next_id = 0;
        for r in 1..=ROUNDS {
            let keep = if r == ROUNDS { 0 } else { PEAK / 10 };
            let (ok, allocs, frees, m) = round(&mut rng, &mut live, &mut next_id, keep);
            let name = alloc::format!(
                "round {r}: {allocs} allocs, {frees} frees, peak {PEAK} live (HeapAlloc {} MiB, HeapInuse {} MiB), {} left:",
                m.heap_alloc >> 20,
                m.heap_inuse >> 20,
                live.len(),
            );
            report(&name, ok);
        }
    }
    let after = read_memstats();
    show("before", &before);
    show("after", &after);
    report("HeapAlloc back to its starting value", after.heap_alloc == before.heap_alloc);
    report("Mallocs - Frees back to its starting value", after.mallocs - after.frees == before.mallocs - before.frees);
    println!("allocstress: {passed} passed, {failed} failed");
    programs::exit_group(if failed == 0 { 0 } else { 1 });
}
