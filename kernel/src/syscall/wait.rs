//! New processes and their ends (Linux kernel/fork.c, kernel/exit.c, fs/exec.c): fork, vfork,
//! clone without CLONE_THREAD, execve, wait4 and waitid. The work is in `process::task` and
//! `process::exec`; here are the arguments and Linux's checks in Linux's order.
use super::SysResult;
use crate::arch::TrapFrame;
use crate::process::task::{self, Which};
use crate::process::uaccess::UserPtr;
use abi::errno::{EINVAL, ESRCH};
use abi::sched::*;
use abi::signal::{NSIG, SIGCHLD, Siginfo};
use abi::wait::*;

/// The clone flags a new process may have; the others (a shared descriptor table, working
/// directory or handler table, a new namespace, CLONE_PARENT, pidfds, tracing) are EINVAL with
/// a log line, since rt0 does not share those between processes.
const PROCESS_FLAGS: usize = CLONE_VM
    | CLONE_VFORK
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_DETACHED
    | CLONE_UNTRACED
    | CLONE_SYSVSEM
    | CSIGNAL;

/// The EINVAL for sharing more than memory is logged once.
static SHARING_SAID: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// clone without CLONE_THREAD: a new process (Linux's kernel_clone for fork, vfork and
/// posix_spawn). The exit signal is the low byte (CSIGNAL).
pub fn clone_process(frame: &TrapFrame, flags: usize, stack: u64, ptid: u64, ctid: u64, tls: u64) -> SysResult {
    // Linux's copy_process: CLONE_SIGHAND needs CLONE_VM.
    if flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0 {
        return Err(EINVAL);
    }
    if flags & !PROCESS_FLAGS != 0 {
        if !SHARING_SAID.swap(true, core::sync::atomic::Ordering::Relaxed) {
            log::warn!("clone: flags {flags:#x} share more than memory with a new process: EINVAL (said once)");
        }
        return Err(EINVAL);
    }
    let exit_signal = (flags & CSIGNAL) as i32;
    if exit_signal > NSIG as i32 {
        return Err(EINVAL);
    }
    if flags & CLONE_SETTLS != 0 && tls >= crate::mm::vma::USER_END {
        return Err(abi::errno::EPERM);
    }
    super::thread::may_add_thread()?;
    let mut child = *frame;
    if stack != 0 {
        child.rsp = stack;
    }
    let fs = if flags & CLONE_SETTLS != 0 { tls } else { x86_64::registers::model_specific::FsBase::read().as_u64() };
    task::fork(
        child,
        fs,
        flags & CLONE_VM != 0,
        flags & CLONE_VFORK != 0,
        exit_signal,
        (flags & CLONE_PARENT_SETTID != 0).then_some(ptid),
        (flags & CLONE_CHILD_SETTID != 0).then_some(ctid),
        if flags & CLONE_CHILD_CLEARTID != 0 { ctid } else { 0 },
    )
}

/// fork(): clone(SIGCHLD).
pub fn fork(frame: &TrapFrame) -> SysResult {
    clone_process(frame, SIGCHLD as usize, 0, 0, 0, 0)
}

/// vfork(): clone(CLONE_VM | CLONE_VFORK | SIGCHLD).
pub fn vfork(frame: &TrapFrame) -> SysResult {
    clone_process(frame, CLONE_VM | CLONE_VFORK | SIGCHLD as usize, 0, 0, 0, 0)
}

/// execve(path, argv, envp).
pub fn execve(frame: &mut TrapFrame, path: u64, argv: u64, envp: u64) -> SysResult {
    crate::process::exec::execve(frame, path, argv, envp)
}

/// wait4(pid, wstatus, options, rusage): Linux's checks (options, then pid), the wait, then the
/// status and a zeroed rusage (rt0 keeps no per-process accounting) copied out.
pub fn wait4(pid: u64, wstatus: u64, options: u64, rusage: u64) -> SysResult {
    let options = options as usize;
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL) != 0 {
        return Err(EINVAL);
    }
    let which = match pid as i32 {
        i32::MIN => return Err(ESRCH),
        -1 => Which::Any,
        0 => Which::Group(crate::process::PID),
        p if p < 0 => Which::Group(p.unsigned_abs()),
        p => Which::Pid(p as u32),
    };
    let Some(r) = task::wait(which, options | WEXITED)? else { return Ok(0) };
    if wstatus != 0 {
        UserPtr::<i32>::new(wstatus).write(&r.status.wait_status())?;
    }
    if rusage != 0 {
        UserPtr::new(rusage).write(&Rusage::default())?;
    }
    Ok(r.pid as u64)
}

/// waitid(idtype, id, infop, options, rusage): the options must ask for some change (EINVAL),
/// the id type must be known (P_PIDFD is not: EINVAL); the child's siginfo — zeros when
/// WNOHANG finds none — and a zeroed rusage are copied out; the result is 0.
pub fn waitid(idtype: u64, id: u64, infop: u64, options: u64, rusage: u64) -> SysResult {
    let options = options as usize;
    if options & !(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL) != 0
        || options & (WEXITED | WSTOPPED | WCONTINUED) == 0
    {
        return Err(EINVAL);
    }
    let which = match idtype as usize {
        P_ALL => Which::Any,
        P_PID if id as i32 > 0 => Which::Pid(id as u32),
        P_PGID if id as i32 == 0 => Which::Group(crate::process::PID),
        P_PGID if id as i32 > 0 => Which::Group(id as u32),
        _ => return Err(EINVAL),
    };
    let found = task::wait(which, options)?;
    if infop != 0 {
        let mut info = Siginfo::ZERO;
        if let Some(r) = &found {
            let (code, status) = r.status.cld();
            info.si_signo = SIGCHLD;
            info.si_code = code;
            info.fields[0] = r.pid as u64;
            info.fields[1] = status as u32 as u64;
        }
        UserPtr::new(infop).write(&info)?;
    }
    if rusage != 0 {
        UserPtr::new(rusage).write(&Rusage::default())?;
    }
    Ok(0)
}
