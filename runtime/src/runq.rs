//! The run queues: a P's local 256-slot ring and the global queue, as in Go's proc.go
//! (`runqput`, `runqget`, `runqputslow`, `globrunqput`, `globrunqget`). The ring has a single
//! producer, the P's owner, which here is also the only consumer (no M runs the idle Ps, so
//! nothing steals; one P runs at a time, see procm), and so is the global queue; an M that holds
//! no P (a goroutine back from a system call) hands Gs over through the lock-free `injected`
//! list instead, which the P's M moves to the global queue. When the ring is full, `put` hands back half of it plus the new item, which
//! [`runqput`] moves to the global queue (Go's `runqputslow`).
use crate::proc::{ALLP, SCHED, curp, sched, sched_raw};
use crate::runtime2::{G, P};
use core::ptr::null_mut;
use core::sync::atomic::Ordering::{Relaxed, SeqCst};

pub const RUNQ_SIZE: usize = 256;

pub struct RunQueue<T: Copy> {
    head: u32,
    tail: u32,
    /// Slots in [head, tail) are initialised; the rest are not (no 256-slot fill at creation).
    ring: [core::mem::MaybeUninit<T>; RUNQ_SIZE],
}

/// What did not fit: half the ring, oldest first, then the item being put.
pub struct Overflow<T> {
    pub items: [Option<T>; RUNQ_SIZE / 2 + 1],
}

impl<T: Copy> RunQueue<T> {
    pub const fn new() -> Self {
        Self { head: 0, tail: 0, ring: [const { core::mem::MaybeUninit::uninit() }; RUNQ_SIZE] }
    }

    pub fn len(&self) -> usize {
        self.tail.wrapping_sub(self.head) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `item`; on a full ring returns the oldest half and `item` for the global queue.
    pub fn put(&mut self, item: T) -> Result<(), Overflow<T>> {
        if self.len() < RUNQ_SIZE {
            self.ring[self.tail as usize % RUNQ_SIZE] = core::mem::MaybeUninit::new(item);
            self.tail = self.tail.wrapping_add(1);
            return Ok(());
        }
        let mut items = [None; RUNQ_SIZE / 2 + 1];
        for slot in items.iter_mut().take(RUNQ_SIZE / 2) {
            *slot = self.get();
        }
        items[RUNQ_SIZE / 2] = Some(item);
        Err(Overflow { items })
    }

    /// Takes the oldest item.
    pub fn get(&mut self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        // SAFETY: the slot at head is in [head, tail), so it was written by `put`.
        let item = unsafe { self.ring[self.head as usize % RUNQ_SIZE].assume_init() };
        self.head = self.head.wrapping_add(1);
        Some(item)
    }
}

/// runqput: into runnext (kicking its old occupant to the queue) or the local queue; a full
/// local queue moves half of itself to the global queue (runqputslow).
#[inline]
pub(crate) fn runqput(gp: *mut G, next: bool) {
    let p = curp();
    let gp = if next {
        let old = core::mem::replace(&mut p.runnext, gp);
        if old.is_null() {
            return;
        }
        old
    } else {
        gp
    };
    if let Err(over) = p.runq.put(gp) {
        for g in over.items.into_iter().flatten() {
            globrunqput(g);
        }
    }
}

/// globrunqput: gp to the tail of the global queue (the M holding the P; see the module docs).
#[inline]
pub(crate) fn globrunqput(gp: *mut G) {
    let s = sched();
    // SAFETY: gp is runnable and on no other list.
    unsafe { (*gp).schedlink = null_mut() };
    if s.runq_tail.is_null() {
        s.runq_head = gp;
    } else {
        // SAFETY: the tail is a G on the global queue.
        unsafe { (*s.runq_tail).schedlink = gp };
    }
    s.runq_tail = gp;
    s.runqsize.store(s.runqsize.load(Relaxed) + 1, Relaxed);
}

/// globrunqget: the head of the global queue, or null.
#[inline]
pub(crate) fn globrunqget() -> *mut G {
    let s = sched();
    let gp = s.runq_head;
    if !gp.is_null() {
        // SAFETY: gp heads the global queue.
        s.runq_head = unsafe { (*gp).schedlink };
        if s.runq_head.is_null() {
            s.runq_tail = null_mut();
        }
        s.runqsize.store(s.runqsize.load(Relaxed) - 1, Relaxed);
    }
    gp
}

/// injectglist for one G, from an M that holds no P (a goroutine back from a system call):
/// pushes gp on `sched.injected`, a lock-free list that only the M holding the P takes from
/// (all at once, [`take_injected`]).
pub(crate) fn inject(gp: *mut G) {
    // SAFETY: SCHED is a static; `injected` is an atomic.
    let list = unsafe { &(*sched_raw()).injected };
    let mut head = list.load(Relaxed);
    loop {
        // SAFETY: gp is runnable and on no list; only this M touches it until the push lands.
        unsafe { (*gp).schedlink = head };
        match list.compare_exchange_weak(head, gp, SeqCst, Relaxed) {
            Ok(_) => return,
            Err(now) => head = now,
        }
    }
}

/// Moves every injected G to the global queue, oldest first (the M holding the P).
#[cold]
#[inline(never)]
pub(crate) fn take_injected() {
    let s = sched();
    let mut gp = s.injected.swap(null_mut(), SeqCst);
    // The list is newest first: reverse it.
    let mut fifo: *mut G = null_mut();
    while !gp.is_null() {
        // SAFETY: the swap made this list ours; its Gs are runnable and on no other list.
        let next = unsafe { (*gp).schedlink };
        // SAFETY: as above.
        unsafe { (*gp).schedlink = fifo };
        fifo = gp;
        gp = next;
    }
    while !fifo.is_null() {
        // SAFETY: as above.
        let next = unsafe { (*fifo).schedlink };
        globrunqput(fifo);
        fifo = next;
    }
}

/// Local run-queue length of P `i` and global queue length, for schedtrace (racy reads).
pub fn queue_lengths(i: usize) -> (usize, i32) {
    // The lengths are read racily by sysmon, which only prints them.
    // SAFETY: allp is complete before sysmon starts and never changes after procresize.
    unsafe {
        let allp: &[*mut P] = *(&raw const ALLP);
        let global = (*(&raw const SCHED)).runqsize.load(Relaxed);
        let Some(&p) = allp.get(i) else { return (0, global) };
        (if p.is_null() { 0 } else { (*p).runq.len() + (!(*p).runnext.is_null()) as usize }, global)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order() {
        let mut q = RunQueue::new();
        for i in 0..10 {
            assert!(q.put(i).is_ok());
        }
        assert_eq!((0..10).map(|_| q.get().unwrap()).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
        assert!(q.get().is_none());
    }

    #[test]
    fn overflow_moves_the_oldest_half_and_the_new_item() {
        let mut q = RunQueue::new();
        for i in 0..RUNQ_SIZE {
            assert!(q.put(i).is_ok());
        }
        let Err(over) = q.put(RUNQ_SIZE) else { panic!("full ring must overflow") };
        let moved: Vec<usize> = over.items.iter().map(|x| x.unwrap()).collect();
        assert_eq!(moved, (0..RUNQ_SIZE / 2).chain([RUNQ_SIZE]).collect::<Vec<_>>());
        assert_eq!(q.len(), RUNQ_SIZE / 2);
        assert_eq!(q.get(), Some(RUNQ_SIZE / 2));
    }

    #[test]
    fn wraps_around_many_times() {
        let mut q = RunQueue::new();
        for i in 0..10_000u32 {
            q.put(i).ok().unwrap();
            assert_eq!(q.get(), Some(i));
        }
        assert!(q.is_empty());
    }
}
