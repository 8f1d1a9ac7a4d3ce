//! Futex wait queues (Linux kernel/futex/): waiters hashed by the futex word's address into
//! buckets, each behind its own lock. A waiter compares the word and enqueues itself under the
//! bucket lock, and is marked blocked before the lock is dropped; a waker dequeues under the same
//! lock. So a wake-up between the comparison and the sleep always finds the waiter (no lost
//! wake-ups), and waiters on different words rarely share a lock.
//!
//! A futex is named by its address space (the root of its page tables, [`super::mm_root`]) and
//! the word's address in it: the processes of one program have the same addresses, and a wake in
//! one must never reach a waiter in another. rt0 shares no memory between address spaces, so a
//! shared futex is named the same way as a private one but for one bit, as Linux's key of a
//! shared futex on private anonymous memory carries FUT_OFF_MMSHARED: a FUTEX_WAKE_PRIVATE
//! never wakes a plain FUTEX_WAIT on the same word, nor the other way round (a thread's
//! CLONE_CHILD_CLEARTID and robust-list wakes are shared ones, so a private waiter on the tid
//! word sleeps on, as on Linux). The bitset forms match waiters whose
//! bitset shares a bit with the waker's (the plain forms use all ones).
use super::restart::Restart;
use super::sched;
use super::thread::Wake;
use super::uaccess::{Errno, UserPtr};
use abi::errno::ENOSYS;
use abi::errno::{EAGAIN, ERESTART_RESTARTBLOCK, ERESTARTSYS, ETIMEDOUT};
use abi::futex::*;
use alloc::collections::VecDeque;
use spin::Mutex;

const BUCKETS: usize = 256;

#[derive(Clone, Copy)]
struct Waiter {
    mm: u64,
    addr: u64,
    tid: u32,
    bitset: u32,
}

/// Lock order: a bucket is taken before the process lock (the word is read under it) and the
/// scheduler lock (the waiter is marked blocked under it); two buckets (requeue, wake-op) are
/// taken in address order.
static QUEUES: [Mutex<VecDeque<Waiter>>; BUCKETS] = [const { Mutex::new(VecDeque::new()) }; BUCKETS];

/// The address-space half of a futex's key: the root, with bit 0 (free: roots are page-aligned)
/// set for a shared futex (Linux's FUT_OFF_MMSHARED).
fn key_mm(shared: bool) -> u64 {
    super::mm_root() | u64::from(shared)
}

fn bucket(addr: u64) -> &'static Mutex<VecDeque<Waiter>> {
    // Fibonacci hashing of the word index and the address space: neighbouring words land in
    // different buckets.
    let key = (addr >> 2) ^ super::mm_root().rotate_left(17);
    let h = key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BUCKETS.trailing_zeros());
    &QUEUES[h as usize]
}

/// FUTEX_WAIT(_BITSET): sleeps if the word at `addr` still holds `val`, until a matching wake,
/// or `until` (monotonic ns). EAGAIN if the word differs, ETIMEDOUT at the deadline; a signal
/// ends the wait as Linux's futex_wait does: ERESTARTSYS without a deadline, else
/// ERESTART_RESTARTBLOCK with the deadline kept for restart_syscall.
pub fn wait(addr: u64, val: u32, until: Option<u64>, bitset: u32, shared: bool) -> Result<u64, Errno> {
    let q = bucket(addr);
    let mut waiters = q.lock();
    if UserPtr::<u32>::new(addr).read()? != val {
        return Err(EAGAIN);
    }
    let tid = sched::prepare_futex_block(until, addr);
    waiters.push_back(Waiter { mm: key_mm(shared), addr, tid, bitset });
    drop(waiters);
    let wake = sched::schedule();
    if wake == Wake::Woken || !unqueue(tid) {
        return Ok(0); // a waker dequeued us: the wake-up wins, as in Linux
    }
    match (wake, until) {
        (Wake::Interrupted, None) => Err(ERESTARTSYS),
        (Wake::Interrupted, Some(deadline)) => {
            sched::with_current(|t| t.restart = Some(Restart::Futex { addr, val, deadline, bitset, shared }));
            Err(ERESTART_RESTARTBLOCK)
        }
        _ => Err(ETIMEDOUT),
    }
}

/// Takes waiter `tid` (the running thread, back after a timeout or a signal) off its queue;
/// false if a waker took it first. A requeue may have moved it to another word meanwhile: the
/// word it waits on is read, its bucket locked, and the word read again until both agree
/// (Linux's `futex_unqueue` retrying on `lock_ptr`).
fn unqueue(tid: u32) -> bool {
    loop {
        let key = sched::with_current(|t| t.futex_key);
        let mut waiters = bucket(key).lock();
        if let Some(i) = waiters.iter().position(|w| w.tid == tid && w.addr == key) {
            // A tid waits in one place at a time, so the tid and the word find it.
            waiters.remove(i);
            return true;
        }
        if sched::with_current(|t| t.futex_key) == key {
            return false;
        }
    }
}

/// The two buckets of a requeue or wake-op, locked in address order (one lock when they are
/// the same), as Linux's `double_lock_hb`.
fn lock_two(
    a: u64,
    b: u64,
) -> (spin::MutexGuard<'static, VecDeque<Waiter>>, Option<spin::MutexGuard<'static, VecDeque<Waiter>>>) {
    let (qa, qb) = (bucket(a), bucket(b));
    if core::ptr::eq(qa, qb) {
        return (qa.lock(), None);
    }
    if (qa as *const _ as usize) < (qb as *const _ as usize) {
        let ga = qa.lock();
        (ga, Some(qb.lock()))
    } else {
        let gb = qb.lock();
        (qa.lock(), Some(gb))
    }
}

/// Wakes up to `n` waiters on `addr` (shared or private) whose bitset matches in `q`, oldest
/// first (as Linux wakes); returns how many.
fn wake_in(q: &mut VecDeque<Waiter>, addr: u64, n: u64, bitset: u32, shared: bool) -> u64 {
    let mm = key_mm(shared);
    let mut woken = 0;
    let mut i = 0;
    while i < q.len() && woken < n {
        let w = q[i];
        if w.addr == addr && w.mm == mm && w.bitset & bitset != 0 {
            if i == 0 {
                q.pop_front(); // the common case: the oldest waiter, no copying
            } else {
                q.remove(i);
            }
            sched::wake(w.tid);
            woken += 1;
        } else {
            i += 1;
        }
    }
    woken
}

/// FUTEX_REQUEUE / FUTEX_CMP_REQUEUE (Linux's `futex_requeue`): wakes up to `n_wake` waiters on
/// `addr` and moves up to `n_requeue` more to wait on `addr2` instead; with `cmp`, only if the
/// word at `addr` still holds it (EAGAIN otherwise). Returns how many were woken or moved.
pub fn requeue(
    addr: u64,
    addr2: u64,
    n_wake: u64,
    n_requeue: u64,
    cmp: Option<u32>,
    shared: bool,
) -> Result<u64, Errno> {
    let (mut g1, mut g2) = lock_two(addr, addr2);
    if let Some(v) = cmp
        && UserPtr::<u32>::new(addr).read()? != v
    {
        return Err(EAGAIN);
    }
    let mut count = wake_in(&mut g1, addr, n_wake, FUTEX_BITSET_MATCH_ANY, shared);
    let mut moved = 0;
    let mut i = 0;
    while i < g1.len() && moved < n_requeue {
        if g1[i].addr != addr || g1[i].mm != key_mm(shared) {
            i += 1;
            continue;
        }
        let mut w = g1.remove(i).expect("index in range");
        w.addr = addr2;
        sched::set_futex_key(w.tid, addr2);
        match g2.as_mut() {
            Some(q2) => q2.push_back(w),
            None => g1.push_back(w), // the same bucket: it goes to the back, as a new waiter
        }
        moved += 1;
    }
    count += moved;
    Ok(count)
}

/// FUTEX_WAKE_OP (Linux's `futex_wake_op`): changes the word at `addr2` by the operation `op`
/// encodes, in one atomic step; wakes up to `n` waiters on `addr`, and up to `n2` on `addr2` if
/// the old value passes the comparison `op` encodes. ENOSYS for an unknown operation or
/// comparison. Returns how many were woken.
pub fn wake_op(addr: u64, addr2: u64, n: u64, n2: u64, op: u32, shared: bool) -> Result<u64, Errno> {
    let (kind, cmp) = (op >> 28 & 7, op >> 24 & 15);
    let shift = op >> 28 & 8 != 0;
    let (mut oparg, cmparg) = (((op << 8) as i32) >> 20, ((op << 20) as i32) >> 20);
    if shift {
        oparg = 1 << (oparg & 31); // Linux masks a shift out of range the same way
    }
    if kind > FUTEX_OP_XOR {
        return Err(ENOSYS);
    }
    let (mut g1, mut g2) = lock_two(addr, addr2);
    let word = UserPtr::<u32>::new(addr2);
    let mut old = word.read()?;
    loop {
        let new = match kind {
            FUTEX_OP_SET => oparg as u32,
            FUTEX_OP_ADD => old.wrapping_add(oparg as u32),
            FUTEX_OP_OR => old | oparg as u32,
            FUTEX_OP_ANDN => old & !(oparg as u32),
            _ => old ^ oparg as u32,
        };
        match word.cmpxchg(old, new)? {
            seen if seen == old => break,
            seen => old = seen,
        }
    }
    // As in Linux, a bad comparison is found only after the operation was done.
    let (o, c) = (old as i32, cmparg);
    let pass = match cmp {
        FUTEX_OP_CMP_EQ => o == c,
        FUTEX_OP_CMP_NE => o != c,
        FUTEX_OP_CMP_LT => o < c,
        FUTEX_OP_CMP_LE => o <= c,
        FUTEX_OP_CMP_GT => o > c,
        FUTEX_OP_CMP_GE => o >= c,
        _ => return Err(ENOSYS),
    };
    let mut woken = wake_in(&mut g1, addr, n, FUTEX_BITSET_MATCH_ANY, shared);
    if pass {
        let q2 = match g2.as_mut() {
            Some(q2) => q2,
            None => &mut g1,
        };
        woken += wake_in(q2, addr2, n2, FUTEX_BITSET_MATCH_ANY, shared);
    }
    Ok(woken)
}

/// FUTEX_WAKE(_BITSET): wakes up to `n` waiters on `addr` (shared or private) whose bitset
/// matches; returns how many.
pub fn wake(addr: u64, n: u64, bitset: u32, shared: bool) -> u64 {
    wake_in(&mut bucket(addr).lock(), addr, n, bitset, shared)
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
        wake(addr, 1, abi::futex::FUTEX_BITSET_MATCH_ANY, true); // a shared wake, as Linux's
    }
}
