//! sync.RWMutex. Mirrors Go 1.19's sync/rwmutex.go: a writer first takes an ordinary Mutex (so
//! writers queue among themselves), then announces itself by subtracting 2^30 from
//! `reader_count`, which makes every later RLock wait on `reader_sem`, and waits on `writer_sem`
//! for the readers already inside (counted in `reader_wait`; the last of them wakes it). Unlock
//! adds 2^30 back and releases each reader that queued meanwhile. So a waiting writer keeps new
//! readers out, and writers cannot starve.
use super::{Locker, Mutex};
use crate::panic::throw;
use crate::sema::{semacquire1, semrelease1};
use core::sync::atomic::Ordering::{AcqRel, Acquire};
use core::sync::atomic::{AtomicI32, AtomicU32};

/// The most readers at once (Go's `rwmutexMaxReaders`).
const RWMUTEX_MAX_READERS: i32 = 1 << 30;

/// A reader/writer mutual exclusion lock (Go's sync.RWMutex). The zero value is unlocked.
pub struct RWMutex {
    w: Mutex,                // held if there are pending writers
    writer_sem: AtomicU32,   // semaphore for writers to wait for completing readers
    reader_sem: AtomicU32,   // semaphore for readers to wait for completing writers
    reader_count: AtomicI32, // number of pending readers
    reader_wait: AtomicI32,  // number of departing readers
}

impl Default for RWMutex {
    fn default() -> Self {
        Self::new()
    }
}

impl RWMutex {
    pub const fn new() -> RWMutex {
        RWMutex {
            w: Mutex::new(),
            writer_sem: AtomicU32::new(0),
            reader_sem: AtomicU32::new(0),
            reader_count: AtomicI32::new(0),
            reader_wait: AtomicI32::new(0),
        }
    }

    /// RLock: locks for reading; waits while a writer holds or waits for the lock.
    pub fn rlock(&self) {
        if self.reader_count.fetch_add(1, AcqRel) + 1 < 0 {
            // A writer is pending, wait for it.
            semacquire1(&self.reader_sem, false);
        }
    }

    /// TryRLock: locks for reading if no writer holds or waits for the lock.
    pub fn try_rlock(&self) -> bool {
        loop {
            let c = self.reader_count.load(Acquire);
            if c < 0 {
                return false;
            }
            if self.reader_count.compare_exchange(c, c + 1, AcqRel, Acquire).is_ok() {
                return true;
            }
        }
    }

    /// RUnlock: undoes one RLock. Go's fatal error if not read-locked.
    pub fn runlock(&self) {
        let r = self.reader_count.fetch_add(-1, AcqRel) - 1;
        if r < 0 {
            // Outlined slow path to allow the fast path to be inlined.
            self.runlock_slow(r);
        }
    }

    #[cold]
    fn runlock_slow(&self, r: i32) {
        if r + 1 == 0 || r + 1 == -RWMUTEX_MAX_READERS {
            throw("sync: RUnlock of unlocked RWMutex");
        }
        // A writer is pending.
        if self.reader_wait.fetch_add(-1, AcqRel) - 1 == 0 {
            // The last reader unblocks the writer.
            semrelease1(&self.writer_sem, false);
        }
    }

    /// Lock: locks for writing; waits for other writers and for the readers inside.
    pub fn lock(&self) {
        // First, resolve competition with other writers.
        self.w.lock();
        // Announce to readers there is a pending writer.
        let r = self.reader_count.fetch_add(-RWMUTEX_MAX_READERS, AcqRel);
        // Wait for active readers.
        if r != 0 && self.reader_wait.fetch_add(r, AcqRel) + r != 0 {
            semacquire1(&self.writer_sem, false);
        }
    }

    /// TryLock: locks for writing if nobody holds the lock.
    pub fn try_lock(&self) -> bool {
        if !self.w.try_lock() {
            return false;
        }
        if self.reader_count.compare_exchange(0, -RWMUTEX_MAX_READERS, AcqRel, Acquire).is_err() {
            self.w.unlock();
            return false;
        }
        true
    }

    /// Unlock: undoes Lock and lets the readers that queued meanwhile in. Go's fatal error if not
    /// write-locked.
    pub fn unlock(&self) {
        // Announce to readers there is no active writer.
        let r = self.reader_count.fetch_add(RWMUTEX_MAX_READERS, AcqRel) + RWMUTEX_MAX_READERS;
        if r >= RWMUTEX_MAX_READERS {
            throw("sync: Unlock of unlocked RWMutex");
        }
        // Unblock blocked readers, if any.
        for _ in 0..r {
            semrelease1(&self.reader_sem, false);
        }
        // Allow other writers to proceed.
        self.w.unlock();
    }

    /// RLocker: a Locker whose lock/unlock are this RWMutex's rlock/runlock.
    pub fn rlocker(&self) -> RLocker<'_> {
        RLocker(self)
    }
}

/// RWMutex.RLocker's result.
pub struct RLocker<'a>(&'a RWMutex);

impl Locker for RLocker<'_> {
    fn lock(&self) {
        self.0.rlock()
    }
    fn unlock(&self) {
        self.0.runlock()
    }
}

impl Locker for RWMutex {
    fn lock(&self) {
        RWMutex::lock(self)
    }
    fn unlock(&self) {
        RWMutex::unlock(self)
    }
}
