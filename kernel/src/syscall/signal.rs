//! rt_sigaction, rt_sigprocmask, sigaltstack (Linux kernel/signal.c): the bookkeeping of
//! handlers, the blocked mask and the alternate stack.
use super::{EINVAL, ENOMEM, SysResult, efault};
use crate::process::{
    self, sched,
    signal::{AltStack, NSIG, SS_DISABLE, SigAction},
};

const SIGKILL: u64 = 9;
const SIGSTOP: u64 = 19;
const SIG_BLOCK: u64 = 0;
const SIG_UNBLOCK: u64 = 1;
const SIG_SETMASK: u64 = 2;
const SS_ONSTACK: i32 = 1;
const SS_AUTODISARM: i32 = 1 << 31;
const MINSIGSTKSZ: u64 = 2048;
const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

fn as_bytes<T: Copy>(v: &T) -> &[u8] {
    // SAFETY: T is one of the plain `repr(C)` integer structs of this module.
    unsafe { core::slice::from_raw_parts(v as *const T as *const u8, size_of::<T>()) }
}

fn from_bytes<T: Copy + Default>(b: &[u8]) -> T {
    let mut v = T::default();
    // SAFETY: as above; every bit pattern is valid for these integer structs.
    unsafe { core::ptr::copy_nonoverlapping(b.as_ptr(), &mut v as *mut T as *mut u8, size_of::<T>()) };
    v
}

pub fn rt_sigaction(sig: u64, act: u64, oact: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != 8 || sig == 0 || sig > NSIG as u64 || (act != 0 && (sig == SIGKILL || sig == SIGSTOP)) {
        return Err(EINVAL);
    }
    process::with(|p| {
        let slot = (sig - 1) as usize;
        let new = if act != 0 {
            let mut raw = [0u8; size_of::<SigAction>()];
            p.aspace.copy_in(act, &mut raw).map_err(efault)?;
            Some(from_bytes::<SigAction>(&raw))
        } else {
            None
        };
        // Linux (kernel/signal.c) installs the new action before copying the old one out, so a
        // bad `oact` is EFAULT with the new action already in place.
        let old = p.signals.actions[slot];
        if let Some(mut a) = new {
            a.mask &= !UNBLOCKABLE;
            p.signals.actions[slot] = a;
        }
        if oact != 0 {
            p.aspace.copy_out(oact, as_bytes(&old)).map_err(efault)?;
        }
        Ok(0)
    })
}

pub fn rt_sigprocmask(how: u64, set: u64, oset: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != 8 {
        return Err(EINVAL);
    }
    process::with(|p| {
        let old = sched::with_current(|t| t.sigmask);
        if set != 0 {
            let mut raw = [0u8; 8];
            p.aspace.copy_in(set, &mut raw).map_err(efault)?;
            let s = u64::from_le_bytes(raw);
            let new = match how {
                SIG_BLOCK => old | s,
                SIG_UNBLOCK => old & !s,
                SIG_SETMASK => s,
                _ => return Err(EINVAL),
            } & !UNBLOCKABLE;
            sched::with_current(|t| t.sigmask = new);
        }
        if oset != 0 {
            p.aspace.copy_out(oset, &old.to_le_bytes()).map_err(efault)?;
        }
        Ok(0)
    })
}

pub fn sigaltstack(ss: u64, old: u64) -> SysResult {
    process::with(|p| {
        let current = sched::with_current(|t| t.altstack);
        if ss != 0 {
            let mut raw = [0u8; size_of::<AltStack>()];
            p.aspace.copy_in(ss, &mut raw).map_err(efault)?;
            let new: AltStack = from_bytes(&raw);
            // Linux (kernel/signal.c do_sigaltstack): the mode is 0, SS_DISABLE, or SS_ONSTACK,
            // which old programs pass and which means 0; only SS_AUTODISARM is kept with it.
            match new.flags & !SS_AUTODISARM {
                SS_DISABLE => {
                    sched::with_current(|t| t.altstack = AltStack { sp: 0, flags: SS_DISABLE, _pad: 0, size: 0 })
                }
                0 | SS_ONSTACK if new.size < MINSIGSTKSZ => return Err(ENOMEM),
                0 | SS_ONSTACK => {
                    sched::with_current(|t| t.altstack = AltStack { flags: new.flags & SS_AUTODISARM, ..new })
                }
                _ => return Err(EINVAL),
            }
        }
        if old != 0 {
            p.aspace.copy_out(old, as_bytes(&current)).map_err(efault)?;
        }
        Ok(0)
    })
}
