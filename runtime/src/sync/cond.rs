//! sync.Cond. Mirrors Go 1.19's sync/cond.go on the runtime's notify lists (runtime/sema.go
//! `notifyList`, `notifyListAdd`, `notifyListWait`, `notifyListNotifyOne`,
//! `notifyListNotifyAll`): Wait takes a ticket before unlocking L, so a Signal that comes
//! between the unlock and the park still wakes it; Signal wakes the holder of the oldest ticket
//! not yet notified, Broadcast every one.
use crate::sema::NotifyList;

/// A lock with lock/unlock (Go's sync.Locker), shared by the goroutines that use it.
pub trait Locker: Sync {
    fn lock(&self);
    fn unlock(&self);
}

impl Locker for super::Mutex {
    fn lock(&self) {
        super::Mutex::lock(self)
    }
    fn unlock(&self) {
        super::Mutex::unlock(self)
    }
}

/// A condition variable (Go's sync.Cond): goroutines wait for an event while holding `l`.
pub struct Cond<'a> {
    /// L: held while observing or changing the condition.
    pub l: &'a dyn Locker,
    notify: NotifyList,
}

impl<'a> Cond<'a> {
    /// NewCond.
    pub const fn new(l: &'a dyn Locker) -> Cond<'a> {
        Cond { l, notify: NotifyList::new() }
    }

    /// Wait: atomically unlocks `l` and parks the goroutine; relocks `l` before returning. Since
    /// `l` is not held while parked, the caller must recheck its condition in a loop.
    pub fn wait(&self) {
        let t = self.notify.add();
        self.l.unlock();
        self.notify.wait(t);
        self.l.lock();
    }

    /// Signal: wakes one waiting goroutine, if any.
    pub fn signal(&self) {
        self.notify.notify_one();
    }

    /// Broadcast: wakes every waiting goroutine.
    pub fn broadcast(&self) {
        self.notify.notify_all();
    }
}
