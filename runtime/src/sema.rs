//! Semaphores for goroutines: `semacquire` parks the goroutine until the count is above zero,
//! `semrelease` adds one and readies a waiter. Mirrors Go's runtime/sema.go (semacquire1,
//! semrelease1, cansemacquire, semaRoot's queue/dequeue/rotations, semtable), which sync's
//! WaitGroup, and later Mutex, RWMutex and Cond, stand on.
//!
//! The semaphore is any `u32` word the caller owns; its waiters live outside it, in a table of
//! 251 roots (Go's `semTabSize`) picked by the word's address. Each root has a runtime mutex, a
//! count of waiters (`nwait`, read without the lock so that a release with nobody waiting costs
//! one atomic add and one load) and a treap of the distinct addresses waited on in that root:
//! each tree node is the first waiter's sudog for one address, and the later waiters for that
//! address hang from it in a FIFO list (`waitlink`/`waittail`).
//!
//! Why Go's treap, and not a simpler list of addresses per root: many semaphores can hash into
//! one root (a thousand contended locks in one program put four in every root), and a list
//! would make every acquire and release there walk all of them; a treap keyed by address with
//! random priorities stays balanced in expectation, O(log n) per operation, without the
//! rebalancing bookkeeping of an AVL or red-black tree — and it is Go's, so behaviour matches.
//!
//! With `handoff`, a release that finds a waiter takes the count back on the waiter's behalf
//! (ticket = 1) and yields to it at once, so a goroutine that releases and re-acquires in a loop
//! cannot starve the waiters (sync.Mutex's starvation mode uses it).
//!
//! Memory order: `semrelease` adds to the count then reads `nwait`; a waiter adds to `nwait`
//! (under the root's lock) then reads the count. If both read the other's old value, a wake-up is
//! lost, so these four accesses are SeqCst (the store-buffering pattern needs a total order).
use crate::lock_futex::{Mutex, lock, unlock};
use crate::panic::throw;
use crate::proc::{acquire_sudog, goparkunlock, goready, goyield, release_sudog};
use crate::runtime2::WaitReason;
use crate::tls::getg;
use core::cell::UnsafeCell;
use core::sync::atomic::Ordering::{Relaxed, SeqCst};
use core::sync::atomic::{AtomicU32, AtomicU64};

mod treap;
pub use treap::Treap;

/// Roots in the table: a prime, as Go's.
pub const SEM_TAB_SIZE: usize = 251;

/// One root: the waiters for the addresses that hash here (Go's `semaRoot`), on its own cache
/// line so that two roots' locks do not share one.
#[repr(align(64))]
struct SemaRoot {
    lock: Mutex,
    treap: UnsafeCell<Treap>,
    nwait: AtomicU32,
}

// `treap` is only touched with `lock` held (semacquire1, semrelease1), so at most one thread
// reaches it at a time;
// SAFETY: the other fields are a mutex and an atomic.
unsafe impl Sync for SemaRoot {}

static SEMTABLE: [SemaRoot; SEM_TAB_SIZE] =
    [const { SemaRoot { lock: Mutex::new(), treap: UnsafeCell::new(Treap::new()), nwait: AtomicU32::new(0) } };
        SEM_TAB_SIZE];

/// The root for `addr` (Go's `semroot`: the address over 8, modulo the table size).
pub fn root_index(addr: *const u32) -> usize {
    (addr as usize >> 3) % SEM_TAB_SIZE
}

/// cansemacquire: takes one from the count if it is above zero.
#[inline]
fn cansemacquire(addr: &AtomicU32) -> bool {
    let mut v = addr.load(SeqCst);
    loop {
        if v == 0 {
            return false;
        }
        match addr.compare_exchange_weak(v, v - 1, SeqCst, SeqCst) {
            Ok(_) => return true,
            Err(now) => v = now,
        }
    }
}

/// semacquire(addr): waits until `*addr > 0`, then decrements it (Go's runtime_Semacquire).
#[inline]
pub fn semacquire(addr: &AtomicU32) {
    semacquire1(addr, false);
}

/// semacquire1: with `lifo`, the goroutine queues first in line for its address instead of last
/// (sync.Mutex re-queues a waiter that has already waited so).
pub fn semacquire1(addr: &AtomicU32, lifo: bool) {
    let gp = getg();
    // SAFETY: the g register holds a live G linked to this thread's live M.
    if gp != unsafe { (*(*gp).m).curg } {
        throw("semacquire not on the G stack");
    }
    // Easy case.
    if cansemacquire(addr) {
        return;
    }
    let s = acquire_sudog();
    let root = &SEMTABLE[root_index(addr.as_ptr())];
    loop {
        lock(&root.lock);
        // Counted before the check below, so any semrelease after that check sees a waiter.
        root.nwait.fetch_add(1, SeqCst);
        if cansemacquire(addr) {
            root.nwait.fetch_sub(1, SeqCst);
            unlock(&root.lock);
            break;
        }
        // SAFETY: the root's lock is held, which guards its treap; s is this goroutine's sudog, on no other queue.
        unsafe {
            (*s).g = gp;
            (*root.treap.get()).queue(addr.as_ptr() as *mut u8, s, lifo, fastrand() | 1);
        }
        goparkunlock(&root.lock, WaitReason::Semacquire);
        // Readied by semrelease1, which dequeued s and, with a handoff, set its ticket.
        // SAFETY: s was dequeued before this goroutine was readied; the ready published the ticket.
        if unsafe { (*s).ticket } != 0 || cansemacquire(addr) {
            break;
        }
    }
    release_sudog(s);
}

/// semrelease(addr): increments `*addr` and readies one waiter if there is one (Go's
/// runtime_Semrelease without handoff).
#[inline]
pub fn semrelease(addr: &AtomicU32) {
    semrelease1(addr, false);
}

/// semrelease1: with `handoff`, the count goes straight to the woken waiter, which runs next.
#[inline]
pub fn semrelease1(addr: &AtomicU32, handoff: bool) {
    let root = &SEMTABLE[root_index(addr.as_ptr())];
    addr.fetch_add(1, SeqCst);
    // Easy case: no waiters. This check must happen after the add, to avoid a missed wake-up.
    if root.nwait.load(SeqCst) != 0 {
        semrelease_slow(addr, handoff, root);
    }
}

/// semrelease1 when the root has waiters: find one for `addr` and ready it.
#[inline(never)]
fn semrelease_slow(addr: &AtomicU32, handoff: bool, root: &SemaRoot) {
    // Harder case: search for a waiter and wake it.
    lock(&root.lock);
    if root.nwait.load(SeqCst) == 0 {
        // The count is already consumed by another goroutine, so no need to wake one.
        unlock(&root.lock);
        return;
    }
    // SAFETY: the root's lock is held, which guards its treap.
    let s = unsafe { (*root.treap.get()).dequeue(addr.as_ptr() as *mut u8) };
    if !s.is_null() {
        root.nwait.fetch_sub(1, SeqCst);
    }
    unlock(&root.lock);
    if s.is_null() {
        return;
    }
    // Decided before the ready: once readied, s belongs to its goroutine again (Go reads
    // s.ticket back after readyWithTime; rt0 keeps its own copy instead).
    let handed = handoff && cansemacquire(addr);
    // s was dequeued under the lock:
    // SAFETY: no other releaser can have it, and its goroutine stays parked until the goready below.
    let gp = unsafe {
        if (*s).ticket != 0 {
            throw("corrupted semaphore ticket");
        }
        (*s).ticket = handed as u32;
        (*s).g
    };
    goready(gp);
    // SAFETY: the g register holds a live G linked to this thread's live M.
    if handed && unsafe { (*(*getg()).m).locks.load(Relaxed) } == 0 {
        // Direct G handoff: the waiter is in runnext; this goroutine steps behind it.
        goyield();
    }
}

/// A ticket-based notify list for sync.Cond (Go's `notifyList`): `wait` is the next ticket to
/// hand out, `notify` the next one to notify; waiters park on sudogs in a list under `lock`,
/// each with its ticket. Tickets are compared with wraparound (`less`).
pub struct NotifyList {
    wait: AtomicU32,
    notify: AtomicU32,
    lock: Mutex,
    head: UnsafeCell<*mut crate::runtime2::Sudog>,
    tail: UnsafeCell<*mut crate::runtime2::Sudog>,
}

// head and tail are touched only with `lock` held;
// SAFETY: the rest are atomics and a mutex.
unsafe impl Sync for NotifyList {}

impl NotifyList {
    pub const fn new() -> NotifyList {
        NotifyList {
            wait: AtomicU32::new(0),
            notify: AtomicU32::new(0),
            lock: Mutex::new(),
            head: UnsafeCell::new(core::ptr::null_mut()),
            tail: UnsafeCell::new(core::ptr::null_mut()),
        }
    }

    /// notifyListAdd: a ticket for a goroutine about to wait. Taken before the caller unlocks
    /// its Locker, so a notification after that unlock is not lost.
    pub fn add(&self) -> u32 {
        self.wait.fetch_add(1, SeqCst)
    }

    /// notifyListWait: parks until ticket `t` is notified (at once if it already was).
    pub fn wait(&self, t: u32) {
        lock(&self.lock);
        // Return right away if this ticket has already been notified.
        if less(t, self.notify.load(SeqCst)) {
            unlock(&self.lock);
            return;
        }
        // Enqueue itself.
        let s = acquire_sudog();
        // SAFETY: the lock is held, which guards the list; s is ours until a notifier takes it.
        unsafe {
            (*s).g = getg();
            (*s).ticket = t;
            let tail = *self.tail.get();
            if tail.is_null() {
                *self.head.get() = s;
            } else {
                (*tail).next = s;
            }
            *self.tail.get() = s;
        }
        goparkunlock(&self.lock, WaitReason::SyncCondWait);
        release_sudog(s);
    }

    /// notifyListNotifyAll: wakes every waiter.
    pub fn notify_all(&self) {
        // Fast path: if there are no new waiters since the last notification, no need to lock.
        if self.wait.load(SeqCst) == self.notify.load(SeqCst) {
            return;
        }
        // Pull the list out into a local variable; waiters will be readied outside the lock.
        lock(&self.lock);
        // SAFETY: the lock is held.
        let mut s = unsafe {
            let s = *self.head.get();
            *self.head.get() = core::ptr::null_mut();
            *self.tail.get() = core::ptr::null_mut();
            s
        };
        // Update the next ticket to be notified. We can set it to the current value of wait
        // because any previous waiters are already in the list or will notice that they have
        // already been notified when trying to add themselves to the list.
        self.notify.store(self.wait.load(SeqCst), SeqCst);
        unlock(&self.lock);
        // Go through the local list and ready all waiters.
        while !s.is_null() {
            // SAFETY: the detached list is ours; each sudog's G stays parked until readied.
            let (next, gp) = unsafe {
                let next = (*s).next;
                (*s).next = core::ptr::null_mut();
                (next, (*s).g)
            };
            goready(gp);
            s = next;
        }
    }

    /// notifyListNotifyOne: wakes the waiter with the oldest ticket not yet notified.
    pub fn notify_one(&self) {
        // Fast path: if there are no new waiters since the last notification, no need to lock.
        if self.wait.load(SeqCst) == self.notify.load(SeqCst) {
            return;
        }
        lock(&self.lock);
        // Re-check under the lock if we need to do anything.
        let t = self.notify.load(SeqCst);
        if t == self.wait.load(SeqCst) {
            unlock(&self.lock);
            return;
        }
        // Update the next notify ticket number.
        self.notify.store(t.wrapping_add(1), SeqCst);
        // Try to find the G that needs to be notified. If it hasn't made it to the list yet it
        // won't park at all, since it will see its ticket already notified.
        // SAFETY: the lock is held, which guards the list and its sudogs.
        unsafe {
            let mut p: *mut crate::runtime2::Sudog = core::ptr::null_mut();
            let mut s = *self.head.get();
            while !s.is_null() {
                if (*s).ticket == t {
                    let n = (*s).next;
                    if !p.is_null() {
                        (*p).next = n;
                    } else {
                        *self.head.get() = n;
                    }
                    if n.is_null() {
                        *self.tail.get() = p;
                    }
                    unlock(&self.lock);
                    (*s).next = core::ptr::null_mut();
                    goready((*s).g);
                    return;
                }
                p = s;
                s = (*s).next;
            }
        }
        unlock(&self.lock);
    }
}

/// Ticket order with wraparound (Go's `less`).
fn less(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// fastrand's state: one for every M, stepped atomically, so that two Ms never draw the same
/// sequence; seeded at start-up from AT_RANDOM (Go seeds each M's from its startup random data).
static FASTRAND: AtomicU64 = AtomicU64::new(0x2545_f491_4f6c_dd1d);

/// Seeds fastrand (rt0_go's args step, from the kernel's AT_RANDOM bytes).
pub fn fastrand_seed(seed: u64) {
    FASTRAND.store(seed, Relaxed);
}

/// A random u32 for treap priorities and select's poll order (Go's fastrand: wyrand).
pub(crate) fn fastrand() -> u32 {
    let x = FASTRAND.fetch_add(0xa076_1d64_78bd_642f, Relaxed).wrapping_add(0xa076_1d64_78bd_642f);
    let m = (x as u128) * ((x ^ 0xe703_7ed1_a0b4_28db) as u128);
    ((m >> 64) as u64 ^ m as u64) as u32
}

/// A random number in [0, n) (Go's fastrandn: Lemire's multiply-shift, no division).
#[inline]
pub(crate) fn fastrandn(n: u32) -> u32 {
    ((fastrand() as u64 * n as u64) >> 32) as u32
}

#[cfg(test)]
mod tests;
