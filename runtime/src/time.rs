//! Timers and sleeping. Mirrors Go 1.19's runtime/time.go (`timer`, `addtimer`, `deltimer`,
//! `modtimer`, `resettimer`, `runtimer`/`runOneTimer`, `checkTimers`, the 4-ary heap's
//! `siftupTimer`/`siftdownTimer`, `timeSleep`/`resetForSleep`/`goroutineReady`) and the parts of
//! Go's time package built on it (time/sleep.go `Timer`, `NewTimer`, `After`, `AfterFunc`,
//! `sendTime`, `goFunc`; time/tick.go `Ticker`, `Tick`).
//!
//! Each P keeps its timers in a 4-ary min-heap ordered by `when` (a 4-ary heap is shallower than
//! a binary one, so fewer cache lines per sift), under the P's timers lock, and publishes the
//! earliest `when` in `timer0when` so that the scheduler can skip the heap with one atomic load
//! when nothing is due. A timer is added to the heap of the P that starts it; when it fires
//! (`check_timers`, called by findRunnable before it looks at the run queues), a one-shot timer
//! leaves the heap and a periodic one moves to its next `when`, and its function runs with the
//! lock released — for `time::sleep` that function readies the sleeping goroutine.
//!
//! One difference from Go 1.19, on purpose: a timer remembers its heap and index, and stopping or
//! resetting it removes it from that heap at once under that P's lock. Go 1.19 instead marks it
//! deleted or modified (its timerDeleted/timerModified* states) and leaves the owning P to tidy
//! up, so that no M ever takes another P's timers lock; Go 1.23 went back to a locked heap per P.
//! rt0 takes the lock of the P whose heap holds the timer, which is sound for any number of Ms
//! and keeps stop+start within a few hundred instructions.
//!
//! When findRunnable finds nothing to run but a timer is pending on any P, one M — having given
//! its P up — sleeps until the earliest `when` in a futex wait with a deadline ([`netpoll_sleep`],
//! the part of Go's `netpoll(delay)` that a program without file descriptors needs); a timer
//! added earlier than that deadline by another M wakes it, and one added while no M sleeps wakes
//! an idle P ([`wake_netpoller`], Go's `wakeNetPoller`). checkdead does not fire while
//! any P has a timer.
//!
//! Lock order: a P's timers lock is a leaf — a timer's function (goready, a non-blocking channel
//! send, `go`) runs with it released. Only goroutines and g0 take it, never a signal handler.
use crate::chan::Chan;
use crate::lock_futex::{Mutex, lock, unlock};
use crate::panic::throw;
use crate::proc::{curp_ptr, goready};
use crate::runtime2::{G, P, WaitReason};
use crate::sys_linux_amd64::nanotime;
use crate::tls::getg;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::ptr::null_mut;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU32};
use core::time::Duration;

/// The latest `when` (Go's `maxWhen`).
pub const MAX_WHEN: i64 = i64::MAX;

/// A runtime timer (Go's runtime `timer`): at `when`, and every `period` after if nonzero, runs
/// `f(arg, seq)` on the M that finds it due. `pp` and `idx` say where it is while it is in a heap;
/// they, `when` and `period` are guarded by that P's timers lock.
#[repr(C)]
pub struct RawTimer {
    pp: AtomicPtr<P>,
    idx: usize,
    pub when: i64,
    pub period: i64,
    pub f: Option<fn(usize, usize)>,
    pub arg: usize,
    pub seq: usize,
    /// What time::sleep will set `when` to once the goroutine is parked (Go's `nextwhen`).
    nextwhen: i64,
    /// Set while `f` runs with the lock released, so that whoever frees the timer waits for it.
    running: AtomicBool,
    /// Frees a timer nobody holds a handle to once it has fired for good (time::after).
    free: Option<unsafe fn(*mut RawTimer)>,
}

impl RawTimer {
    pub const fn new() -> RawTimer {
        RawTimer {
            pp: AtomicPtr::new(null_mut()),
            idx: 0,
            when: 0,
            period: 0,
            f: None,
            arg: 0,
            seq: 0,
            nextwhen: 0,
            running: AtomicBool::new(false),
            free: None,
        }
    }
}

/// A P's timers (Go's `p.timersLock`, `p.timers`, `p.timer0When`).
pub struct Timers {
    lock: Mutex,
    heap: UnsafeCell<Vec<*mut RawTimer>>,
    /// The earliest `when` in the heap, 0 if empty; written under the lock, read without it.
    timer0when: AtomicI64,
}

impl Timers {
    pub const fn new() -> Timers {
        Timers { lock: Mutex::new(), heap: UnsafeCell::new(Vec::new()), timer0when: AtomicI64::new(0) }
    }

    /// The heap. The caller holds `self.lock` and keeps no other reference to it.
    #[allow(clippy::mut_from_ref)]
    #[inline(always)]
    unsafe fn heap(&self) -> &mut Vec<*mut RawTimer> {
        // SAFETY: the caller holds the lock, which makes this the only reference.
        unsafe { &mut *self.heap.get() }
    }

    /// The earliest pending `when`, 0 if none.
    pub fn next(&self) -> i64 {
        self.timer0when.load(Acquire)
    }

    /// Timers in the heap (racy without the lock: for reports).
    pub fn len(&self) -> usize {
        // SAFETY: only the length is read, for a report.
        unsafe { (*self.heap.get()).len() }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn update_timer0when(&self, h: &[*mut RawTimer]) {
        // SAFETY: h[0] is a timer in the heap, guarded by the lock the caller holds.
        let w = if h.is_empty() { 0 } else { unsafe { (*h[0]).when } };
        self.timer0when.store(w, Release);
    }
}

// The heap is touched only with `lock` held;
// SAFETY: the other fields are a mutex and an atomic.
unsafe impl Sync for Timers {}

/// siftupTimer: moves h[i] up to its place in the 4-ary heap, keeping each timer's `idx`.
///
/// # Safety
/// The heap's lock is held and every entry is a live timer.
unsafe fn siftup(h: &mut [*mut RawTimer], mut i: usize) {
    // SAFETY: the caller's lock guards every timer in h.
    unsafe {
        let t = h[i];
        let when = (*t).when;
        if when <= 0 {
            throw("timer when must be positive");
        }
        while i > 0 {
            let p = (i - 1) / 4; // parent
            if when >= (*h[p]).when {
                break;
            }
            h[i] = h[p];
            (*h[i]).idx = i;
            i = p;
        }
        h[i] = t;
        (*t).idx = i;
    }
}

/// siftdownTimer: moves h[i] down to its place in the 4-ary heap.
///
/// # Safety
/// As for [`siftup`].
unsafe fn siftdown(h: &mut [*mut RawTimer], mut i: usize) {
    let n = h.len();
    // SAFETY: the caller's lock guards every timer in h.
    unsafe {
        let t = h[i];
        let when = (*t).when;
        loop {
            let c = i * 4 + 1; // left child
            let c3 = c + 2; // mid child
            if c >= n {
                break;
            }
            let mut w = (*h[c]).when;
            let mut c = c;
            if c + 1 < n && (*h[c + 1]).when < w {
                w = (*h[c + 1]).when;
                c += 1;
            }
            if c3 < n {
                let mut w3 = (*h[c3]).when;
                let mut c3 = c3;
                if c3 + 1 < n && (*h[c3 + 1]).when < w3 {
                    w3 = (*h[c3 + 1]).when;
                    c3 += 1;
                }
                if w3 < w {
                    w = w3;
                    c = c3;
                }
            }
            if w >= when {
                break;
            }
            h[i] = h[c];
            (*h[i]).idx = i;
            i = c;
        }
        h[i] = t;
        (*t).idx = i;
    }
}

/// Removes h[i], keeping the heap ordered (Go's `dodeltimer`).
///
/// # Safety
/// As for [`siftup`].
unsafe fn heap_remove(h: &mut Vec<*mut RawTimer>, i: usize) {
    let last = h.len() - 1;
    if i != last {
        h[i] = h[last];
        // SAFETY: as the caller guarantees.
        unsafe { (*h[i]).idx = i };
    }
    h.truncate(last);
    if i < last {
        // Moving to i may have moved the last timer to a new parent, so sift up to preserve the
        // heap guarantee, then down.
        // SAFETY: as the caller guarantees.
        unsafe {
            siftup(h, i);
            siftdown(h, i);
        }
    }
}

/// addtimer: puts `t` (in no heap) in the current P's heap.
pub(crate) fn addtimer(t: *mut RawTimer) {
    // SAFETY: the caller gives a live timer in no heap; nobody else can reach it through a heap.
    unsafe {
        if (*t).when <= 0 {
            throw("timer when must be positive");
        }
        if (*t).period < 0 {
            throw("timer period must be non-negative");
        }
    }
    let pp = curp_ptr();
    // SAFETY: the running M holds pp for the whole call (Ps are never freed).
    let ts = unsafe { &(*pp).timers };
    lock(&ts.lock);
    // SAFETY: the lock is held; t is live and joins this heap under it.
    let when = unsafe {
        let h = ts.heap();
        (*t).pp.store(pp, Relaxed);
        h.push(t);
        let last = h.len() - 1;
        siftup(h, last);
        ts.update_timer0when(h);
        (*t).when
    };
    unlock(&ts.lock);
    wake_netpoller(when);
}

/// deltimer: takes `t` out of whatever heap holds it. True if it was pending (it will not run).
pub(crate) fn deltimer(t: *mut RawTimer) -> bool {
    loop {
        // SAFETY: t is live (its owner is calling); pp is read atomically.
        let pp = unsafe { (*t).pp.load(Acquire) };
        if pp.is_null() {
            return false;
        }
        // SAFETY: Ps are never freed.
        let ts = unsafe { &(*pp).timers };
        lock(&ts.lock);
        // SAFETY: the lock is held; t's heap fields are guarded by it.
        unsafe {
            if (*t).pp.load(Relaxed) != pp {
                // It fired or moved meanwhile: look again.
                unlock(&ts.lock);
                continue;
            }
            let h = ts.heap();
            heap_remove(h, (*t).idx);
            (*t).pp.store(null_mut(), Relaxed);
            ts.update_timer0when(h);
        }
        unlock(&ts.lock);
        return true;
    }
}

/// modtimer: changes when (and what) `t` runs, starting it if it was not pending. True if it was
/// pending.
pub(crate) fn modtimer(t: *mut RawTimer, when: i64, period: i64, f: fn(usize, usize), arg: usize, seq: usize) -> bool {
    let pending = deltimer(t);
    // SAFETY: t is live and in no heap now; only its owner (the caller) touches it.
    unsafe {
        (*t).when = if when < 0 { MAX_WHEN } else { when };
        (*t).period = period;
        (*t).f = Some(f);
        (*t).arg = arg;
        (*t).seq = seq;
    }
    addtimer(t);
    pending
}

/// resettimer: `t` runs at `when` instead. True if it was pending.
pub(crate) fn resettimer(t: *mut RawTimer, when: i64) -> bool {
    // SAFETY: t is live; its owner calls.
    let (period, f, arg, seq) = unsafe { ((*t).period, (*t).f, (*t).arg, (*t).seq) };
    let Some(f) = f else { throw("resettimer of a timer without a function") };
    modtimer(t, when, period, f, arg, seq)
}

/// checkTimers: runs the current P's due timers. `now` is 0 or a fresh nanotime. Returns the
/// time used and the next pending `when` (0 if none).
#[inline]
pub(crate) fn check_timers(pp: *mut P, now: i64) -> (i64, i64) {
    // SAFETY: the running M holds pp; Ps are never freed.
    let ts = unsafe { &(*pp).timers };
    let next = ts.next();
    if next == 0 {
        // No timers to run or adjust.
        return (now, 0);
    }
    let now = if now == 0 { nanotime() as i64 } else { now };
    if now < next {
        return (now, next);
    }
    run_timers(ts, now);
    (now, ts.next())
}

/// runtimer/runOneTimer for every timer due at `now`.
#[inline(never)]
fn run_timers(ts: &Timers, now: i64) {
    lock(&ts.lock);
    loop {
        // SAFETY: the lock is held (it is dropped only around f, and the heap re-read after).
        let (f, arg, seq, t) = unsafe {
            let h = ts.heap();
            let Some(&t) = h.first() else { break };
            if (*t).when > now {
                break;
            }
            if (*t).period > 0 {
                // Leave in heap but adjust next time to fire.
                let delta = (*t).when - now;
                let mut w = (*t).when.wrapping_add((*t).period.wrapping_mul(1 + -delta / (*t).period));
                if w < 0 {
                    w = MAX_WHEN; // check for overflow
                }
                (*t).when = w;
                siftdown(h, 0);
            } else {
                // Remove from heap.
                heap_remove(h, 0);
                (*t).pp.store(null_mut(), Relaxed);
            }
            ts.update_timer0when(h);
            (*t).running.store(true, Relaxed);
            ((*t).f, (*t).arg, (*t).seq, t)
        };
        unlock(&ts.lock);
        if let Some(f) = f {
            f(arg, seq);
        }
        // SAFETY: t is live: whoever frees it waits for `running` to clear first.
        unsafe {
            let free = if (*t).pp.load(Relaxed).is_null() && (*t).period == 0 { (*t).free } else { None };
            (*t).running.store(false, Release);
            if let Some(free) = free {
                free(t);
            }
        }
        lock(&ts.lock);
    }
    unlock(&ts.lock);
}

/// Whether any P has a timer pending (checkdead's question).
pub(crate) fn any_timers() -> bool {
    crate::proc::allp().iter().any(|&p| {
        // SAFETY: Ps are never freed; timer0when is an atomic.
        !p.is_null() && unsafe { (*p).timers.next() } != 0
    })
}

/// The earliest `when` over every P's timers, 0 if none (Go's checkTimersNoP, for an M that
/// has given its P up).
pub(crate) fn earliest_timer() -> i64 {
    crate::proc::allp()
        .iter()
        .filter(|p| !p.is_null())
        // SAFETY: Ps are never freed; timer0when is an atomic.
        .map(|&p| unsafe { (*p).timers.next() })
        .filter(|&w| w != 0)
        .min()
        .unwrap_or(0)
}

/// Set while an M sleeps, or is about to, until the earliest timer (Go's `sched.lastpoll == 0`):
/// at most one does.
static POLLING: AtomicBool = AtomicBool::new(false);
/// The futex word the polling M waits on: 0 while it sleeps, 1 once woken.
static POLL_WORD: AtomicU32 = AtomicU32::new(0);
/// When the polling M will wake on its own (0: not yet known, or no M sleeps).
static POLL_UNTIL: AtomicI64 = AtomicI64::new(0);

/// Makes the calling M the one that sleeps until the earliest timer; false if another M is.
pub(crate) fn become_poller() -> bool {
    !POLLING.swap(true, SeqCst)
}

/// Whether an M sleeps (or is about to) until the earliest timer.
pub(crate) fn poller_waiting() -> bool {
    POLLING.load(SeqCst)
}

/// findRunnable's blocking wait, by the M that [`become_poller`] chose, holding no P: sleep
/// until `until` (a nanotime) or until woken early by a timer added for an earlier time
/// ([`wake_netpoller`]). Go's `netpoll(delay)` for a program without descriptors.
pub(crate) fn netpoll_sleep(until: i64, now: i64) {
    POLL_WORD.store(0, SeqCst);
    POLL_UNTIL.store(until, SeqCst);
    // A timer added before POLL_UNTIL was published found no deadline to compare with: look at
    // the timers again (its adder stores timer0when, then reads POLL_UNTIL; both SeqCst, so one
    // of us sees the other).
    let until = match earliest_timer() {
        0 => until,
        w => w.min(until),
    };
    let mut ns = until - now;
    while ns > 0 && POLL_WORD.load(SeqCst) == 0 {
        crate::os_linux::futexsleep(&POLL_WORD, 0, ns);
        ns = until - nanotime() as i64;
    }
    POLL_UNTIL.store(0, SeqCst);
    POLLING.store(false, SeqCst);
}

/// wakeNetPoller: a timer at `when` was added. If an M sleeps past it, wake it; if none sleeps,
/// wake an idle P (wakep) so that one comes to look after the timer.
#[inline]
pub(crate) fn wake_netpoller(when: i64) {
    if !POLLING.load(SeqCst) {
        crate::procm::wakep();
        return;
    }
    let until = POLL_UNTIL.load(SeqCst);
    if until == 0 || when >= until {
        return;
    }
    if POLL_UNTIL.compare_exchange(until, 0, SeqCst, SeqCst).is_ok() {
        POLL_WORD.store(1, SeqCst);
        crate::os_linux::futexwakeup(&POLL_WORD, 1);
    }
}

/// goroutineReady: the function of time::sleep's timer.
fn goroutine_ready(arg: usize, _seq: usize) {
    goready(arg as *mut G);
}

/// resetForSleep: gopark's callback for time::sleep, on g0 once the goroutine is parked, so that
/// the timer cannot ready it before it stops running.
fn reset_for_sleep(_gp: *mut G, t: *mut u8) -> bool {
    let t = t as *mut RawTimer;
    // SAFETY: t is the parked goroutine's own timer.
    resettimer(t, unsafe { (*t).nextwhen });
    true
}

/// timeSleep / time.Sleep: the goroutine sleeps at least `d` (returns at once for 0).
pub fn sleep(d: Duration) {
    let ns = d.as_nanos().min(i64::MAX as u128) as i64;
    if ns <= 0 {
        return;
    }
    let gp = getg();
    // SAFETY: gp is the running goroutine; its timer is its own.
    let t = unsafe {
        if (*gp).timer.is_null() {
            (*gp).timer = Box::into_raw(Box::new(RawTimer::new()));
        }
        let t = (*gp).timer;
        (*t).f = Some(goroutine_ready);
        (*t).arg = gp as usize;
        (*t).period = 0;
        let mut w = nanotime() as i64 + ns;
        if w < 0 {
            w = MAX_WHEN;
        }
        (*t).nextwhen = w;
        t
    };
    crate::proc::gopark(Some(reset_for_sleep), t as *mut u8, WaitReason::Sleep);
}

/// A reading of the monotonic clock (the nanotime a timer's channel carries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(i64);

impl Instant {
    pub fn now() -> Instant {
        Instant(nanotime() as i64)
    }
    /// Nanoseconds on CLOCK_MONOTONIC.
    pub fn nanos(self) -> i64 {
        self.0
    }
    /// Time since this reading.
    pub fn elapsed(self) -> Duration {
        Duration::from_nanos((nanotime() as i64 - self.0).max(0) as u64)
    }
}

/// when(d): the nanotime `d` from now, saturating (time/sleep.go `when`).
fn when(d: Duration) -> i64 {
    let ns = d.as_nanos().min(i64::MAX as u128) as i64;
    let now = nanotime() as i64;
    if ns <= 0 {
        return now;
    }
    let t = now.wrapping_add(ns);
    if t < 0 { MAX_WHEN } else { t }
}

/// The heap object behind a Timer, Ticker or AfterFunc: the runtime timer and what its function
/// uses (time/sleep.go's `runtimeTimer` inside `Timer`).
#[repr(C)]
struct Cell {
    raw: RawTimer,
    c: Chan<Instant>,
    func: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// sendTime: a non-blocking send of the current time on the timer's channel.
fn send_time(arg: usize, _seq: usize) {
    // SAFETY: arg is the Cell of a live timer (its owner waits for `running` before freeing it).
    let cell = unsafe { &*(arg as *const Cell) };
    let _ = cell.c.try_send(Instant::now());
}

/// goFunc: AfterFunc's function starts `f` in its own goroutine.
fn go_func(arg: usize, _seq: usize) {
    // SAFETY: as in send_time.
    let cell = unsafe { &*(arg as *const Cell) };
    if let Some(f) = &cell.func {
        let f = f.clone();
        crate::go(move || f());
    }
}

/// Frees a detached Cell once its timer has fired (time::after).
unsafe fn free_cell(t: *mut RawTimer) {
    // SAFETY: the caller (run_timers) passes a fired, detached Cell nobody else refers to.
    drop(unsafe { Box::from_raw(t as *mut Cell) });
}

fn new_cell(c: Chan<Instant>, func: Option<Arc<dyn Fn() + Send + Sync>>) -> *mut Cell {
    let cell = Box::into_raw(Box::new(Cell { raw: RawTimer::new(), c, func }));
    // SAFETY: cell was just allocated and is ours.
    unsafe { (*cell).raw.arg = cell as usize };
    cell
}

/// Stops the timer, waits until its function is not running, and frees the Cell.
fn drop_cell(cell: *mut Cell) {
    deltimer(cell as *mut RawTimer);
    // SAFETY: cell is the caller's; run_timers clears `running` after its last touch.
    unsafe {
        while (*cell).raw.running.load(Acquire) {
            crate::sys_linux_amd64::osyield();
        }
        drop(Box::from_raw(cell));
    }
}

/// A single event (Go's time.Timer): at expiry the current time is sent on `c` (buffer 1), or,
/// for [`after_func`], the function runs in its own goroutine. Dropping a Timer stops it.
pub struct Timer {
    pub c: Chan<Instant>,
    cell: *mut Cell,
}

impl Timer {
    /// NewTimer: fires once after `d`.
    pub fn new(d: Duration) -> Timer {
        let c = Chan::new(1);
        let cell = new_cell(c.clone(), None);
        modtimer(cell as *mut RawTimer, when(d), 0, send_time, cell as usize, 0);
        Timer { c, cell }
    }

    /// Stop: true if the call stops the timer, false if it had already expired or been stopped.
    /// The channel is not drained.
    pub fn stop(&self) -> bool {
        deltimer(self.cell as *mut RawTimer)
    }

    /// Reset: the timer fires after `d` from now; true if it had been active.
    pub fn reset(&self, d: Duration) -> bool {
        resettimer(self.cell as *mut RawTimer, when(d))
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        drop_cell(self.cell);
    }
}

/// After: a channel that receives the time once, after `d` (the timer frees itself once fired).
pub fn after(d: Duration) -> Chan<Instant> {
    let c = Chan::new(1);
    let cell = new_cell(c.clone(), None);
    // SAFETY: cell is ours until it joins a heap below.
    unsafe { (*cell).raw.free = Some(free_cell) };
    modtimer(cell as *mut RawTimer, when(d), 0, send_time, cell as usize, 0);
    c
}

/// AfterFunc: after `d`, runs `f` in its own goroutine; the Timer's `c` is the nil channel.
pub fn after_func(d: Duration, f: impl Fn() + Send + Sync + 'static) -> Timer {
    let cell = new_cell(Chan::nil(), Some(Arc::new(f)));
    modtimer(cell as *mut RawTimer, when(d), 0, go_func, cell as usize, 0);
    Timer { c: Chan::nil(), cell }
}

/// A clock that sends the time on `c` every period (Go's time.Ticker). Ticks a slow receiver
/// misses are dropped (the channel's buffer is 1). Dropping a Ticker stops it.
pub struct Ticker {
    pub c: Chan<Instant>,
    cell: *mut Cell,
}

impl Ticker {
    /// NewTicker: panics with Go's text for a zero period.
    #[track_caller]
    pub fn new(d: Duration) -> Ticker {
        if d.is_zero() {
            panic!("non-positive interval for NewTicker");
        }
        let c = Chan::new(1);
        let cell = new_cell(c.clone(), None);
        let period = d.as_nanos().min(i64::MAX as u128) as i64;
        modtimer(cell as *mut RawTimer, when(d), period, send_time, cell as usize, 0);
        Ticker { c, cell }
    }

    /// Stop: no more ticks (the channel is not closed).
    pub fn stop(&self) {
        deltimer(self.cell as *mut RawTimer);
    }

    /// Reset: stops the ticker and restarts it with period `d`.
    #[track_caller]
    pub fn reset(&self, d: Duration) {
        if d.is_zero() {
            panic!("non-positive interval for Ticker.Reset");
        }
        let period = d.as_nanos().min(i64::MAX as u128) as i64;
        modtimer(self.cell as *mut RawTimer, when(d), period, send_time, self.cell as usize, 0);
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        drop_cell(self.cell);
    }
}

/// Tick: a ticker's channel, for programs that never stop it (as in Go, it is never freed).
/// None for a zero period (Go returns nil).
pub fn tick(d: Duration) -> Option<Chan<Instant>> {
    if d.is_zero() {
        return None;
    }
    let t = core::mem::ManuallyDrop::new(Ticker::new(d));
    Some(t.c.clone())
}

#[cfg(test)]
mod tests;
