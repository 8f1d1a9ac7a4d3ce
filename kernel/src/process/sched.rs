//! Threads of the process and the scheduler that shares the CPU among them (Linux
//! kernel/sched/core.c `__schedule`, kernel/futex, kernel/time/hrtimer.c, much reduced):
//! round-robin over runnable threads with a 10 ms slice enforced by the local APIC timer in
//! one-shot mode, blocking for futexes and sleeps with deadlines, and `hlt` when nobody can run.
//!
//! The kernel runs with interrupts off, so the scheduler state is only ever touched by one
//! path at a time; the lock is never held across a stack switch.
use crate::arch::fpu::{self, FxArea};
use crate::arch::switch::{prepare_stack, switch};
use crate::arch::{TrapFrame, apic, percpu};
use crate::process::signal::{AltStack, NO_ALTSTACK};
use crate::syscall::time::monotonic_ns;
use alloc::alloc::{Layout, alloc};
use alloc::boxed::Box;
use alloc::vec::Vec;
use spin::Mutex;
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{FsBase, KernelGsBase};

/// Kernel stack per thread: syscalls and exceptions from ring 3 run on it.
pub const KERNEL_STACK_SIZE: usize = 64 * 1024;
/// How long a thread runs before the timer hands the CPU to the next runnable one (Go's
/// forcePreemptNS is the same 10 ms).
pub const TIME_SLICE_NS: u64 = 10_000_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Runnable,
    /// Blocked until `until` (monotonic ns) and/or a futex wake on `futex`.
    Blocked {
        futex: Option<u64>,
        until: Option<u64>,
    },
    Dead,
}

/// Why a blocked thread runs again.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Wake {
    Woken,
    TimedOut,
}

pub struct Thread {
    pub tid: u32,
    kstack: *mut u8,
    ksp: u64,
    fs_base: u64,
    gs_base: u64,
    fx: FxArea,
    pub state: State,
    pub wake: Wake,
    pub clear_child_tid: u64,
    /// Blocked signals and the alternate signal stack are per thread, as in Linux.
    pub sigmask: u64,
    pub altstack: AltStack,
}

// SAFETY: a Thread's raw kernel-stack pointer is owned by it alone; there is one CPU.
unsafe impl Send for Thread {}

impl Thread {
    fn new(tid: u32) -> Box<Thread> {
        let layout = Layout::from_size_align(KERNEL_STACK_SIZE, 16).unwrap();
        // SAFETY: non-zero size; a null result is handled. The stack needs no zeroing: it is only
        // ever read after being written (frames, saved registers).
        let kstack = unsafe { alloc(layout) };
        assert!(!kstack.is_null(), "out of kernel heap for a thread stack");
        Box::new(Thread {
            tid,
            kstack,
            ksp: 0,
            fs_base: 0,
            gs_base: 0,
            fx: fpu::save(),
            state: State::Runnable,
            wake: Wake::Woken,
            clear_child_tid: 0,
            sigmask: 0,
            altstack: NO_ALTSTACK,
        })
    }

    fn kstack_top(&self) -> u64 {
        self.kstack as u64 + KERNEL_STACK_SIZE as u64
    }
}

struct Sched {
    /// Boxed so that a thread's saved stack pointer keeps its address while the vector grows.
    #[allow(clippy::vec_box)]
    threads: Vec<Box<Thread>>,
    current: usize,
    next_tid: u32,
    slice_end: u64,
}

static SCHED: Mutex<Sched> = Mutex::new(Sched { threads: Vec::new(), current: 0, next_tid: 0, slice_end: 0 });

/// Creates the main thread (tid = pid) and returns the top of its kernel stack.
pub fn init_main(tid: u32) -> u64 {
    let t = Thread::new(tid);
    let top = t.kstack_top();
    let mut s = SCHED.lock();
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

/// Adds a thread that will enter ring 3 with `frame` (FS base `fs`); returns its tid.
pub fn spawn(frame: TrapFrame, fs: u64, clear_child_tid: u64) -> u32 {
    let mut s = SCHED.lock();
    let tid = s.next_tid;
    s.next_tid += 1;
    let parent_mask = s.threads[s.current].sigmask;
    let mut t = Thread::new(tid);
    // The new thread inherits the blocked mask; its alternate stack starts disabled (Linux
    // resets it for CLONE_VM children).
    t.sigmask = parent_mask;
    t.fs_base = fs;
    t.gs_base = KernelGsBase::read().as_u64();
    t.clear_child_tid = clear_child_tid;
    // SAFETY: the stack was just allocated for this thread and is unused.
    t.ksp = unsafe { prepare_stack(t.kstack_top(), frame) };
    s.threads.push(t);
    rearm(&s);
    tid
}

/// A thread became runnable: make sure the running one's slice is enforced.
fn rearm(s: &Sched) {
    let now = monotonic_ns();
    arm(s.runnable(), s.slice_end.max(now), s.earliest_deadline(), now);
}

impl Sched {
    fn runnable(&self) -> usize {
        self.threads.iter().filter(|t| t.state == State::Runnable).count()
    }

    /// The first deadline among blocked threads.
    fn earliest_deadline(&self) -> Option<u64> {
        self.threads
            .iter()
            .filter_map(|t| match t.state {
                State::Blocked { until, .. } => until,
                _ => None,
            })
            .min()
    }
}

/// Wakes up to `n` threads blocked on the futex word at `addr`; returns how many.
pub fn futex_wake(addr: u64, n: u64) -> u64 {
    let mut s = SCHED.lock();
    let mut woken = 0;
    for t in s.threads.iter_mut() {
        if woken == n {
            break;
        }
        if let State::Blocked { futex: Some(a), .. } = t.state
            && a == addr
        {
            t.state = State::Runnable;
            t.wake = Wake::Woken;
            woken += 1;
        }
    }
    if woken > 0 {
        rearm(&s);
    }
    woken
}

/// Blocks the running thread (futex and/or deadline) and returns why it runs again.
pub fn block(futex: Option<u64>, until: Option<u64>) -> Wake {
    with_current(|t| t.state = State::Blocked { futex, until });
    schedule();
    with_current(|t| t.wake)
}

/// Ends the running thread. Never returns; the caller has already handled clear_child_tid.
pub fn exit_current() -> ! {
    with_current(|t| t.state = State::Dead);
    schedule();
    unreachable!("a dead thread was scheduled")
}

/// The timer fired. In ring 3 that ends the slice: the next runnable thread gets the CPU.
/// In the kernel (the idle loop) there is nothing to do: the idle loop re-checks.
pub fn timer_interrupt(frame: &mut TrapFrame) {
    if frame.came_from_user() {
        schedule();
    }
}

/// Picks the next thread to run and switches to it (or idles until one is runnable).
pub fn schedule() {
    loop {
        let now = monotonic_ns();
        let mut s = SCHED.lock();
        // Deadlines that passed wake their threads; dead threads other than us are freed.
        for t in s.threads.iter_mut() {
            if let State::Blocked { until: Some(d), .. } = t.state
                && d <= now
            {
                t.state = State::Runnable;
                t.wake = Wake::TimedOut;
            }
        }
        let cur_tid = s.threads[s.current].tid;
        s.threads.retain(|t| t.state != State::Dead || t.tid == cur_tid);
        s.current = s.threads.iter().position(|t| t.tid == cur_tid).unwrap();
        let n = s.threads.len();
        let next = (1..=n).map(|k| (s.current + k) % n).find(|&i| s.threads[i].state == State::Runnable);
        let earliest = s.earliest_deadline();
        let Some(next) = next else {
            drop(s);
            idle(earliest.map(|d| d.saturating_sub(now)));
            continue;
        };
        let runnable = s.runnable();
        if next == s.current {
            // Keep running; the timer only matters for sleepers or a later competitor.
            if s.slice_end <= now {
                s.slice_end = now + TIME_SLICE_NS;
            }
            arm(runnable, s.slice_end, earliest, now);
            return;
        }
        s.slice_end = now + TIME_SLICE_NS;
        arm(runnable, s.slice_end, earliest, now);
        let cur = s.current;
        // The outgoing thread's user state that lives in the CPU: FPU/SSE, FS and GS bases.
        {
            let t = &mut s.threads[cur];
            t.fx = fpu::save();
            t.fs_base = FsBase::read().as_u64();
            t.gs_base = KernelGsBase::read().as_u64();
        }
        let from = &mut s.threads[cur].ksp as *mut u64;
        let t = &mut s.threads[next];
        fpu::restore(&mut t.fx);
        FsBase::write(VirtAddr::new(t.fs_base));
        KernelGsBase::write(VirtAddr::new(t.gs_base));
        percpu::set_kernel_stack(t.kstack_top());
        let to = t.ksp;
        s.current = next;
        drop(s);
        // SAFETY: `to` was saved by switch or prepared by prepare_stack on a live thread's
        // stack; `from` points into a boxed Thread that outlives the switch (dead threads are
        // only freed once another thread runs).
        unsafe { switch(from, to) };
        return;
    }
}

/// Arms the timer for the end of the slice (if another thread competes) or the earliest
/// sleeper, whichever is first.
fn arm(runnable: usize, slice_end: u64, earliest: Option<u64>, now: u64) {
    let slice = (runnable > 1).then_some(slice_end);
    if let Some(d) = [slice, earliest].into_iter().flatten().min() {
        apic::arm(d.saturating_sub(now).max(1_000));
    }
}

/// Nothing can run: sleep in `hlt` until an interrupt (the timer, armed for the first
/// deadline) arrives.
fn idle(wait_ns: Option<u64>) {
    match wait_ns {
        Some(ns) => apic::arm(ns.max(1_000)),
        // Every thread waits on a futex with no deadline: nothing in this kernel can wake
        // them (no signals from outside yet), so the process hangs, as it would on Linux.
        None => log::warn!("sched: every thread is blocked with no deadline"),
    }
    x86_64::instructions::interrupts::enable_and_hlt();
    x86_64::instructions::interrupts::disable();
}
