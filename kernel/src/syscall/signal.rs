//! rt_sigaction, rt_sigprocmask, sigaltstack, rt_sigreturn, kill, tkill, tgkill,
//! rt_(tg)sigqueueinfo, rt_sigpending, rt_sigsuspend, pause, rt_sigtimedwait, restart_syscall
//! (Linux kernel/signal.c): the bookkeeping of handlers, the blocked mask and the alternate
//! stack, sending, waiting for and taking signals, and the way back from a handler.
use super::SysResult;
use crate::arch::TrapFrame;
use crate::process::restart::Restart;
use crate::process::signal::Sender;
use crate::process::thread::Wake;
use crate::process::uaccess::{UserPtr, UserSlice};
use crate::process::{self, sched};
use crate::time::monotonic_ns;
use abi::errno::{EAGAIN, EINTR, EINVAL, ENOMEM, EPERM, ERESTARTNOHAND, ESRCH};
use abi::signal::*;
use abi::time::Timespec;

pub fn rt_sigaction(sig: u64, act: u64, oact: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != SIGSET_SIZE as u64 {
        return Err(EINVAL);
    }
    // Linux copies the new action in (EFAULT) before it looks at the signal number.
    let new = UserPtr::<KernelSigaction>::new(act).read_opt()?;
    process::with(|p| {
        let catchable = sig != SIGKILL as u64 && sig != SIGSTOP as u64;
        if sig == 0 || sig > NSIG as u64 || (new.is_some() && !catchable) {
            return Err(EINVAL);
        }
        // Linux (kernel/signal.c) installs the new action before copying the old one out, so a
        // bad `oact` is EFAULT with the new action already in place.
        let old = *p.signals.action(sig as i32);
        if let Some(mut a) = new {
            a.sa_mask &= !UNBLOCKABLE;
            p.signals.set(sig as i32, a);
            // POSIX: an action that ignores the signal throws a pending one away.
            if crate::process::signal::discarded(sig as i32, &a) {
                sched::flush_signal(sig as i32);
            }
        }
        Ok::<_, isize>(old)
    })
    .and_then(|old| if oact != 0 { UserPtr::new(oact).write(&old).map(|_| 0) } else { Ok(0) })
}

pub fn rt_sigprocmask(how: u64, set: u64, oset: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != SIGSET_SIZE as u64 {
        return Err(EINVAL);
    }
    let old = sched::with_current(|t| t.sigmask);
    if let Some(s) = UserPtr::<Sigset>::new(set).read_opt()? {
        let new = match how as usize {
            SIG_BLOCK => old | s,
            SIG_UNBLOCK => old & !s,
            SIG_SETMASK => s,
            _ => return Err(EINVAL),
        } & !UNBLOCKABLE;
        sched::set_sigmask(new);
    }
    if oset != 0 {
        UserPtr::new(oset).write(&old)?;
    }
    Ok(0)
}

/// sigaltstack as Linux's do_sigaltstack (kernel/signal.c): the thread keeps the values it was
/// given (flags included) and reports the mode from them and its stack pointer `sp`. A change
/// while running on the stack is EPERM; the mode is 0, SS_DISABLE or SS_ONSTACK (which old
/// programs pass and which means 0), with SS_AUTODISARM beside it; a request equal to what the
/// thread holds succeeds before the size check (so `{0, 0, 0}` on a new thread is 0); a stack
/// below MINSIGSTKSZ is ENOMEM. The old stack is read before the change and copied out after.
pub fn sigaltstack(ss: u64, old: u64, sp: u64) -> SysResult {
    let current = sched::with_current(|t| t.altstack);
    if let Some(new) = UserPtr::<StackT>::new(ss).read_opt()? {
        if current.holds(sp) {
            return Err(EPERM);
        }
        let stack = match new.ss_flags & !SS_FLAG_BITS {
            _ if (new.ss_sp, new.ss_size, new.ss_flags) == (current.ss_sp, current.ss_size, current.ss_flags) => {
                current
            }
            SS_DISABLE => StackT { ss_flags: new.ss_flags, ..StackT::NONE },
            0 | SS_ONSTACK if new.ss_size < MINSIGSTKSZ as u64 => return Err(ENOMEM),
            0 | SS_ONSTACK => StackT { _pad: 0, ..new },
            _ => return Err(EINVAL),
        };
        sched::with_current(|t| t.altstack = stack);
    }
    if old != 0 {
        let reported = StackT { ss_flags: current.mode_at(sp), _pad: 0, ..current };
        UserPtr::new(old).write(&reported)?;
    }
    Ok(0)
}

/// rt_sigreturn replaces every register, rax included: its "result" is the restored rax.
pub fn rt_sigreturn(frame: &mut TrapFrame) -> SysResult {
    crate::process::fault::sigreturn(frame);
    Ok(frame.rax)
}

/// Sends signal `sig` from `from` to thread `tid` of this process, or checks that it exists
/// (`sig` 0): ESRCH before EINVAL, as Linux's do_send_specific finds the thread first.
fn send(tid: u64, sig: u64, from: Sender) -> SysResult {
    let signo = if sig <= NSIG as u64 { sig as i32 } else { 0 };
    if tid > u32::MAX as u64 || !sched::signal_thread(tid as u32, signo, &from, signo != 0) {
        return Err(ESRCH);
    }
    if sig > NSIG as u64 {
        return Err(EINVAL);
    }
    Ok(0)
}

/// tkill's and tgkill's sender: the calling process.
fn tkill_sender() -> Sender {
    Sender::kill(SI_TKILL, process::pid() as i32, 0)
}

pub fn tgkill(tgid: u64, tid: u64, sig: u64) -> SysResult {
    if tgid as i32 <= 0 || tid as i32 <= 0 {
        return Err(EINVAL);
    }
    if sched::tgid_of(tid as u32) != Some(tgid as u32) {
        return Err(ESRCH);
    }
    send(tid, sig, tkill_sender())
}

pub fn tkill(tid: u64, sig: u64) -> SysResult {
    if tid as i32 <= 0 {
        return Err(EINVAL);
    }
    send(tid, sig, tkill_sender())
}

/// Sends `sig` from `from` to the process `pid` names (a pid; 0 and -1 — the caller's group,
/// every process it may signal — name the caller's own process here, as rt0 has no process
/// groups): ESRCH for a pid that names no live process before EINVAL for a bad signal, as
/// Linux's kill_pid_info. A zombie is found but takes nothing.
fn send_process(pid: u64, sig: u64, from: Sender) -> SysResult {
    let target = match pid as i32 {
        0 | -1 => process::pid(),
        p if p > 0 => p as u32,
        _ => return Err(ESRCH),
    };
    if !crate::process::task::exists(target) {
        return Err(ESRCH);
    }
    if sig > NSIG as u64 {
        return Err(EINVAL);
    }
    if sig != 0 {
        sched::signal_process(target, sig as i32, from);
    }
    Ok(0)
}

/// kill: the process gets the signal, taken by a thread that does not block it.
pub fn kill(pid: u64, sig: u64) -> SysResult {
    send_process(pid, sig, Sender::kill(SI_USER, process::pid() as i32, 0))
}

/// The sender rt_(tg)sigqueueinfo names: the program's own siginfo. Only a process signalling
/// itself may claim a kernel or kill()/tgkill() origin (si_code >= 0 or SI_TKILL), as Linux
/// says: EPERM otherwise.
fn queued_info(uinfo: u64, to_self: bool) -> Result<Sender, isize> {
    let info = UserPtr::<Siginfo>::new(uinfo).read()?;
    if (info.si_code >= 0 || info.si_code == SI_TKILL) && !to_self {
        return Err(EPERM);
    }
    Ok(Sender::of(&info))
}

pub fn rt_sigqueueinfo(pid: u64, sig: u64, uinfo: u64) -> SysResult {
    let from = queued_info(uinfo, pid as i32 == process::pid() as i32)?;
    send_process(pid, sig, from)
}

pub fn rt_tgsigqueueinfo(tgid: u64, tid: u64, sig: u64, uinfo: u64) -> SysResult {
    if tgid as i32 <= 0 || tid as i32 <= 0 {
        return Err(EINVAL);
    }
    let from = queued_info(uinfo, tid as u32 == sched::current_tid())?;
    if sched::tgid_of(tid as u32) != Some(tgid as u32) {
        return Err(ESRCH);
    }
    send(tid, sig, from)
}

/// rt_sigpending: the blocked signals pending for the thread or the process. A set smaller
/// than the kernel's is filled as far as it goes.
pub fn rt_sigpending(set: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize > SIGSET_SIZE as u64 {
        return Err(EINVAL);
    }
    let pending = sched::pending_signals() & sched::with_current(|t| t.sigmask);
    UserSlice::new(set, sigsetsize)?.write(&pending.to_ne_bytes()[..sigsetsize as usize])?;
    Ok(0)
}

/// Sleeps until a signal the thread does not block arrives; ERESTARTNOHAND (EINTR once a
/// handler ran), with the mask the caller had before `mask` put back after the handler.
fn suspend() -> SysResult {
    while sched::block(None) != Wake::Interrupted {}
    Err(ERESTARTNOHAND)
}

pub fn rt_sigsuspend(mask: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != SIGSET_SIZE as u64 {
        return Err(EINVAL);
    }
    sched::set_sigmask_for_call(UserPtr::<Sigset>::new(mask).read()?);
    suspend()
}

pub fn pause() -> SysResult {
    suspend()
}

/// rt_sigtimedwait: takes a pending signal of `set` without running its handler, waiting for
/// one (with those signals unblocked meanwhile) until the timeout: EAGAIN then, EINTR if
/// another signal came first. The signal is taken even if `info` cannot be written (EFAULT).
pub fn rt_sigtimedwait(set: u64, info: u64, timeout: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != SIGSET_SIZE as u64 {
        return Err(EINVAL);
    }
    let which = UserPtr::<Sigset>::new(set).read()? & !UNBLOCKABLE;
    let timeout = UserPtr::<Timespec>::new(timeout).read_opt()?;
    let deadline = match timeout {
        None => None,
        Some(t) => Some(monotonic_ns().saturating_add(t.to_ns().ok_or(EINVAL)?)),
    };
    let mut taken = sched::dequeue_signal(which).map(|(signo, from)| from.info(signo));
    let mut woken = Wake::TimedOut;
    if taken.is_none() && timeout.is_none_or(|t| t.to_ns() != Some(0)) {
        let old = sched::with_current(|t| t.sigmask);
        sched::set_sigmask(old & !which);
        loop {
            woken = sched::block(deadline);
            if woken != Wake::Woken {
                break;
            }
        }
        sched::set_sigmask(old);
        taken = sched::dequeue_signal(which).map(|(signo, from)| from.info(signo));
    }
    let Some(got) = taken else {
        return Err(if woken == Wake::Interrupted { EINTR } else { EAGAIN });
    };
    if info != 0 {
        UserPtr::new(info).write(&got)?;
    }
    Ok(got.si_signo as u64)
}

/// restart_syscall: goes on with the call a signal interrupted, from its restart record
/// (Linux's `restart_block`); EINTR when there is none.
pub fn restart_syscall() -> SysResult {
    match sched::with_current(|t| t.restart.take()) {
        Some(Restart::Sleep { clock, deadline, rem }) => super::time::restart_sleep(clock, deadline, rem),
        Some(Restart::Futex { addr, val, deadline, bitset, shared }) => {
            crate::process::futex::wait(addr, val, Some(deadline), bitset, shared)
        }
        Some(Restart::Poll { ufds, nfds, deadline }) => super::poll::restart_poll(ufds, nfds, deadline),
        None => Err(EINTR),
    }
}
