//! rt_sigaction, rt_sigprocmask, sigaltstack (Linux kernel/signal.c): the bookkeeping only. No handler that runs
//! program code is installed (rt0 does not deliver signals yet); every change is undone afterwards.

use crate::check::{Checklist, Outcome, detail, expect_eq, expect_errno, fail, succeeded};
use crate::sys::{self, SigAction, StackT};
use runtime::sys_linux_amd64::{EINVAL, ENOMEM};

const SIGKILL: usize = 9;
const SIGSTOP: usize = 19;
/// One past the last signal (64).
const SIG_TOO_BIG: usize = 65;
const SIGUSR1: usize = 10;
const SIG_DFL: usize = 0;
const SIG_IGN: usize = 1;
const SIG_BLOCK: usize = 0;
const SIG_SETMASK: usize = 2;
/// A `how` Linux does not define.
const SIG_BAD_HOW: usize = 9;
/// The kernel's sigset_t: 64 signals, 8 bytes.
const SIGSET_BYTES: usize = 8;
const SS_ONSTACK: i32 = 1;
const SS_DISABLE: i32 = 2;
/// The alternate stack the check registers (never used: no handler runs).
const ALTSTACK_BYTES: usize = 32 << 10;
/// Below MINSIGSTKSZ (2048): too small for an alternate stack.
const ALTSTACK_TOO_SMALL: usize = 100;

/// The bit for signal `sig` in a sigset.
const fn bit(sig: usize) -> u64 {
    1 << (sig - 1)
}

pub fn checks(c: &mut Checklist) {
    c.report("rt_sigaction SIGUSR1 SIG_IGN round trip", sigaction_round_trip());
    let act = SigAction { handler: SIG_IGN, ..SigAction::default() };
    c.report("rt_sigaction SIGKILL EINVAL", expect_errno(sys::rt_sigaction(SIGKILL, Some(&act), None, 8), EINVAL));
    c.report("rt_sigaction sigsetsize 4 EINVAL", expect_errno(sys::rt_sigaction(SIGUSR1, None, None, 4), EINVAL));
    let ret = sys::rt_sigaction(SIG_TOO_BIG, None, None, SIGSET_BYTES);
    c.report("rt_sigaction signal 65 EINVAL", expect_errno(ret, EINVAL));
    c.report("rt_sigaction sa_mask drops SIGKILL and SIGSTOP", sigaction_mask());
    c.report("rt_sigaction bad oact EFAULT, action still set", sigaction_bad_oact());

    c.report("rt_sigprocmask block SIGUSR1", block_usr1());
    let empty = 0u64;
    let bad_how = sys::rt_sigprocmask(SIG_BAD_HOW, Some(&empty), None, SIGSET_BYTES);
    c.report("rt_sigprocmask how 9 EINVAL", expect_errno(bad_how, EINVAL));
    c.report("rt_sigprocmask cannot block SIGKILL or SIGSTOP", block_unblockable());

    c.report("sigaltstack set 32 KiB and read back", altstack_round_trip());
    let small = StackT { sp: 0x1_0000, flags: 0, size: ALTSTACK_TOO_SMALL };
    c.report("sigaltstack size 100 ENOMEM", expect_errno(sys::sigaltstack(Some(&small), None), ENOMEM));
    c.report("sigaltstack SS_ONSTACK accepted as 0", altstack_onstack_flag());
}

/// Installs `act` for SIGUSR1, reads the action back, and restores SIG_DFL.
fn sigusr1_read_back(act: &SigAction) -> Result<SigAction, crate::check::Detail> {
    succeeded(sys::rt_sigaction(SIGUSR1, Some(act), None, SIGSET_BYTES))?;
    let mut got = SigAction::default();
    let read = sys::rt_sigaction(SIGUSR1, None, Some(&mut got), SIGSET_BYTES);
    let restore = SigAction { handler: SIG_DFL, ..SigAction::default() };
    succeeded(sys::rt_sigaction(SIGUSR1, Some(&restore), None, SIGSET_BYTES))?;
    succeeded(read)?;
    Ok(got)
}

/// Linux removes SIGKILL and SIGSTOP from a handler's sa_mask (they cannot be blocked).
fn sigaction_mask() -> Outcome {
    let got = sigusr1_read_back(&SigAction { handler: SIG_IGN, mask: u64::MAX, ..SigAction::default() })?;
    let want = !(bit(SIGKILL) | bit(SIGSTOP));
    if got.mask == want { Ok(()) } else { fail!("mask {:#x}, want {want:#x}", got.mask) }
}

/// Linux installs the new action first and copies the old one out after, so a bad `oact` fails with EFAULT but
/// the action is in place.
fn sigaction_bad_oact() -> Outcome {
    let ignore = SigAction { handler: SIG_IGN, ..SigAction::default() };
    // SAFETY: `oact` is unmapped, so the kernel writes nothing; the action (SIG_IGN) runs no program code.
    let ret = unsafe {
        runtime::sys_linux_amd64::syscall4(
            runtime::sys_linux_amd64::SYS_RT_SIGACTION,
            SIGUSR1,
            core::ptr::from_ref(&ignore) as usize,
            crate::sys::UNMAPPED_ADDR,
            SIGSET_BYTES,
        )
    };
    let mut now = SigAction::default();
    succeeded(sys::rt_sigaction(SIGUSR1, None, Some(&mut now), SIGSET_BYTES))?;
    let restore = SigAction { handler: SIG_DFL, ..SigAction::default() };
    succeeded(sys::rt_sigaction(SIGUSR1, Some(&restore), None, SIGSET_BYTES))?;
    expect_errno(ret, runtime::sys_linux_amd64::EFAULT)?;
    expect_eq(now.handler, SIG_IGN).map_err(|_| detail!("handler {:#x} after the call, want SIG_IGN", now.handler))
}

/// Blocking SIGKILL and SIGSTOP is silently ignored.
fn block_unblockable() -> Outcome {
    let mut original = 0u64;
    let set = bit(SIGKILL) | bit(SIGSTOP);
    succeeded(sys::rt_sigprocmask(SIG_BLOCK, Some(&set), Some(&mut original), SIGSET_BYTES))?;
    let mut now = 0u64;
    succeeded(sys::rt_sigprocmask(SIG_SETMASK, Some(&original), Some(&mut now), SIGSET_BYTES))?;
    if now == original { Ok(()) } else { fail!("mask {now:#x}, want {original:#x}") }
}

/// Linux takes ss_flags SS_ONSTACK as 0, for old programs (kernel/signal.c do_sigaltstack); the stack then
/// reads back with flags 0 (the program is not running on it).
fn altstack_onstack_flag() -> Outcome {
    let stack = [0u8; ALTSTACK_BYTES];
    let ss = StackT { sp: stack.as_ptr() as usize, flags: SS_ONSTACK, size: stack.len() };
    let mut original = StackT::default();
    succeeded(sys::sigaltstack(Some(&ss), Some(&mut original)))?;
    let mut got = StackT::default();
    succeeded(sys::sigaltstack(None, Some(&mut got)))?;
    let restore = StackT { flags: original.flags & SS_DISABLE, ..original };
    succeeded(sys::sigaltstack(Some(&restore), None))?;
    if (got.sp, got.size, got.flags) != (ss.sp, ss.size, 0) {
        return fail!("read back sp {:#x} size {} flags {:#x}", got.sp, got.size, got.flags);
    }
    Ok(())
}

/// SIGUSR1 → SIG_IGN, read back, then SIG_DFL again (and that reads back too).
fn sigaction_round_trip() -> Outcome {
    let ignore = SigAction { handler: SIG_IGN, ..SigAction::default() };
    let mut old = SigAction::default();
    succeeded(sys::rt_sigaction(SIGUSR1, Some(&ignore), Some(&mut old), SIGSET_BYTES))?;
    let mut got = SigAction::default();
    succeeded(sys::rt_sigaction(SIGUSR1, None, Some(&mut got), SIGSET_BYTES))?;
    let restore = SigAction { handler: SIG_DFL, ..SigAction::default() };
    succeeded(sys::rt_sigaction(SIGUSR1, Some(&restore), None, SIGSET_BYTES))?;
    expect_eq(old.handler, SIG_DFL).map_err(|_| detail!("initial handler {:#x}, want SIG_DFL", old.handler))?;
    expect_eq(got.handler, SIG_IGN).map_err(|_| detail!("read back handler {:#x}, want SIG_IGN", got.handler))?;
    let mut after = SigAction::default();
    succeeded(sys::rt_sigaction(SIGUSR1, None, Some(&mut after), SIGSET_BYTES))?;
    expect_eq(after.handler, SIG_DFL).map_err(|_| detail!("restored handler {:#x}, want SIG_DFL", after.handler))
}

/// Blocks SIGUSR1, reads the mask back (a NULL set only reads), and restores the original mask.
fn block_usr1() -> Outcome {
    let mut original = 0u64;
    succeeded(sys::rt_sigprocmask(SIG_BLOCK, Some(&bit(SIGUSR1)), Some(&mut original), SIGSET_BYTES))?;
    let mut now = 0u64;
    succeeded(sys::rt_sigprocmask(SIG_BLOCK, None, Some(&mut now), SIGSET_BYTES))?;
    succeeded(sys::rt_sigprocmask(SIG_SETMASK, Some(&original), None, SIGSET_BYTES))?;
    if now != original | bit(SIGUSR1) {
        return fail!("mask {now:#x}, want {:#x}", original | bit(SIGUSR1));
    }
    let mut restored = 0u64;
    succeeded(sys::rt_sigprocmask(SIG_BLOCK, None, Some(&mut restored), SIGSET_BYTES))?;
    if restored == original { Ok(()) } else { fail!("mask {restored:#x} after restoring {original:#x}") }
}

/// Registers a 32 KiB alternate stack, reads it back, then restores the original (disabled) state.
fn altstack_round_trip() -> Outcome {
    let stack = [0u8; ALTSTACK_BYTES];
    let ss = StackT { sp: stack.as_ptr() as usize, flags: 0, size: stack.len() };
    let mut original = StackT::default();
    succeeded(sys::sigaltstack(Some(&ss), Some(&mut original)))?;
    let mut got = StackT::default();
    succeeded(sys::sigaltstack(None, Some(&mut got)))?;
    let restore = StackT { flags: original.flags & SS_DISABLE, ..original };
    succeeded(sys::sigaltstack(Some(&restore), None))?;
    if original.flags & SS_DISABLE == 0 {
        return fail!("initial flags {:#x}, want SS_DISABLE", original.flags);
    }
    if (got.sp, got.size, got.flags) != (ss.sp, ss.size, 0) {
        return fail!("read back sp {:#x} size {} flags {:#x}", got.sp, got.size, got.flags);
    }
    Ok(())
}
