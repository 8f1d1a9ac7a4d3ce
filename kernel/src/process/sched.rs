//! The scheduler that shares the CPU among the process's threads (Linux kernel/sched/core.c
//! `__schedule`, much reduced): round-robin over runnable threads with a 10 ms slice enforced by
//! the local APIC timer in one-shot mode, blocking with deadlines, and `hlt` when nobody can run.
//!
//! The lock is held across a context switch, as Linux holds the runqueue lock through
//! `context_switch`: the switching thread saves its state with the lock held and the thread it
//! switches to releases it (in [`schedule`] after `switch` returns, or in [`schedule_tail`] on a
//! new thread's first run). So no other path can see a thread whose registers are half saved.
//!
//! Lock order (outermost first): futex bucket → process → scheduler → kernel-stack slots →
//! page tables → frames → heap. The kernel runs with interrupts off, so no interrupt handler
//! can contend for any of them on this CPU.
use super::signal::{PendingSet, Sender};
use super::thread::{KernelStack, State, Thread, Wake};
use crate::arch::fpu;
use crate::arch::switch::{prepare_stack, switch};
use crate::arch::{TrapFrame, apic, percpu};
use crate::time::monotonic_ns;
use abi::signal::{Sigset, UNBLOCKABLE, sigmask};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use spin::Mutex;
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{FsBase, KernelGsBase};

/// How long a thread runs before the timer hands the CPU to the next runnable one (Go's
/// forcePreemptNS is the same 10 ms).
pub const TIME_SLICE_NS: u64 = 10_000_000;

struct Sched {
    /// Boxed so that a thread's saved stack pointer keeps its address while the vector grows.
    #[allow(clippy::vec_box)]
    threads: Vec<Box<Thread>>,
    current: usize,
    next_tid: u32,
    slice_end: u64,
    /// The process's pending set (Linux's `signal->shared_pending`), beside its threads under
    /// one lock, so that queuing a process-directed signal and choosing the thread to take it
    /// are one step.
    shared: PendingSet,
}

static SCHED: Mutex<Sched> =
    Mutex::new(Sched { threads: Vec::new(), current: 0, next_tid: 0, slice_end: 0, shared: PendingSet::new() });
/// A thread died: the next switch's far side reaps it (its stack is then no longer in use).
static REAP: AtomicBool = AtomicBool::new(false);

/// Creates the main thread (tid = pid) on the boot stack whose top is `boot_stack_top`, and
/// returns that top.
pub fn init_main(tid: u32, boot_stack_top: u64) -> u64 {
    let t = Box::new(Thread::with_stack(tid, KernelStack::boot(boot_stack_top)));
    let top = t.kstack.top();
    let mut s = SCHED.lock();
    percpu::this().current.store(&*t as *const Thread as *mut (), Ordering::Relaxed);
    s.threads.push(t);
    s.current = 0;
    s.next_tid = tid + 1;
    s.slice_end = monotonic_ns() + TIME_SLICE_NS;
    top
}

/// The running thread's id.
pub fn current_tid() -> u32 {
    let s = SCHED.lock();
    s.threads[s.current].tid
}

/// Runs `f` on the running thread.
pub fn with_current<R>(f: impl FnOnce(&mut Thread) -> R) -> R {
    let mut s = SCHED.lock();
    let i = s.current;
    f(&mut s.threads[i])
}

/// Number of threads that have not exited.
pub fn live_threads() -> usize {
    SCHED.lock().threads.iter().filter(|t| t.state != State::Dead).count()
}

/// Adds a thread that will enter ring 3 with `frame` (FS base `fs`); returns its tid, or None
/// when no kernel stack can be had.
pub fn spawn(frame: TrapFrame, fs: u64, clear_child_tid: u64) -> Option<u32> {
    let mut t = Box::new(Thread::new(0)?);
    let mut s = SCHED.lock();
    let tid = s.next_tid;
    s.next_tid += 1;
    t.tid = tid;
    // The new thread inherits the blocked mask; its alternate stack starts disabled (Linux
    // resets it for CLONE_VM children).
    t.sigmask = s.threads[s.current].sigmask;
    t.fs_base = fs;
    t.gs_base = KernelGsBase::read().as_u64();
    t.clear_child_tid = clear_child_tid;
    // SAFETY: the stack was just set up for this thread and is unused.
    t.ksp = unsafe { prepare_stack(t.kstack.top(), frame) };
    s.threads.push(t);
    rearm(&s);
    Some(tid)
}

/// A thread became runnable: make sure the running one's slice is enforced.
fn rearm(s: &Sched) {
    let now = monotonic_ns();
    let (runnable, earliest) = s.census();
    arm(runnable, s.slice_end.max(now), earliest, now);
}

impl Sched {
    /// In one pass: how many threads are runnable, and the first deadline among blocked ones.
    fn census(&self) -> (usize, Option<u64>) {
        let mut runnable = 0;
        let mut earliest: Option<u64> = None;
        for t in &self.threads {
            match t.state {
                State::Runnable => runnable += 1,
                State::Blocked { until: Some(d) } => earliest = Some(earliest.map_or(d, |e| e.min(d))),
                _ => {}
            }
        }
        (runnable, earliest)
    }
}

/// Makes thread `tid` runnable if it is blocked (a futex wake-up); returns whether it was.
pub fn wake(tid: u32) -> bool {
    let mut s = SCHED.lock();
    let Some(t) = s.threads.iter_mut().find(|t| t.tid == tid) else { return false };
    if !matches!(t.state, State::Blocked { .. }) {
        return false;
    }
    t.state = State::Runnable;
    t.wake = Wake::Woken;
    rearm(&s);
    true
}

/// Queues signal `signo` from `from` for thread `tid` (`signo` 0: only checks that it exists);
/// false if there is no such thread. A signal whose action `discards` it is dropped unless the thread blocks it
/// (Linux's `sig_ignored`). A thread that can take it is told: the caller on its way back to
/// ring 3, a sleeping thread by waking it ([`Wake::Interrupted`]), a runnable one when it is
/// next switched in.
pub fn signal_thread(tid: u32, signo: i32, from: &Sender, discards: bool) -> bool {
    let mut s = SCHED.lock();
    let cur = s.current;
    let i = if s.threads[cur].tid == tid {
        cur // the common case: a thread signalling itself (abort, Go's preemption of itself)
    } else {
        match s.threads.iter().position(|t| t.tid == tid && t.state != State::Dead) {
            Some(i) => i,
            None => return false,
        }
    };
    if signo != 0 {
        let t = &mut s.threads[i];
        let blocked = t.sigmask & sigmask(signo) != 0;
        if (blocked || !discards) && t.pending.add(signo, *from) {
            notify(&mut s, i);
        }
    }
    true
}

/// A process-directed signal (kill): queued in the process's set and taken by the first thread
/// that does not block it, the caller preferred (Linux's `complete_signal`); while every thread
/// blocks it, it stays pending for the process.
pub fn signal_process(signo: i32, from: Sender, discards: bool) {
    let mut s = SCHED.lock();
    let bit = sigmask(signo);
    // Linux asks the leader (the main thread) whether it blocks the signal.
    let leader = s.threads.iter().find(|t| t.tid == super::PID).unwrap_or(&s.threads[s.current]);
    if (leader.sigmask & bit != 0 || !discards) && s.shared.add(signo, from) {
        wake_taker(&mut s, bit);
    }
}

/// Finds a live thread that does not block (one of) `bits`, the running one first, and tells it.
#[cold]
fn wake_taker(s: &mut Sched, bits: Sigset) {
    let (cur, n) = (s.current, s.threads.len());
    let taker =
        (0..n).map(|k| (cur + k) % n).find(|&i| s.threads[i].state != State::Dead && bits & !s.threads[i].sigmask != 0);
    if let Some(i) = taker {
        notify(s, i);
    }
}

/// Thread `i` has a signal it may take: make sure it takes it soon.
#[inline]
fn notify(s: &mut Sched, i: usize) {
    let (shared, is_current) = (s.shared.mask, i == s.current);
    let t = &mut s.threads[i];
    if !t.has_deliverable(shared) {
        return;
    }
    // A sleeper wakes, even the thread this CPU calls current while it idles (a signal from an
    // interrupt: Ctrl-C at the console); a running thread takes it on its way out.
    if matches!(t.state, State::Blocked { .. }) {
        t.state = State::Runnable;
        t.wake = Wake::Interrupted;
        rearm(s);
    } else if is_current {
        percpu::set_sigpending();
    }
}

/// Takes the running thread's next signal among `allowed` — its own first, then the
/// process's (Linux's `dequeue_signal`).
pub fn dequeue_signal(allowed: Sigset) -> Option<(i32, Sender)> {
    with_signals(|t, shared| super::signal::take(t, shared, allowed))
}

/// Runs `f` on the running thread and the process's pending set, under one hold of the lock.
#[inline]
pub fn with_signals<R>(f: impl FnOnce(&mut Thread, &mut PendingSet) -> R) -> R {
    let mut s = SCHED.lock();
    let s = &mut *s;
    f(&mut s.threads[s.current], &mut s.shared)
}

/// The robust-list head live thread `tid` registered (get_robust_list); None if no such thread.
pub fn robust_list_of(tid: u32) -> Option<u64> {
    SCHED.lock().threads.iter().find(|t| t.tid == tid && t.state != State::Dead).map(|t| t.robust_list)
}

/// Throws pending `signo` away, for the process and every thread (its action now ignores it).
pub fn flush_signal(signo: i32) {
    let mut s = SCHED.lock();
    let keep = !sigmask(signo);
    s.shared.mask &= keep;
    for t in s.threads.iter_mut() {
        t.pending.mask &= keep;
    }
}

/// The signals pending for the running thread or the process (rt_sigpending's raw set).
pub fn pending_signals() -> Sigset {
    let s = SCHED.lock();
    s.threads[s.current].pending.mask | s.shared.mask
}

/// Sets the running thread's blocked mask (SIGKILL and SIGSTOP stay unblocked). A pending
/// signal it unblocks is delivered on the way back to ring 3; a process signal it now blocks
/// goes to another thread that can take it (Linux's `retarget_shared_pending`).
pub fn set_sigmask(mask: Sigset) {
    set_mask(&mut SCHED.lock(), mask);
}

/// Replaces the running thread's mask for one call (rt_sigsuspend, ppoll, epoll_pwait), keeping
/// the old one aside to be put back once a signal is delivered or the call ends (Linux's
/// set_user_sigmask and saved_sigmask); returns the old mask.
pub fn set_sigmask_for_call(mask: Sigset) -> Sigset {
    let mut s = SCHED.lock();
    let cur = s.current;
    let old = s.threads[cur].sigmask;
    s.threads[cur].saved_sigmask = Some(old);
    set_mask(&mut s, mask);
    old
}

/// rt_sigreturn's end: the frame's mask back, and the interrupted call's restart record, if
/// any, void (Linux's restore_sigcontext resets restart_block).
pub fn sigreturn_mask(mask: Sigset) {
    let mut s = SCHED.lock();
    let cur = s.current;
    let t = &mut s.threads[cur];
    if t.restart.is_some() {
        t.restart = None;
    }
    set_mask(&mut s, mask);
}

#[inline]
fn set_mask(s: &mut Sched, mask: Sigset) {
    let shared = s.shared.mask;
    let cur = s.current;
    let t = &mut s.threads[cur];
    let newly_blocked = mask & !t.sigmask;
    t.sigmask = mask & !UNBLOCKABLE;
    if t.has_deliverable(shared) {
        percpu::set_sigpending();
    }
    if shared & newly_blocked != 0 {
        wake_taker(s, shared & newly_blocked);
    }
}

/// Marks the running thread blocked until a [`wake`] or `until` and returns its tid; it keeps
/// running until it calls [`schedule`]. Split from `schedule` so that a futex waiter can be
/// marked while its bucket is locked: a wake-up that comes between the two then finds it and is
/// not lost.
pub fn prepare_block(until: Option<u64>) -> u32 {
    with_current(|t| {
        t.state = State::Blocked { until };
        t.wake = Wake::Woken;
        t.tid
    })
}

/// [`prepare_block`] for a futex waiter queued on the word at `key`.
pub fn prepare_futex_block(until: Option<u64>, key: u64) -> u32 {
    with_current(|t| {
        t.state = State::Blocked { until };
        t.wake = Wake::Woken;
        t.futex_key = key;
        t.tid
    })
}

/// Where FUTEX_REQUEUE moved waiting thread `tid` (called under the futex bucket locks).
pub fn set_futex_key(tid: u32, key: u64) {
    if let Some(t) = SCHED.lock().threads.iter_mut().find(|t| t.tid == tid) {
        t.futex_key = key;
    }
}

/// Blocks the running thread until `until` (or a wake-up) and returns why it runs again.
pub fn block(until: Option<u64>) -> Wake {
    prepare_block(until);
    schedule()
}

/// Ends the running thread. Never returns; the caller has already handled clear_child_tid.
pub fn exit_current() -> ! {
    with_current(|t| t.state = State::Dead);
    REAP.store(true, Ordering::Relaxed);
    schedule();
    unreachable!("a dead thread was scheduled")
}

/// The timer fired: the running slice may be over; [`crate::entry`] reschedules on the way back
/// to ring 3. In the kernel (the idle loop) the idle loop re-checks by itself.
pub fn timer_tick(from_user: bool) {
    if from_user {
        percpu::set_need_resched();
    }
}

/// Picks the next thread to run and switches to it (or idles until one is runnable). Returns,
/// once this thread runs again, why it was last made runnable (its wake reason).
pub fn schedule() -> Wake {
    loop {
        let now = monotonic_ns();
        let mut s = SCHED.lock();
        // One pass: deadlines that passed wake their threads; count the runnable ones and find
        // the next deadline still ahead.
        let mut runnable = 0;
        let mut earliest: Option<u64> = None;
        let shared = s.shared.mask;
        for t in s.threads.iter_mut() {
            match t.state {
                // A sleeper that a signal reached while it was going to sleep.
                State::Blocked { .. } if t.has_deliverable(shared) => {
                    t.state = State::Runnable;
                    t.wake = Wake::Interrupted;
                    runnable += 1;
                }
                State::Blocked { until: Some(d) } if d <= now => {
                    t.state = State::Runnable;
                    t.wake = Wake::TimedOut;
                    runnable += 1;
                }
                State::Blocked { until: Some(d) } => earliest = Some(earliest.map_or(d, |e| e.min(d))),
                State::Runnable => runnable += 1,
                _ => {}
            }
        }
        let n = s.threads.len();
        let next = if runnable == 0 {
            None
        } else {
            (1..=n).map(|k| (s.current + k) % n).find(|&i| s.threads[i].state == State::Runnable)
        };
        let Some(next) = next else {
            drop(s);
            idle(earliest.map(|d| d.saturating_sub(now)));
            continue;
        };
        if next == s.current {
            // Keep running; the timer only matters for sleepers or a later competitor.
            if s.slice_end <= now {
                s.slice_end = now + TIME_SLICE_NS;
            }
            arm(runnable, s.slice_end, earliest, now);
            return s.threads[s.current].wake;
        }
        s.slice_end = now + TIME_SLICE_NS;
        arm(runnable, s.slice_end, earliest, now);
        let cur = s.current;
        // The outgoing thread's user state that lives in the CPU: FPU/SSE, FS and GS bases.
        {
            let t = &mut s.threads[cur];
            fpu::save_into(&mut t.fx);
            t.fs_base = FsBase::read().as_u64();
            t.gs_base = KernelGsBase::read().as_u64();
        }
        let from = &mut s.threads[cur].ksp as *mut u64;
        let t = &mut s.threads[next];
        fpu::restore(&mut t.fx);
        FsBase::write(VirtAddr::new(t.fs_base));
        KernelGsBase::write(VirtAddr::new(t.gs_base));
        percpu::set_kernel_stack(t.kstack.top());
        percpu::this().current.store(&mut **t as *mut Thread as *mut (), Ordering::Relaxed);
        if t.has_deliverable(shared) {
            percpu::set_sigpending(); // signals that arrived while it was switched out
        }
        let to = t.ksp;
        s.current = next;
        // The lock stays held across the switch; the far side releases it.
        core::mem::forget(s);
        // SAFETY: `to` was saved by switch or prepared by prepare_stack on a live thread's
        // stack; `from` points into a boxed Thread that stays alive at least until another
        // thread has run (dead threads are reaped on the far side of a switch, never the
        // running one).
        unsafe { switch(from, to) };
        return finish_switch();
    }
}

/// The far side of a switch: read the arriving thread's wake reason and release the lock the
/// switching thread held across the switch, then reap dead threads, whose stacks no CPU runs on
/// any more.
#[inline(always)]
fn finish_switch() -> Wake {
    let me = percpu::this().current.load(Ordering::Relaxed) as *const Thread;
    // `current` was set, under the lock this CPU still holds, to the thread now running here,
    // which is alive (it is running). The thread that switched here forgot its guard of SCHED
    // right before `switch`, so this CPU holds the lock on its behalf.
    // SAFETY: the lock makes the read race-free, and this CPU is the one to release it.
    let wake = unsafe {
        let wake = (*me).wake;
        SCHED.force_unlock();
        wake
    };
    if REAP.load(Ordering::Relaxed) && REAP.swap(false, Ordering::Relaxed) {
        let mut s = SCHED.lock();
        let cur_tid = s.threads[s.current].tid;
        s.threads.retain(|t| t.state != State::Dead || t.tid == cur_tid);
        s.current = s.threads.iter().position(|t| t.tid == cur_tid).expect("the running thread is listed");
        if s.threads[s.current].state == State::Dead {
            REAP.store(true, Ordering::Relaxed); // ourselves, on the way out: the next switch reaps
        }
    }
    wake
}

/// A new thread's first code after the switch to it (called by `arch::switch`'s thread start,
/// Linux's `schedule_tail` from `ret_from_fork`).
#[unsafe(no_mangle)]
pub extern "C" fn schedule_tail() {
    finish_switch();
}

/// Arms the timer for the end of the slice (if another thread competes) or the earliest
/// sleeper, whichever is first.
fn arm(runnable: usize, slice_end: u64, earliest: Option<u64>, now: u64) {
    let slice = (runnable > 1).then_some(slice_end);
    if let Some(d) = [slice, earliest].into_iter().flatten().min() {
        apic::arm(d.saturating_sub(now).max(1_000));
    }
}

/// Nothing can run: sleep in `hlt` until an interrupt arrives — the timer, armed for the first
/// deadline, or a device. With no deadline at all (every thread waits for console input, a
/// futex, a pipe…) only a device can end the wait: COM1's input wakes a reader and carries the
/// terminal's Ctrl-C. Not a hang by itself, so nothing is logged; the CPU executes nothing until
/// then.
fn idle(wait_ns: Option<u64>) {
    if let Some(ns) = wait_ns {
        apic::arm(ns.max(1_000));
    }
    x86_64::instructions::interrupts::enable_and_hlt();
    x86_64::instructions::interrupts::disable();
}
