//! What becomes of a system call a signal interrupted (Linux's -ERESTART* protocol:
//! include/linux/errno.h, arch/x86/kernel/signal.c `handle_signal` and
//! `arch_do_signal_or_restart`, kernel/signal.c's restart_block).
//!
//! A blocked call that a signal wakes returns one of four kernel-internal codes; the way back to
//! ring 3 turns it into what the program sees:
//!
//! | code | a handler runs | no handler runs (the signal was ignored) |
//! |---|---|---|
//! | ERESTARTSYS | EINTR, or the call again with SA_RESTART | the call again |
//! | ERESTARTNOINTR | the call again | the call again |
//! | ERESTARTNOHAND | EINTR | the call again |
//! | ERESTART_RESTARTBLOCK | EINTR | restart_syscall, which goes on from the thread's [`Restart`] |
//!
//! "The call again" backs RIP over the 2-byte `syscall` and puts the original number back in
//! RAX; the argument registers are untouched, so it runs with the same arguments.
//! RESTARTBLOCK is for calls whose arguments would be wrong the second time (a relative
//! timeout): their restart record holds the absolute deadline.
use crate::arch::TrapFrame;
use abi::errno::{EINTR, ERESTART_RESTARTBLOCK, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS};
use abi::nr::SYS_RESTART_SYSCALL;
use abi::signal::SA_RESTART;

/// How restart_syscall goes on with an interrupted call (Linux's `struct restart_block`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// nanosleep / relative clock_nanosleep: sleep on until `deadline` on `clock`, writing the
    /// time left to `rem` (0: none) if interrupted again.
    Sleep { clock: u64, deadline: u64, rem: u64 },
    /// FUTEX_WAIT with a timeout: wait on until `deadline` (monotonic ns).
    Futex { addr: u64, val: u32, deadline: u64, bitset: u32, shared: bool },
    /// poll with a timeout (`deadline`, monotonic ns) or without.
    Poll { ufds: u64, nfds: u64, deadline: Option<u64> },
}

/// The interrupted syscall's number and restart code, if `frame` returns from one.
fn code(frame: &TrapFrame) -> Option<(u64, isize)> {
    let nr = frame.syscall_nr()?;
    let e = -(frame.rax as i64) as isize;
    is_restart_code(e).then_some((nr, e))
}

/// Whether `errno` is one of the restart codes (which must not reach ring 3 as they are).
#[inline]
pub fn is_restart_code(errno: isize) -> bool {
    matches!(errno, ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK)
}

/// A handler with `sa_flags` is about to run on `frame`: the interrupted call either fails with
/// EINTR or is set to run again after the handler returns (the signal frame saves the result).
pub fn before_handler(frame: &mut TrapFrame, sa_flags: u64) {
    let Some((nr, e)) = code(frame) else { return };
    match e {
        ERESTARTSYS if sa_flags & SA_RESTART != 0 => frame.restart_syscall(nr),
        ERESTARTNOINTR => frame.restart_syscall(nr),
        _ => frame.rax = (-EINTR) as u64,
    }
    frame.clear_syscall();
}

/// No handler ran (the signals were ignored, or none was left): the call runs again.
pub fn without_handler(frame: &mut TrapFrame) {
    let Some((nr, e)) = code(frame) else { return };
    frame.restart_syscall(if e == ERESTART_RESTARTBLOCK { SYS_RESTART_SYSCALL as u64 } else { nr });
    frame.clear_syscall();
}
