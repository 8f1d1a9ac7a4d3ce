//! Per-CPU data (Linux's per-cpu areas and `pcpu_hot`): one block per CPU in an array indexed
//! by CPU id, reached through GS in the kernel. In ring 3, GS belongs to the program; every entry
//! from ring 3 executes `swapgs` so that IA32_GS_BASE points at this CPU's block, and every return
//! executes it again.
//!
//! The array is sized for the runner's 64 CPUs. The boot CPU fills in slot 0; each application
//! processor fills in its own slot as it comes up (`smpboot::ap_entry`). Other CPUs reach a
//! block only through its atomic fields ([`work_of`], [`tlb_seen_of`], [`apic_id_of`]): a reference to one atomic field, never to the whole block, whose plain
//! fields its own CPU writes.
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{GsBase, KernelGsBase};
use x86_64::structures::tss::TaskStateSegment;

/// Most CPUs the kernel supports (the runner's `--smp` range).
pub const MAX_CPUS: usize = abi::rt0::MAX_CPUS;

/// `work` bit: the scheduler wants this CPU to pick the next thread before it returns to ring 3
/// (Linux's TIF_NEED_RESCHED).
pub const NEED_RESCHED: u64 = 1 << 0;

/// `work` bit: the running thread has a signal to deliver (Linux's TIF_SIGPENDING).
pub const SIGNAL_WORK: u64 = 1 << 1;

/// `work` bit: another CPU changed the process's page tables; this CPU flushes its TLB before
/// it next runs ring-3 code (`mm::tlb`).
pub const TLB_FLUSH: u64 = 1 << 2;

/// `work` bit: this CPU unmapped or protected user pages in the current system call; the
/// other CPUs must flush, and the freed frames wait for them (`mm::tlb::finish`).
pub const TLB_GATHER: u64 = 1 << 3;

/// `work` bit: per-thread accounting is on (`process::account`); it stays set, so every return
/// to ring 3 takes the slow path, which stamps it.
pub const ACCOUNT: u64 = 1 << 4;

/// One CPU's block. The first three fields are used by the syscall entry assembly.
#[repr(C)]
pub struct PerCpu {
    /// Offset 0: this block's own address (what `GS:[0]` reads).
    pub self_ptr: u64,
    /// Offset 8: top of the running thread's kernel stack, loaded by the syscall entry.
    pub kernel_rsp: u64,
    /// Offset 16: the user RSP, parked by the syscall entry while it switches stacks.
    pub user_rsp: u64,
    /// This CPU's id: its index in the array.
    pub id: u32,
    /// Pending work for the way back to ring 3 (`NEED_RESCHED`, …); set by interrupts on this
    /// CPU and, later, by other CPUs, hence atomic.
    pub work: AtomicU64,
    /// The thread running on this CPU, owned by the scheduler (opaque here).
    pub current: AtomicPtr<()>,
    /// This CPU's task-state segment (RSP0 and the IST stacks' tops).
    pub tss: *mut TaskStateSegment,
    /// This CPU's local APIC id: where an IPI for it goes.
    pub apic_id: AtomicU32,
    /// The TLB generation (`mm::tlb`) this CPU has flushed up to.
    pub tlb_seen: AtomicU64,
    /// The kernel-stack generation this CPU has flushed up to (`process::thread`).
    pub kstack_seen: AtomicU64,
    /// Per-thread accounting (`process::account`), this CPU's alone: the TSC at the last ring
    /// transition, and the running thread's user and kernel ticks gathered since it was
    /// switched in.
    pub acct_stamp: AtomicU64,
    pub acct_user: AtomicU64,
    pub acct_kernel: AtomicU64,
    /// The running thread's process and memory (opaque here: `process` owns them), set by the
    /// scheduler at each switch from the `Arc`s the thread holds; null on an idle context.
    pub process: AtomicPtr<()>,
    pub mm: AtomicPtr<()>,
    /// The page-table root (physical) loaded in this CPU's CR3 (`mm::tlb`).
    pub root: AtomicU64,
}

pub const KERNEL_RSP_OFFSET: usize = 8;
pub const USER_RSP_OFFSET: usize = 16;
const _: () = assert!(core::mem::offset_of!(PerCpu, kernel_rsp) == KERNEL_RSP_OFFSET);
const _: () = assert!(core::mem::offset_of!(PerCpu, user_rsp) == USER_RSP_OFFSET);
/// Where #BP's way back writes the accounting stamp (`trap::breakpoint_common`).
pub const ACCT_STAMP_OFFSET: usize = core::mem::offset_of!(PerCpu, acct_stamp);

/// Every CPU's block. Each slot is written by its own CPU during its bring-up (before its GS
/// points there) and afterwards only through that CPU's `this()` and the atomics.
static mut CPUS: [PerCpu; MAX_CPUS] = [const {
    PerCpu {
        self_ptr: 0,
        kernel_rsp: 0,
        user_rsp: 0,
        id: 0,
        work: AtomicU64::new(0),
        current: AtomicPtr::new(core::ptr::null_mut()),
        tss: core::ptr::null_mut(),
        apic_id: AtomicU32::new(0),
        tlb_seen: AtomicU64::new(0),
        kstack_seen: AtomicU64::new(0),
        acct_stamp: AtomicU64::new(0),
        acct_user: AtomicU64::new(0),
        acct_kernel: AtomicU64::new(0),
        process: AtomicPtr::new(core::ptr::null_mut()),
        mm: AtomicPtr::new(core::ptr::null_mut()),
        root: AtomicU64::new(0),
    }
}; MAX_CPUS];

/// Fills in CPU `id`'s block and points this CPU's GS base at it; the program's GS starts at 0.
///
/// # Safety
/// Must run once per CPU, on that CPU, before anything reads its block; `tss` must be that CPU's
/// loaded TSS.
pub unsafe fn init(id: u32, tss: *mut TaskStateSegment) {
    assert!((id as usize) < MAX_CPUS, "CPU id {id} beyond MAX_CPUS");
    // SAFETY: slot `id` is written only here, by its own CPU, before GS points at it: no other reference exists.
    let cpu = unsafe { &mut (*(&raw mut CPUS))[id as usize] };
    cpu.self_ptr = cpu as *mut PerCpu as u64;
    cpu.id = id;
    cpu.tss = tss;
    GsBase::write(VirtAddr::new(cpu.self_ptr));
    KernelGsBase::write(VirtAddr::new(0));
    if id == 0 {
        BOOT_CPU_READY.store(true, Ordering::Release);
    }
}

/// Set once the boot CPU's block is on GS. Before that only the boot CPU runs, and [`id_early`]
/// answers 0 without reading GS (whose base is still 0).
static BOOT_CPU_READY: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// This CPU's id, also before the boot CPU's block is set up (then 0: nothing else runs yet).
/// An AP sets its block up before its first allocation (`smpboot::ap_entry`).
#[inline(always)]
pub fn id_early() -> u32 {
    if BOOT_CPU_READY.load(Ordering::Relaxed) { this().id } else { 0 }
}

/// This CPU's block.
#[inline(always)]
pub fn this() -> &'static PerCpu {
    let p: *const PerCpu;
    // In ring 0 the GS base is this CPU's block (set by `init`, swapped in by every entry from
    // ring 3), whose mutable fields are atomics or written by this CPU alone.
    // SAFETY: GS:[0] holds the block's address; it is only read through shared references.
    unsafe {
        core::arch::asm!("mov {}, gs:[0]", out(reg) p, options(nostack, readonly, preserves_flags));
        &*p
    }
}

/// Sets the kernel stack used on the next entry from ring 3 (syscall and TSS.RSP0 alike).
#[inline(always)]
pub fn set_kernel_stack(top: u64) {
    let cpu = this() as *const PerCpu as *mut PerCpu;
    // Only this CPU writes its own `kernel_rsp` and TSS, with interrupts off (the kernel runs with
    // IF clear); the syscall entry reads them only on this CPU, in ring 0.
    // SAFETY: so nothing reads or writes these fields concurrently with these stores.
    unsafe {
        (*cpu).kernel_rsp = top;
        (*(*cpu).tss).privilege_stack_table[0] = VirtAddr::new(top);
    }
}

/// Asks this CPU to reschedule before it next returns to ring 3.
pub fn set_need_resched() {
    this().work.fetch_or(NEED_RESCHED, Ordering::Relaxed);
}

const WORK_OFFSET: usize = core::mem::offset_of!(PerCpu, work);

/// Asks this CPU to deliver the running thread's pending signals before it returns to ring 3.
pub fn set_sigpending() {
    this().work.fetch_or(SIGNAL_WORK, Ordering::Relaxed);
}

/// Takes (reads and clears) this CPU's pending work bits. The common case, nothing pending, is
/// one GS-relative load.
#[inline(always)]
pub fn take_work() -> u64 {
    let pending: u64;
    // SAFETY: GS:[WORK_OFFSET] is this CPU's `work` (see `this`); an aligned load reads it as a relaxed load.
    unsafe {
        core::arch::asm!("mov {}, gs:[{off}]", out(reg) pending, off = const WORK_OFFSET,
            options(nostack, readonly, preserves_flags));
    }
    if pending == 0 { 0 } else { this().work.swap(0, Ordering::Relaxed) }
}

/// CPU `cpu`'s `work` bits, for another CPU to ask it for work (with an IPI to make it look).
#[inline]
pub fn work_of(cpu: u32) -> &'static AtomicU64 {
    // `cpu` indexes the array (checked); the field is atomic and lives as long as the array.
    // SAFETY: a shared reference to one atomic field, never to the whole block, is race-free.
    unsafe { &*(&raw const (*(&raw const CPUS))[cpu as usize].work) }
}

/// The CPUs that have nothing to run (bit n: CPU n), each waiting in `hlt` or about to: a
/// wake-up for one needs an IPI, and a TLB shootdown need not wait for one (it flushes before
/// it runs ring-3 code again). Set and cleared by each CPU for itself, under the scheduler's
/// lock; read by any.
static IDLE: AtomicU64 = AtomicU64::new(0);

/// Says whether this CPU is idle. Sequentially consistent, so that a CPU leaving idle and then
/// reading its work bits pairs with a CPU setting a work bit and then reading this mask.
#[inline]
pub fn set_idle(idle: bool) {
    let me = 1u64 << this().id;
    if idle {
        IDLE.fetch_or(me, Ordering::SeqCst);
    } else {
        IDLE.fetch_and(!me, Ordering::SeqCst);
        core::sync::atomic::fence(Ordering::SeqCst);
    }
}

/// The idle CPUs.
#[inline]
pub fn idle_cpus() -> u64 {
    IDLE.load(Ordering::SeqCst)
}

/// The TLB generation CPU `cpu` has flushed up to.
#[inline]
pub fn tlb_seen_of(cpu: u32) -> &'static AtomicU64 {
    // SAFETY: as in `work_of`.
    unsafe { &*(&raw const (*(&raw const CPUS))[cpu as usize].tlb_seen) }
}

/// The page-table root CPU `cpu` has loaded.
#[inline]
pub fn root_of(cpu: u32) -> &'static AtomicU64 {
    // SAFETY: as in `work_of`.
    unsafe { &*(&raw const (*(&raw const CPUS))[cpu as usize].root) }
}

/// CPU `cpu`'s local APIC id.
#[inline]
pub fn apic_id_of(cpu: u32) -> u32 {
    // SAFETY: as in `work_of`.
    unsafe { &*(&raw const (*(&raw const CPUS))[cpu as usize].apic_id) }.load(Ordering::Relaxed)
}

/// This CPU's id.
#[inline(always)]
pub fn id() -> u32 {
    this().id
}
