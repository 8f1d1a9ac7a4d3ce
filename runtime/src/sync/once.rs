//! sync.Once. Mirrors Go 1.19's sync/once.go: a done flag read with one atomic load on the fast
//! path, and a Mutex so that every caller of `call` returns only after the one call of `f` has
//! finished (which is why a CAS on `done` alone would not do).
use super::Mutex;
use core::sync::atomic::AtomicU32;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

/// Performs exactly one action (Go's sync.Once).
pub struct Once {
    done: AtomicU32,
    m: Mutex,
}

impl Default for Once {
    fn default() -> Self {
        Self::new()
    }
}

impl Once {
    pub const fn new() -> Once {
        Once { done: AtomicU32::new(0), m: Mutex::new() }
    }

    /// Do: calls `f` if and only if this is the first call for this Once; every call returns
    /// after `f` has returned.
    #[inline]
    pub fn call(&self, f: impl FnOnce()) {
        if self.done.load(Acquire) == 0 {
            // Outlined slow path to allow inlining of the fast path.
            self.do_slow(f);
        }
    }

    #[cold]
    fn do_slow(&self, f: impl FnOnce()) {
        self.m.lock();
        if self.done.load(Relaxed) == 0 {
            f();
            self.done.store(1, Release);
        }
        self.m.unlock();
    }

    /// Whether the action has run.
    pub fn done(&self) -> bool {
        self.done.load(Acquire) != 0
    }
}
