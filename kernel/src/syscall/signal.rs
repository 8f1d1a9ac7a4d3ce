//! rt_sigaction, rt_sigprocmask, sigaltstack, rt_sigreturn (Linux kernel/signal.c): the
//! bookkeeping of handlers, the blocked mask and the alternate stack, and the way back from a
//! handler.
use super::SysResult;
use crate::arch::TrapFrame;
use crate::process::uaccess::UserPtr;
use crate::process::{self, sched};
use abi::errno::{EINVAL, ENOMEM, ESRCH};
use abi::signal::*;

pub fn rt_sigaction(sig: u64, act: u64, oact: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != SIGSET_SIZE as u64 {
        return Err(EINVAL);
    }
    process::with(|p| {
        // Linux copies the new action in (EFAULT) before it looks at the signal number.
        let new = if act != 0 { Some(UserPtr::<KernelSigaction>::new(act).read_in(&mut p.aspace)?) } else { None };
        let catchable = sig != SIGKILL as u64 && sig != SIGSTOP as u64;
        if sig == 0 || sig > NSIG as u64 || (new.is_some() && !catchable) {
            return Err(EINVAL);
        }
        // Linux (kernel/signal.c) installs the new action before copying the old one out, so a
        // bad `oact` is EFAULT with the new action already in place.
        let old = *p.signals.action(sig as i32);
        if let Some(mut a) = new {
            a.sa_mask &= !UNBLOCKABLE;
            *p.signals.action(sig as i32) = a;
        }
        if oact != 0 {
            UserPtr::new(oact).write_in(&mut p.aspace, &old)?;
        }
        Ok(0)
    })
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
        sched::with_current(|t| t.set_sigmask(new));
    }
    if oset != 0 {
        UserPtr::new(oset).write(&old)?;
    }
    Ok(0)
}

pub fn sigaltstack(ss: u64, old: u64) -> SysResult {
    let current = sched::with_current(|t| t.altstack);
    if let Some(new) = UserPtr::<StackT>::new(ss).read_opt()? {
        // Linux (kernel/signal.c do_sigaltstack): the mode is 0, SS_DISABLE, or SS_ONSTACK,
        // which old programs pass and which means 0; only SS_AUTODISARM is kept with it.
        let stack = match new.ss_flags & !SS_AUTODISARM {
            SS_DISABLE => StackT::DISABLED,
            0 | SS_ONSTACK if new.ss_size < MINSIGSTKSZ as u64 => return Err(ENOMEM),
            0 | SS_ONSTACK => StackT { ss_flags: new.ss_flags & SS_AUTODISARM, ..new },
            _ => return Err(EINVAL),
        };
        sched::with_current(|t| t.altstack = stack);
    }
    if old != 0 {
        UserPtr::new(old).write(&current)?;
    }
    Ok(0)
}

/// rt_sigpending: the signals pending for the thread that it blocks (Linux's do_sigpending; rt0
/// has no process-wide pending set: a process-directed signal waits in a thread's). A size above
/// a sigset's is EINVAL; a smaller one copies that many bytes.
pub fn rt_sigpending(set: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize > SIGSET_SIZE as u64 {
        return Err(EINVAL);
    }
    let pending = sched::with_current(|t| t.pending & t.sigmask);
    crate::process::uaccess::UserSlice::new(set, sigsetsize)?.write(&pending.to_le_bytes()[..sigsetsize as usize])?;
    Ok(0)
}

/// rt_sigreturn replaces every register, rax included: its "result" is the restored rax.
pub fn rt_sigreturn(frame: &mut TrapFrame) -> SysResult {
    crate::process::fault::sigreturn(frame);
    Ok(frame.rax)
}

/// Sends `sig` to thread `tid` of this process, or checks that it exists (`sig` 0). As in
/// Linux's do_send_specific, the thread is found (ESRCH) before the signal number is checked
/// (EINVAL).
fn send(tid: u64, sig: u64) -> SysResult {
    if !sched::signal_thread(tid as u32, None) {
        return Err(ESRCH);
    }
    if sig > NSIG as u64 {
        return Err(EINVAL);
    }
    let info = Siginfo::kill(sig as i32, SI_TKILL, crate::process::PID as i32, 0);
    if sig != 0 && !sched::signal_thread(tid as u32, Some(info)) {
        return Err(ESRCH);
    }
    Ok(0)
}

pub fn tgkill(tgid: u64, tid: u64, sig: u64) -> SysResult {
    if tgid as i32 <= 0 || tid as i32 <= 0 {
        return Err(EINVAL);
    }
    if tgid != crate::process::PID as u64 {
        return Err(ESRCH);
    }
    send(tid, sig)
}

pub fn tkill(tid: u64, sig: u64) -> SysResult {
    if tid as i32 <= 0 {
        return Err(EINVAL);
    }
    send(tid, sig)
}

/// kill: the process (pid 1, 0 for our group, -1 for every process we may signal) gets the
/// signal; it goes to the calling thread, which can take it (Linux picks any thread that does
/// not block it; the caller first). A pid that names no process is ESRCH before the signal
/// number is checked (EINVAL), as in Linux's kill_something_info.
pub fn kill(pid: u64, sig: u64) -> SysResult {
    match pid as i32 {
        0 | -1 => {}
        p if p == crate::process::PID as i32 => {}
        _ => return Err(ESRCH),
    }
    if sig > NSIG as u64 {
        return Err(EINVAL);
    }
    if sig != 0 {
        let info = Siginfo::kill(sig as i32, SI_USER, crate::process::PID as i32, 0);
        sched::signal_process(info);
    }
    Ok(0)
}
