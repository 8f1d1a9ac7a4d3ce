//! System calls that may block, for goroutines (Go's syscall package, syscall_linux.go
//! `Syscall`/`Syscall6` around `runtime.entersyscall`/`exitsyscall`, and `RawSyscall`): while the
//! call runs, its P can be retaken by sysmon and handed to another M, so the other goroutines
//! keep running while it blocks (a `read` of an empty pipe or the console, a `nanosleep`, a
//! `wait4`); a call that returns within a sysmon tick just takes its P back (see procm). The raw
//! forms do neither, for calls that never block.
use crate::procm::{entersyscall, exitsyscall};
use crate::sys_linux_amd64 as sys;

/// Syscall: a system call that may block the thread, made without holding up other goroutines.
/// Returns the result or `-errno`.
///
/// # Safety
/// As for the system call itself: every pointer argument must be valid for what the call does
/// with it, for as long as it lasts.
pub unsafe fn syscall6(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize) -> isize {
    entersyscall();
    // SAFETY: forwarded from the caller.
    let r = unsafe { sys::syscall6(nr, a1, a2, a3, a4, a5, a6) };
    exitsyscall();
    r
}

/// Syscall with three arguments.
///
/// # Safety
/// As for [`syscall6`].
pub unsafe fn syscall3(nr: usize, a1: usize, a2: usize, a3: usize) -> isize {
    // SAFETY: forwarded from the caller.
    unsafe { syscall6(nr, a1, a2, a3, 0, 0, 0) }
}

/// RawSyscall: a system call that never blocks, made directly.
///
/// # Safety
/// As for [`syscall6`].
pub unsafe fn raw_syscall6(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize) -> isize {
    // SAFETY: forwarded from the caller.
    unsafe { sys::syscall6(nr, a1, a2, a3, a4, a5, a6) }
}

/// read(2) on `fd` into `buf`, blocking only this goroutine: the bytes read or `-errno`.
pub fn read(fd: i32, buf: &mut [u8]) -> isize {
    // SAFETY: the kernel writes at most buf.len() bytes into buf, which outlives the call.
    unsafe { syscall3(abi::nr::SYS_READ, fd as usize, buf.as_mut_ptr() as usize, buf.len()) }
}

/// nanosleep(2) for `d`, blocking only this goroutine (the thread sleeps; time::sleep is the
/// goroutine-level sleep that needs no thread).
pub fn nanosleep(d: core::time::Duration) -> isize {
    let ts = abi::time::Timespec::from_ns(d.as_nanos().min(u64::MAX as u128) as u64);
    // SAFETY: the kernel reads the local timespec; no remainder is asked for.
    unsafe { syscall3(abi::nr::SYS_NANOSLEEP, &ts as *const _ as usize, 0, 0) }
}
