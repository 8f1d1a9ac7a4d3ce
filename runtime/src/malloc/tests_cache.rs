//! Host tests of allocation and free through mcaches (`mcache`, `mcentral`, `mstats`) on a fake heap, and of the
//! runtime's own heap (`global`) over real mmap. (Go tests its allocator in `runtime/malloc_test.go`.)

use super::fake::{FakeHeap, Rng, check, fill};
use super::mspan::{MSPAN_CACHED, MSPAN_IN_USE};
use super::sizeclasses::{CLASS_TO_NOBJ, CLASS_TO_SIZE, class_for, size_to_class};
use super::{MCache, PAGE_BYTES};

/// Size of the object `size` bytes aligned to `align` get, as the statistics count it.
fn charged(size: usize, align: usize) -> u64 {
    match class_for(size, align) {
        0 => size.next_multiple_of(PAGE_BYTES) as u64,
        class => CLASS_TO_SIZE[class] as u64,
    }
}

fn free(c: &mut MCache, p: *mut u8, size: usize, align: usize) {
    // SAFETY: tests free each object they allocated exactly once.
    unsafe { c.free(p, size, align) };
}

#[test]
fn random_round_trips_keep_contents_and_balance_the_books() {
    let mut f = FakeHeap::new();
    let c = f.mcache();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut live: Vec<(*mut u8, usize, usize, u64)> = Vec::new();
    let mut expect_alloc = 0u64;
    for id in 0..30_000u64 {
        if live.is_empty() || rng.below(100) < 60 {
            let size = match rng.below(100) {
                0..=79 => 1 + rng.below(256),
                80..=97 => 257 + rng.below(8192),
                _ => 8193 + rng.below(70_000),
            } as usize;
            let align = 1 << rng.below(6);
            let p = c.alloc(size, align);
            assert!(!p.is_null() && (p as usize).is_multiple_of(align));
            fill(p, size, id);
            live.push((p, size, align, id));
            expect_alloc += charged(size, align);
        } else {
            let (p, size, align, id) = live.swap_remove(rng.below(live.len() as u64) as usize);
            assert!(check(p, size, id), "object {id} ({size} bytes) was overwritten");
            free(c, p, size, align);
            expect_alloc -= charged(size, align);
        }
    }
    assert_eq!(f.heap.memstats().heap_alloc, expect_alloc);
    for (p, size, align, id) in live.drain(..) {
        assert!(check(p, size, id), "object {id} was overwritten");
        free(c, p, size, align);
    }
    let st = f.heap.memstats();
    assert_eq!((st.heap_alloc, st.heap_objects), (0, 0));
    assert_eq!(st.mallocs, st.frees);
    assert!(st.total_alloc > 0 && st.heap_inuse > 0, "the cached spans are still in use");
    c.release_all();
    let st = f.heap.memstats();
    assert_eq!(st.heap_inuse, 0, "every span went back to the heap");
    assert_eq!(st.heap_idle, st.heap_sys);
    assert_eq!(f.free_runs().len(), 1, "and the free runs coalesced into one");
}

#[test]
fn alignment_is_honoured_for_every_power_of_two() {
    let mut f = FakeHeap::new();
    let c = f.mcache();
    for k in 0..=20 {
        let align = 1usize << k;
        for size in [1, 8, 24, 100, 6400, 20_000, 40_000] {
            let p = c.alloc(size, align);
            assert!(!p.is_null() && (p as usize).is_multiple_of(align), "size {size} align {align}: {p:?}");
            fill(p, size, k);
            assert!(check(p, size, k));
            free(c, p, size, align);
        }
    }
    assert!(c.alloc(8, 24).is_null(), "an alignment must be a power of two");
    assert_eq!(f.heap.memstats().heap_alloc, 0);
}

#[test]
fn spans_move_between_mcaches_and_central_lists() {
    let mut f = FakeHeap::new();
    let (c1, c2) = (f.mcache(), f.mcache());
    let n = CLASS_TO_NOBJ[size_to_class(64)] as usize;
    // Fill one span exactly, then one more object: the full span goes to mcentral's full list.
    let objs: Vec<*mut u8> = (0..n + 1).map(|_| c1.alloc(64, 8)).collect();
    let s = f.heap.span_of(objs[0] as usize);
    // SAFETY: a live span.
    unsafe { assert_eq!(((*s).state, (*s).alloc_count), (MSPAN_IN_USE, n as u32)) };
    let class = size_to_class(64);
    assert_eq!(f.heap.central[class].full.first, s);
    // A free into it (from another mcache) moves it to the partial list...
    free(c2, objs[5], 64, 8);
    assert_eq!((f.heap.central[class].partial.first, f.heap.central[class].full.first), (s, core::ptr::null_mut()));
    // ...where the next mcache that needs a span of that class finds it, with that object free.
    assert_eq!(c2.alloc(64, 8), objs[5]);
    // SAFETY: a live span.
    unsafe { assert_eq!((*s).state, MSPAN_CACHED) };
    free(c2, objs[5], 64, 8);
    for &p in objs.iter().filter(|&&p| p != objs[5]) {
        free(c1, p, 64, 8);
    }
    c1.release_all();
    c2.release_all();
    assert_eq!(f.heap.memstats().heap_inuse, 0, "empty spans return to the heap");
}

#[test]
fn a_span_emptied_while_uncached_returns_to_the_heap() {
    let mut f = FakeHeap::new();
    let c = f.mcache();
    let big = c.alloc(20_000, 8); // class 20480: 2 objects per 5-page span
    let big2 = c.alloc(20_000, 8);
    let other = c.alloc(20_000, 8); // refill: the first span is uncached, full
    assert_eq!(f.heap.memstats().heap_inuse as usize, 10 * PAGE_BYTES);
    free(c, big, 20_000, 8);
    free(c, big2, 20_000, 8);
    assert_eq!(f.heap.memstats().heap_inuse as usize, 5 * PAGE_BYTES, "its span went back");
    free(c, other, 20_000, 8);
}

#[test]
fn realloc_in_place_only_within_the_same_class_or_pages() {
    let mut f = FakeHeap::new();
    let c = f.mcache();
    let p = c.alloc(40, 8); // class 48
    assert!(c.fits_in_place(p, 8, 48) && c.fits_in_place(p, 8, 33));
    assert!(!c.fits_in_place(p, 8, 49) && !c.fits_in_place(p, 8, 32));
    let q = c.alloc(40_000, 8); // 5 pages
    assert!(c.fits_in_place(q, 8, 5 * PAGE_BYTES) && !c.fits_in_place(q, 8, 4 * PAGE_BYTES));
    free(c, p, 40, 8);
    free(c, q, 40_000, 8);
}

#[test]
#[should_panic(expected = "not an object's start")]
fn freeing_an_interior_pointer_of_an_uncached_span_is_caught() {
    let mut f = FakeHeap::new();
    let c = f.mcache();
    let p = c.alloc(64, 8);
    c.release_all();
    free(c, p.wrapping_add(8), 64, 8);
}

#[test]
#[should_panic(expected = "outside the heap")]
fn freeing_a_foreign_pointer_is_caught() {
    let mut f = FakeHeap::new();
    let mut x = 0u64;
    free(f.mcache(), &raw mut x as *mut u8, 8, 8);
}

#[test]
fn the_runtime_heap_over_real_mmap() {
    use super::global::{RuntimeAllocator, allocmcache, mallocinit, mcache0, read_memstats, set_current_mcache};
    use core::alloc::{GlobalAlloc, Layout};
    mallocinit();
    mallocinit();
    let (c0, c1) = (mcache0(), allocmcache());
    assert!(!c0.is_null() && c0 != c1);
    let before = read_memstats();
    let a = RuntimeAllocator;
    let l = Layout::from_size_align(100, 16).unwrap();
    // SAFETY: GlobalAlloc's contract: a nonzero layout, blocks freed once with their layout.
    unsafe {
        let p = a.alloc(l);
        assert!(!p.is_null() && p as usize >= super::ARENA_BASE_HINT, "{p:?} is in the first arena or above");
        fill(p, 100, 7);
        let q = a.realloc(p, l, 5000);
        assert!(check(q, 100, 7));
        set_current_mcache(c1);
        a.dealloc(q, Layout::from_size_align(5000, 16).unwrap());
        set_current_mcache(c0);
    }
    let after = read_memstats();
    assert_eq!(after.heap_alloc, before.heap_alloc);
    assert_eq!(after.mallocs - before.mallocs, 2);
    assert!(after.heap_sys >= (super::HEAP_GROW_PAGES * PAGE_BYTES) as u64);
}

#[test]
fn a_free_from_another_p_waits_on_the_span_and_returns_to_its_owner() {
    let mut f = FakeHeap::new();
    let (a, b) = (f.mcache() as *mut MCache, f.mcache() as *mut MCache);
    // SAFETY: both mcaches live as long as the fake heap; the test uses one at a time.
    let (a, b) = unsafe { (&mut *a, &mut *b) };
    let class = size_to_class(48);
    let n = CLASS_TO_NOBJ[class] as usize;
    let objs: Vec<*mut u8> = (0..n).map(|_| a.alloc(48, 8)).collect();
    let span = f.heap.span_of(objs[0] as usize);
    // SAFETY: `span` is the live span `a` caches.
    unsafe { assert_eq!(((*span).state, (*span).alloc_count as usize), (MSPAN_CACHED, n)) };
    for &p in &objs[..10] {
        free(b, p, 48, 8);
    }
    // SAFETY: as above.
    unsafe {
        assert_eq!((*span).remote_count, 10, "b's frees wait on the span's remote list");
        assert!((*span).freelist.is_null(), "a's free list is a's alone");
    }
    assert_eq!(f.heap.memstats().heap_objects, (n - 10) as u64);
    // The span is full for `a`: its next allocations take the remote objects back, not a new span.
    let again: Vec<*mut u8> = (0..10).map(|_| a.alloc(48, 8)).collect();
    assert!(again.iter().all(|&p| f.heap.span_of(p as usize) == span));
    // SAFETY: as above.
    unsafe { assert_eq!(((*span).remote_count, (*span).alloc_count as usize), (0, n)) };
    for &p in objs[10..].iter().chain(&again) {
        free(b, p, 48, 8);
    }
    a.release_all();
    b.release_all();
    let st = f.heap.memstats();
    assert_eq!((st.heap_objects, st.heap_inuse), (0, 0), "the remote frees were counted and the span went back");
}

/// Two threads, each with its own mcache, allocate, hand objects to each other and free what they get: every
/// object keeps its contents and the books balance (the remote lists and the heap lock at work).
#[test]
fn two_threads_free_each_others_objects() {
    struct Shared(*mut MCache);
    // SAFETY: each mcache is used by one thread only.
    unsafe impl Send for Shared {}
    let mut f = FakeHeap::new();
    let caches = [Shared(f.mcache()), Shared(f.mcache())];
    let (tx0, rx0) = std::sync::mpsc::sync_channel::<(usize, usize, u64)>(64);
    let (tx1, rx1) = std::sync::mpsc::sync_channel::<(usize, usize, u64)>(64);
    let ends = [(tx0, rx1), (tx1, rx0)];
    std::thread::scope(|s| {
        for (i, (c, (tx, rx))) in caches.into_iter().zip(ends).enumerate() {
            s.spawn(move || {
                let c = c;
                // SAFETY: this thread is the mcache's only user.
                let c = unsafe { &mut *c.0 };
                let mut rng = Rng(0x9e37_79b9 + i as u64);
                for id in 0..20_000u64 {
                    let size = 1 + rng.below(600) as usize;
                    let p = c.alloc(size, 8);
                    assert!(!p.is_null());
                    fill(p, size, id);
                    tx.send((p as usize, size, id)).unwrap();
                    let (q, qsize, qid) = rx.recv().unwrap();
                    assert!(check(q as *mut u8, qsize, qid), "object {qid} was overwritten");
                    free(c, q as *mut u8, qsize, 8);
                }
                drop(tx);
                c.release_all();
            });
        }
    });
    let st = f.heap.memstats();
    assert_eq!((st.mallocs, st.frees, st.heap_objects), (40_000, 40_000, 0));
}
