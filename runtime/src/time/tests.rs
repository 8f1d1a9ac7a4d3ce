//! The 4-ary timer heap on the host: random adds and removes keep the heap ordered, every timer's
//! index right, and the minimum first.
use super::*;

fn check(h: &[*mut RawTimer]) {
    for (i, &t) in h.iter().enumerate() {
        // SAFETY: every entry is a live boxed timer of the test.
        unsafe {
            assert_eq!((*t).idx, i, "index of entry {i}");
            if i > 0 {
                assert!((*h[(i - 1) / 4]).when <= (*t).when, "heap order at {i}");
            }
        }
    }
}

#[test]
fn adds_and_removes_keep_the_four_ary_heap() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let timers: Vec<*mut RawTimer> = (0..500).map(|_| Box::into_raw(Box::new(RawTimer::new()))).collect();
    let mut h: Vec<*mut RawTimer> = Vec::new();
    let mut inheap = vec![false; timers.len()];
    for _ in 0..20_000 {
        let i = (rand() % timers.len() as u64) as usize;
        let t = timers[i];
        // SAFETY: the test owns every timer; the heap is single-threaded here.
        unsafe {
            if inheap[i] {
                heap_remove(&mut h, (*t).idx);
                inheap[i] = false;
            } else {
                (*t).when = 1 + (rand() % 1000) as i64;
                h.push(t);
                let last = h.len() - 1;
                siftup(&mut h, last);
                inheap[i] = true;
            }
        }
        check(&h);
    }
    // Popping the minimum repeatedly yields the whens in order.
    let mut last = 0;
    while !h.is_empty() {
        // SAFETY: as above.
        unsafe {
            let w = (*h[0]).when;
            assert!(w >= last);
            last = w;
            heap_remove(&mut h, 0);
        }
        check(&h);
    }
    for t in timers {
        // SAFETY: allocated above, in no heap now.
        drop(unsafe { Box::from_raw(t) });
    }
}
