//! sync.WaitGroup on the runtime's semaphores. Mirrors Go 1.19's sync/waitgroup.go: one 64-bit
//! state word holds the counter (high 32 bits) and the number of waiters (low 32 bits), and a
//! separate semaphore word (`runtime_Semacquire`/`runtime_Semrelease`, see `sema`) is where the
//! waiters park, with Go's wait reason "semacquire".
//!
//! `add` changes the counter with one atomic add. When it brings the counter to zero with
//! waiters counted, it resets the whole state to zero and releases the semaphore once per
//! waiter. `wait` returns at once if the counter is zero; otherwise it counts itself as a waiter
//! with a CAS (which fails, and retries, if the state moved meanwhile) and sleeps on the
//! semaphore. Go's panics are kept, with Go's texts.
//!
//! Memory order: `add` is AcqRel and `wait` reads with Acquire, so what a goroutine wrote before
//! its `done` is visible to whoever returns from `wait`, on any M.
use crate::sema::{semacquire, semrelease1};
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use core::sync::atomic::{AtomicU32, AtomicU64};

pub struct WaitGroup {
    /// Counter in the high 32 bits, waiter count in the low 32 bits.
    state: AtomicU64,
    sema: AtomicU32,
}

impl Default for WaitGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitGroup {
    pub const fn new() -> Self {
        Self { state: AtomicU64::new(0), sema: AtomicU32::new(0) }
    }

    /// Adds `delta` (possibly negative) to the counter; at zero, every waiter is released.
    /// A negative counter panics with Go's "sync: negative WaitGroup counter".
    #[inline]
    pub fn add(&self, delta: i64) {
        let state = self.state.fetch_add((delta as u64) << 32, AcqRel).wrapping_add((delta as u64) << 32);
        if ((state >> 32) as i32) < 0 {
            negative_counter();
        }
        // No waiters: nothing more to check or do (Go tests the same conditions, in another order).
        if state as u32 != 0 {
            self.add_waiters(delta, state);
        }
    }

    /// add, with waiters counted in `state` (the state just after the add).
    #[inline(never)]
    fn add_waiters(&self, delta: i64, state: u64) {
        let v = (state >> 32) as i32;
        let w = state as u32;
        if delta > 0 && v as i64 == delta {
            panic!("sync: WaitGroup misuse: Add called concurrently with Wait");
        }
        if v > 0 {
            return;
        }
        // This goroutine brought the counter to zero with waiters: now nobody may change the
        // state (an Add now is a misuse, a Wait sees zero). Check for misuse, then reset.
        if self.state.load(Relaxed) != state {
            panic!("sync: WaitGroup misuse: Add called concurrently with Wait");
        }
        self.state.store(0, Relaxed);
        for _ in 0..w {
            semrelease1(&self.sema, false);
        }
    }

    /// Decrements the counter by one.
    #[inline]
    pub fn done(&self) {
        self.add(-1);
    }

    /// Blocks the calling goroutine until the counter is zero.
    pub fn wait(&self) {
        loop {
            let state = self.state.load(Acquire);
            if (state >> 32) as i32 == 0 {
                return;
            }
            // Count this goroutine as a waiter.
            if self.state.compare_exchange(state, state + 1, AcqRel, Acquire).is_ok() {
                semacquire(&self.sema);
                if self.state.load(Relaxed) != 0 {
                    panic!("sync: WaitGroup is reused before previous Wait has returned");
                }
                return;
            }
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn negative_counter() -> ! {
    panic!("sync: negative WaitGroup counter")
}
