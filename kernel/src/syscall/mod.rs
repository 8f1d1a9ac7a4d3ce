//! The Linux system-call interface (arch/x86/entry/syscalls/syscall_64.tbl): numbers, argument
//! registers (rdi, rsi, rdx, r10, r8, r9), the result in rax, and `-errno` on failure.
//! One file per area; unknown numbers return -ENOSYS and are logged once each.
mod io;
mod memory;
mod process;
mod signal;
mod thread;
pub mod time;

use crate::arch::TrapFrame;
use crate::mm::aspace::Fault;
use core::sync::atomic::{AtomicU64, Ordering};

pub const EPERM: i64 = 1;
pub const ESRCH: i64 = 3;
pub const EBADF: i64 = 9;
pub const EAGAIN: i64 = 11;
pub const ENOMEM: i64 = 12;
pub const EFAULT: i64 = 14;
pub const EEXIST: i64 = 17;
pub const EACCES: i64 = 13;
pub const EINVAL: i64 = 22;
pub const ENOSYS: i64 = 38;
pub const ETIMEDOUT: i64 = 110;

/// A syscall's result: the value, or a positive errno.
pub type SysResult = Result<u64, i64>;

/// EFAULT for any failed user-memory access.
pub fn efault(_: Fault) -> i64 {
    EFAULT
}

/// Called by the entry stub with the user's registers; the result goes back in rax.
pub extern "C" fn dispatch(frame: &mut TrapFrame) {
    let a = [frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9];
    let nr = frame.rax;
    if nr == 15 {
        // rt_sigreturn replaces every register, rax included.
        return crate::process::sigreturn(frame);
    }
    let result = match nr {
        0 => io::read(a[0], a[1], a[2]),
        1 => io::write(a[0], a[1], a[2]),
        9 => memory::mmap(a[0], a[1], a[2], a[3], a[4], a[5]),
        10 => memory::mprotect(a[0], a[1], a[2]),
        11 => memory::munmap(a[0], a[1]),
        12 => memory::brk(a[0]),
        13 => signal::rt_sigaction(a[0], a[1], a[2], a[3]),
        14 => signal::rt_sigprocmask(a[0], a[1], a[2], a[3]),
        20 => io::writev(a[0], a[1], a[2]),
        24 => thread::sched_yield(),
        28 => memory::madvise(a[0], a[1], a[2]),
        35 => time::nanosleep(a[0], a[1]),
        39 => Ok(crate::process::PID as u64), // getpid
        56 => thread::clone(frame, a[0], a[1], a[2], a[3], a[4]),
        60 => thread::exit(a[0] as i32),
        231 => crate::process::exit_group(a[0] as i32),
        63 => process::uname(a[0]),
        131 => signal::sigaltstack(a[0], a[1]),
        158 => process::arch_prctl(a[0], a[1]),
        186 => Ok(crate::process::sched::current_tid() as u64),
        202 => thread::futex(a[0], a[1], a[2], a[3], a[4], a[5]),
        204 => process::sched_getaffinity(a[0], a[1], a[2]),
        218 => thread::set_tid_address(a[0]),
        228 => time::clock_gettime(a[0], a[1]),
        230 => time::clock_nanosleep(a[0], a[1], a[2], a[3]),
        302 => process::prlimit64(a[0], a[1], a[2], a[3]),
        318 => process::getrandom(a[0], a[1], a[2]),
        _ => Err(unknown(nr)),
    };
    frame.rax = match result {
        Ok(v) => v,
        Err(errno) => (-errno) as u64,
    };
}

static LOGGED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// -ENOSYS, with one log line the first time each number is seen.
fn unknown(nr: u64) -> i64 {
    let first = match LOGGED.get(nr as usize / 64) {
        Some(word) => word.fetch_or(1 << (nr % 64), Ordering::Relaxed) & (1 << (nr % 64)) == 0,
        None => true,
    };
    if first {
        log::warn!("syscall: unknown syscall {nr}, returning -ENOSYS");
    }
    ENOSYS
}
