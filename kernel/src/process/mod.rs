//! The one process rt0 runs (Linux's `task_struct` group and `mm_struct`): its address space,
//! break, TLS bases and signal handlers, shared by its threads. [`exec`] builds it; [`fault`]
//! turns its CPU exceptions into demand paging or signals; [`exit_group`] ends it.
//!
//! Lock order (outermost first), for every lock under process/: futex bucket or a file object's
//! lock → `PROCESS` → pollers → scheduler → kernel-stack slots → page tables → a CPU's TLB
//! gather → a CPU's frame cache → the global frame list → heap. No CPU waits for another while
//! it holds any of them: IPIs are sent, and a TLB shootdown waits (`mm::tlb::finish`), with no
//! lock held, because a CPU spinning for a lock has interrupts off and would never answer.
pub mod account;
pub mod args;
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

/// The process's state as its syscalls see it.
pub struct Process {
    pub aspace: AddressSpace,
    pub brk_start: u64,
    pub brk: u64,
    /// Where the ELF's addresses were moved to: 0 for ET_EXEC, the load bias of a static-pie.
    pub load_bias: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    pub signals: Signals,
    pub start_tsc: u64,
    /// The descriptor table (shared by the threads: CLONE_FILES).
    pub fds: crate::fd::FdTable,
    /// Resource limits (RLIMIT_NOFILE's soft limit is mirrored in `fds`, which enforces it).
    pub limits: rlimit::Limits,
}

pub const PID: u32 = 1;

static PROCESS: Mutex<Option<Process>> = Mutex::new(None);

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

/// Runs `f` on the current process.
pub fn with<R>(f: impl FnOnce(&mut Process) -> R) -> R {
    f(PROCESS.lock().as_mut().expect("no process"))
}

/// The name of the mapping at `addr`, for fault reports.
pub fn region_name(addr: u64) -> &'static str {
    PROCESS.lock().as_ref().and_then(|p| p.aspace.find(addr).map(|v| v.name)).unwrap_or("no mapping")
}

/// For reports: ` [file address X]` when `pc` lies in a static-pie's image (X = pc minus the
/// load bias, what `addr2line -e PROGRAM` and `objdump` of the file show), else nothing.
pub fn file_address(pc: u64) -> alloc::string::String {
    let p = PROCESS.lock();
    match p.as_ref() {
        Some(p) if p.load_bias != 0 && p.aspace.find(pc).is_some_and(|v| v.name == "elf") => {
            alloc::format!(" [file address {:#x}]", pc - p.load_bias)
        }
        _ => alloc::string::String::new(),
    }
}

/// Set by the first thread that ends the process (Linux's SIGNAL_GROUP_EXIT).
static EXITING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Claims the end of the process for this CPU. The first caller goes on; a later one — another
/// thread ending the process on another CPU at the same moment (exit_group, a fatal signal) —
/// stops its CPU here, as Linux's zap_other_threads kills the rest of the group: one report,
/// one exit status.
pub fn claim_exit() {
    if EXITING.swap(true, core::sync::atomic::Ordering::AcqRel) {
        crate::arch::halt_forever()
    }
}

/// Ends the process (every thread) with `code`, logging its run time.
pub fn exit_group(code: i32) -> ! {
    claim_exit();
    exit_group_claimed(code)
}

/// [`exit_group`] for a caller that has already [`claim_exit`]ed.
pub fn exit_group_claimed(code: i32) -> ! {
    let ran = PROCESS.lock().as_ref().map_or(0, |p| tsc::read() - p.start_tsc);
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
}
