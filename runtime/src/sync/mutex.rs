//! sync.Mutex. Mirrors Go 1.19's sync/mutex.go: one 32-bit state word — locked bit, woken bit,
//! starving bit, and the count of waiters above them — and a semaphore the waiters park on.
//!
//! Normal mode: waiters queue FIFO, but a woken waiter does not own the mutex; it competes with
//! goroutines just arriving, which have the advantage of already running, so it can lose and
//! then queues at the front (LIFO). Starvation mode: a waiter that has waited more than 1 ms
//! switches the mutex to starvation mode, in which Unlock hands ownership straight to the waiter
//! at the front (semrelease with handoff), newcomers do not try to take it or spin but queue at
//! the tail, and the mutex returns to normal mode when the waiter that got it is the last one or
//! has waited less than 1 ms. Normal mode performs much better; starvation mode bounds the tail
//! latency.
//!
//! Spinning (Go's runtime_canSpin): only while the mutex is held by a running goroutine, on a
//! machine with more than one CPU, with another P running and this P's run queue empty, and at
//! most 4 times (30 PAUSEs each). With one M running goroutines, as rt0 has today, that is never.
//!
//! Memory order: Lock's successful CAS is an Acquire and Unlock's add a Release, so a critical
//! section's writes are seen by the next holder on any M.
use crate::panic::throw;
use crate::sema::{semacquire1, semrelease1};
use crate::sys_linux_amd64::nanotime;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicI32, AtomicU32};

const MUTEX_LOCKED: i32 = 1; // mutex is locked
const MUTEX_WOKEN: i32 = 1 << 1;
const MUTEX_STARVING: i32 = 1 << 2;
const MUTEX_WAITER_SHIFT: u32 = 3;
/// A waiter that waited longer than this switches the mutex to starvation mode.
const STARVATION_THRESHOLD_NS: i64 = 1_000_000;

/// A mutual exclusion lock for goroutines (Go's sync.Mutex). The zero value is unlocked.
pub struct Mutex {
    state: AtomicI32,
    sema: AtomicU32,
}

impl Default for Mutex {
    fn default() -> Self {
        Self::new()
    }
}

impl Mutex {
    pub const fn new() -> Mutex {
        Mutex { state: AtomicI32::new(0), sema: AtomicU32::new(0) }
    }

    /// Lock: blocks the goroutine until the mutex is available.
    #[inline]
    pub fn lock(&self) {
        // Fast path: grab an unlocked mutex.
        if self.state.compare_exchange(0, MUTEX_LOCKED, Acquire, Relaxed).is_ok() {
            return;
        }
        // Slow path (outlined so that the fast path can be inlined).
        self.lock_slow();
    }

    /// TryLock: takes the mutex if that needs no waiting.
    pub fn try_lock(&self) -> bool {
        let old = self.state.load(Relaxed);
        if old & (MUTEX_LOCKED | MUTEX_STARVING) != 0 {
            return false;
        }
        // There may be a goroutine waiting for the mutex, but we are running now and can try to
        // grab it before that goroutine wakes up.
        self.state.compare_exchange(old, old | MUTEX_LOCKED, Acquire, Relaxed).is_ok()
    }

    #[cold]
    #[inline(never)]
    fn lock_slow(&self) {
        let mut wait_start_time: i64 = 0;
        let mut starving = false;
        let mut awoke = false;
        let mut iter = 0;
        let mut old = self.state.load(Relaxed);
        loop {
            // Don't spin in starvation mode: ownership is handed off to waiters, so we wouldn't
            // be able to acquire the mutex anyway.
            if old & (MUTEX_LOCKED | MUTEX_STARVING) == MUTEX_LOCKED && can_spin(iter) {
                // Active spinning makes sense. Try to set the woken flag to tell Unlock not to
                // wake other blocked goroutines.
                if !awoke
                    && old & MUTEX_WOKEN == 0
                    && old >> MUTEX_WAITER_SHIFT != 0
                    && self.state.compare_exchange(old, old | MUTEX_WOKEN, Relaxed, Relaxed).is_ok()
                {
                    awoke = true;
                }
                do_spin();
                iter += 1;
                old = self.state.load(Relaxed);
                continue;
            }
            let mut new = old;
            // Don't try to acquire a starving mutex: new arriving goroutines must queue.
            if old & MUTEX_STARVING == 0 {
                new |= MUTEX_LOCKED;
            }
            if old & (MUTEX_LOCKED | MUTEX_STARVING) != 0 {
                new += 1 << MUTEX_WAITER_SHIFT;
            }
            // The current goroutine switches the mutex to starvation mode. But if the mutex is
            // currently unlocked, don't switch: Unlock expects a starving mutex to have waiters.
            if starving && old & MUTEX_LOCKED != 0 {
                new |= MUTEX_STARVING;
            }
            if awoke {
                // The goroutine has been woken from sleep, so we need to reset the flag in
                // either case.
                if new & MUTEX_WOKEN == 0 {
                    throw("sync: inconsistent mutex state");
                }
                new &= !MUTEX_WOKEN;
            }
            if self.state.compare_exchange(old, new, AcqRel, Relaxed).is_ok() {
                if old & (MUTEX_LOCKED | MUTEX_STARVING) == 0 {
                    break; // locked the mutex with CAS
                }
                // If we were already waiting before, queue at the front of the queue.
                let queue_lifo = wait_start_time != 0;
                if wait_start_time == 0 {
                    wait_start_time = nanotime() as i64;
                }
                semacquire1(&self.sema, queue_lifo);
                starving = starving || nanotime() as i64 - wait_start_time > STARVATION_THRESHOLD_NS;
                old = self.state.load(Acquire);
                if old & MUTEX_STARVING != 0 {
                    // This goroutine was woken and the mutex is in starvation mode: ownership was
                    // handed off to us, but the state is inconsistent (locked not set, and we are
                    // still counted as a waiter). Fix that.
                    if old & (MUTEX_LOCKED | MUTEX_WOKEN) != 0 || old >> MUTEX_WAITER_SHIFT == 0 {
                        throw("sync: inconsistent mutex state");
                    }
                    let mut delta = MUTEX_LOCKED - (1 << MUTEX_WAITER_SHIFT);
                    if !starving || old >> MUTEX_WAITER_SHIFT == 1 {
                        // Exit starvation mode. Critical to do it here and consider wait time:
                        // starvation mode is so inefficient that two goroutines can go lock-step
                        // infinitely once they switch the mutex to it.
                        delta -= MUTEX_STARVING;
                    }
                    self.state.fetch_add(delta, AcqRel);
                    break;
                }
                awoke = true;
                iter = 0;
            } else {
                old = self.state.load(Relaxed);
            }
        }
    }

    /// Unlock. Unlocking an unlocked mutex is Go's fatal error "sync: unlock of unlocked mutex".
    #[inline]
    pub fn unlock(&self) {
        // Fast path: drop the lock bit.
        let new = self.state.fetch_add(-MUTEX_LOCKED, Release) - MUTEX_LOCKED;
        if new != 0 {
            // Outlined slow path, so that the fast path can be inlined.
            self.unlock_slow(new);
        }
    }

    #[cold]
    #[inline(never)]
    fn unlock_slow(&self, new: i32) {
        if (new + MUTEX_LOCKED) & MUTEX_LOCKED == 0 {
            throw("sync: unlock of unlocked mutex");
        }
        if new & MUTEX_STARVING == 0 {
            let mut old = new;
            loop {
                // If there are no waiters, or a goroutine has already been woken or grabbed the
                // lock, no need to wake anyone. In starvation mode ownership is handed directly
                // from the unlocking goroutine to the next waiter; we are not part of that chain.
                if old >> MUTEX_WAITER_SHIFT == 0 || old & (MUTEX_LOCKED | MUTEX_WOKEN | MUTEX_STARVING) != 0 {
                    return;
                }
                // Grab the right to wake someone.
                let new = (old - (1 << MUTEX_WAITER_SHIFT)) | MUTEX_WOKEN;
                if self.state.compare_exchange(old, new, Relaxed, Relaxed).is_ok() {
                    semrelease1(&self.sema, false);
                    return;
                }
                old = self.state.load(Relaxed);
            }
        } else {
            // Starving mode: hand off mutex ownership to the next waiter, and yield our time
            // slice so that the next waiter can start to run immediately.
            semrelease1(&self.sema, true);
        }
    }

    /// The state word, for tests: locked bit, woken bit, starving bit, waiters << 3.
    pub fn state(&self) -> i32 {
        self.state.load(Relaxed)
    }
}

/// Go's `active_spin`, `active_spin_cnt`.
const ACTIVE_SPIN: i32 = 4;
const ACTIVE_SPIN_CNT: u32 = 30;

/// sync_runtime_canSpin: spin only on a multicore machine, with GOMAXPROCS > 1, at least one
/// other P running and this P's run queue empty — and only a few times, since sync.Mutex is
/// cooperative (unlike the runtime's mutex, spinning here can hold up the goroutine that would
/// unlock).
fn can_spin(i: i32) -> bool {
    use crate::proc::{GOMAXPROCS, NCPU};
    if i >= ACTIVE_SPIN || NCPU.load(Relaxed) <= 1 {
        return false;
    }
    let (npidle, nmspinning) = crate::proc::idle_counts();
    if GOMAXPROCS.load(Relaxed) <= (npidle + nmspinning) as i32 + 1 {
        return false;
    }
    crate::proc::runq_empty()
}

/// sync_runtime_doSpin: procyield(active_spin_cnt).
fn do_spin() {
    for _ in 0..ACTIVE_SPIN_CNT {
        core::hint::spin_loop();
    }
}
