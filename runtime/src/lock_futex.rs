//! The runtime's own lock and one-shot event on Linux futexes. Mirrors Go's
//! runtime/lock_futex.go: `mutex` (`lock`/`unlock`) and `note` (`noteclear`, `notewakeup`,
//! `notesleep`, `notetsleep`).
//!
//! A [`Mutex`] is one 32-bit key with Go's three states: `MUTEX_UNLOCKED`, `MUTEX_LOCKED` (held,
//! nobody asleep on it) and `MUTEX_SLEEPING` (held, and some thread may be asleep in the kernel
//! on the key, so unlock must wake one). `lock` first swaps in LOCKED; if the key was held it spins
//! a little (only when there is more than one CPU), yields the CPU once, and then swaps in SLEEPING
//! and sleeps in FUTEX_WAIT until the key changes. A thread that has ever slept keeps writing
//! SLEEPING when it takes the lock, since another sleeper may still be waiting: a wake-up is
//! never lost, at the price of an occasional needless FUTEX_WAKE.
//!
//! These locks block the whole thread (the M), not just a goroutine: they guard short runtime
//! critical sections (a sema root, the central sudog cache) and must never be held across a park
//! or a reschedule. While it holds any, an M's `locks` count is above zero (`lock` and `unlock`
//! keep it), which is what keeps the scheduler and, later, preemption off such an M.
//!
//! Lock order (a lock may be taken while holding only locks listed before it):
//!
//! 1. channel locks (`hchan.lock`), several at once only in a select, which takes them in
//!    increasing address order (select.rs `sellock`);
//! 2. `sched.sudoglock` (acquire_sudog/release_sudog refilling or spilling a P's cache, which a
//!    channel operation may do with its channel's lock held);
//!
//! and, as leaves taken with no other runtime lock held: `sched.lock` (the global run queue, the
//! free-G list, the idle M and P lists), each sema root's lock, each notify list's lock
//! (sync.Cond), each P's timers lock (a timer's function runs with it released). Last of all,
//! the allocator's heap lock (`malloc`, a plain `lock2` without the M's count): any of the above
//! may be held while allocating, and nothing is taken under it. No
//! signal handler takes any of them (a handler interrupting its own M's critical section would
//! deadlock on it). goready is called with channel locks released, as in Go.
//!
//! A [`Note`] is a one-time event: one thread sleeps (`notesleep`, on g0, or `notetsleep` with a
//! timeout), another wakes it (`notewakeup`, at most once until `noteclear`). The key is 0 until
//! the wake-up and 1 after.
//!
//! Memory order: taking the key is an Acquire, releasing it a Release, so a critical section's
//! writes are seen by the next holder on any CPU; a note's wake-up is a Release and the sleeper's
//! check an Acquire.
use crate::os_linux::{futexsleep, futexwakeup};
use crate::panic::throw;
use crate::sys_linux_amd64::{nanotime, osyield};
use crate::tls::getg;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicI32, AtomicU32};

pub const MUTEX_UNLOCKED: u32 = 0;
pub const MUTEX_LOCKED: u32 = 1;
pub const MUTEX_SLEEPING: u32 = 2;

/// Rounds of active spinning (each `ACTIVE_SPIN_CNT` pauses) before yielding, on several CPUs.
const ACTIVE_SPIN: u32 = 4;
const ACTIVE_SPIN_CNT: u32 = 30;
/// Rounds of passive spinning (each one `sched_yield`) before sleeping.
const PASSIVE_SPIN: u32 = 1;

/// The runtime's mutex (Go's `mutex`): a futex key, no owner recorded.
pub struct Mutex {
    key: AtomicU32,
}

impl Mutex {
    pub const fn new() -> Mutex {
        Mutex { key: AtomicU32::new(MUTEX_UNLOCKED) }
    }

    /// The key's state, for tests and reports.
    pub fn state(&self) -> u32 {
        self.key.load(Relaxed)
    }

    /// Takes the key (Go's lock2 without the M's lock count): returns once this thread holds it.
    #[inline]
    pub fn lock2(&self) {
        // Speculative grab for the lock.
        let v = self.key.swap(MUTEX_LOCKED, Acquire);
        if v != MUTEX_UNLOCKED {
            self.lock_slow(v);
        }
    }

    /// lock2 once the speculative grab found the key held (`v`): spin, yield, then sleep.
    #[cold]
    #[inline(never)]
    fn lock_slow(&self, v: u32) {
        // `wait` is LOCKED or SLEEPING, depending on whether a thread may be asleep on the key.
        // Having changed the key from SLEEPING to LOCKED above, this thread must put SLEEPING
        // back when it takes the lock, so that the sleeper still gets its wake-up.
        let mut wait = v;
        // On one CPU spinning cannot help: the holder is not running.
        let spin = if crate::proc::NCPU.load(Relaxed) > 1 { ACTIVE_SPIN } else { 0 };
        loop {
            for _ in 0..spin {
                if self.try_grab(wait) {
                    return;
                }
                for _ in 0..ACTIVE_SPIN_CNT {
                    core::hint::spin_loop(); // Go's procyield: PAUSE
                }
            }
            for _ in 0..PASSIVE_SPIN {
                if self.try_grab(wait) {
                    return;
                }
                osyield();
            }
            // Sleep.
            let v = self.key.swap(MUTEX_SLEEPING, Acquire);
            if v == MUTEX_UNLOCKED {
                return;
            }
            wait = MUTEX_SLEEPING;
            futexsleep(&self.key, MUTEX_SLEEPING, -1);
        }
    }

    /// While the key reads unlocked, tries to take it, leaving `wait` in it.
    #[inline]
    fn try_grab(&self, wait: u32) -> bool {
        while self.key.load(Relaxed) == MUTEX_UNLOCKED {
            if self.key.compare_exchange(MUTEX_UNLOCKED, wait, Acquire, Relaxed).is_ok() {
                return true;
            }
        }
        false
    }

    /// Releases the key (Go's unlock2 without the M's lock count), waking one sleeper if any.
    #[inline]
    pub fn unlock2(&self) {
        let v = self.key.swap(MUTEX_UNLOCKED, Release);
        if v != MUTEX_LOCKED {
            Self::unlock_slow(&self.key, v);
        }
    }

    /// unlock2 when the key was not plainly locked: unlocked (a bug) or with a sleeper to wake.
    #[cold]
    #[inline(never)]
    fn unlock_slow(key: &AtomicU32, v: u32) {
        if v == MUTEX_UNLOCKED {
            throw("unlock of unlocked lock");
        }
        if v == MUTEX_SLEEPING {
            futexwakeup(key, 1);
        }
    }
}

/// lock(l): takes `l` and counts it in the M's `locks` (Go's lock → lock2).
#[inline]
pub fn lock(l: &Mutex) {
    let mp = curm_locks();
    let n = mp.load(Relaxed);
    if n < 0 {
        throw("runtime·lock: lock count");
    }
    // Only this M's thread writes its count (a plain load and store; a signal handler on this
    // thread sees either value, both consistent).
    mp.store(n + 1, Relaxed);
    l.lock2();
}

/// unlock(l): releases `l` and uncounts it (Go's unlock → unlock2).
#[inline]
pub fn unlock(l: &Mutex) {
    l.unlock2();
    let mp = curm_locks();
    let n = mp.load(Relaxed) - 1;
    mp.store(n, Relaxed);
    if n < 0 {
        throw("runtime·unlock: lock count");
    }
    // Go also turns a pending preemption request into a stack-guard trip here, once the count
    // reaches zero; rt0 has no preemption requests yet.
}

/// lock(l) when that needs no waiting: takes the key only if it is unlocked (lock2's first step
/// as a CAS) and counts it. False, with nothing changed, if the key is held.
#[inline(always)]
pub fn try_lock(l: &Mutex) -> bool {
    if l.key.compare_exchange(MUTEX_UNLOCKED, MUTEX_LOCKED, Acquire, Relaxed).is_err() {
        return false;
    }
    let mp = curm_locks();
    let n = mp.load(Relaxed);
    if n < 0 {
        throw("runtime·lock: lock count");
    }
    mp.store(n + 1, Relaxed);
    true
}

/// unlock(l), then return `r`: for fast paths that end right after an unlock, so that the
/// wake-up of a sleeper, when one is needed, is their last call (a tail call) and the fast path
/// itself makes none. The count drops just before the key is released.
#[inline(always)]
pub fn unlock_ret<R>(l: &Mutex, r: R) -> R {
    let mp = curm_locks();
    let n = mp.load(Relaxed) - 1;
    if n < 0 {
        throw("runtime·unlock: lock count");
    }
    mp.store(n, Relaxed);
    let v = l.key.swap(MUTEX_UNLOCKED, Release);
    if v != MUTEX_LOCKED {
        return unlock_slow_ret(&l.key, v, r);
    }
    r
}

#[cold]
#[inline(never)]
fn unlock_slow_ret<R>(key: &AtomicU32, v: u32, r: R) -> R {
    Mutex::unlock_slow(key, v);
    r
}

/// The calling M's lock count.
#[inline(always)]
fn curm_locks() -> &'static AtomicI32 {
    // the runtime's locks are taken only after settls and after the M's tls[1] holds the M
    // (rt0_go for m0, mcommoninit for the others), so getm_tls is this thread's M;
    // SAFETY: Ms are never freed, and `locks` is an atomic, so a shared reference to it is sound from any thread.
    unsafe { &(*crate::tls::getm_tls()).locks }
}

/// A one-time event (Go's `note`): 0 until woken, then 1.
pub struct Note {
    key: AtomicU32,
}

impl Note {
    pub const fn new() -> Note {
        Note { key: AtomicU32::new(0) }
    }

    /// noteclear: ready for another sleep/wake-up pair. Nobody may sleep on it meanwhile.
    pub fn clear(&self) {
        self.key.store(0, Relaxed);
    }

    /// notewakeup: the event happens; the sleeper, if any, wakes. Twice without a clear throws.
    pub fn wakeup(&self) {
        let old = self.key.swap(1, Release);
        if old != 0 {
            throw("notewakeup - double wakeup");
        }
        futexwakeup(&self.key, 1);
    }

    /// Whether the event has happened.
    pub fn woken(&self) -> bool {
        self.key.load(Acquire) != 0
    }

    /// notesleep: sleeps the thread until the wake-up. In Go only g0 may (a goroutine would
    /// block its M); [`notesleep`] checks that, this method leaves it to the caller.
    pub fn sleep(&self) {
        while !self.woken() {
            futexsleep(&self.key, 0, -1);
        }
    }

    /// notetsleep: sleeps until the wake-up or for about `ns` nanoseconds (forever if `ns < 0`);
    /// true if woken (Go's notetsleep_internal).
    pub fn tsleep(&self, ns: i64) -> bool {
        if ns < 0 {
            self.sleep();
            return true;
        }
        if self.woken() {
            return true;
        }
        let deadline = nanotime() as i64 + ns;
        let mut ns = ns;
        loop {
            futexsleep(&self.key, 0, ns);
            if self.woken() {
                return true;
            }
            let now = nanotime() as i64;
            if now >= deadline {
                return false;
            }
            ns = deadline - now;
        }
    }
}

/// notesleep(n) on the M's g0, as Go requires.
pub fn notesleep(n: &Note) {
    assert_on_g0("notesleep not on g0");
    n.sleep();
}

/// notetsleep(n, ns) on the M's g0, as Go requires: true if woken, false on timeout.
pub fn notetsleep(n: &Note, ns: i64) -> bool {
    assert_on_g0("notetsleep not on g0");
    n.tsleep(ns)
}

fn assert_on_g0(msg: &str) {
    let gp = getg();
    // SAFETY: after settls the g register holds a live G linked to this thread's live M.
    if gp != unsafe { (*(*gp).m).g0 } {
        throw(msg);
    }
}

#[cfg(test)]
mod tests;
