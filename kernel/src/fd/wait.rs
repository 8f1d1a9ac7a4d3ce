//! Wait queues (Linux's `wait_queue_head`, `wait_event`): threads parked on an object until its
//! state changes, and the pollers' queue every poll/epoll sleeper waits on.
//!
//! The pattern that loses no wake-up: with the object's lock held, try the operation; if it
//! would block, mark the thread blocked and queue it (still under the lock), release the lock,
//! schedule. A waker changes the state and wakes the queue under the same lock, so it either
//! comes before the attempt (which then succeeds) or finds the thread queued.
use crate::process::sched;
use crate::process::thread::Wake;
use crate::process::uaccess::Errno;
use abi::errno::{EAGAIN, ERESTARTSYS, ETIMEDOUT};
use alloc::collections::VecDeque;
use spin::Mutex;

/// The threads waiting for one condition of one object.
#[derive(Default)]
pub struct WaitQueue(VecDeque<u32>);

impl WaitQueue {
    pub const fn new() -> WaitQueue {
        WaitQueue(VecDeque::new())
    }

    /// Marks the running thread blocked (until `until`) and queues it; returns its tid. The
    /// caller holds the lock guarding the queue, releases it, then calls `sched::schedule`.
    pub fn park(&mut self, until: Option<u64>) -> u32 {
        let tid = sched::prepare_block(until);
        self.0.push_back(tid);
        tid
    }

    /// Takes `tid` out again after it ran (it may already be gone: the waker took it).
    pub fn unpark(&mut self, tid: u32) {
        if let Some(i) = self.0.iter().position(|&t| t == tid) {
            self.0.remove(i);
        }
    }

    /// Wakes every queued thread.
    pub fn wake_all(&mut self) {
        while let Some(tid) = self.0.pop_front() {
            sched::wake(tid);
        }
    }
}

/// Runs `attempt` on the state behind `lock` until it gives an answer: when it gives None (the
/// operation would block), EAGAIN if `nonblock`, else the thread sleeps on the queue `queue`
/// picks out of the state and tries again once woken. `until` bounds the sleep (ETIMEDOUT); a
/// signal ends it with ERESTARTSYS (Linux's pipe, eventfd and tty reads and writes).
pub fn wait_event<T, R>(
    lock: &Mutex<T>,
    queue: fn(&mut T) -> &mut WaitQueue,
    nonblock: bool,
    until: Option<u64>,
    mut attempt: impl FnMut(&mut T) -> Option<Result<R, Errno>>,
) -> Result<R, Errno> {
    loop {
        let mut state = lock.lock();
        if let Some(r) = attempt(&mut state) {
            return r;
        }
        if nonblock {
            return Err(EAGAIN);
        }
        let tid = queue(&mut state).park(until);
        drop(state);
        let wake = sched::schedule();
        queue(&mut lock.lock()).unpark(tid);
        match wake {
            Wake::Woken => {}
            Wake::TimedOut => return Err(ETIMEDOUT),
            Wake::Interrupted => return Err(ERESTARTSYS),
        }
    }
}

/// Every thread asleep in poll, ppoll or epoll_wait, and a generation counter that moves on
/// every readiness change, so that a sleeper that scanned before a change sees it.
pub struct Pollers {
    pub generation: u64,
    pub queue: WaitQueue,
}

pub static POLLERS: Mutex<Pollers> = Mutex::new(Pollers { generation: 0, queue: WaitQueue::new() });

/// Some object may have become ready: wake every poller to rescan.
pub fn notify_pollers() {
    let mut p = POLLERS.lock();
    p.generation = p.generation.wrapping_add(1);
    p.queue.wake_all();
}

/// The generation now (taken before a scan).
pub fn poll_generation() -> u64 {
    POLLERS.lock().generation
}

/// Sleeps until a readiness change after `generation` (Woken), `until` (TimedOut) or a signal
/// (Interrupted).
pub fn poll_sleep(generation: u64, until: Option<u64>) -> Wake {
    let mut p = POLLERS.lock();
    if p.generation != generation {
        return Wake::Woken; // something changed while the caller scanned
    }
    let tid = p.queue.park(until);
    drop(p);
    let wake = sched::schedule();
    POLLERS.lock().queue.unpark(tid);
    wake
}
