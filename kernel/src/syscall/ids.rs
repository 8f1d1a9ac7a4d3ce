//! Identity and per-thread odds and ends (Linux kernel/sys.c, kernel/futex/syscalls.c): the
//! process runs as root in its own session — uid, gid and their effective and saved copies are 0,
//! the parent is 0 as for init — set*id to 0 succeed (root may), prctl names threads, and
//! set_robust_list records the list head (walked when the thread dies), get_robust_list reads it.
use super::SysResult;
use crate::process::{sched, uaccess::UserPtr};
use abi::errno::{EINVAL, EPERM, ESRCH};
use abi::prctl::{PR_GET_NAME, PR_SET_NAME, TASK_COMM_LEN};

/// getuid, geteuid, getgid, getegid: root. getppid: 0, as for init.
pub fn zero() -> SysResult {
    Ok(0)
}

/// setuid, setgid: root may become anyone, but rt0 has no one else: 0 is kept, another id is
/// EPERM (the process could not act as it anyway).
pub fn setid(id: u64) -> SysResult {
    if id as u32 == 0 { Ok(0) } else { Err(EPERM) }
}

/// setresuid, setresgid: each id 0 or -1 (unchanged).
pub fn setresid(r: u64, e: u64, s: u64) -> SysResult {
    if [r, e, s].iter().all(|&i| i as u32 == 0 || i as u32 == u32::MAX) { Ok(0) } else { Err(EPERM) }
}

/// getresuid, getresgid: three zeros.
pub fn getresid(r: u64, e: u64, s: u64) -> SysResult {
    for at in [r, e, s] {
        UserPtr::<u32>::new(at).write(&0)?;
    }
    Ok(0)
}

/// getgroups: no supplementary groups.
pub fn getgroups(_size: u64, _list: u64) -> SysResult {
    Ok(0)
}

/// prctl: PR_SET_NAME / PR_GET_NAME (the thread's 16-byte name); other options EINVAL.
pub fn prctl(option: u64, arg2: u64) -> SysResult {
    match option as usize {
        PR_SET_NAME => {
            let mut name = [0u8; TASK_COMM_LEN];
            for (i, b) in name.iter_mut().enumerate().take(TASK_COMM_LEN - 1) {
                *b = UserPtr::<u8>::new(arg2 + i as u64).read()?;
                if *b == 0 {
                    break;
                }
            }
            sched::with_current(|t| t.name = name);
            Ok(0)
        }
        PR_GET_NAME => {
            let name = sched::with_current(|t| t.name);
            UserPtr::<[u8; TASK_COMM_LEN]>::new(arg2).write(&name)?;
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}

/// set_robust_list: records the head (its length must be the 24-byte `struct robust_list_head`);
/// the list is walked when the thread dies ([`crate::process::futex::exit_robust_list`]).
pub fn set_robust_list(head: u64, len: u64) -> SysResult {
    if len != size_of::<abi::futex::RobustListHead>() as u64 {
        return Err(EINVAL);
    }
    sched::with_current(|t| t.robust_list = head);
    Ok(0)
}

/// get_robust_list: the head thread `tid` (0: the caller) registered, and its length.
pub fn get_robust_list(tid: u64, head: u64, len: u64) -> SysResult {
    let found = match tid as i32 {
        0 => Some(sched::with_current(|t| t.robust_list)),
        t if t > 0 => sched::robust_list_of(t as u32),
        _ => None,
    };
    let found = found.ok_or(ESRCH)?;
    UserPtr::new(head).write(&found)?;
    UserPtr::new(len).write(&(size_of::<abi::futex::RobustListHead>() as u64))?;
    Ok(0)
}
