//! Threads: clone for the thread flags Go and Rust's std use, futex WAIT/WAKE, exit of one
//! thread, sched_yield, set_tid_address (Linux kernel/fork.c, kernel/futex/, kernel/exit.c).
use super::{EAGAIN, EFAULT, EINVAL, ENOSYS, ETIMEDOUT, SysResult, efault};
use crate::arch::TrapFrame;
use crate::process::{self, sched};
use crate::syscall::time::monotonic_ns;

const CLONE_VM: u64 = 0x100;
const CLONE_FS: u64 = 0x200;
const CLONE_FILES: u64 = 0x400;
const CLONE_SIGHAND: u64 = 0x800;
const CLONE_THREAD: u64 = 0x10000;
const CLONE_SYSVSEM: u64 = 0x40000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_PARENT_SETTID: u64 = 0x100000;
const CLONE_CHILD_CLEARTID: u64 = 0x200000;
const CLONE_CHILD_SETTID: u64 = 0x1000000;
/// What a thread needs: one address space, one set of handlers, one thread group.
const THREAD: u64 = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
const ALLOWED: u64 =
    THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID;

fn put_u32(addr: u64, v: u32) -> Result<(), i64> {
    process::with(|p| p.aspace.copy_out(addr, &v.to_le_bytes())).map_err(efault)
}

/// clone(flags, stack, parent_tid, child_tid, tls) — the x86-64 argument order.
pub fn clone(frame: &TrapFrame, flags: u64, stack: u64, ptid: u64, ctid: u64, tls: u64) -> SysResult {
    if flags & THREAD != THREAD {
        log::warn!("clone: flags {flags:#x} ask for a new process; rt0 runs one process (threads only)");
        return Err(ENOSYS);
    }
    if flags & !(ALLOWED | 0xff) != 0 {
        return Err(EINVAL);
    }
    let mut child = *frame;
    child.rax = 0;
    if stack != 0 {
        child.rsp = stack;
    }
    let fs = if flags & CLONE_SETTLS != 0 { tls } else { x86_64::registers::model_specific::FsBase::read().as_u64() };
    let clear = if flags & CLONE_CHILD_CLEARTID != 0 { ctid } else { 0 };
    // Addresses are checked before the thread exists, so a failure leaves nothing behind.
    for (flag, addr) in [(CLONE_PARENT_SETTID, ptid), (CLONE_CHILD_SETTID, ctid)] {
        if flags & flag != 0 {
            put_u32(addr, 0)?;
        }
    }
    let tid = sched::spawn(child, fs, clear);
    for (flag, addr) in [(CLONE_PARENT_SETTID, ptid), (CLONE_CHILD_SETTID, ctid)] {
        if flags & flag != 0 {
            put_u32(addr, tid)?;
        }
    }
    Ok(tid as u64)
}

/// exit(code): ends the calling thread; the last one ends the process with `code`.
pub fn exit(code: i32) -> ! {
    let clear = sched::with_current(|t| t.clear_child_tid);
    if clear != 0 {
        // CLONE_CHILD_CLEARTID: zero the tid word and wake one waiter (pthread_join / Go).
        let _ = put_u32(clear, 0);
        sched::futex_wake(clear, 1);
    }
    if sched::live_threads() <= 1 {
        process::exit_group(code)
    }
    sched::exit_current()
}

pub fn set_tid_address(ptr: u64) -> SysResult {
    sched::with_current(|t| {
        t.clear_child_tid = ptr;
        Ok(t.tid as u64)
    })
}

pub fn sched_yield() -> SysResult {
    sched::schedule();
    Ok(0)
}

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;
const NS: u64 = 1_000_000_000;

/// futex(uaddr, op, val, timeout, uaddr2, val3). One process, so private and shared futexes
/// are the same; the bitset variants take any non-zero mask and wake as the plain ones.
pub fn futex(uaddr: u64, op: u64, val: u64, timeout: u64, _uaddr2: u64, val3: u64) -> SysResult {
    if !uaddr.is_multiple_of(4) {
        return Err(EINVAL);
    }
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            if cmd == FUTEX_WAIT_BITSET && val3 as u32 == 0 {
                return Err(EINVAL);
            }
            let until = if timeout == 0 {
                None
            } else {
                let mut raw = [0u8; 16];
                process::with(|p| p.aspace.copy_in(timeout, &mut raw)).map_err(efault)?;
                let sec = i64::from_le_bytes(raw[..8].try_into().unwrap());
                let nsec = i64::from_le_bytes(raw[8..].try_into().unwrap());
                if sec < 0 || !(0..NS as i64).contains(&nsec) {
                    return Err(EINVAL);
                }
                let t = (sec as u64).saturating_mul(NS).saturating_add(nsec as u64);
                // FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's is absolute (and on
                // CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME, which is approximated by it).
                Some(if cmd == FUTEX_WAIT { monotonic_ns().saturating_add(t) } else { t })
            };
            let mut word = [0u8; 4];
            process::with(|p| p.aspace.copy_in(uaddr, &mut word)).map_err(|_| EFAULT)?;
            if u32::from_le_bytes(word) != val as u32 {
                return Err(EAGAIN);
            }
            match sched::block(Some(uaddr), until) {
                sched::Wake::Woken => Ok(0),
                sched::Wake::TimedOut => Err(ETIMEDOUT),
            }
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            if cmd == FUTEX_WAKE_BITSET && val3 as u32 == 0 {
                return Err(EINVAL);
            }
            Ok(sched::futex_wake(uaddr, val.min(i32::MAX as u64)))
        }
        _ => Err(ENOSYS),
    }
}
