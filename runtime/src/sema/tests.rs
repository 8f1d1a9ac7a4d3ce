//! The semaphore tree against a model: per address, waiters come out in FIFO order (LIFO ones
//! first), and after every operation the tree is a search tree by address, a heap by ticket,
//! and its parent links agree with its child links.
use super::*;
use crate::runtime2::Sudog;
use std::collections::{HashMap, VecDeque};

/// Checks the treap's shape under `n` (with `parent` as its parent); returns the node count.
///
/// # Safety
/// Every node reachable from `n` is live.
unsafe fn check(n: *mut Sudog, parent: *mut Sudog, lo: usize, hi: usize) -> usize {
    if n.is_null() {
        return 0;
    }
    // SAFETY: the caller vouches for the nodes.
    unsafe {
        let a = (*n).elem as usize;
        assert!(lo <= a && a < hi, "search order broken at {a:#x}");
        assert_eq!((*n).parent, parent, "parent link of {a:#x}");
        assert!(parent.is_null() || (*parent).ticket <= (*n).ticket, "heap order broken at {a:#x}");
        assert!((*n).ticket & 1 == 1, "a node's ticket is odd");
        1 + check((*n).prev, n, lo, a) + check((*n).next, n, a + 1, hi)
    }
}

#[test]
fn treap_matches_a_fifo_model_under_random_operations() {
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut tree = Treap::new();
    let mut model: HashMap<usize, VecDeque<usize>> = HashMap::new();
    let sudogs: Vec<*mut Sudog> = (0..4000).map(|_| Box::into_raw(Box::new(Sudog::new()))).collect();
    let mut free: Vec<usize> = (0..sudogs.len()).collect();
    for _ in 0..20_000 {
        let addr = 0x1000 + 8 * (rand() % 64) as usize;
        if rand() % 2 == 0 && !free.is_empty() {
            let id = free.pop().unwrap();
            let lifo = rand() % 8 == 0;
            // SAFETY: the sudogs are live boxes; a free one is on no list.
            unsafe { tree.queue(addr as *mut u8, sudogs[id], lifo, fastrand() | 1) };
            let q = model.entry(addr).or_default();
            if lifo { q.push_front(id) } else { q.push_back(id) }
        } else {
            // SAFETY: as above.
            let got = unsafe { tree.dequeue(addr as *mut u8) };
            let want = model.get_mut(&addr).and_then(|q| q.pop_front());
            match want {
                None => assert!(got.is_null()),
                Some(id) => {
                    assert_eq!(got, sudogs[id]);
                    // SAFETY: got is a live box, just taken out of the tree.
                    unsafe {
                        assert!((*got).elem.is_null() && (*got).waitlink.is_null() && (*got).parent.is_null());
                        assert_eq!((*got).ticket, 0);
                    }
                    free.push(id);
                }
            }
        }
        let distinct = model.values().filter(|q| !q.is_empty()).count();
        // SAFETY: every node in the tree is one of the live boxes.
        assert_eq!(unsafe { check(tree.root, core::ptr::null_mut(), 0, usize::MAX) }, distinct);
    }
    for s in sudogs {
        // SAFETY: each box is freed once; the tree is dropped without being used again.
        drop(unsafe { Box::from_raw(s) });
    }
}

#[test]
fn roots_spread_neighbouring_words_over_the_table() {
    let words = [0u32; 4];
    let roots: Vec<usize> = words.iter().map(|w| root_index(w)).collect();
    assert!(roots.iter().all(|&r| r < SEM_TAB_SIZE));
    // Go's hash is the address over 8: words 8 bytes apart land in neighbouring roots.
    assert_eq!(root_index(0x1000 as *const u32) + 1, root_index(0x1008 as *const u32));
}
