//! Futex wait queues (Linux kernel/futex/): waiters hashed by the futex word's address into
//! buckets, each behind its own lock. A waiter compares the word and enqueues itself under the
//! bucket lock, and is marked blocked before the lock is dropped; a waker dequeues under the same
//! lock. So a wake-up between the comparison and the sleep always finds the waiter (no lost
//! wake-ups), and waiters on different words rarely share a lock.
//!
//! One process, so private and shared futexes are the same; the bitset forms match waiters whose
//! bitset shares a bit with the waker's (the plain forms use all ones).
use super::sched;
use super::thread::Wake;
use super::uaccess::{Errno, UserPtr};
use abi::errno::{EAGAIN, ETIMEDOUT};
use alloc::collections::VecDeque;
use spin::Mutex;

const BUCKETS: usize = 256;

#[derive(Clone, Copy)]
struct Waiter {
    addr: u64,
    tid: u32,
    bitset: u32,
}

/// Lock order: a bucket is taken before the process lock (the word is read under it) and the
/// scheduler lock (the waiter is marked blocked under it); never two buckets at once.
static QUEUES: [Mutex<VecDeque<Waiter>>; BUCKETS] = [const { Mutex::new(VecDeque::new()) }; BUCKETS];

fn bucket(addr: u64) -> &'static Mutex<VecDeque<Waiter>> {
    // Fibonacci hashing of the word index: neighbouring words land in different buckets.
    let h = (addr >> 2).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BUCKETS.trailing_zeros());
    &QUEUES[h as usize]
}

/// FUTEX_WAIT(_BITSET): sleeps if the word at `addr` still holds `val`, until a matching wake,
/// or `until` (monotonic ns). EAGAIN if the word differs, ETIMEDOUT at the deadline.
pub fn wait(addr: u64, val: u32, until: Option<u64>, bitset: u32) -> Result<u64, Errno> {
    let q = bucket(addr);
    let mut waiters = q.lock();
    if UserPtr::<u32>::new(addr).read()? != val {
        return Err(EAGAIN);
    }
    let tid = sched::prepare_block(until);
    waiters.push_back(Waiter { addr, tid, bitset });
    drop(waiters);
    if sched::schedule() == Wake::Woken {
        return Ok(0); // a waker dequeued us
    }
    // The deadline passed. Still queued: nobody woke us. Dequeued meanwhile: a waker took us
    // (and counted us), so the wake-up wins, as in Linux.
    let mut waiters = q.lock();
    match waiters.iter().position(|w| w.tid == tid && w.addr == addr) {
        Some(i) => {
            waiters.remove(i);
            Err(ETIMEDOUT)
        }
        None => Ok(0),
    }
}

/// FUTEX_WAKE(_BITSET): wakes up to `n` waiters on `addr` whose bitset matches; returns how many.
pub fn wake(addr: u64, n: u64, bitset: u32) -> u64 {
    let mut waiters = bucket(addr).lock();
    let mut woken = 0;
    let mut i = 0;
    // In queue order (oldest first), as Linux wakes.
    while i < waiters.len() && woken < n {
        let w = waiters[i];
        if w.addr == addr && w.bitset & bitset != 0 {
            if i == 0 {
                waiters.pop_front(); // the common case: the oldest waiter, no copying
            } else {
                waiters.remove(i);
            }
            sched::wake(w.tid);
            woken += 1;
        } else {
            i += 1;
        }
    }
    woken
}
