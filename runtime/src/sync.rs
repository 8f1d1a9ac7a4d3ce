//! sync.WaitGroup on the scheduler's park/ready (Go's sync/waitgroup.go over runtime_Semacquire
//! / runtime_Semrelease, sema.go). Waiters park with Go's wait reason "sync.WaitGroup.Wait" and
//! are made ready, in order, when the counter reaches zero.
use crate::panic::throw;
use crate::proc::{gopark, goready};
use crate::runtime2::{G, WaitReason};
use crate::tls::getg;
use core::cell::UnsafeCell;
use core::ptr::null_mut;

pub struct WaitGroup {
    state: UnsafeCell<(i64, *mut G, *mut G)>, // counter, waiters head, tail
}

// SAFETY: a WaitGroup is used by goroutines only, and goroutines run on one thread — m0's, the
// one M that holds a P (proc module docs; its debug assertions check it on every schedule) —
// switching only inside gopark/gosched/goexit. So each `add`/`wait` runs to completion with no
// other access to `state` in between, and no two threads ever touch it.
unsafe impl Sync for WaitGroup {}

impl Default for WaitGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitGroup {
    pub const fn new() -> Self {
        Self { state: UnsafeCell::new((0, null_mut(), null_mut())) }
    }

    // One goroutine at a time touches the state (see the Sync impl), so handing out `&mut`
    // from `&self` cannot alias.
    #[allow(clippy::mut_from_ref)]
    fn st(&self) -> &mut (i64, *mut G, *mut G) {
        // SAFETY: see the Sync impl: no two goroutines touch the state at the same time.
        unsafe { &mut *self.state.get() }
    }

    /// Adds `delta` to the counter; at zero, every waiter becomes runnable.
    pub fn add(&self, delta: i64) {
        let s = self.st();
        s.0 += delta;
        if s.0 < 0 {
            throw("sync: negative WaitGroup counter");
        }
        if s.0 == 0 {
            let mut gp = core::mem::replace(&mut s.1, null_mut());
            s.2 = null_mut();
            while !gp.is_null() {
                // SAFETY: gp is a parked waiter linked through schedlink.
                let next = unsafe { core::mem::replace(&mut (*gp).schedlink, null_mut()) };
                goready(gp);
                gp = next;
            }
        }
    }

    pub fn done(&self) {
        self.add(-1);
    }

    /// Blocks the calling goroutine until the counter is zero.
    pub fn wait(&self) {
        let s = self.st();
        if s.0 == 0 {
            return;
        }
        let gp = getg();
        if s.2.is_null() {
            s.1 = gp;
        } else {
            // SAFETY: the tail is a parked waiter.
            unsafe { (*s.2).schedlink = gp };
        }
        s.2 = gp;
        gopark(WaitReason::SyncWaitGroupWait);
    }
}
