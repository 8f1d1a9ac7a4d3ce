//! rt_sigaction, rt_sigprocmask, sigaltstack (Linux kernel/signal.c): the bookkeeping only. No handler that runs
//! program code is installed (rt0 does not deliver signals yet); every change is undone afterwards.

use crate::check::{Checklist, Outcome, detail, expect_eq, expect_errno, fail, succeeded};
use crate::sys::{self, UNMAPPED_ADDR};
use abi::errno::{EFAULT, EINVAL, ENOMEM};
use abi::nr::SYS_RT_SIGACTION;
use abi::signal::{
    KernelSigaction, NSIG, SIG_BLOCK, SIG_DFL, SIG_IGN, SIG_SETMASK, SIGKILL, SIGSET_SIZE, SIGSTOP, SIGUSR1,
    SS_DISABLE, SS_ONSTACK, StackT, sigmask,
};

/// One past the last signal (65).
const SIG_TOO_BIG: i32 = NSIG as i32 + 1;
/// A `how` Linux does not define.
const SIG_BAD_HOW: usize = 9;
/// The alternate stack the check registers (never used: no handler runs).
const ALTSTACK_BYTES: usize = 32 << 10;
/// Below MINSIGSTKSZ (2048): too small for an alternate stack.
const ALTSTACK_TOO_SMALL: u64 = 100;

pub fn checks(c: &mut Checklist) {
    c.report("rt_sigaction SIGUSR1 SIG_IGN round trip", sigaction_round_trip());
    let act = KernelSigaction { sa_handler: SIG_IGN, ..KernelSigaction::default() };
    c.report(
        "rt_sigaction SIGKILL EINVAL",
        expect_errno(sys::rt_sigaction(SIGKILL, Some(&act), None, SIGSET_SIZE), EINVAL),
    );
    c.report("rt_sigaction sigsetsize 4 EINVAL", expect_errno(sys::rt_sigaction(SIGUSR1, None, None, 4), EINVAL));
    let ret = sys::rt_sigaction(SIG_TOO_BIG, None, None, SIGSET_SIZE);
    c.report("rt_sigaction signal 65 EINVAL", expect_errno(ret, EINVAL));
    c.report("rt_sigaction sa_mask drops SIGKILL and SIGSTOP", sigaction_mask());
    c.report("rt_sigaction bad oact EFAULT, action still set", sigaction_bad_oact());

    c.report("rt_sigprocmask block SIGUSR1", block_usr1());
    let empty = 0u64;
    let bad_how = sys::rt_sigprocmask(SIG_BAD_HOW, Some(&empty), None, SIGSET_SIZE);
    c.report("rt_sigprocmask how 9 EINVAL", expect_errno(bad_how, EINVAL));
    c.report("rt_sigprocmask cannot block SIGKILL or SIGSTOP", block_unblockable());

    c.report("sigaltstack set 32 KiB and read back", altstack_round_trip());
    let small = StackT { ss_sp: 0x1_0000, ss_size: ALTSTACK_TOO_SMALL, ..StackT::default() };
    c.report("sigaltstack size 100 ENOMEM", expect_errno(sys::sigaltstack(Some(&small), None), ENOMEM));
    c.report("sigaltstack SS_ONSTACK accepted as 0", altstack_onstack_flag());
}

/// Installs `act` for SIGUSR1, reads the action back, and restores SIG_DFL.
fn sigusr1_read_back(act: &KernelSigaction) -> Result<KernelSigaction, crate::check::Detail> {
    succeeded(sys::rt_sigaction(SIGUSR1, Some(act), None, SIGSET_SIZE))?;
    let mut got = KernelSigaction::default();
    let read = sys::rt_sigaction(SIGUSR1, None, Some(&mut got), SIGSET_SIZE);
    let restore = KernelSigaction { sa_handler: SIG_DFL, ..KernelSigaction::default() };
    succeeded(sys::rt_sigaction(SIGUSR1, Some(&restore), None, SIGSET_SIZE))?;
    succeeded(read)?;
    Ok(got)
}

/// Linux removes SIGKILL and SIGSTOP from a handler's sa_mask (they cannot be blocked).
fn sigaction_mask() -> Outcome {
    let got =
        sigusr1_read_back(&KernelSigaction { sa_handler: SIG_IGN, sa_mask: u64::MAX, ..KernelSigaction::default() })?;
    let want = !(sigmask(SIGKILL) | sigmask(SIGSTOP));
    if got.sa_mask == want { Ok(()) } else { fail!("mask {:#x}, want {want:#x}", got.sa_mask) }
}

/// Linux installs the new action first and copies the old one out after, so a bad `oact` fails with EFAULT but
/// the action is in place.
fn sigaction_bad_oact() -> Outcome {
    let ignore = KernelSigaction { sa_handler: SIG_IGN, ..KernelSigaction::default() };
    // SAFETY: `oact` is unmapped, so the kernel writes nothing; the action (SIG_IGN) runs no program code.
    let ret = unsafe {
        programs::syscall4(
            SYS_RT_SIGACTION,
            SIGUSR1 as usize,
            core::ptr::from_ref(&ignore) as usize,
            UNMAPPED_ADDR,
            SIGSET_SIZE,
        )
    };
    let mut now = KernelSigaction::default();
    succeeded(sys::rt_sigaction(SIGUSR1, None, Some(&mut now), SIGSET_SIZE))?;
    let restore = KernelSigaction { sa_handler: SIG_DFL, ..KernelSigaction::default() };
    succeeded(sys::rt_sigaction(SIGUSR1, Some(&restore), None, SIGSET_SIZE))?;
    expect_errno(ret, EFAULT)?;
    expect_eq(now.sa_handler as usize, SIG_IGN as usize)
        .map_err(|_| detail!("handler {:#x} after the call, want SIG_IGN", now.sa_handler))
}

/// Blocking SIGKILL and SIGSTOP is silently ignored.
fn block_unblockable() -> Outcome {
    let mut original = 0u64;
    let set = sigmask(SIGKILL) | sigmask(SIGSTOP);
    succeeded(sys::rt_sigprocmask(SIG_BLOCK, Some(&set), Some(&mut original), SIGSET_SIZE))?;
    let mut now = 0u64;
    succeeded(sys::rt_sigprocmask(SIG_SETMASK, Some(&original), Some(&mut now), SIGSET_SIZE))?;
    if now == original { Ok(()) } else { fail!("mask {now:#x}, want {original:#x}") }
}

/// Linux takes ss_flags SS_ONSTACK as 0, for old programs (kernel/signal.c do_sigaltstack); the stack then
/// reads back with flags 0 (the program is not running on it).
fn altstack_onstack_flag() -> Outcome {
    let stack = [0u8; ALTSTACK_BYTES];
    let ss = StackT { ss_sp: stack.as_ptr() as u64, ss_flags: SS_ONSTACK, _pad: 0, ss_size: stack.len() as u64 };
    let mut original = StackT::default();
    succeeded(sys::sigaltstack(Some(&ss), Some(&mut original)))?;
    let mut got = StackT::default();
    succeeded(sys::sigaltstack(None, Some(&mut got)))?;
    let restore = StackT { ss_flags: original.ss_flags & SS_DISABLE, ..original };
    succeeded(sys::sigaltstack(Some(&restore), None))?;
    if (got.ss_sp, got.ss_size, got.ss_flags) != (ss.ss_sp, ss.ss_size, 0) {
        return fail!("read back sp {:#x} size {} flags {:#x}", got.ss_sp, got.ss_size, got.ss_flags);
    }
    Ok(())
}

/// SIGUSR1 → SIG_IGN, read back, then SIG_DFL again (and that reads back too).
fn sigaction_round_trip() -> Outcome {
    let ignore = KernelSigaction { sa_handler: SIG_IGN, ..KernelSigaction::default() };
    let mut old = KernelSigaction::default();
    succeeded(sys::rt_sigaction(SIGUSR1, Some(&ignore), Some(&mut old), SIGSET_SIZE))?;
    let mut got = KernelSigaction::default();
    succeeded(sys::rt_sigaction(SIGUSR1, None, Some(&mut got), SIGSET_SIZE))?;
    let restore = KernelSigaction { sa_handler: SIG_DFL, ..KernelSigaction::default() };
    succeeded(sys::rt_sigaction(SIGUSR1, Some(&restore), None, SIGSET_SIZE))?;
    expect_eq(old.sa_handler as usize, SIG_DFL as usize)
        .map_err(|_| detail!("initial handler {:#x}, want SIG_DFL", old.sa_handler))?;
    expect_eq(got.sa_handler as usize, SIG_IGN as usize)
        .map_err(|_| detail!("read back handler {:#x}, want SIG_IGN", got.sa_handler))?;
    let mut after = KernelSigaction::default();
    succeeded(sys::rt_sigaction(SIGUSR1, None, Some(&mut after), SIGSET_SIZE))?;
    expect_eq(after.sa_handler as usize, SIG_DFL as usize)
        .map_err(|_| detail!("restored handler {:#x}, want SIG_DFL", after.sa_handler))
}

/// Blocks SIGUSR1, reads the mask back (a NULL set only reads), and restores the original mask.
fn block_usr1() -> Outcome {
    let mut original = 0u64;
    succeeded(sys::rt_sigprocmask(SIG_BLOCK, Some(&sigmask(SIGUSR1)), Some(&mut original), SIGSET_SIZE))?;
    let mut now = 0u64;
    succeeded(sys::rt_sigprocmask(SIG_BLOCK, None, Some(&mut now), SIGSET_SIZE))?;
    succeeded(sys::rt_sigprocmask(SIG_SETMASK, Some(&original), None, SIGSET_SIZE))?;
    if now != original | sigmask(SIGUSR1) {
        return fail!("mask {now:#x}, want {:#x}", original | sigmask(SIGUSR1));
    }
    let mut restored = 0u64;
    succeeded(sys::rt_sigprocmask(SIG_BLOCK, None, Some(&mut restored), SIGSET_SIZE))?;
    if restored == original { Ok(()) } else { fail!("mask {restored:#x} after restoring {original:#x}") }
}

/// Registers a 32 KiB alternate stack, reads it back, then restores the original (disabled) state.
fn altstack_round_trip() -> Outcome {
    let stack = [0u8; ALTSTACK_BYTES];
    let ss = StackT { ss_sp: stack.as_ptr() as u64, ss_flags: 0, _pad: 0, ss_size: stack.len() as u64 };
    let mut original = StackT::default();
    succeeded(sys::sigaltstack(Some(&ss), Some(&mut original)))?;
    let mut got = StackT::default();
    succeeded(sys::sigaltstack(None, Some(&mut got)))?;
    let restore = StackT { ss_flags: original.ss_flags & SS_DISABLE, ..original };
    succeeded(sys::sigaltstack(Some(&restore), None))?;
    if original.ss_flags & SS_DISABLE == 0 {
        return fail!("initial flags {:#x}, want SS_DISABLE", original.ss_flags);
    }
    if (got.ss_sp, got.ss_size, got.ss_flags) != (ss.ss_sp, ss.ss_size, 0) {
        return fail!("read back sp {:#x} size {} flags {:#x}", got.ss_sp, got.ss_size, got.ss_flags);
    }
    Ok(())
}
