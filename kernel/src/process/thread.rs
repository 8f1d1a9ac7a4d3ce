//! A thread of a process (Linux's `task_struct`, much reduced): its id, its kernel stack, the
//! user state that lives in the CPU while it runs (FPU/SSE, FS and GS bases), its scheduling
//! state, and its per-thread signal state (blocked mask, alternate stack).
//!
//! Kernel stacks live in their own area of the kernel half ([`config::KSTACK_BASE`]), one
//! 68 KiB slot each: a 64 KiB stack above an unmapped guard page, so an overflow faults
//! (#PF → #DF on its IST stack) instead of corrupting a neighbour. A stack is returned when the
//! thread is reaped: kept mapped in a small cache for the next thread, or unmapped and its frames
//! freed. The first thread runs on the boot stack, as Linux's first task does.
use super::restart::Restart;
use super::signal::PendingSet;
use super::{MmCell, ProcessCell};
use crate::arch::fpu::{self, FxArea};
use crate::config::{KSTACK_BASE, KSTACK_SIZE, KSTACK_SLOT, KSTACK_SLOTS};
use crate::mm::vma::PAGE;
use crate::mm::{frame, paging};
use abi::signal::{Sigset, StackT};
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;
use x86_64::VirtAddr;
use x86_64::structures::paging::{Page, PageTableFlags, PhysFrame};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Runnable,
    /// Blocked until a wake-up (futex) and/or `until` (monotonic ns) passes.
    Blocked {
        until: Option<u64>,
    },
    Dead,
}

/// Why a blocked thread runs again.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Wake {
    Woken,
    TimedOut,
    /// A signal it does not block arrived (Linux's `signal_pending` after an interruptible
    /// sleep): the call returns one of the -ERESTART* codes, see [`super::restart`].
    Interrupted,
}

pub struct Thread {
    pub tid: u32,
    /// The process it belongs to (its thread-group id is the process's pid).
    pub tgid: u32,
    pub process: Arc<ProcessCell>,
    /// Its address space; None once the last thread of a process has let it go on its way out.
    pub mm: Option<Arc<MmCell>>,
    /// The root of `mm`'s page tables (what a CPU loads to run it).
    pub root: u64,
    pub kstack: KernelStack,
    /// Saved kernel RSP while switched out.
    pub ksp: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    pub fx: FxArea,
    pub state: State,
    pub wake: Wake,
    pub clear_child_tid: u64,
    /// Blocked signals and the alternate signal stack are per thread, as in Linux.
    pub sigmask: Sigset,
    pub altstack: StackT,
    /// Signals sent to this thread and not yet delivered (faults are delivered at once).
    pub pending: PendingSet,
    /// The mask to restore once a handler is set up or the call is restarted: rt_sigsuspend's,
    /// ppoll's and epoll_pwait's caller's own (Linux's `saved_sigmask` + TIF_RESTORE_SIGMASK).
    pub saved_sigmask: Option<Sigset>,
    /// How to go on with an interrupted call restarted through restart_syscall.
    pub restart: Option<Restart>,
    /// prctl(PR_SET_NAME)'s name, NUL-padded.
    pub name: [u8; abi::prctl::TASK_COMM_LEN],
    /// set_robust_list's head.
    pub robust_list: u64,
    /// The futex word a waiting thread is queued on (FUTEX_REQUEUE moves it to another).
    pub futex_key: u64,
    /// The last page fault that changed nothing (rip, address): the same one again means no
    /// progress, and the thread gets SIGSEGV instead of a loop.
    pub idle_fault: Option<(u64, u64)>,
    /// The CPU whose run queue the thread is on (or last ran on, while it sleeps): see `sched`.
    pub cpu: u32,
    /// A CPU is executing on the thread's kernel stack: running it, or idling on it after it
    /// blocked. No other CPU may switch to it meanwhile, and it is not reaped.
    pub on_cpu: bool,
    /// The CPUs the thread may run on (sched_setaffinity), bit n for CPU n.
    pub affinity: u64,
    /// TSC ticks in ring 3 and in the kernel on its behalf, up to its last switch away
    /// (`process::account`, when on).
    pub user_ticks: u64,
    pub kernel_ticks: u64,
}

impl Thread {
    /// A runnable thread with a fresh kernel stack; None when no stack can be had (the caller's
    /// EAGAIN).
    pub fn new(tid: u32, process: Arc<ProcessCell>, mm: Arc<MmCell>) -> Option<Thread> {
        Some(Thread::with_stack(tid, KernelStack::new()?, process, mm))
    }

    /// A runnable thread on `kstack`.
    pub fn with_stack(tid: u32, kstack: KernelStack, process: Arc<ProcessCell>, mm: Arc<MmCell>) -> Thread {
        Thread {
            tid,
            tgid: process.pid,
            process,
            root: mm.root,
            mm: Some(mm),
            kstack,
            ksp: 0,
            fs_base: 0,
            gs_base: 0,
            fx: fpu::save(),
            state: State::Runnable,
            wake: Wake::Woken,
            clear_child_tid: 0,
            sigmask: 0,
            altstack: StackT::NONE,
            pending: PendingSet::new(),
            saved_sigmask: None,
            restart: None,
            name: [0; abi::prctl::TASK_COMM_LEN],
            robust_list: 0,
            futex_key: 0,
            idle_fault: None,
            cpu: 0,
            on_cpu: false,
            affinity: u64::MAX,
            user_ticks: 0,
            kernel_ticks: 0,
        }
    }

    /// Whether a pending signal — its own, or the process's `shared` ones — is not blocked.
    pub fn has_deliverable(&self, shared: Sigset) -> bool {
        (self.pending.mask | shared) & !self.sigmask != 0
    }
}

/// A thread's kernel stack.
pub enum KernelStack {
    /// Slot `n` of the stack area, its pages mapped (the guard not).
    Slot(u32),
    /// The boot stack (the bootloader's, with its own guard page), for the first thread: it is
    /// never unmapped, as the bootloader's mappings are the kernel's for good.
    Boot { top: u64 },
}

/// Slots not in use, and stacks kept mapped for reuse.
struct Slots {
    next: u32,
    free: Vec<u32>,
    cached: Vec<u32>,
}

/// Lock order: taken after the scheduler's lock (a reaped thread returns its stack with the
/// scheduler locked), before the page-table and frame locks.
static SLOTS: Mutex<Slots> = Mutex::new(Slots { next: 0, free: Vec::new(), cached: Vec::new() });

/// Stacks kept mapped after their thread is reaped: thread churn then costs no page-table work.
const CACHED_STACKS: usize = 16;

fn slot_base(slot: u32) -> u64 {
    KSTACK_BASE + slot as u64 * KSTACK_SLOT + PAGE // above the guard page
}

/// Checks that the kernel image ends below the stack area (the first slot's guard page is
/// unmapped); before the first thread is made.
pub fn init() {
    let guard = VirtAddr::new(KSTACK_BASE);
    assert!(paging::translate(guard).is_none(), "the kernel image reaches into the kernel-stack area");
}

impl KernelStack {
    /// A fresh (or cached) stack slot, mapped; None when no slot or frame can be had.
    pub fn new() -> Option<KernelStack> {
        let mut s = SLOTS.lock();
        if let Some(slot) = s.cached.pop() {
            return Some(KernelStack::Slot(slot));
        }
        let slot = match s.free.pop() {
            Some(slot) => slot,
            None if s.next < KSTACK_SLOTS => {
                s.next += 1;
                s.next - 1
            }
            None => return None,
        };
        drop(s);
        let base = slot_base(slot);
        let flags = PageTableFlags::PRESENT | PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE;
        let mut frames = [None; (KSTACK_SIZE / PAGE) as usize];
        for f in frames.iter_mut() {
            *f = frame::alloc();
        }
        let fail = |frames: &[Option<PhysFrame>]| {
            for f in frames.iter().flatten() {
                // SAFETY: allocated above and never mapped; nothing else has it.
                unsafe { frame::free(*f) };
            }
            SLOTS.lock().free.push(slot);
            None
        };
        if frames.iter().any(Option::is_none) {
            return fail(&frames);
        }
        let all = frames.map(Option::unwrap);
        // The pages lie in this slot, which no other stack uses and nothing else maps.
        // SAFETY: so the pages are ours, and the frames were just allocated: nothing aliases them.
        if let Err(mapped) = unsafe { paging::map_fresh(VirtAddr::new(base), &all, flags) } {
            unmap_pages(base, mapped as u64);
            return fail(&frames[mapped..]);
        }
        Some(KernelStack::Slot(slot))
    }

    /// The boot stack whose top is `top`.
    pub fn boot(top: u64) -> KernelStack {
        KernelStack::Boot { top }
    }

    /// The (16-byte aligned) top of the stack.
    pub fn top(&self) -> u64 {
        match *self {
            KernelStack::Slot(slot) => slot_base(slot) + KSTACK_SIZE,
            KernelStack::Boot { top } => top,
        }
    }
}

/// Unmaps the first `pages` pages at `base` and frees their frames; the other CPUs flush before
/// they can use the slot again (`mm::tlb::kernel_unmapped`).
fn unmap_pages(base: u64, pages: u64) {
    for i in 0..pages {
        if let Ok(f) = paging::unmap(Page::containing_address(VirtAddr::new(base + i * PAGE))) {
            // No thread runs on a stack that is being dropped, and a CPU with a stale translation
            // of it flushes before it touches the slot again (a switch or a spawn comes first).
            // SAFETY: the page was this stack's only mapping of the frame, just removed and flushed here.
            unsafe { frame::free(f) };
        }
    }
    crate::mm::tlb::kernel_unmapped();
}

impl Drop for KernelStack {
    /// Only called for a reaped thread, whose stack no CPU runs on any more.
    fn drop(&mut self) {
        let KernelStack::Slot(slot) = *self else { return };
        let mut s = SLOTS.lock();
        if s.cached.len() < CACHED_STACKS {
            s.cached.push(slot);
            return;
        }
        drop(s);
        unmap_pages(slot_base(slot), KSTACK_SIZE / PAGE);
        SLOTS.lock().free.push(slot);
    }
}
