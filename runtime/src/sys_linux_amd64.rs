//! Raw Linux system calls on x86-64: `syscall0`..`syscall6`, the thin wrappers the runtime
//! uses, and the two pieces of assembly that cannot be Rust functions — `clone`'s child side and
//! the signal restorer.
//!
//! Mirrors Go's `runtime/sys_linux_amd64.s` (`exit`, `exitThread`, `write1`, `usleep`, `gettid`,
//! `nanotime1`, `futex`, `osyield`, `clone`, `sigaltstack`, `rt_sigaction`, `sigreturn__sigaction`,
//! `sched_getaffinity`) and the Linux x86-64 syscall ABI: the number goes in RAX, arguments in
//! RDI, RSI, RDX, R10, R8, R9; the `syscall` instruction clobbers RCX (return RIP) and R11
//! (RFLAGS); the result comes back in RAX, with −4095..−1 meaning `-errno`. Every number, flag
//! and struct is abi's; the modules the runtime used to define are re-exported here for the test
//! programs that still name them through this module.

use abi::time::{CLOCK_MONOTONIC, Timespec};
use core::arch::asm;

pub use abi::errno::*;
pub use abi::mman::*;
/// Both abi::nr and abi::errno have a `name`: the syscall table's wins here.
pub use abi::nr::name;
pub use abi::nr::*;
pub use abi::sched::*;
pub use abi::signal::{KernelSigaction, StackT};

/// Issues system call `nr` with no arguments.
///
/// # Safety
/// The call must not break memory safety: for the given number, it must not write to memory Rust considers
/// borrowed or unmap memory in use (true of e.g. `getpid`; not of arbitrary numbers).
#[inline]
pub unsafe fn syscall0(nr: usize) -> isize {
    let ret: isize;
    // The caller guarantees the call itself is memory-safe.
    // SAFETY: the `syscall` instruction with the Linux ABI's register assignment and clobbers.
    unsafe {
        asm!("syscall", inlateout("rax") nr as isize => ret, out("rcx") _, out("r11") _, options(nostack));
    }
    ret
}

/// Issues system call `nr` with one argument.
///
/// # Safety
/// As for [`syscall0`]: any pointer argument must be valid for what the kernel does with it.
#[inline]
pub unsafe fn syscall1(nr: usize, a1: usize) -> isize {
    let ret: isize;
    // SAFETY: as in `syscall0`; the caller vouches for the argument.
    unsafe {
        asm!("syscall", inlateout("rax") nr as isize => ret, in("rdi") a1,
            out("rcx") _, out("r11") _, options(nostack));
    }
    ret
}

/// Issues system call `nr` with two arguments.
///
/// # Safety
/// As for [`syscall0`]: any pointer argument must be valid for what the kernel does with it.
#[inline]
pub unsafe fn syscall2(nr: usize, a1: usize, a2: usize) -> isize {
    let ret: isize;
    // SAFETY: as in `syscall0`; the caller vouches for the arguments.
    unsafe {
        asm!("syscall", inlateout("rax") nr as isize => ret, in("rdi") a1, in("rsi") a2,
            out("rcx") _, out("r11") _, options(nostack));
    }
    ret
}

/// Issues system call `nr` with three arguments.
///
/// # Safety
/// As for [`syscall0`]: any pointer argument must be valid for what the kernel does with it.
#[inline]
pub unsafe fn syscall3(nr: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let ret: isize;
    // SAFETY: as in `syscall0`; the caller vouches for the arguments.
    unsafe {
        asm!("syscall", inlateout("rax") nr as isize => ret, in("rdi") a1, in("rsi") a2, in("rdx") a3,
            out("rcx") _, out("r11") _, options(nostack));
    }
    ret
}

/// Issues system call `nr` with four arguments (the fourth goes in R10, not RCX as in the C ABI).
///
/// # Safety
/// As for [`syscall0`]: any pointer argument must be valid for what the kernel does with it.
#[inline]
pub unsafe fn syscall4(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> isize {
    let ret: isize;
    // SAFETY: as in `syscall0`; the caller vouches for the arguments.
    unsafe {
        asm!("syscall", inlateout("rax") nr as isize => ret, in("rdi") a1, in("rsi") a2, in("rdx") a3,
            in("r10") a4, out("rcx") _, out("r11") _, options(nostack));
    }
    ret
}

/// Issues system call `nr` with five arguments.
///
/// # Safety
/// As for [`syscall0`]: any pointer argument must be valid for what the kernel does with it.
#[inline]
pub unsafe fn syscall5(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> isize {
    let ret: isize;
    // SAFETY: as in `syscall0`; the caller vouches for the arguments.
    unsafe {
        asm!("syscall", inlateout("rax") nr as isize => ret, in("rdi") a1, in("rsi") a2, in("rdx") a3,
            in("r10") a4, in("r8") a5, out("rcx") _, out("r11") _, options(nostack));
    }
    ret
}

/// Issues system call `nr` with six arguments.
///
/// # Safety
/// As for [`syscall0`]: any pointer argument must be valid for what the kernel does with it.
#[inline]
pub unsafe fn syscall6(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize) -> isize {
    let ret: isize;
    // SAFETY: as in `syscall0`; the caller vouches for the arguments.
    unsafe {
        asm!("syscall", inlateout("rax") nr as isize => ret, in("rdi") a1, in("rsi") a2, in("rdx") a3,
            in("r10") a4, in("r8") a5, in("r9") a6, out("rcx") _, out("r11") _, options(nostack));
    }
    ret
}

/// `write(fd, buf)`: the number of bytes written (possibly fewer than `buf.len()`), or `-errno`
/// (Go's `write1`).
pub fn write(fd: i32, buf: &[u8]) -> isize {
    // SAFETY: the kernel only reads `buf.len()` bytes from `buf`, which the slice guarantees are readable.
    unsafe { syscall3(SYS_WRITE, fd as usize, buf.as_ptr() as usize, buf.len()) }
}

/// `exit_group(code)`: ends every thread of the process. The runtime leaves through
/// [`crate::exit::exit`] (Go's `exit`), which ends here.
pub fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group touches no user memory and does not return.
    unsafe {
        asm!("syscall", in("rax") SYS_EXIT_GROUP, in("rdi") code as isize, options(noreturn, nostack));
    }
}

/// `exit(code)`: ends the calling thread only (Go's `exitThread`); the process ends with its last thread.
pub fn exit_thread(code: i32) -> ! {
    // SAFETY: exit touches no user memory and does not return.
    unsafe {
        asm!("syscall", in("rax") SYS_EXIT, in("rdi") code as isize, options(noreturn, nostack));
    }
}

/// `getpid()`: the process id.
pub fn getpid() -> i32 {
    // SAFETY: getpid takes no arguments and touches no user memory.
    unsafe { syscall0(SYS_GETPID) as i32 }
}

/// `gettid()`: the calling thread's id.
pub fn gettid() -> i32 {
    // SAFETY: gettid takes no arguments and touches no user memory.
    unsafe { syscall0(SYS_GETTID) as i32 }
}

/// Sleeps `us` microseconds with a relative `nanosleep` (Go's `usleep`).
pub fn usleep(us: u64) {
    let ts = Timespec::from_ns(us * 1000);
    // SAFETY: the kernel reads the local timespec; no remainder is asked for.
    unsafe { syscall2(SYS_NANOSLEEP, &ts as *const Timespec as usize, 0) };
}

/// Nanoseconds on CLOCK_MONOTONIC (Go's `nanotime1`): through the vDSO's `__vdso_clock_gettime`
/// when the kernel maps one, else the system call.
#[inline]
pub fn nanotime() -> u64 {
    let mut ts = Timespec::default();
    crate::vdso_linux::clock_gettime(CLOCK_MONOTONIC, &mut ts);
    ts.tv_sec as u64 * abi::time::NSEC_PER_SEC + ts.tv_nsec as u64
}

/// CLOCK_REALTIME as (seconds, nanoseconds) since the epoch (Go's `walltime`), the same way.
pub fn walltime() -> (i64, i32) {
    let mut ts = Timespec::default();
    crate::vdso_linux::clock_gettime(abi::time::CLOCK_REALTIME, &mut ts);
    (ts.tv_sec, ts.tv_nsec as i32)
}

/// `futex(addr, op, val, ts, addr2, val3)`: the result or `-errno` (Go's `futex`).
///
/// # Safety
/// `addr` must point at a live, 4-byte aligned word for as long as the call lasts; `ts` must be
/// null or point at a live [`Timespec`]; for operations that use them, `addr2` must be a live
/// aligned word too. The operation must not change memory Rust considers borrowed (FUTEX_WAIT and
/// FUTEX_WAKE only read `*addr`).
pub unsafe fn futex(addr: *const u32, op: usize, val: u32, ts: *const Timespec, addr2: *const u32, val3: u32) -> isize {
    // SAFETY: the caller vouches for every pointer the operation reads.
    unsafe { syscall6(SYS_FUTEX, addr as usize, op, val as usize, ts as usize, addr2 as usize, val3 as usize) }
}

/// `sched_yield()`: lets another thread run on this CPU (Go's `osyield`).
pub fn osyield() {
    // SAFETY: sched_yield takes no arguments and touches no user memory.
    unsafe { syscall0(SYS_SCHED_YIELD) };
}

/// `sched_getaffinity(0, mask)`: the bytes of `mask` the kernel filled, or `-errno`.
pub fn sched_getaffinity(mask: &mut [u64]) -> isize {
    // SAFETY: the kernel writes at most size_of_val(mask) bytes into the slice.
    unsafe { syscall3(SYS_SCHED_GETAFFINITY, 0, size_of_val(mask), mask.as_mut_ptr() as usize) }
}

/// `sigaltstack(ss, NULL)`: installs this thread's alternate signal stack; 0 or `-errno`.
///
/// # Safety
/// `[ss.ss_sp, ss.ss_sp + ss.ss_size)` must be memory nothing else uses for as long as it is the
/// thread's signal stack: the kernel writes signal frames there.
pub unsafe fn sigaltstack(ss: &StackT) -> isize {
    // SAFETY: the kernel reads one stack_t; the caller vouches for the stack it names.
    unsafe { syscall2(SYS_SIGALTSTACK, ss as *const StackT as usize, 0) }
}

/// `rt_sigaction(sig, act, NULL)`: installs a handler; 0 or `-errno`.
///
/// # Safety
/// `act.sa_handler` (and `sa_restorer`) must be code that is sound to run at any instruction
/// where `sig` can arrive, on the stack the flags name.
pub unsafe fn rt_sigaction(sig: i32, act: &KernelSigaction) -> isize {
    // SAFETY: the kernel reads one kernel_sigaction; the caller vouches for the handler.
    unsafe {
        syscall4(SYS_RT_SIGACTION, sig as usize, act as *const KernelSigaction as usize, 0, abi::signal::SIGSET_SIZE)
    }
}

// runtime·clone: the child comes back from the syscall on its new stack with every other
// register as the parent had it, so the function and its argument travel in callee-saved
// registers; when the function returns, the thread exits (only that thread, as Go's mstart
// does on an M whose mstartfn returns).
#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".global rt0_clone",
    "rt0_clone:",
    // rdi = flags, rsi = stack, rdx = parent_tid, rcx = child_tid, r8 = tls, r9 = fn, [rsp+8] = arg
    "push r12",
    "push r13",
    "mov r12, r9",
    "mov r13, [rsp + 24]",
    "mov r10, rcx",
    "mov eax, {sys_clone}",
    "syscall",
    "test rax, rax",
    "jnz 2f",
    // Child: own stack, no frame to return to.
    "xor ebp, ebp",
    "and rsp, -16",
    "mov rdi, r13",
    "call r12",
    "xor edi, edi",
    "mov eax, {sys_exit}",
    "syscall",
    "ud2",
    "2:",
    "pop r13",
    "pop r12",
    "ret",
    sys_clone = const SYS_CLONE,
    sys_exit = const SYS_EXIT,
);

// sigreturn__sigaction: the sa_restorer of every handler the runtime installs.
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
core::arch::global_asm!(
    ".globl rt0_sigreturn",
    "rt0_sigreturn:",
    "mov eax, {sys_rt_sigreturn}",
    "syscall",
    "ud2",
    sys_rt_sigreturn = const SYS_RT_SIGRETURN,
);

#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
unsafe extern "C" {
    /// Calls rt_sigreturn on the frame the kernel built; never returns.
    pub(crate) fn rt0_sigreturn();
}

unsafe extern "C" {
    fn rt0_clone(
        flags: usize,
        stack: usize,
        ptid: *mut u32,
        ctid: *mut u32,
        tls: usize,
        f: extern "C" fn(usize),
        arg: usize,
    ) -> isize;
}

/// Starts `f(arg)` on a new thread whose stack ends at `stack_top` (Go's `clone`); returns the
/// new tid or `-errno`. [`CLONE_THREAD_FLAGS`] is the thread set Go's newosproc passes.
///
/// # Safety
/// `stack_top` must be the 16-byte-aligned top of memory the new thread may use as its stack
/// for as long as it runs; `ptid`/`ctid` must be valid for the flags that name them; `tls` is
/// installed as the child's FS base with CLONE_SETTLS. The new thread holds no P, so `f` must
/// not allocate through the runtime's allocator (see the `malloc` module docs).
pub unsafe fn clone_thread(
    flags: usize,
    stack_top: usize,
    ptid: *mut u32,
    ctid: *mut u32,
    tls: usize,
    f: extern "C" fn(usize),
    arg: usize,
) -> isize {
    // SAFETY: forwarded from the caller; rt0_clone follows the SysV ABI in the parent.
    unsafe { rt0_clone(flags, stack_top, ptid, ctid, tls, f, arg) }
}
