//! Processes (Linux's thread group `signal_struct`/`files_struct` and `mm_struct`): each has its
//! descriptor table, signal handlers, limits and working directory ([`ProcessCell`]), and an
//! address space with its break ([`MmCell`]), shared by its threads (and by a CLONE_VM child
//! until it execs). [`exec`] builds the first; [`task`] keeps the parent/child relations, fork,
//! exit and wait; [`fault`] turns CPU exceptions into demand paging or signals.
//!
//! Lock order (outermost first), for every lock under process/: futex bucket or a file object's
//! lock → the task table (`task::TASKS`) → a process's state ([`with`]) → an address space
//! ([`mm`]) → pollers → scheduler → kernel-stack slots → page tables → retired roots
//! (`mm::tlb::retire_root`) → a CPU's TLB
//! gather → a CPU's frame cache → the global frame list → heap. No CPU waits for another while
//! it holds any of them: IPIs are sent, and a TLB shootdown waits (`mm::tlb::finish`), with no
//! lock held, because a CPU spinning for a lock has interrupts off and would never answer.
pub mod account;
pub mod args;
pub mod binfmt_script;
pub mod elf;
pub mod exec;
pub mod farcall;
pub mod fault;
pub mod futex;
pub mod image;
pub mod restart;
pub mod rlimit;
pub mod sched;
pub mod sigframe;
pub mod signal;
pub mod stack;
pub mod task;
pub mod thread;
pub mod trace;
pub mod uaccess;
pub mod vdso;

use crate::arch::tsc;
use crate::mm::aspace::AddressSpace;
use crate::time::Span;
use signal::Signals;
use spin::Mutex;

pub use exec::exec;

/// Top of the user stack (exclusive), as on Linux without randomization. `abi::rt0::STACK_SIZE`
/// (RLIMIT_STACK's default) is reserved below it, committed on first touch, with an unmapped
/// guard page below the reservation.
pub const STACK_TOP: u64 = 0x0000_7fff_ffff_f000;
/// Where mmap places mappings that come without a usable hint.
pub const MMAP_BASE: u64 = 0x0000_7f00_0000_0000;

/// A process's state as its syscalls see it, behind its own lock ([`with`]).
pub struct Process {
    pub signals: Signals,
    pub start_tsc: u64,
    /// The descriptor table (shared by the threads: CLONE_FILES; copied by fork).
    pub fds: crate::fd::FdTable,
    /// Resource limits (RLIMIT_NOFILE's soft limit is mirrored in `fds`, which enforces it).
    pub limits: rlimit::Limits,
    /// The program it runs, when execve loaded it from the file tree (None: the booted one),
    /// for an execve of `/proc/self/exe`.
    pub exe: Option<alloc::sync::Arc<alloc::vec::Vec<u8>>>,
}

/// What the threads of one process share (Linux's `signal_struct`, `files_struct` and
/// `fs_struct` in one): its id, its working directory, and its [`Process`] state.
pub struct ProcessCell {
    pub pid: u32,
    /// The working directory: a node of the file tree (read without the lock by path lookups).
    pub cwd: core::sync::atomic::AtomicUsize,
    pub state: Mutex<Process>,
}

/// An address space with its program break (Linux's `mm_struct`): one per process, shared by
/// its threads and by a CLONE_VM child (vfork, posix_spawn) until that one execs or exits.
pub struct Mm {
    pub aspace: AddressSpace,
    pub brk_start: u64,
    pub brk: u64,
    /// Where the ELF's addresses were moved to: 0 for ET_EXEC, the load bias of a static-pie.
    pub load_bias: u64,
}

/// An [`Mm`] behind its lock, with the root of its page tables (fixed for its life: what a
/// CPU loads to run its threads, and the futex keys' name for it).
pub struct MmCell {
    pub root: u64,
    pub inner: Mutex<Mm>,
}

impl MmCell {
    pub fn new(mm: Mm) -> alloc::sync::Arc<MmCell> {
        alloc::sync::Arc::new(MmCell { root: mm.aspace.root(), inner: Mutex::new(mm) })
    }
}

/// The first process's pid: the program the runner booted. Its end stops the machine.
pub const PID: u32 = 1;

/// The running thread's process, as the scheduler put it in this CPU's block.
fn current_cell() -> Option<&'static ProcessCell> {
    let p = crate::arch::percpu::this().process.load(core::sync::atomic::Ordering::Relaxed) as *const ProcessCell;
    // The scheduler sets the pointer at each switch from the `Arc` the running thread holds, which
    // the thread keeps until it is reaped, on another CPU's switch, after it left this one; the
    // callers run on the thread's behalf and use the reference only while it runs.
    // SAFETY: so the pointee is alive for as long as the reference is used.
    (!p.is_null()).then(|| unsafe { &*p })
}

/// The running thread's address space, as [`current_cell`].
fn current_mm() -> Option<&'static MmCell> {
    let p = crate::arch::percpu::this().mm.load(core::sync::atomic::Ordering::Relaxed) as *const MmCell;
    // SAFETY: as in `current_cell`: the running thread holds the `Arc` behind the pointer.
    (!p.is_null()).then(|| unsafe { &*p })
}

/// The description behind descriptor `fd` (EBADF), taken out of the process lock so the caller
/// may block on it. An O_PATH descriptor is EBADF here too, as Linux's `fdget`: it serves only
/// the calls that take [`file_raw`].
pub fn file(fd: u64) -> Result<alloc::sync::Arc<crate::fd::OpenFile>, uaccess::Errno> {
    let f = with(|p| p.fds.get(fd))?;
    if f.is_path() { Err(abi::errno::EBADF) } else { Ok(f) }
}

/// The description behind `fd`, O_PATH ones included (Linux's `fdget_raw`): for fstat, fchdir,
/// and a directory descriptor of the *at calls.
pub fn file_raw(fd: u64) -> Result<alloc::sync::Arc<crate::fd::OpenFile>, uaccess::Errno> {
    with(|p| p.fds.get(fd))
}

/// Runs `f` on the current process's state (its lock held).
pub fn with<R>(f: impl FnOnce(&mut Process) -> R) -> R {
    f(&mut current_cell().expect("no process").state.lock())
}

/// Runs `f` on the current address space (its lock held).
pub fn mm<R>(f: impl FnOnce(&mut Mm) -> R) -> R {
    f(&mut current_mm().expect("no process").inner.lock())
}

/// The running thread's process id (getpid).
pub fn pid() -> u32 {
    current_cell().map_or(PID, |c| c.pid)
}

/// The current address space's name (its root), for futex keys.
pub fn mm_root() -> u64 {
    current_mm().map_or(0, |m| m.root)
}

/// The current process's working directory; None on an idle context (before the first).
pub fn cwd() -> Option<usize> {
    current_cell().map(|c| c.cwd.load(core::sync::atomic::Ordering::Relaxed))
}

/// Changes the current process's working directory.
pub fn set_cwd(node: usize) {
    if let Some(c) = current_cell() {
        c.cwd.store(node, core::sync::atomic::Ordering::Relaxed);
    }
}

/// The name of the mapping at `addr`, for fault reports.
pub fn region_name(addr: u64) -> &'static str {
    current_mm().and_then(|m| m.inner.lock().aspace.find(addr).map(|v| v.name)).unwrap_or("no mapping")
}

/// For reports: ` [file address X]` when `pc` lies in a static-pie's image (X = pc minus the
/// load bias, what `addr2line -e PROGRAM` and `objdump` of the file show), else nothing.
pub fn file_address(pc: u64) -> alloc::string::String {
    let Some(m) = current_mm() else { return alloc::string::String::new() };
    let m = m.inner.lock();
    if m.load_bias != 0 && m.aspace.find(pc).is_some_and(|v| v.name == "elf") {
        alloc::format!(" [file address {:#x}]", pc - m.load_bias)
    } else {
        alloc::string::String::new()
    }
}

/// Set by the first thread that ends the first process (Linux's SIGNAL_GROUP_EXIT), which
/// stops the machine.
static EXITING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Claims the end of the first process for this CPU. The first caller goes on; a later one —
/// another thread ending it on another CPU at the same moment (exit_group, a fatal signal) —
/// stops its CPU here, as Linux's zap_other_threads kills the rest of the group: one report,
/// one exit status.
pub fn claim_exit() {
    if EXITING.swap(true, core::sync::atomic::Ordering::AcqRel) {
        crate::arch::halt_forever()
    }
}

/// Ends the current process (every thread) with exit code `code` (exit_group).
pub fn exit_group(code: i32) -> ! {
    if pid() == PID {
        claim_exit();
        exit_group_claimed(code)
    }
    task::group_exit(task::Status::Exited(code))
}

/// [`exit_group`] of the first process for a caller that has already [`claim_exit`]ed: the
/// machine stops, and the runner gets `code`. Its other processes end with it, as every
/// process of a pid namespace is killed when the namespace's init ends.
pub fn exit_group_claimed(code: i32) -> ! {
    let ran = current_cell().map_or(0, |c| tsc::read() - c.state.lock().start_tsc);
    log::info!("exit_group({code}) after {} in the process", Span(ran));
    if account::enabled() {
        account::report(&sched::accounts());
    }
    crate::control::exit(code)
}

#[cfg(test)]
mod tests {
    mod elf;
    mod stack;
    mod status;
}
