//! Host tests of the page heap (`mheap`, `pages`, `arena`, `mcentral`) on a fake, `Vec`-backed address space
//! (cf. Go's `runtime/mpagealloc_test.go`, which also runs its page allocator over a fake heap).

use super::fake::{FAKE_ARENAS, FakeHeap, reserve_odd_only};
use super::mheap::SysMem;
use super::mspan::{MSPAN_FREE, MSPAN_IN_USE, MSPAN_LARGE, MSpan};
use super::sizeclasses::{CLASS_TO_ALLOCNPAGES, CLASS_TO_NOBJ, NUM_SIZE_CLASSES};
use super::{HEAP_ARENA_BYTES, HEAP_GROW_PAGES, PAGE_BYTES, PAGES_PER_ARENA, fake};

const GROW: usize = HEAP_GROW_PAGES * PAGE_BYTES;

fn large(f: &mut FakeHeap, npages: usize) -> *mut MSpan {
    let s = f.heap.alloc_large(npages, 1);
    assert!(!s.is_null());
    s
}

fn start(s: *mut MSpan) -> usize {
    // SAFETY: tests pass live spans.
    unsafe { (*s).start }
}

fn free(f: &mut FakeHeap, s: *mut MSpan) {
    // SAFETY: tests free each span they allocated once.
    unsafe { f.heap.free_span(s) };
}

#[test]
fn nothing_is_reserved_until_the_first_allocation() {
    let mut f = FakeHeap::new();
    assert_eq!((f.heap.arena_count(), f.heap.stats.sys), (0, 0));
    let s = large(&mut f, 1);
    assert_eq!(start(s), f.base(), "the first arena is at the first hint");
    assert_eq!(f.heap.arena_count(), 1);
    assert_eq!(f.heap.stats.sys as usize, GROW, "committed one grow step, not one page, not the arena");
}

#[test]
fn runs_split_and_coalesce() {
    let mut f = FakeHeap::new();
    let (a, b, c) = (large(&mut f, 3), large(&mut f, 5), large(&mut f, 2));
    let base = f.base();
    assert_eq!((start(a), start(b), start(c)), (base, base + 3 * PAGE_BYTES, base + 8 * PAGE_BYTES));
    assert_eq!(f.heap.stats.inuse as usize, 10 * PAGE_BYTES);
    assert_eq!(f.free_runs(), vec![(base + 10 * PAGE_BYTES, HEAP_GROW_PAGES - 10)]);
    free(&mut f, b);
    assert_eq!(f.free_runs().len(), 2, "b's pages stand alone between a and c");
    assert!(f.heap.free_mask & (1 << 5) != 0);
    // A 4-page request is cut from b's 5-page run (the smallest that fits), not from the tail.
    let d = large(&mut f, 4);
    assert_eq!(start(d), base + 3 * PAGE_BYTES);
    free(&mut f, d);
    free(&mut f, a);
    assert_eq!(f.free_runs()[0], (base, 8), "a merged with b's run");
    free(&mut f, c);
    assert_eq!(f.free_runs(), vec![(base, HEAP_GROW_PAGES)], "everything merged back into one run");
    assert_eq!(f.heap.stats.inuse, 0);
    let run = f.heap.span_of(base);
    // SAFETY: a live free run.
    unsafe { assert_eq!(((*run).state, (*run).npages), (MSPAN_FREE, HEAP_GROW_PAGES)) };
    assert_eq!(f.heap.span_of(base + (HEAP_GROW_PAGES - 1) * PAGE_BYTES), run, "both ends are recorded");
}

#[test]
fn every_page_of_an_in_use_span_maps_to_it() {
    let mut f = FakeHeap::new();
    for class in 1..NUM_SIZE_CLASSES {
        let s = f.heap.alloc_small_span(class);
        // SAFETY: a live span just allocated.
        let (st, n, nelems) = unsafe { ((*s).state, (*s).npages, (*s).nelems) };
        assert_eq!((st, n), (MSPAN_IN_USE, CLASS_TO_ALLOCNPAGES[class] as usize));
        assert_eq!(nelems, CLASS_TO_NOBJ[class] as u32);
        for p in 0..n {
            assert_eq!(f.heap.span_of(start(s) + p * PAGE_BYTES + 123), s);
        }
    }
    assert!(f.heap.span_of(f.base() - 1).is_null() && f.heap.span_of(0).is_null());
}

#[test]
fn growth_continues_across_arenas_and_large_spans_may_cross_them() {
    let mut f = FakeHeap::new();
    let small = large(&mut f, 1);
    let big = large(&mut f, (HEAP_ARENA_BYTES + HEAP_ARENA_BYTES / 2) / PAGE_BYTES); // 96 MiB
    assert_eq!(f.heap.arena_count(), 3, "two more arenas, contiguous with the first");
    assert_eq!(start(big), start(small) + PAGE_BYTES, "the rest of the first commit is used first");
    // SAFETY: a live span.
    let n = unsafe { (*big).npages };
    for p in [0, PAGES_PER_ARENA, n - 1] {
        assert_eq!(f.heap.span_of(start(big) + p * PAGE_BYTES), big, "page {p}");
    }
    // SAFETY: a live span.
    unsafe { assert_eq!((*big).state, MSPAN_LARGE) };
    let sys = f.heap.stats.sys;
    free(&mut f, big);
    assert!(f.heap.stats.released >= (n * PAGE_BYTES) as u64, "a big free run is given back to the OS");
    assert_eq!(f.heap.stats.sys, sys, "released memory stays in heap_sys, as in Go");
    free(&mut f, small);
    assert_eq!(f.free_runs().len(), 1);
}

#[test]
fn out_of_address_window_fails_cleanly() {
    let mut f = FakeHeap::new();
    assert!(f.heap.alloc_large(FAKE_ARENAS * PAGES_PER_ARENA + 1, 1).is_null());
    let s = large(&mut f, 2);
    assert_eq!(start(s), f.base(), "the heap still works");
}

#[test]
fn taken_hints_are_skipped() {
    let sys = SysMem { reserve: reserve_odd_only, ..fake::FAKE_SYS };
    let mut f = FakeHeap::with(sys);
    let a = large(&mut f, PAGES_PER_ARENA / 2);
    let b = large(&mut f, PAGES_PER_ARENA * 3 / 4); // does not fit in the rest of a's arena
    for s in [a, b] {
        assert_eq!((start(s) / HEAP_ARENA_BYTES) % 2, 1, "only odd arenas are free");
    }
    assert_eq!(f.heap.arena_count(), 2);
}

#[test]
fn large_spans_honour_alignment_and_give_back_the_trimmings() {
    let mut f = FakeHeap::new();
    let _pad = large(&mut f, 1);
    for align_pages in [2, 8, 64, 512] {
        let s = f.heap.alloc_large(3, align_pages);
        assert_eq!(start(s) % (align_pages * PAGE_BYTES), 0);
        // SAFETY: a live span.
        unsafe { assert_eq!((*s).npages, 3) };
        free(&mut f, s);
    }
    assert_eq!(f.heap.stats.inuse as usize, PAGE_BYTES);
}

#[test]
fn released_runs_read_back_zero_and_are_reused() {
    let mut f = FakeHeap::new();
    let s = large(&mut f, HEAP_GROW_PAGES);
    let p = start(s) as *mut u8;
    // SAFETY: the span's first byte.
    unsafe { p.write(0xab) };
    free(&mut f, s);
    // SAFETY: the fake heap's memory stays readable; DONTNEED zeroed it.
    assert_eq!(unsafe { p.read() }, 0, "a 64-page free run was released");
    let t = large(&mut f, 1);
    assert_eq!(start(t), start(s), "freed pages are used before the heap grows");
}
