//! Futex wait queues (Linux kernel/futex/): waiters hashed by the futex word's address into
//! buckets, each behind its own lock. A waiter compares the word and enqueues itself under the
//! bucket lock, and is marked blocked before the lock is dropped; a waker dequeues under the same
//! lock. So a wake-up between the comparison and the sleep always finds the waiter (no lost
//! wake-ups), and waiters on different words rarely share a lock.
//!
//! One process, so private and shared futexes are the same; the bitset forms match waiters whose
//! bitset shares a bit with the waker's (the plain forms use all ones).
use super::restart::Restart;
use super::sched;
use super::thread::Wake;
use super::uaccess::{Errno, UserPtr};
use abi::errno::{EAGAIN, ERESTART_RESTARTBLOCK, ERESTARTSYS, ETIMEDOUT};
use abi::futex::{FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS, ROBUST_LIST_LIMIT, RobustListHead};
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
/// or `until` (monotonic ns). EAGAIN if the word differs, ETIMEDOUT at the deadline; a signal
/// ends the wait as Linux's futex_wait does: ERESTARTSYS without a deadline, else
/// ERESTART_RESTARTBLOCK with the deadline kept for restart_syscall.
pub fn wait(addr: u64, val: u32, until: Option<u64>, bitset: u32) -> Result<u64, Errno> {
    let q = bucket(addr);
    let mut waiters = q.lock();
    if UserPtr::<u32>::new(addr).read()? != val {
        return Err(EAGAIN);
    }
    let tid = sched::prepare_block(until);
    waiters.push_back(Waiter { addr, tid, bitset });
    drop(waiters);
    let wake = sched::schedule();
    if wake == Wake::Woken {
        return Ok(0); // a waker dequeued us
    }
    // The deadline passed or a signal came. Still queued: nobody woke us. Dequeued meanwhile:
    // a waker took us (and counted us), so the wake-up wins, as in Linux.
    let mut waiters = q.lock();
    let Some(i) = waiters.iter().position(|w| w.tid == tid && w.addr == addr) else { return Ok(0) };
    waiters.remove(i);
    drop(waiters);
    match (wake, until) {
        (Wake::Interrupted, None) => Err(ERESTARTSYS),
        (Wake::Interrupted, Some(deadline)) => {
            sched::with_current(|t| t.restart = Some(Restart::Futex { addr, val, deadline, bitset }));
            Err(ERESTART_RESTARTBLOCK)
        }
        _ => Err(ETIMEDOUT),
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

/// A dying thread's robust list (Linux's `exit_robust_list`, kernel/futex/core.c): every
/// mutex it still holds — each node's futex word at `futex_offset` from the node, holding the
/// owner's tid — is marked FUTEX_OWNER_DIED and one waiter woken, so that the next locker gets
/// EOWNERDEAD instead of waiting forever. The pending node (a lock or unlock in progress) is
/// handled last; a bad pointer or a loop ends the walk quietly, as in Linux.
pub fn exit_robust_list(head: u64, tid: u32) {
    let Ok(h) = UserPtr::<RobustListHead>::new(head).read() else { return };
    // Bit 0 of a node pointer marks a PI futex; the node is the rest.
    let (mut entry, pending) = (h.next, h.list_op_pending);
    for _ in 0..ROBUST_LIST_LIMIT {
        if entry & !1 == head {
            break;
        }
        let Ok(next) = UserPtr::<u64>::new(entry & !1).read() else { return };
        if entry & !1 != pending & !1 {
            owner_died((entry & !1).wrapping_add_signed(h.futex_offset), tid, entry & 1 != 0);
        }
        entry = next;
    }
    if pending != 0 {
        owner_died((pending & !1).wrapping_add_signed(h.futex_offset), tid, pending & 1 != 0);
    }
}

/// One held robust futex of dying thread `tid` (Linux's `handle_futex_death`): while the word
/// names it, swap in FUTEX_OWNER_DIED (keeping the waiters bit) in one atomic step, then wake
/// one waiter (not for PI futexes, whose waiters the PI code hands the lock to).
fn owner_died(addr: u64, tid: u32, pi: bool) {
    let word = UserPtr::<u32>::new(addr);
    let Ok(mut v) = word.read() else { return };
    loop {
        if v & FUTEX_TID_MASK != tid {
            return;
        }
        match word.cmpxchg(v, (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED) {
            Ok(seen) if seen == v => break,
            Ok(seen) => v = seen, // the word changed under us: look again
            Err(_) => return,
        }
    }
    if v & FUTEX_WAITERS != 0 && !pi {
        wake(addr, 1, abi::futex::FUTEX_BITSET_MATCH_ANY);
    }
}
