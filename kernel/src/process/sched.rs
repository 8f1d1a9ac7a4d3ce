//! The scheduler that shares the CPUs among the threads of every process (Linux kernel/sched/core.c
//! `__schedule`, `try_to_wake_up` and `select_task_rq`, much reduced): per-CPU round-robin with a
//! 10 ms slice enforced by each CPU's local APIC timer in one-shot mode, blocking with
//! deadlines, wake-ups placed on idle CPUs, and `hlt` when a CPU has nothing to run.
//!
//! **Run queues.** Every thread names the CPU whose run queue it is on (`Thread::cpu`): CPU c's
//! queue is the runnable threads with `cpu == c` that no CPU is executing. A CPU picks from its
//! own queue in tid order after the thread it ran last (round-robin); with nothing of its own it
//! takes a queued thread from another CPU (an idle CPU pulls work); with more than one runnable
//! thread and an idle CPU somewhere it pushes one there. A sleeper stays on its CPU's queue,
//! whose timer ends its deadline.
//!
//! **Wake-ups** (Linux's `select_task_rq`): a woken or new thread goes to the CPU it last ran on
//! if that one is idle, else to any idle CPU it may run on, else back to its last CPU. A CPU
//! that gets a thread from another is told with the reschedule IPI: an idle one leaves `hlt` and
//! picks it, a busy one reschedules on its way back to ring 3 (the woken thread preempts it).
//! An idle CPU handed a thread counts as taken until it idles again (`Sched::claimed`, as
//! Linux's `available_idle_cpu` counts a pending wake-up): threads started one after another
//! go to as many idle CPUs, not all to the first one, which has not left `hlt` yet.
//! A thread still on a CPU (about to sleep, or the CPU idles on its stack) is woken in place.
//!
//! **Idling.** A CPU whose thread blocks or dies and that has nothing else idles on that
//! thread's stack, as the single-CPU kernel did; the thread stays `on_cpu` (no other CPU may
//! switch to it, it is not reaped) until this CPU switches away. Each CPU also has an idle
//! context of its own — an AP's boot stack, a stack made for the boot CPU — for the one case
//! where the running thread must leave and nothing replaces it (sched_setaffinity moved it).
//!
//! **The lock.** One lock, [`SCHED`], guards every thread's scheduling state and every queue:
//! a wake-up and a switch are each one critical section, so no wake-up is lost between CPUs.
//! It is held across a context switch, as Linux holds the runqueue lock through
//! `context_switch`: the switching CPU saves the outgoing thread with the lock held and the far
//! side releases it (in [`schedule`] after `switch` returns, or in [`schedule_tail`] on a new
//! thread's first run), so no CPU can switch to a thread whose registers are half saved. One
//! lock for all CPUs is the simple end of the trade (Linux has one per run queue); the queues
//! are already per CPU, so the lock is the part to split when more CPUs make it hot.
//!
//! Lock order (outermost first): futex bucket → task table → a process's state → an address
//! space → scheduler → kernel-stack slots → page tables → frames → heap. The kernel runs with interrupts off, so no interrupt or IPI
//! handler can contend for any of them on the CPU that holds one; IPIs are sent after the lock
//! is released, and nothing waits for another CPU while holding it.
use super::signal::DEFAULT_IGNORED;
use super::signal::{PendingSet, Sender};
use super::thread::{KernelStack, State, Thread, Wake};
use crate::arch::fpu;
use crate::arch::percpu::{self, MAX_CPUS, NEED_RESCHED, SIGNAL_WORK};
use crate::arch::switch::{prepare_kernel_stack, prepare_stack, switch};
use crate::arch::{TrapFrame, apic};
use crate::mm::tlb;
use crate::time::monotonic_ns;
use abi::signal::{Sigset, UNBLOCKABLE, sigmask};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{FsBase, KernelGsBase};

/// How long a thread runs before the timer hands its CPU to the next runnable one (Go's
/// forcePreemptNS is the same 10 ms).
pub const TIME_SLICE_NS: u64 = 10_000_000;

struct Sched {
    /// Every thread not yet reaped, in tid order. Each was made by `Box::into_raw` and is freed
    /// only by the reaper, under this lock; it is reached only through `&mut Sched`.
    threads: Vec<NonNull<Thread>>,
    next_tid: u32,
    /// Each live process's signal state, by pid (see [`Group`]).
    groups: Vec<Group>,
    /// Per CPU: when the running thread's slice ends, and the deadline its timer is armed for.
    slice_end: [u64; MAX_CPUS],
    armed: [u64; MAX_CPUS],
    /// Idle CPUs that have been handed a thread and have not idled again since: placement and
    /// balancing pass them over.
    claimed: u64,
}

/// What the scheduler keeps per process (thread group), beside its threads under one lock:
/// its pending set (Linux's `signal->shared_pending`), so that queuing a process-directed
/// signal and choosing the thread to take it are one step; the signals its actions throw away
/// (mirrored from its handler table by `Signals::set`, so a sender needs no process lock); and,
/// once it is ending, its wait status (Linux's SIGNAL_GROUP_EXIT and `group_exit_code`).
struct Group {
    tgid: u32,
    shared: PendingSet,
    discards: Sigset,
    exit: Option<super::task::Status>,
    /// A thread in execve waiting for the others to go (Linux's `group_exec_task`).
    exec: Option<u32>,
}

// The threads' pointers are owned by the scheduler and dereferenced only through `&mut Sched`,
// that is, under the lock.
// SAFETY: so moving the `Sched` between CPUs (inside the lock) shares nothing unguarded.
unsafe impl Send for Sched {}

static SCHED: Mutex<Sched> = Mutex::new(Sched {
    threads: Vec::new(),
    next_tid: 0,
    groups: Vec::new(),
    slice_end: [0; MAX_CPUS],
    armed: [0; MAX_CPUS],
    claimed: 0,
});
/// A thread died: the next switch's far side reaps it (its stack is then no longer in use).
static REAP: AtomicBool = AtomicBool::new(false);
/// Each CPU's idle context: its saved stack pointer while a thread runs there.
static IDLE_KSP: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];

impl Sched {
    /// Thread `i`.
    #[inline(always)]
    fn at(&mut self, i: usize) -> &mut Thread {
        // `threads[i]` is a live thread (only the reaper frees one, removing it first), and `&mut
        // self` proves the lock is held.
        // SAFETY: so this is the only reference to it.
        unsafe { &mut *self.threads[i].as_ptr() }
    }

    /// The thread running on this CPU (None on an idle context).
    #[inline(always)]
    fn current(&mut self) -> Option<&mut Thread> {
        let p = percpu::this().current.load(Ordering::Relaxed) as *mut Thread;
        // `current` is set, under this lock, to a live thread this CPU executes; it is not reaped
        // while on a CPU.
        // SAFETY: and `&mut self` proves the lock is held, so this is the only reference.
        (!p.is_null()).then(|| unsafe { &mut *p })
    }

    /// The running thread; only threads make system calls.
    #[inline(always)]
    fn cur(&mut self) -> &mut Thread {
        self.current().expect("a system call from an idle context")
    }

    /// The index of thread `tid` (not dead).
    fn find(&mut self, tid: u32) -> Option<usize> {
        let i = self.threads.binary_search_by_key(&tid, |p| {
            // SAFETY: as in `at`; only the id is read.
            unsafe { p.as_ref().tid }
        });
        i.ok().filter(|&i| self.at(i).state != State::Dead)
    }

    /// The index of thread `p` (one of `threads`, dead or alive).
    fn index_of(&self, p: NonNull<Thread>) -> usize {
        // SAFETY: as in `at`; only the id is read.
        let tid = unsafe { p.as_ref().tid };
        self.threads
            .binary_search_by_key(&tid, |q| {
                // SAFETY: as above.
                unsafe { q.as_ref().tid }
            })
            .unwrap_or_else(|_| unreachable!("a listed thread"))
    }

    /// Process `tgid`'s group record.
    fn group(&mut self, tgid: u32) -> Option<&mut Group> {
        self.groups.iter_mut().find(|g| g.tgid == tgid)
    }

    /// The pending set of process `tgid` (empty for one that is gone).
    fn shared_of(&self, tgid: u32) -> Sigset {
        self.groups.iter().find(|g| g.tgid == tgid).map_or(0, |g| g.shared.mask)
    }

    /// Arms this CPU's timer for `deadline` unless it is armed for an earlier one still ahead.
    fn arm_at(&mut self, deadline: u64, now: u64) {
        let me = percpu::id() as usize;
        if deadline < self.armed[me] || self.armed[me] <= now {
            self.armed[me] = deadline;
            apic::arm(deadline.saturating_sub(now).max(1_000));
        }
    }
}

/// Bit `cpu` of a CPU mask.
#[inline(always)]
fn bit(cpu: u32) -> u64 {
    1u64 << cpu
}

/// The online CPUs as a mask.
pub fn online_mask() -> u64 {
    let n = crate::smp::online_cpus();
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// A CPU to send the reschedule IPI to once the lock is released.
#[must_use]
struct Kick(Option<u32>);

impl Kick {
    fn send(self) {
        if let Some(c) = self.0 {
            apic::send_reschedule(percpu::apic_id_of(c));
        }
    }
}

/// Creates the main thread (tid = pid) on the boot stack whose top is `boot_stack_top`, and
/// the boot CPU's idle context; returns the top.
pub fn init_main(tid: u32, boot_stack_top: u64, process: Arc<super::ProcessCell>, mm: Arc<super::MmCell>) -> u64 {
    let me = percpu::id();
    let idle = KernelStack::new().expect("no memory for the boot CPU's idle stack");
    // SAFETY: the stack is fresh and unused; `idle_entry` never returns.
    IDLE_KSP[me as usize].store(unsafe { prepare_kernel_stack(idle.top(), idle_entry) }, Ordering::Relaxed);
    core::mem::forget(idle); // the idle context's for good
    let mut t = Box::new(Thread::with_stack(tid, KernelStack::boot(boot_stack_top), process, mm));
    t.cpu = me;
    t.on_cpu = true;
    let top = t.kstack.top();
    let p = NonNull::from(Box::leak(t));
    let mut s = SCHED.lock();
    s.groups.push(Group { tgid: tid, shared: PendingSet::new(), discards: DEFAULT_IGNORED, exit: None, exec: None });
    // SAFETY: `p` was just leaked and is reached only under the lock held here.
    set_running(Some(unsafe { p.as_ref() }));
    s.threads.push(p);
    s.next_tid = tid + 1;
    s.slice_end[me as usize] = monotonic_ns() + TIME_SLICE_NS;
    top
}

/// Says in this CPU's block which thread runs here (None: the idle context), with its process
/// and address space. Called under the lock.
fn set_running(t: Option<&Thread>) {
    let cpu = percpu::this();
    let (thread, process, mm) = match t {
        Some(t) => (
            t as *const Thread as *mut (),
            Arc::as_ptr(&t.process) as *mut (),
            t.mm.as_ref().map_or(core::ptr::null_mut(), |m| Arc::as_ptr(m) as *mut ()),
        ),
        None => (core::ptr::null_mut(), core::ptr::null_mut(), core::ptr::null_mut()),
    };
    cpu.current.store(thread, Ordering::Relaxed);
    cpu.process.store(process, Ordering::Relaxed);
    cpu.mm.store(mm, Ordering::Relaxed);
}

/// The running thread's id.
pub fn current_tid() -> u32 {
    SCHED.lock().cur().tid
}

/// Runs `f` on the running thread.
pub fn with_current<R>(f: impl FnOnce(&mut Thread) -> R) -> R {
    f(SCHED.lock().cur())
}

/// Number of threads that have not exited.
pub fn live_threads() -> usize {
    let mut s = SCHED.lock();
    (0..s.threads.len()).filter(|&i| s.at(i).state != State::Dead).count()
}

/// Adds a thread that will enter ring 3 with `frame` (FS base `fs`), on an idle CPU if there is
/// one, and returns its tid. `publish` runs first with the new tid, before the thread can run
/// (clone's CLONE_PARENT_SETTID and CLONE_CHILD_SETTID writes, as Linux's copy_process does them
/// before `wake_up_new_task`); its error, or EAGAIN when no kernel stack can be had, leaves no
/// thread behind.
pub fn spawn(
    frame: TrapFrame,
    fs: u64,
    clear_child_tid: u64,
    publish: impl FnOnce(u32) -> Result<(), isize>,
) -> Result<u32, isize> {
    let tid = new_tid();
    let (process, mm) = with_current(|t| (t.process.clone(), t.mm.clone().expect("a thread with no address space")));
    spawn_in(tid, frame, fs, clear_child_tid, process, mm, None, publish)
}

/// A fresh thread id (and pid: one number space, as Linux's).
pub fn new_tid() -> u32 {
    let mut s = SCHED.lock();
    s.next_tid += 1;
    s.next_tid - 1
}

/// [`spawn`] of thread `tid` into `process` with address space `mm`; `group`: a new process's
/// pending set starts empty, with the discarded signals given (fork's, from the parent's
/// handlers), and `tid` is its pid; with it, whether the thread keeps the caller's alternate
/// signal stack (Linux keeps it unless the memory is shared without CLONE_VFORK).
#[allow(clippy::too_many_arguments)]
pub fn spawn_in(
    tid: u32,
    frame: TrapFrame,
    fs: u64,
    clear_child_tid: u64,
    process: Arc<super::ProcessCell>,
    mm: Arc<super::MmCell>,
    group: Option<(Sigset, bool)>,
    publish: impl FnOnce(u32) -> Result<(), isize>,
) -> Result<u32, isize> {
    let mut t = Box::new(Thread::new(tid, process, mm).ok_or(abi::errno::EAGAIN)?);
    // User memory is written with the scheduler unlocked (the process lock comes first).
    publish(tid)?;
    // The slot may have been unmapped and mapped again: no stale translation of it here.
    tlb::flush_if_asked();
    let now = monotonic_ns();
    let mut s = SCHED.lock();
    if let Some((discards, _)) = group {
        s.groups.push(Group { tgid: tid, shared: PendingSet::new(), discards, exit: None, exec: None });
    }
    // The new thread inherits the blocked mask and the affinity; its alternate stack starts
    // disabled (Linux resets it for CLONE_VM children) unless `group` says it is kept.
    let parent = s.cur();
    if group.is_some_and(|(_, keep)| keep) {
        t.altstack = parent.altstack;
    }
    t.sigmask = parent.sigmask;
    t.affinity = parent.affinity;
    t.cpu = parent.cpu;
    t.fs_base = fs;
    t.gs_base = KernelGsBase::read().as_u64();
    t.clear_child_tid = clear_child_tid;
    // SAFETY: the stack was just set up for this thread and is unused.
    t.ksp = unsafe { prepare_stack(t.kstack.top(), frame) };
    // In tid order: another clone may have taken a later tid and come here first.
    let i = s.threads.partition_point(|p| {
        // SAFETY: as in `Sched::at`; only the id is read.
        let other = unsafe { p.as_ref().tid };
        other < tid
    });
    s.threads.insert(i, NonNull::from(Box::leak(t)));
    let kick = place(&mut s, i, now);
    drop(s);
    kick.send();
    Ok(tid)
}

/// Thread `i` just became runnable: chooses its CPU (see the module doc) and says whom to tell.
/// A thread queued here behind the running one gets the slice timer armed.
fn place(s: &mut Sched, i: usize, now: u64) -> Kick {
    let me = percpu::id();
    let asleep = percpu::idle_cpus();
    let idle = asleep & !s.claimed;
    let t = s.at(i);
    if t.on_cpu {
        // Its CPU still runs on its stack: it goes on there, woken if that CPU idles.
        let c = t.cpu;
        return Kick((c != me && asleep & bit(c) != 0).then_some(c));
    }
    let allowed = t.affinity & online_mask();
    let prev = t.cpu;
    let free = idle & allowed;
    let target = if free & bit(prev) != 0 {
        prev
    } else if free & bit(me) != 0 {
        me
    } else if free != 0 {
        free.trailing_zeros()
    } else if allowed & bit(prev) != 0 {
        prev
    } else {
        allowed.trailing_zeros()
    };
    t.cpu = target;
    if target == me {
        let end = s.slice_end[me as usize].max(now + 1);
        s.arm_at(end, now);
        return Kick(None);
    }
    if asleep & bit(target) == 0 {
        percpu::work_of(target).fetch_or(NEED_RESCHED, Ordering::Relaxed);
    } else {
        s.claimed |= bit(target);
    }
    Kick(Some(target))
}

/// Makes thread `tid` runnable if it is blocked (a futex wake-up); returns whether it was.
pub fn wake(tid: u32) -> bool {
    let now = monotonic_ns();
    let mut s = SCHED.lock();
    let Some(i) = s.find(tid) else { return false };
    let t = s.at(i);
    if !matches!(t.state, State::Blocked { .. }) {
        return false;
    }
    t.state = State::Runnable;
    t.wake = Wake::Woken;
    let kick = place(&mut s, i, now);
    drop(s);
    kick.send();
    true
}

/// Queues signal `signo` from `from` for thread `tid` (`signo` 0: only checks that it exists);
/// false if there is no such thread. A signal whose action `discards` it is dropped unless the thread blocks it
/// (Linux's `sig_ignored`). A thread that can take it is told: the caller on its way back to
/// ring 3, a thread running on another CPU by IPI, a sleeping thread by waking it
/// ([`Wake::Interrupted`]), a queued one when it is next switched in.
pub fn signal_thread(tid: u32, signo: i32, from: &Sender, may_discard: bool) -> bool {
    let mut s = SCHED.lock();
    let i = match s.current() {
        Some(c) if c.tid == tid => None, // the common case: a thread signalling itself
        _ => match s.find(tid) {
            Some(i) => Some(i),
            None => return false,
        },
    };
    if signo == 0 {
        return true;
    }
    let tgid = match i {
        Some(i) => s.at(i).tgid,
        None => s.cur().tgid,
    };
    let discards = may_discard && s.group(tgid).is_some_and(|g| g.discards & sigmask(signo) != 0);
    let t = match i {
        Some(i) => s.at(i),
        None => s.cur(),
    };
    let blocked = t.sigmask & sigmask(signo) != 0;
    if (blocked || !discards) && t.pending.add(signo, *from) {
        let p = NonNull::from(t);
        let kick = notify(&mut s, p);
        drop(s);
        kick.send();
    }
    true
}

/// A process-directed signal (kill) for process `pid`: queued in the process's set and taken
/// by the first of its threads that does not block it, the caller preferred (Linux's
/// `complete_signal`); while every thread blocks it, it stays pending for the process. False
/// if there is no such process (`signo` 0 only checks).
pub fn signal_process(pid: u32, signo: i32, from: Sender) -> bool {
    let mut s = SCHED.lock();
    let Some(g) = s.group(pid) else { return false };
    if signo == 0 || g.exit.is_some() {
        return true;
    }
    let bit = sigmask(signo);
    let discards = g.discards & bit != 0;
    // Linux asks the leader (the main thread) whether it blocks the signal.
    let leader_mask = match s.find(pid) {
        Some(i) => s.at(i).sigmask,
        None => (0..s.threads.len())
            .find(|&i| s.at(i).tgid == pid && s.at(i).state != State::Dead)
            .map_or(0, |i| s.at(i).sigmask),
    };
    let g = s.group(pid).expect("found above");
    if (leader_mask & bit != 0 || !discards) && g.shared.add(signo, from) {
        let kick = wake_taker(&mut s, pid, bit);
        drop(s);
        kick.send();
    }
    true
}

/// The signals process `tgid`'s actions throw away (its `Signals::set` keeps this in step).
pub fn set_discards(tgid: u32, discards: Sigset) {
    if let Some(g) = SCHED.lock().group(tgid) {
        g.discards = discards;
    }
}

/// Ends the running thread's process with `status` (exit_group, a fatal signal): the first
/// status set wins, and every other thread of it gets SIGKILL, which ends it on its way back to
/// ring 3 or wakes it from a sleep (Linux's `zap_other_threads`).
pub fn zap_group(status: super::task::Status) {
    zap(Some(status));
}

/// execve from a process with other threads (Linux's `de_thread`): they get SIGKILL, each ends
/// alone (not the process: [`execing`]), and the caller sleeps until it is the last. False,
/// with nothing done, when the process is already ending.
pub fn kill_others_for_exec() -> bool {
    if !zap(None) {
        return false;
    }
    loop {
        let mut s = SCHED.lock();
        let (me, tgid) = {
            let t = s.cur();
            (t.tid, t.tgid)
        };
        let live = (0..s.threads.len()).filter(|&i| s.at(i).tgid == tgid && s.at(i).state != State::Dead).count();
        let g = s.group(tgid).expect("a running process has its group");
        if live == 1 || g.exit.is_some() {
            // Alone: the exec goes on. Or an exit_group came meanwhile: the process ends, and
            // the SIGKILL it sent here ends this thread on its way out.
            g.exec = None;
            return g.exit.is_none();
        }
        g.exec = Some(me);
        let t = s.cur();
        t.state = State::Blocked { until: None };
        t.wake = Wake::Woken;
        drop(s);
        schedule();
    }
}

/// Whether the running thread's process is in another thread's execve: a SIGKILL then ends
/// only this thread.
pub fn execing() -> bool {
    let mut s = SCHED.lock();
    let (me, tgid) = {
        let t = s.cur();
        (t.tid, t.tgid)
    };
    s.group(tgid).is_some_and(|g| g.exec.is_some_and(|e| e != me))
}

/// SIGKILL to every other thread of the running one's process: for its end (`status`) or for
/// an execve (None: the caller is recorded as the one to stay). False, with nothing sent, when
/// an execve is asked for a process already ending.
fn zap(status: Option<super::task::Status>) -> bool {
    let mut s = SCHED.lock();
    let (me, tgid) = {
        let t = s.cur();
        (t.tid, t.tgid)
    };
    let g = s.group(tgid).expect("a running process has its group");
    match status {
        Some(_) if g.exit.is_none() => g.exit = status,
        Some(_) => {}
        None if g.exit.is_some() => return false,
        None => g.exec = Some(me),
    }
    let mut kicks = 0u64;
    for i in 0..s.threads.len() {
        let t = s.at(i);
        if t.tgid != tgid || t.tid == me || t.state == State::Dead {
            continue;
        }
        t.pending.add(abi::signal::SIGKILL, Sender::kill(abi::signal::SI_KERNEL, 0, 0));
        let p = s.threads[i];
        kicks |= notify(&mut s, p).0.map_or(0, bit);
    }
    drop(s);
    send_all(kicks);
    true
}

/// Whether the running thread's process is ending (a sleep that only a SIGKILL may end
/// checks this).
pub fn group_exiting() -> bool {
    let mut s = SCHED.lock();
    let tgid = s.cur().tgid;
    s.group(tgid).is_some_and(|g| g.exit.is_some())
}

/// Finds a live thread of process `tgid` that does not block (one of) `bits`, the running one
/// first, and tells it.
#[cold]
fn wake_taker(s: &mut Sched, tgid: u32, bits: Sigset) -> Kick {
    if let Some(t) = s.current()
        && t.tgid == tgid
        && t.state != State::Dead
        && bits & !t.sigmask != 0
    {
        let p = NonNull::from(t);
        return notify(s, p);
    }
    let taker = (0..s.threads.len()).find(|&i| {
        let t = s.at(i);
        t.tgid == tgid && t.state != State::Dead && bits & !t.sigmask != 0
    });
    match taker {
        Some(i) => {
            let p = s.threads[i];
            notify(s, p)
        }
        None => Kick(None),
    }
}

/// Thread `p` (one of `s`'s) has a signal it may take: make sure it takes it soon.
#[inline]
fn notify(s: &mut Sched, p: NonNull<Thread>) -> Kick {
    let me = percpu::id();
    // `p` is one of `s.threads`, and `&mut s` proves the lock is held.
    // SAFETY: so this is the only reference to it.
    let t = unsafe { &mut *p.as_ptr() };
    let shared = s.shared_of(t.tgid);
    if !t.has_deliverable(shared) {
        return Kick(None);
    }
    if matches!(t.state, State::Blocked { .. }) {
        // A sleeper wakes, even one a CPU idles on (a signal from an interrupt: Ctrl-C).
        t.state = State::Runnable;
        t.wake = Wake::Interrupted;
        let i = s.index_of(p);
        return place(s, i, monotonic_ns());
    }
    if t.on_cpu && t.state == State::Runnable {
        // Running: here, it takes the signal on its way out; on another CPU, an IPI sends it
        // there. A thread that is queued takes it when it is switched in.
        if t.cpu == me {
            percpu::set_sigpending();
        } else {
            percpu::work_of(t.cpu).fetch_or(SIGNAL_WORK, Ordering::Relaxed);
            return Kick(Some(t.cpu));
        }
    }
    Kick(None)
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
    let p = NonNull::from(s.cur());
    // SAFETY: `p` is the running thread, and the lock is held: only its group id is read.
    let tgid = unsafe { p.as_ref().tgid };
    let g = s.group(tgid).expect("a running process has its group");
    // The running thread lives outside `Sched` (boxed), so it and its group are disjoint.
    // SAFETY: the lock is held for the whole call, and no other reference to the thread is live.
    f(unsafe { &mut *p.as_ptr() }, &mut g.shared)
}

/// The robust-list head live thread `tid` registered (get_robust_list); None if no such thread.
pub fn robust_list_of(tid: u32) -> Option<u64> {
    let mut s = SCHED.lock();
    s.find(tid).map(|i| s.at(i).robust_list)
}

/// Throws pending `signo` away, for the running thread's process and each of its threads (its
/// action now ignores it).
pub fn flush_signal(signo: i32) {
    let mut s = SCHED.lock();
    let keep = !sigmask(signo);
    let tgid = s.cur().tgid;
    if let Some(g) = s.group(tgid) {
        g.shared.mask &= keep;
    }
    for i in 0..s.threads.len() {
        if s.at(i).tgid == tgid {
            s.at(i).pending.mask &= keep;
        }
    }
}

/// The signals pending for the running thread or its process (rt_sigpending's raw set).
pub fn pending_signals() -> Sigset {
    let mut s = SCHED.lock();
    let tgid = s.cur().tgid;
    s.cur().pending.mask | s.shared_of(tgid)
}

/// Sets the running thread's blocked mask (SIGKILL and SIGSTOP stay unblocked). A pending
/// signal it unblocks is delivered on the way back to ring 3; a process signal it now blocks
/// goes to another thread that can take it (Linux's `retarget_shared_pending`).
pub fn set_sigmask(mask: Sigset) {
    let mut s = SCHED.lock();
    let kick = set_mask(&mut s, mask);
    drop(s);
    kick.send();
}

/// Replaces the running thread's mask for one call (rt_sigsuspend, ppoll, epoll_pwait), keeping
/// the old one aside to be put back once a signal is delivered or the call ends (Linux's
/// set_user_sigmask and saved_sigmask); returns the old mask.
pub fn set_sigmask_for_call(mask: Sigset) -> Sigset {
    let mut s = SCHED.lock();
    let t = s.cur();
    let old = t.sigmask;
    t.saved_sigmask = Some(old);
    let kick = set_mask(&mut s, mask);
    drop(s);
    kick.send();
    old
}

/// rt_sigreturn's end: the frame's mask back, and the interrupted call's restart record, if
/// any, void (Linux's restore_sigcontext resets restart_block).
pub fn sigreturn_mask(mask: Sigset) {
    let mut s = SCHED.lock();
    let t = s.cur();
    if t.restart.is_some() {
        t.restart = None;
    }
    let kick = set_mask(&mut s, mask);
    drop(s);
    kick.send();
}

#[inline]
fn set_mask(s: &mut Sched, mask: Sigset) -> Kick {
    let tgid = s.cur().tgid;
    let shared = s.shared_of(tgid);
    let t = s.cur();
    let newly_blocked = mask & !t.sigmask;
    t.sigmask = mask & !UNBLOCKABLE;
    if t.has_deliverable(shared) {
        percpu::set_sigpending();
    }
    if shared & newly_blocked != 0 { wake_taker(s, tgid, shared & newly_blocked) } else { Kick(None) }
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
    let mut s = SCHED.lock();
    if let Some(i) = s.find(tid) {
        s.at(i).futex_key = key;
    }
}

/// Blocks the running thread until `until` (or a wake-up) and returns why it runs again.
pub fn block(until: Option<u64>) -> Wake {
    prepare_block(until);
    schedule()
}

/// Ends the running thread; the caller has already handled clear_child_tid. The last thread of
/// its process to end ends the process: with the status an exit_group or fatal signal set, else
/// exit code `code` (decided under the lock, so two threads that exit at once on two CPUs
/// cannot both think another is left). The first process's end stops the machine.
pub fn exit_current(code: i32) -> ! {
    let (tgid, live, status) = {
        let mut s = SCHED.lock();
        let t = s.cur();
        t.state = State::Dead;
        let tgid = t.tgid;
        let live = (0..s.threads.len()).filter(|&i| s.at(i).tgid == tgid && s.at(i).state != State::Dead).count();
        let status = s.group(tgid).and_then(|g| g.exit);
        let execer = s.group(tgid).and_then(|g| g.exec).filter(|_| live == 1);
        if live == 0 {
            s.groups.retain(|g| g.tgid != tgid);
        }
        if let Some(e) = execer {
            // The thread in execve is the last one left: it goes on.
            drop(s);
            wake(e);
        }
        (tgid, live, status.unwrap_or(super::task::Status::Exited(code)))
    };
    if live == 0 && tgid == super::PID {
        super::claim_exit();
        super::exit_group_claimed(status.exit_code())
    }
    if tgid != super::PID {
        super::task::drop_mm();
    }
    if live == 0 {
        super::task::release(status);
    }
    REAP.store(true, Ordering::Relaxed);
    schedule();
    unreachable!("a dead thread was scheduled")
}

/// The timer fired: if what it was armed for is due (the running slice's end, or a sleeper's
/// deadline), [`crate::entry`] reschedules on the way back to ring 3. In the kernel (the idle
/// loop) the idle loop re-checks by itself.
///
/// An interrupt before the deadline the timer is armed for now is not a tick: either the timer
/// ran early (its rate is measured to err early, apic.rs) and is armed again for the rest, or
/// it is stale — it came due while this CPU ran a system call with interrupts off, and that
/// call switched threads (a long console write yields each slice), arming the timer for the
/// next thread's fresh slice; taken as a tick, it would end that slice before its first
/// instruction, and the thread that yielded would run again at once.
pub fn timer_tick(from_user: bool) {
    if !from_user {
        return;
    }
    let me = percpu::id() as usize;
    let armed = SCHED.lock().armed[me];
    let now = monotonic_ns();
    if now < armed {
        apic::arm((armed - now).max(1_000));
        return;
    }
    percpu::set_need_resched();
}

/// The CPU the caller runs on (getcpu).
pub fn this_cpu() -> u32 {
    percpu::id()
}

/// The CPUs thread `tid` (0: the caller) may run on, among the online ones; None if there is no
/// such thread.
pub fn affinity(tid: u32) -> Option<u64> {
    let mut s = SCHED.lock();
    let t = match tid {
        0 => s.cur(),
        _ => {
            let i = s.find(tid)?;
            s.at(i)
        }
    };
    Some(t.affinity & online_mask())
}

/// Lets thread `tid` (0: the caller) run only on the CPUs of `mask` that are online (Linux's
/// sched_setaffinity): false, with nothing changed, if none is, or if there is no such thread
/// (`Err(())`). A thread on a CPU the mask leaves out moves at once: the running one reschedules,
/// a queued one is placed again.
pub fn set_affinity(tid: u32, mask: u64) -> Result<bool, ()> {
    let allowed = mask & online_mask();
    let now = monotonic_ns();
    let mut s = SCHED.lock();
    let p = match tid {
        0 => NonNull::from(s.cur()),
        _ => {
            let i = s.find(tid).ok_or(())?;
            s.threads[i]
        }
    };
    if allowed == 0 {
        return Ok(false);
    }
    // SAFETY: `p` is one of `s.threads` and the lock is held: the only reference.
    let t = unsafe { &mut *p.as_ptr() };
    t.affinity = allowed;
    let c = t.cpu;
    let kick = if allowed & bit(c) != 0 || t.state != State::Runnable {
        Kick(None)
    } else if t.on_cpu && c == percpu::id() {
        percpu::set_need_resched();
        Kick(None)
    } else if t.on_cpu {
        percpu::work_of(c).fetch_or(NEED_RESCHED, Ordering::Relaxed);
        Kick(Some(c))
    } else {
        let i = s.index_of(p);
        place(&mut s, i, now)
    };
    drop(s);
    kick.send();
    Ok(true)
}

/// Picks the next thread to run on this CPU and switches to it (or idles until one is
/// runnable). Returns, once the calling thread runs again, why it was last made runnable (its
/// wake reason).
pub fn schedule() -> Wake {
    let me = percpu::id();
    let mine = bit(me);
    loop {
        let now = monotonic_ns();
        let mut s = SCHED.lock();
        let cur = s.current().map(NonNull::from);
        let cur_tid = cur.map_or(0, |p| {
            // SAFETY: the running thread, under the lock: only its id is read.
            unsafe { p.as_ref().tid }
        });
        // One pass over this CPU's threads: deadlines that passed and signals that arrived wake
        // their sleepers; count the runnable ones, find the next in turn after the running one
        // and the next deadline still ahead.
        let (mut runnable, mut earliest, mut after, mut first) = (0usize, None::<u64>, None, None);
        let mut keep = false;
        // CPUs to tell about threads moved off this one, once the lock is released.
        let mut strays = 0u64;
        for i in 0..s.threads.len() {
            let t = s.at(i);
            if t.cpu != me {
                continue;
            }
            let tgid = t.tgid;
            let shared = s.shared_of(tgid);
            let t = s.at(i);
            match t.state {
                State::Blocked { .. } if t.has_deliverable(shared) => {
                    t.state = State::Runnable;
                    t.wake = Wake::Interrupted;
                }
                State::Blocked { until: Some(d) } if d <= now => {
                    t.state = State::Runnable;
                    t.wake = Wake::TimedOut;
                }
                State::Blocked { until: Some(d) } => {
                    earliest = Some(earliest.map_or(d, |e| e.min(d)));
                    continue;
                }
                State::Runnable => {}
                _ => continue,
            }
            if t.affinity & mine == 0 {
                // No longer allowed here (sched_setaffinity while it slept or waited): a thread
                // no CPU is on goes to one it may run on; the running one leaves below.
                if !t.on_cpu {
                    let target = place(&mut s, i, now);
                    strays |= target.0.map_or(0, bit);
                }
                continue;
            }
            runnable += 1;
            if t.tid == cur_tid {
                keep = true;
            } else if !t.on_cpu {
                if after.is_none() && t.tid > cur_tid {
                    after = Some(i);
                }
                if first.is_none() {
                    first = Some(i);
                }
            }
        }
        let mut next = after.or(first);
        if next.is_none() && !keep {
            next = steal(&mut s, me);
            runnable += next.is_some() as usize;
        }
        if next.is_none() && !keep {
            // Nothing to run here. A runnable thread this CPU may no longer run leaves for its
            // new CPU through the idle context; anything else idles where it is.
            if let Some(p) = cur
                // SAFETY: the running thread, under the lock: only its state is read.
                && unsafe { p.as_ref().state } == State::Runnable
            {
                let kick = evict(&mut s, p, now);
                account_out(Some(p));
                let from = p_ksp(p);
                set_running(None);
                core::mem::forget(s);
                kick.send();
                send_all(strays);
                // The idle context's stack pointer was saved by `switch` or prepared by
                // `prepare_kernel_stack`; `from` points into a live thread (not reaped while
                // the lock, released on the far side, is held).
                // SAFETY: so the block below is sound.
                unsafe { switch(from, IDLE_KSP[me as usize].load(Ordering::Relaxed)) };
                return finish_switch();
            }
            percpu::set_idle(true);
            s.claimed &= !mine;
            let wait = earliest.map(|d| d.saturating_sub(now));
            if let Some(d) = earliest {
                s.armed[me as usize] = d;
            }
            drop(s);
            send_all(strays);
            idle(wait);
            continue;
        }
        // Something runs here: this CPU is not idle, and flushes what it was asked to before it
        // touches a thread's stack or ring-3 memory.
        if percpu::idle_cpus() & mine != 0 {
            percpu::set_idle(false);
        }
        tlb::flush_if_asked();
        let next = match next {
            Some(n) => n,
            None => {
                // Keep running; the timer only matters for sleepers or a later competitor.
                if s.slice_end[me as usize] <= now {
                    s.slice_end[me as usize] = now + TIME_SLICE_NS;
                }
                arm(&mut s, runnable, earliest, now);
                let p = cur.expect("kept a running thread");
                // SAFETY: the running thread, under the lock.
                let wake = unsafe { p.as_ref().wake };
                drop(s);
                send_all(strays);
                return wake;
            }
        };
        s.slice_end[me as usize] = now + TIME_SLICE_NS;
        arm(&mut s, runnable, earliest, now);
        let push = if runnable >= 2 { balance(&mut s, me, next, cur_tid) } else { Kick(None) };
        // The outgoing thread's user state that lives in the CPU: FPU/SSE, FS and GS bases. A
        // runnable one this CPU may no longer run is placed on one it may.
        let (from, moved) = match cur {
            Some(p) => {
                // SAFETY: the running thread, under the lock: only its state is read.
                let (state, affinity) = unsafe { (p.as_ref().state, p.as_ref().affinity) };
                if state == State::Runnable && affinity & mine == 0 {
                    (p_ksp(p), evict(&mut s, p, now))
                } else {
                    // SAFETY: the running thread, under the lock, and no other reference to it is live.
                    let t = unsafe { &mut *p.as_ptr() };
                    fpu::save_into(&mut t.fx);
                    t.fs_base = FsBase::read().as_u64();
                    t.gs_base = KernelGsBase::read().as_u64();
                    t.on_cpu = false;
                    (p_ksp(p), Kick(None))
                }
            }
            None => (IDLE_KSP[me as usize].as_ptr(), Kick(None)),
        };
        account_out(cur);
        let tgid = s.at(next).tgid;
        let shared = s.shared_of(tgid);
        let t = s.at(next);
        t.cpu = me;
        t.on_cpu = true;
        fpu::restore(&mut t.fx);
        FsBase::write(VirtAddr::new(t.fs_base));
        KernelGsBase::write(VirtAddr::new(t.gs_base));
        percpu::set_kernel_stack(t.kstack.top());
        set_running(Some(t));
        if t.has_deliverable(shared) {
            percpu::set_sigpending(); // signals that arrived while it was switched out
        }
        let to = t.ksp;
        // A thread whose address space is gone (its process is ending) needs none loaded.
        if t.mm.is_some() {
            tlb::enter_mm(t.root);
        }
        // The lock stays held across the switch; the far side releases it.
        core::mem::forget(s);
        push.send();
        moved.send();
        send_all(strays);
        // SAFETY: `to` was saved by switch or prepared by prepare_stack on a live thread's
        // stack, which no other CPU runs on (`on_cpu` was clear); `from` points into a live
        // thread or this CPU's idle slot (dead threads are reaped on the far side of a switch,
        // never one on a CPU).
        unsafe { switch(from, to) };
        return finish_switch();
    }
}

/// This CPU switches away from `cur` (None: its idle context): the ticks it gathered for the
/// thread become the thread's (kept aside if it has ended), when accounting is on. Under the
/// lock.
fn account_out(cur: Option<NonNull<Thread>>) {
    if !super::account::enabled() {
        return;
    }
    match cur {
        Some(p) => {
            // SAFETY: the running thread, under the lock: the only reference.
            let t = unsafe { &mut *p.as_ptr() };
            super::account::switch_out(Some((&mut t.user_ticks, &mut t.kernel_ticks)));
            if t.state == State::Dead {
                super::account::ended(t.user_ticks, t.kernel_ticks);
            }
        }
        None => super::account::switch_out(None),
    }
}

/// Every live thread's accounting figures (tid, user, kernel), the running one's up to now
/// (none if the scheduler's lock is held: this serves the report at exit, which must not wait).
pub fn accounts() -> Vec<(u32, u64, u64)> {
    let Some(mut s) = SCHED.try_lock() else { return Vec::new() };
    let cur = s.current().map(|t| t.tid);
    let mut out = Vec::new();
    for i in 0..s.threads.len() {
        let t = s.at(i);
        if t.state == State::Dead {
            continue;
        }
        let (u, k) = match Some(t.tid) == cur {
            true => super::account::current(t.user_ticks, t.kernel_ticks),
            false => (t.user_ticks, t.kernel_ticks),
        };
        out.push((t.tid, u, k));
    }
    out
}

/// Sends the reschedule IPI to every CPU of `cpus`.
fn send_all(mut cpus: u64) {
    while cpus != 0 {
        let c = cpus.trailing_zeros();
        cpus &= cpus - 1;
        Kick(Some(c)).send();
    }
}

/// Where thread `p` keeps its stack pointer while switched out.
fn p_ksp(p: NonNull<Thread>) -> *mut u64 {
    // SAFETY: `p` is a live thread; only the field's address is taken.
    unsafe { &raw mut (*p.as_ptr()).ksp }
}

/// The running thread `p`, runnable but no longer allowed here, leaves: its state is saved and
/// it is placed on a CPU it may run on (told once this CPU has switched away and released the
/// lock).
fn evict(s: &mut Sched, p: NonNull<Thread>, now: u64) -> Kick {
    {
        // SAFETY: the running thread, under the lock: the only reference.
        let t = unsafe { &mut *p.as_ptr() };
        fpu::save_into(&mut t.fx);
        t.fs_base = FsBase::read().as_u64();
        t.gs_base = KernelGsBase::read().as_u64();
        t.on_cpu = false;
    }
    let i = s.index_of(p);
    place(s, i, now)
}

/// An idle CPU pulls work: a queued thread of another CPU that may run here (Linux's
/// newidle balance), now on this CPU's queue.
fn steal(s: &mut Sched, me: u32) -> Option<usize> {
    let i = (0..s.threads.len()).find(|&i| {
        let t = s.at(i);
        t.cpu != me && t.state == State::Runnable && !t.on_cpu && t.affinity & bit(me) != 0
    })?;
    s.at(i).cpu = me;
    Some(i)
}

/// This CPU has more runnable threads than it can run: one that will wait goes to an idle CPU
/// it may run on, if there is one (Linux's load balancing, at the moment it matters) — a queued
/// one, or else the one this CPU is switching away from (`cur_tid`; the idle CPU can take it
/// only once the switch is done and the lock released).
fn balance(s: &mut Sched, me: u32, next: usize, cur_tid: u32) -> Kick {
    let idle = percpu::idle_cpus() & online_mask() & !bit(me) & !s.claimed;
    if idle == 0 {
        return Kick(None);
    }
    let waits = |t: &Thread| {
        t.cpu == me && t.state == State::Runnable && t.affinity & idle != 0 && (!t.on_cpu || t.tid == cur_tid)
    };
    let mut found = None;
    for i in (0..s.threads.len()).filter(|&i| i != next) {
        let t = s.at(i);
        if waits(t) {
            found = Some(i);
            if t.tid != cur_tid {
                break; // a queued one first
            }
        }
    }
    let Some(i) = found else { return Kick(None) };
    let t = s.at(i);
    let target = (t.affinity & idle).trailing_zeros();
    t.cpu = target;
    s.claimed |= bit(target);
    Kick(Some(target))
}

/// The far side of a switch: read the arriving thread's wake reason and release the lock the
/// switching CPU held across the switch, then reap dead threads no CPU runs on any more.
#[inline(always)]
fn finish_switch() -> Wake {
    let me = percpu::this().current.load(Ordering::Relaxed) as *const Thread;
    // `current` was set, under the lock this CPU still holds, to the thread now running here,
    // which is alive (it is running), or to null on the idle context. The thread that switched
    // here forgot its guard of SCHED right before `switch`, so this CPU holds the lock on its
    // behalf.
    // SAFETY: the lock makes the read race-free, and this CPU is the one to release it.
    let wake = unsafe {
        let wake = if me.is_null() { Wake::Woken } else { (*me).wake };
        SCHED.force_unlock();
        wake
    };
    if REAP.load(Ordering::Relaxed) && REAP.swap(false, Ordering::Relaxed) {
        reap();
    }
    wake
}

/// Frees the dead threads no CPU is on; one still on a CPU is left for the next reap.
#[cold]
fn reap() {
    let mut dead = Vec::new();
    let mut s = SCHED.lock();
    let mut left = false;
    let mut i = 0;
    while i < s.threads.len() {
        let t = s.at(i);
        if t.state == State::Dead && !t.on_cpu {
            dead.push(s.threads.remove(i));
        } else {
            left |= t.state == State::Dead;
            i += 1;
        }
    }
    if left {
        REAP.store(true, Ordering::Relaxed); // one on its way out: the next switch reaps it
    }
    drop(s);
    for p in dead {
        // Removed from the list under the lock, dead and on no CPU: nothing reaches it any more.
        // SAFETY: it was made by `Box::leak` in init_main or spawn, and is freed once, here.
        drop(unsafe { Box::from_raw(p.as_ptr()) });
    }
}

/// A new thread's first code after the switch to it (called by `arch::switch`'s thread start,
/// Linux's `schedule_tail` from `ret_from_fork`).
#[unsafe(no_mangle)]
pub extern "C" fn schedule_tail() {
    finish_switch();
}

/// The boot CPU's idle context starts here (the first switch to it).
extern "C" fn idle_entry() -> ! {
    finish_switch();
    idle_loop()
}

/// A CPU's idle context: runs whatever becomes runnable here, forever. An AP enters it once it
/// is up (from the entry layer); the boot CPU's only when its running thread must leave.
pub fn idle_loop() -> ! {
    set_running(None);
    loop {
        schedule();
    }
}

/// Arms this CPU's timer for the end of the slice (if another thread competes) or the earliest
/// sleeper, whichever is first.
fn arm(s: &mut Sched, runnable: usize, earliest: Option<u64>, now: u64) {
    let me = percpu::id() as usize;
    let slice = (runnable > 1).then_some(s.slice_end[me]);
    if let Some(d) = [slice, earliest].into_iter().flatten().min() {
        s.armed[me] = d;
        apic::arm(d.saturating_sub(now).max(1_000));
    }
}

/// Nothing can run: sleep in `hlt` until an interrupt arrives — the timer, armed for the first
/// deadline, another CPU's IPI, or a device. With no deadline at all (every thread waits for
/// console input, a futex, a pipe…) only an IPI or a device can end the wait: COM1's input
/// wakes a reader and carries the terminal's Ctrl-C. Not a hang by itself, so nothing is
/// logged; the CPU executes nothing until then.
fn idle(wait_ns: Option<u64>) {
    if let Some(ns) = wait_ns {
        apic::arm(ns.max(1_000));
    }
    if super::account::enabled() {
        super::account::idle_begin();
    }
    x86_64::instructions::interrupts::enable_and_hlt();
    x86_64::instructions::interrupts::disable();
    if super::account::enabled() {
        super::account::idle_end();
    }
}

/// Replaces the running thread's address space with `mm` (execve's new one; None for a process
/// on its way out) and returns the one it had. The caller has loaded `mm`'s root, or the
/// kernel's (`tlb::leave_mm`).
pub fn replace_mm(mm: Option<Arc<super::MmCell>>) -> Option<Arc<super::MmCell>> {
    let mut s = SCHED.lock();
    let t = s.cur();
    if let Some(m) = &mm {
        t.root = m.root;
    }
    let old = core::mem::replace(&mut t.mm, mm);
    let ptr = t.mm.as_ref().map_or(core::ptr::null_mut(), |m| Arc::as_ptr(m) as *mut ());
    percpu::this().mm.store(ptr, Ordering::Relaxed);
    old
}

/// The threads of the running thread's process that have not exited, itself included.
pub fn live_in_group() -> usize {
    let mut s = SCHED.lock();
    let tgid = s.cur().tgid;
    (0..s.threads.len()).filter(|&i| s.at(i).tgid == tgid && s.at(i).state != State::Dead).count()
}

/// Process `pid`'s pending set and the signals its actions discard, for the fork child's
/// group: the child starts with nothing pending (Linux's copy_process clears it).
pub fn discards_of(pid: u32) -> Sigset {
    SCHED.lock().groups.iter().find(|g| g.tgid == pid).map_or(DEFAULT_IGNORED, |g| g.discards)
}

/// The process thread `tid` belongs to; None if there is no such live thread.
pub fn tgid_of(tid: u32) -> Option<u32> {
    let mut s = SCHED.lock();
    let i = s.find(tid)?;
    Some(s.at(i).tgid)
}
