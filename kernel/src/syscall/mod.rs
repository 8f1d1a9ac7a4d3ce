//! The Linux system-call interface (arch/x86/entry/syscalls/syscall_64.tbl): numbers, argument
//! registers (rdi, rsi, rdx, r10, r8, r9), the result in rax, and `-errno` on failure.
//!
//! Every syscall is one line of [`table`]: its number (abi's name), the kinds of its arguments
//! and result (which is all `--strace` needs to print it), and its handler, which lives in the
//! file of its area. Adding a syscall = its handler + one table line. Unknown numbers return
//! -ENOSYS and are logged once each.
mod fs;
mod ids;
mod io;
mod memory;
mod namei;
pub mod path;
mod poll;
mod process;
mod select;
mod signal;
pub mod strace;
pub mod table;
pub mod thread;
pub mod time;
mod wait;

pub(crate) use fs::install_pair;
pub(crate) use namei::{find_sock, mksock};

use crate::arch::TrapFrame;
use abi::errno::ENOSYS;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A syscall's result: the value, or a positive errno.
pub type SysResult = Result<u64, isize>;
/// The six argument registers, in ABI order.
pub type Args = [u64; 6];
/// A handler: reads its arguments from the frame's argument registers (rdi, rsi, rdx, r10, r8,
/// r9 — the table line names them), and may use the rest of it (clone copies the registers,
/// rt_sigreturn replaces them).
pub type Handler = fn(&mut TrapFrame) -> SysResult;

/// Set once `--strace`, `--trace-startup` or `--account` is on: every system call then goes
/// through them.
static HOOKED: AtomicBool = AtomicBool::new(false);

/// Says that a syscall hook (strace, the start-up trace) is on.
pub fn hook() {
    HOOKED.store(true, Ordering::Relaxed);
}

/// Serves the syscall in `frame`: looks the number up, runs its handler (printing it first when
/// strace is on) and puts the result in rax.
#[inline]
pub fn dispatch(frame: &mut TrapFrame) {
    let nr = frame.rax as usize;
    // One test for both hooks on the common path (neither is on).
    let result = if HOOKED.load(Ordering::Relaxed) {
        if crate::process::account::enabled() {
            crate::process::account::user_exit(crate::arch::tsc::read());
            crate::process::account::mark(nr);
        }
        if crate::process::trace::enabled() {
            crate::process::trace::syscall(nr);
        }
        if strace::enabled() {
            strace::traced(nr, frame)
        } else {
            let handler = table::HANDLERS.get(nr).copied().unwrap_or(sys_ni_syscall as Handler);
            handler(frame)
        }
    } else {
        let handler = match table::HANDLERS.get(nr) {
            Some(h) => *h,
            None => sys_ni_syscall as Handler,
        };
        handler(frame)
    };
    frame.rax = match result {
        Ok(v) => v,
        Err(errno) => {
            if crate::process::restart::is_restart_code(errno) {
                // A signal cut the call short: the way out must deliver it and settle the call.
                crate::arch::percpu::set_sigpending();
            }
            (-errno) as u64
        }
    };
}

/// The argument registers in ABI order.
pub fn args(f: &TrapFrame) -> Args {
    [f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9]
}

/// The handler of every number rt0 does not serve (Linux's `sys_ni_syscall`): -ENOSYS.
pub fn sys_ni_syscall(frame: &mut TrapFrame) -> SysResult {
    Err(unknown(frame.rax as usize))
}

static LOGGED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// -ENOSYS, with one log line the first time each number is seen.
fn unknown(nr: usize) -> isize {
    let first = match LOGGED.get(nr / 64) {
        Some(word) => word.fetch_or(1 << (nr % 64), Ordering::Relaxed) & (1 << (nr % 64)) == 0,
        None => true,
    };
    if first {
        match abi::nr::name(nr) {
            Some(name) => log::warn!("syscall: unknown syscall {nr} ({name}), returning -ENOSYS"),
            None => log::warn!("syscall: unknown syscall {nr}, returning -ENOSYS"),
        }
    }
    ENOSYS
}
