//! The run queues, as in Go 1.19's proc.go: each P's local 256-slot ring with `runnext`
//! (`runqput`, `runqget`, `runqputslow`, `runqgrab`, `runqsteal`, `runqempty`) and the global queue
//! (`globrunqput`, `globrunqputbatch`, `globrunqget`).
//!
//! The ring is Go's lock-free single-producer, multi-consumer queue: only the P's owner puts
//! (it stores a slot, then publishes it with a Release store of `tail`); the owner and any thief
//! take by CASing `head` forward, having read the slots first (a thief copies up to half the ring
//! into its own, [`RunQueue::grab`]). `runnext` is one atomic slot the owner swaps and a thief may
//! CAS to null. A G in either is runnable with its context saved, so whoever takes it may run it
//! on any M at once.
//!
//! The global queue is a list through `g.schedlink` under sched.lock, its length also kept in the
//! atomic `sched.runqsize` so that an empty queue is seen without the lock. A full ring moves half
//! of itself plus the new G there in one batch (runqputslow).
use crate::proc::{ALLP, GOMAXPROCS, SCHED, curp, sched_raw};
use crate::runtime2::{G, P, Schedt};
use core::ptr::null_mut;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicU32, AtomicUsize};

pub const RUNQ_SIZE: usize = 256;

/// A P's local run queue (Go's `p.runqhead`, `p.runqtail`, `p.runq`): values are G pointers
/// (plain integers in the host tests).
pub struct RunQueue {
    /// Next slot to take: CASed forward by the owner and by thieves.
    head: AtomicU32,
    /// Next slot to fill: stored (Release) by the owner alone.
    tail: AtomicU32,
    /// Slots in [head, tail) hold queued values. Relaxed atomics: the owner writes a slot before
    /// publishing it through `tail`, and a reader's value counts only if its CAS of `head` wins.
    ring: [AtomicUsize; RUNQ_SIZE],
}

impl RunQueue {
    pub const fn new() -> Self {
        Self { head: AtomicU32::new(0), tail: AtomicU32::new(0), ring: [const { AtomicUsize::new(0) }; RUNQ_SIZE] }
    }

    /// How many values are queued (exact for the owner, a snapshot for anyone else).
    pub fn len(&self) -> usize {
        let h = self.head.load(Acquire);
        self.tail.load(Acquire).wrapping_sub(h) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// runqput's ring part, by the owner only: appends `v`; on a full ring takes its oldest half
    /// and hands it, oldest first, with `v` last, to `overflow` (for the global queue:
    /// runqputslow).
    #[inline(always)]
    pub fn put(&self, v: usize, overflow: impl FnOnce(&[usize])) {
        let h = self.head.load(Acquire); // synchronize with consumers
        let t = self.tail.load(Relaxed);
        if (t.wrapping_sub(h) as usize) < RUNQ_SIZE {
            self.ring[t as usize % RUNQ_SIZE].store(v, Relaxed);
            self.tail.store(t.wrapping_add(1), Release); // makes the slot available for consumption
            return;
        }
        self.put_slow(v, overflow);
    }

    /// `put` on a full ring (or one a thief is emptying meanwhile): out of line, so that the
    /// common path keeps a small frame.
    #[cold]
    #[inline(never)]
    fn put_slow(&self, v: usize, overflow: impl FnOnce(&[usize])) {
        loop {
            let h = self.head.load(Acquire);
            let t = self.tail.load(Relaxed);
            if (t.wrapping_sub(h) as usize) < RUNQ_SIZE {
                self.ring[t as usize % RUNQ_SIZE].store(v, Relaxed);
                self.tail.store(t.wrapping_add(1), Release);
                return;
            }
            // runqputslow: move half of the ring and v out in one batch.
            let n = (t.wrapping_sub(h) / 2) as usize;
            let mut items = [0usize; RUNQ_SIZE / 2 + 1];
            for (i, slot) in items.iter_mut().enumerate().take(n) {
                *slot = self.ring[(h as usize + i) % RUNQ_SIZE].load(Relaxed);
            }
            if self.head.compare_exchange(h, h.wrapping_add(n as u32), AcqRel, Relaxed).is_err() {
                continue; // a thief took some meanwhile: there may be room now
            }
            items[n] = v;
            overflow(&items[..=n]);
            return;
        }
    }

    /// runqget's ring part: takes the oldest value (the owner, or anyone who lost nothing by
    /// racing thieves).
    #[inline]
    pub fn get(&self) -> Option<usize> {
        loop {
            let h = self.head.load(Acquire); // synchronize with other consumers
            let t = self.tail.load(Acquire);
            if t == h {
                return None;
            }
            let v = self.ring[h as usize % RUNQ_SIZE].load(Relaxed);
            if self.head.compare_exchange(h, h.wrapping_add(1), AcqRel, Relaxed).is_ok() {
                return Some(v);
            }
        }
    }

    /// runqgrab's ring part: copies half of this queue (rounded up) into `dst`'s ring from
    /// `dst_tail` on and takes it; returns how many. `dst` is the caller's own queue, whose slots
    /// from `dst_tail` are free (the caller publishes them).
    pub fn grab(&self, dst: &RunQueue, dst_tail: u32) -> u32 {
        loop {
            let h = self.head.load(Acquire); // synchronize with other consumers
            let t = self.tail.load(Acquire); // synchronize with the producer
            let n = t.wrapping_sub(h);
            let n = n - n / 2;
            if n == 0 {
                return 0;
            }
            if n as usize > RUNQ_SIZE / 2 {
                continue; // read inconsistent h and t
            }
            for i in 0..n {
                let v = self.ring[h.wrapping_add(i) as usize % RUNQ_SIZE].load(Relaxed);
                dst.ring[dst_tail.wrapping_add(i) as usize % RUNQ_SIZE].store(v, Relaxed);
            }
            if self.head.compare_exchange(h, h.wrapping_add(n), AcqRel, Relaxed).is_ok() {
                return n;
            }
        }
    }
}

/// runqput: gp into runnext (kicking its old occupant to the tail of the queue) or onto the tail
/// of the running M's P's queue; a full queue moves half of itself to the global queue.
#[inline]
pub(crate) fn runqput(gp: *mut G, next: bool) {
    let p = curp();
    let gp = if next {
        // A thief may CAS runnext to null meanwhile: swap, so either it or this gets the old G.
        let old = p.runnext.swap(gp, AcqRel);
        if old.is_null() {
            return;
        }
        old
    } else {
        gp
    };
    p.runq.put(gp as usize, runqputslow);
}

/// runqputslow: the batch a full local queue gave up goes to the global queue.
#[cold]
#[inline(never)]
fn runqputslow(items: &[usize]) {
    for w in items.windows(2) {
        // SAFETY: the batch's Gs are runnable and on no list but this one being built.
        unsafe { (*(w[0] as *mut G)).schedlink = w[1] as *mut G };
    }
    let s = lock_sched();
    // SAFETY: sched.lock is held; the batch is linked above.
    unsafe { globrunqputbatch(s, items[0] as *mut G, items[items.len() - 1] as *mut G, items.len() as i32) };
    unlock_sched(s);
}

/// runqget: runnext first, then the head of the running M's P's queue.
#[inline]
pub(crate) fn runqget(p: &P) -> *mut G {
    // A thief may take runnext too: the swap decides.
    let next = p.runnext.swap(null_mut(), AcqRel);
    if !next.is_null() {
        return next;
    }
    p.runq.get().map_or(null_mut(), |v| v as *mut G)
}

/// runqempty: nothing in `p`'s runnext or queue (a snapshot for another P's).
pub(crate) fn runqempty(p: &P) -> bool {
    p.runq.is_empty() && p.runnext.load(Acquire).is_null()
}

/// runqsteal: takes half of `p2`'s queue (and, when `steal_runnext`, its runnext if the queue
/// is empty) into `p`'s, and returns one of them to run; null if there was nothing.
pub(crate) fn runqsteal(p: &P, p2: &P, steal_runnext: bool) -> *mut G {
    let t = p.runq.tail.load(Relaxed);
    let mut n = p2.runq.grab(&p.runq, t);
    if n == 0 {
        if !steal_runnext {
            return null_mut();
        }
        // runqgrab's runnext case: p2's queue is empty; take its runnext.
        let next = p2.runnext.load(Acquire);
        if next.is_null() || p2.runnext.compare_exchange(next, null_mut(), AcqRel, Relaxed).is_err() {
            return null_mut();
        }
        return next;
    }
    n -= 1;
    let gp = p.runq.ring[t.wrapping_add(n) as usize % RUNQ_SIZE].load(Relaxed) as *mut G;
    if n > 0 {
        p.runq.tail.store(t.wrapping_add(n), Release);
    }
    gp
}

/// Takes sched.lock; returns the scheduler for the locked calls below.
#[inline]
pub(crate) fn lock_sched() -> *mut Schedt {
    let s = sched_raw();
    // SAFETY: SCHED is a static; its lock is a mutex reached through a raw pointer.
    crate::lock_futex::lock(unsafe { &(*s).lock });
    s
}

/// Releases sched.lock.
#[inline]
pub(crate) fn unlock_sched(s: *mut Schedt) {
    // SAFETY: as for lock_sched; the caller holds the lock.
    crate::lock_futex::unlock(unsafe { &(*s).lock });
}

/// globrunqput: gp to the tail of the global queue.
///
/// # Safety
/// sched.lock is held; gp is runnable and on no list.
#[inline]
pub(crate) unsafe fn globrunqput(s: *mut Schedt, gp: *mut G) {
    // SAFETY: the caller's contract.
    unsafe {
        (*gp).schedlink = null_mut();
        globrunqputbatch(s, gp, gp, 1);
    }
}

/// globrunqputbatch: the list head..tail (linked through schedlink) of `n` Gs to the tail of
/// the global queue.
///
/// # Safety
/// sched.lock is held; the Gs are runnable and on no other list.
pub(crate) unsafe fn globrunqputbatch(s: *mut Schedt, head: *mut G, tail: *mut G, n: i32) {
    // SAFETY: the caller's contract: the lock guards the queue.
    unsafe {
        (*tail).schedlink = null_mut();
        if (*s).runq_tail.is_null() {
            (*s).runq_head = head;
        } else {
            (*(*s).runq_tail).schedlink = head;
        }
        (*s).runq_tail = tail;
        (*s).runqsize.fetch_add(n, Relaxed);
    }
}

/// globrunqget: the head of the global queue for the running M's P, moving up to `max` (0: no
/// limit) more of its fair share (size / GOMAXPROCS + 1, at most half a ring) into the P's
/// local queue; null if empty.
///
/// # Safety
/// sched.lock is held.
pub(crate) unsafe fn globrunqget(s: *mut Schedt, max: i32) -> *mut G {
    // SAFETY: the caller holds sched.lock, which guards the queue.
    unsafe {
        let size = (*s).runqsize.load(Relaxed);
        if size == 0 {
            return null_mut();
        }
        // A fair share: size / GOMAXPROCS + 1, at most everything (one G needs no division).
        let mut n = if size == 1 { 1 } else { (size / GOMAXPROCS.load(Relaxed).max(1) + 1).min(size) };
        if max > 0 && n > max {
            n = max;
        }
        n = n.min(RUNQ_SIZE as i32 / 2);
        (*s).runqsize.fetch_sub(n, Relaxed);
        let gp = pop(s);
        for _ in 1..n {
            runqput(pop(s), false);
        }
        gp
    }
}

/// Pops the head of the (non-empty) global queue.
///
/// # Safety
/// sched.lock is held.
unsafe fn pop(s: *mut Schedt) -> *mut G {
    // SAFETY: the caller holds sched.lock; the queue is not empty.
    unsafe {
        let gp = (*s).runq_head;
        (*s).runq_head = (*gp).schedlink;
        if (*s).runq_head.is_null() {
            (*s).runq_tail = null_mut();
        }
        gp
    }
}

/// Local run-queue length of P `i` (tail − head, without runnext, as Go's schedtrace prints it)
/// and the global queue's length, for schedtrace (racy reads).
pub fn queue_lengths(i: usize) -> (usize, i32) {
    // The lengths are read racily by sysmon, which only prints them.
    // SAFETY: allp is complete before sysmon starts and never changes after procresize.
    unsafe {
        let allp: &[*mut P] = *(&raw const ALLP);
        let global = (*(&raw const SCHED)).runqsize.load(Relaxed);
        let Some(&p) = allp.get(i) else { return (0, global) };
        (if p.is_null() { 0 } else { (*p).runq.len() }, global)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order() {
        let q = RunQueue::new();
        for i in 0..10 {
            q.put(i, |_| panic!("overflow"));
        }
        assert_eq!((0..10).map(|_| q.get().unwrap()).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
        assert!(q.get().is_none());
    }

    #[test]
    fn overflow_moves_the_oldest_half_and_the_new_item() {
        let q = RunQueue::new();
        for i in 0..RUNQ_SIZE {
            q.put(i, |_| panic!("overflow"));
        }
        let mut moved = Vec::new();
        q.put(RUNQ_SIZE, |items| moved.extend_from_slice(items));
        assert_eq!(moved, (0..RUNQ_SIZE / 2).chain([RUNQ_SIZE]).collect::<Vec<_>>());
        assert_eq!(q.len(), RUNQ_SIZE / 2);
        assert_eq!(q.get(), Some(RUNQ_SIZE / 2));
    }

    #[test]
    fn wraps_around_many_times() {
        let q = RunQueue::new();
        for i in 0..10_000 {
            q.put(i, |_| panic!("overflow"));
            assert_eq!(q.get(), Some(i));
        }
        assert!(q.is_empty());
    }

    #[test]
    fn grab_takes_the_older_half_rounded_up() {
        let (q, mine) = (RunQueue::new(), RunQueue::new());
        for i in 0..7 {
            q.put(i, |_| panic!("overflow"));
        }
        assert_eq!(q.grab(&mine, 0), 4);
        mine.tail.store(4, Release);
        assert_eq!((0..4).map(|_| mine.get().unwrap()).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
        assert_eq!((0..3).map(|_| q.get().unwrap()).collect::<Vec<_>>(), vec![4, 5, 6]);
    }

    /// One owner puts and takes while three thieves grab: every value comes out exactly once.
    #[test]
    fn owner_and_thieves_take_each_value_once() {
        const N: usize = 200_000;
        let q = RunQueue::new();
        let taken: Vec<std::sync::atomic::AtomicU8> = (0..N).map(|_| std::sync::atomic::AtomicU8::new(0)).collect();
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    let mine = RunQueue::new();
                    while !done.load(Relaxed) || !q.is_empty() {
                        let t = mine.tail.load(Relaxed);
                        let n = q.grab(&mine, t);
                        mine.tail.store(t.wrapping_add(n), Release);
                        while let Some(v) = mine.get() {
                            taken[v].fetch_add(1, Relaxed);
                        }
                    }
                });
            }
            let mut next = 0;
            while next < N {
                for _ in 0..3 {
                    if next < N {
                        q.put(next, |items| {
                            items.iter().for_each(|&v| {
                                taken[v].fetch_add(1, Relaxed);
                            })
                        });
                        next += 1;
                    }
                }
                if let Some(v) = q.get() {
                    taken[v].fetch_add(1, Relaxed);
                }
            }
            while let Some(v) = q.get() {
                taken[v].fetch_add(1, Relaxed);
            }
            done.store(true, Relaxed);
        });
        assert!(taken.iter().all(|t| t.load(Relaxed) == 1), "a value was lost or taken twice");
    }
}
