//! Raw Linux system calls on x86_64: numbers, errno values, `syscall0`..`syscall6` and a few safe wrappers.
//!
//! Mirrors Go's `runtime/sys_linux_amd64.s` and the Linux x86_64 syscall ABI: the number goes in RAX, arguments in
//! RDI, RSI, RDX, R10, R8, R9; the `syscall` instruction clobbers RCX (return RIP) and R11 (RFLAGS); the result
//! comes back in RAX, with −4095..−1 meaning `-errno`. Numbers are from `arch/x86/entry/syscalls/syscall_64.tbl`.

use core::arch::asm;

pub const SYS_READ: usize = 0;
pub const SYS_WRITE: usize = 1;
pub const SYS_MMAP: usize = 9;
pub const SYS_MPROTECT: usize = 10;
pub const SYS_MUNMAP: usize = 11;
pub const SYS_BRK: usize = 12;
pub const SYS_RT_SIGACTION: usize = 13;
pub const SYS_RT_SIGPROCMASK: usize = 14;
pub const SYS_RT_SIGRETURN: usize = 15;
pub const SYS_WRITEV: usize = 20;
pub const SYS_SCHED_YIELD: usize = 24;
pub const SYS_MADVISE: usize = 28;
pub const SYS_NANOSLEEP: usize = 35;
pub const SYS_GETPID: usize = 39;
pub const SYS_CLONE: usize = 56;
pub const SYS_EXIT: usize = 60;
pub const SYS_UNAME: usize = 63;
pub const SYS_SIGALTSTACK: usize = 131;
pub const SYS_ARCH_PRCTL: usize = 158;
pub const SYS_GETTID: usize = 186;
pub const SYS_FUTEX: usize = 202;
pub const SYS_SCHED_GETAFFINITY: usize = 204;
pub const SYS_SET_TID_ADDRESS: usize = 218;
pub const SYS_CLOCK_GETTIME: usize = 228;
pub const SYS_CLOCK_NANOSLEEP: usize = 230;
pub const SYS_EXIT_GROUP: usize = 231;
pub const SYS_TGKILL: usize = 234;
pub const SYS_PRLIMIT64: usize = 302;
pub const SYS_GETRANDOM: usize = 318;

/// errno values (`include/uapi/asm-generic/errno-base.h`, `errno.h`). System calls return them negated.
pub const EPERM: isize = 1;
pub const ENOENT: isize = 2;
pub const ESRCH: isize = 3;
pub const EINTR: isize = 4;
pub const EBADF: isize = 9;
pub const EAGAIN: isize = 11;
pub const ENOMEM: isize = 12;
pub const EACCES: isize = 13;
pub const EFAULT: isize = 14;
pub const EEXIST: isize = 17;
pub const EINVAL: isize = 22;
pub const ENOSYS: isize = 38;
pub const ETIMEDOUT: isize = 110;

/// `mmap`/`mprotect` protection bits (`include/uapi/asm-generic/mman-common.h`).
pub const PROT_NONE: usize = 0;
pub const PROT_READ: usize = 1;
pub const PROT_WRITE: usize = 2;
pub const PROT_EXEC: usize = 4;

/// `mmap` flags (`include/uapi/linux/mman.h`, `asm-generic/mman-common.h`).
pub const MAP_SHARED: usize = 0x01;
pub const MAP_PRIVATE: usize = 0x02;
pub const MAP_FIXED: usize = 0x10;
pub const MAP_ANONYMOUS: usize = 0x20;
pub const MAP_FIXED_NOREPLACE: usize = 0x10_0000;

/// `madvise` advice: drop the pages; private anonymous memory reads back as zeros.
pub const MADV_DONTNEED: usize = 4;

/// Issues system call `nr` with no arguments.
///
/// # Safety
/// The call must not break memory safety: for the given number, it must not write to memory Rust considers
/// borrowed or unmap memory in use (true of e.g. `getpid`; not of arbitrary numbers).
#[inline]
pub unsafe fn syscall0(nr: usize) -> isize {
    let ret: isize;
    // SAFETY: the `syscall` instruction with the Linux ABI's register assignment and clobbers; the caller
    // guarantees the call itself is memory-safe.
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

/// `write(fd, buf)`: the number of bytes written (possibly fewer than `buf.len()`), or `-errno`.
pub fn write(fd: i32, buf: &[u8]) -> isize {
    // SAFETY: the kernel only reads `buf.len()` bytes from `buf`, which the slice guarantees are readable.
    unsafe { syscall3(SYS_WRITE, fd as usize, buf.as_ptr() as usize, buf.len()) }
}

/// `exit_group(code)`: ends every thread of the process (what Go's `exit` and `os.Exit` do).
pub fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group touches no user memory and does not return.
    unsafe {
        asm!("syscall", in("rax") SYS_EXIT_GROUP, in("rdi") code as isize, options(noreturn, nostack));
    }
}

/// `exit(code)`: ends the calling thread only (Go's `exitThread`); the process ends with its last thread.
pub fn exit(code: i32) -> ! {
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

/// `struct kernel_sigaction` as the x86-64 rt_sigaction system call takes it (handler, flags,
/// restorer, mask — not libc's `struct sigaction` order).
#[repr(C)]
pub struct KSigaction {
    pub handler: usize,
    pub flags: u64,
    pub restorer: usize,
    pub mask: u64,
}

/// `stack_t` for sigaltstack.
#[repr(C)]
pub struct StackT {
    pub sp: usize,
    pub flags: i32,
    pub pad: i32,
    pub size: usize,
}
