//! Threads: clone for the thread flags Go and Rust's std use (a new process goes to `wait`), futex WAIT/WAKE, exit of one
//! thread, gettid, sched_yield, set_tid_address (Linux kernel/fork.c, kernel/futex/,
//! kernel/exit.c).
use super::SysResult;
use crate::arch::TrapFrame;
use crate::config::{KSTACK_SIZE, KSTACK_SLOTS};
use crate::mm::vma::{Access, PAGE, USER_END};
use crate::process::uaccess::UserPtr;
use crate::process::{self, futex, sched};
use crate::time::monotonic_ns;
use abi::errno::{EAGAIN, EFAULT, EINVAL, ENOSYS, EPERM};
use abi::futex::*;
use abi::sched::*;
use abi::time::Timespec;

/// What a thread needs: one address space, one set of handlers, one thread group.
const THREAD: usize = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
/// CLONE_DETACHED is accepted and ignored, as Linux has since 2.6.2 (musl still passes it).
const ALLOWED: usize = THREAD
    | CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_CHILD_SETTID
    | CLONE_DETACHED;

/// Linux's threads-max (kernel/fork.c `set_max_threads`): as many threads as have their kernel
/// stacks in an eighth of RAM — with rt0's 64 KiB stacks, one per 512 KiB (476 with the
/// runner's default 256 MiB) — at least 20 (MIN_THREADS), at most the kernel-stack slots.
pub fn max_threads() -> usize {
    let ram = crate::mm::frame::total_count() * PAGE;
    ((ram / (8 * KSTACK_SIZE)) as usize).clamp(MIN_THREADS, KSTACK_SLOTS as usize)
}

/// Linux's MIN_THREADS.
const MIN_THREADS: usize = 20;
/// Heap bytes a new thread may take (its `Thread`, its FPU area, its scheduler entry).
const THREAD_HEAP_BYTES: usize = 8 << 10;
/// The threads-max line is logged once.
static THREADS_MAX_SAID: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// clone(flags, stack, parent_tid, child_tid, tls) — the x86-64 argument order.
pub fn clone(frame: &TrapFrame, flags: u64, stack: u64, ptid: u64, ctid: u64, tls: u64) -> SysResult {
    let flags = flags as usize;
    if flags & CLONE_THREAD == 0 {
        // A new process (fork, vfork, posix_spawn).
        return super::wait::clone_process(frame, flags, stack, ptid, ctid, tls);
    }
    if flags & THREAD != THREAD {
        // Linux: CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM; rt0's threads also
        // share the descriptor table and working directory.
        return Err(EINVAL);
    }
    if flags & !(ALLOWED | CSIGNAL) != 0 {
        return Err(EINVAL);
    }
    may_add_thread()?;
    let mut child = *frame;
    child.rax = 0;
    if stack != 0 {
        child.rsp = stack;
    }
    // Linux's copy_thread → do_set_thread_area_64: a TLS base at or above TASK_SIZE_MAX (the
    // kernel half, or not canonical) is EPERM, before the thread exists.
    if flags & CLONE_SETTLS != 0 && tls >= USER_END {
        return Err(EPERM);
    }
    let fs = if flags & CLONE_SETTLS != 0 { tls } else { x86_64::registers::model_specific::FsBase::read().as_u64() };
    let clear = if flags & CLONE_CHILD_CLEARTID != 0 { ctid } else { 0 };
    let tid_words = [(CLONE_PARENT_SETTID, UserPtr::<u32>::new(ptid)), (CLONE_CHILD_SETTID, UserPtr::new(ctid))];
    // The tid words are written before the thread can run (on another CPU, at once): a child
    // that reads its own tid (musl's thread-list lock does) must find it there.
    let tid = sched::spawn(child, fs, clear, |tid| {
        for (flag, at) in tid_words {
            if flags & flag != 0 {
                at.write(&tid)?;
            }
        }
        Ok(())
    })?;
    Ok(tid as u64)
}

/// Linux's copy_process: at threads-max, EAGAIN. The kernel heap's reserve bounds a thread too
/// (its control block, its scheduler entry).
pub fn may_add_thread() -> Result<(), isize> {
    let (live, max) = (sched::live_threads(), max_threads());
    if live >= max || !crate::mm::heap::may_take(THREAD_HEAP_BYTES) {
        if !THREADS_MAX_SAID.swap(true, core::sync::atomic::Ordering::Relaxed) {
            log::warn!(
                "clone: {live} threads alive, threads-max is {max} (or the kernel heap is at its reserve): EAGAIN"
            );
        }
        return Err(EAGAIN);
    }
    Ok(())
}

/// exit(code): ends the calling thread; the last one ends the process with `code`.
pub fn exit(code: i32) -> ! {
    let (tid, robust, clear) = sched::with_current(|t| (t.tid, t.robust_list, t.clear_child_tid));
    // As Linux's exit_mm_release: the robust futexes first, then the tid word.
    if robust != 0 {
        futex::exit_robust_list(robust, tid);
    }
    if clear != 0 {
        // CLONE_CHILD_CLEARTID: zero the tid word and wake one waiter (pthread_join / Go) with
        // a shared wake, as Linux's mm_release: a FUTEX_WAIT_PRIVATE on the word is not woken.
        let _ = UserPtr::<u32>::new(clear).write(&0);
        futex::wake(clear, 1, FUTEX_BITSET_MATCH_ANY, true);
    }
    sched::exit_current(code)
}

pub fn gettid() -> SysResult {
    Ok(sched::current_tid() as u64)
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

/// Linux's get_futex_key: the word must lie below TASK_SIZE_MAX (access_ok), and a shared
/// futex's page must be mapped and readable (a private futex is keyed by its address alone, so
/// a wake on an unmapped word is 0 woken). EFAULT otherwise.
fn futex_key(uaddr: u64, private: bool) -> Result<(), isize> {
    if uaddr.checked_add(4).is_none_or(|end| end > USER_END) {
        return Err(EFAULT);
    }
    if !private {
        process::mm(|p| p.aspace.check(uaddr, 4, Access::Read)).map_err(|_| EFAULT)?;
    }
    Ok(())
}

/// futex(uaddr, op, val, timeout, uaddr2, val3). FUTEX_WAIT's timeout is relative; the BITSET
/// form's is an absolute CLOCK_MONOTONIC time, or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME
/// (which any other operation refuses with ENOSYS, as Linux). The requeue and wake-op forms
/// take a second count in the timeout argument's place (`val2`) and a second word `uaddr2`.
pub fn futex(uaddr: u64, op: u64, val: u64, timeout: u64, uaddr2: u64, val3: u64) -> SysResult {
    let cmd = op as usize & FUTEX_CMD_MASK;
    let (private, realtime) = (op as usize & FUTEX_PRIVATE_FLAG != 0, op as usize & FUTEX_CLOCK_REALTIME != 0);
    // Linux's do_futex: CLOCK_REALTIME only where a wait has an absolute deadline (the PI
    // operations that also take it are ENOSYS here anyway).
    if realtime && cmd != FUTEX_WAIT_BITSET {
        return Err(ENOSYS);
    }
    if !uaddr.is_multiple_of(4) {
        return Err(EINVAL);
    }
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT { FUTEX_BITSET_MATCH_ANY } else { val3 as u32 };
            if bitset == 0 {
                return Err(EINVAL);
            }
            let until = match UserPtr::<Timespec>::new(timeout).read_opt()? {
                None => None,
                Some(t) => {
                    let t = t.to_ns().ok_or(EINVAL)?;
                    Some(match cmd {
                        FUTEX_WAIT => monotonic_ns().saturating_add(t),
                        _ if realtime => super::time::realtime_to_monotonic(t),
                        _ => t,
                    })
                }
            };
            futex::wait(uaddr, val as u32, until, bitset, !private)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE { FUTEX_BITSET_MATCH_ANY } else { val3 as u32 };
            if bitset == 0 {
                return Err(EINVAL);
            }
            futex_key(uaddr, private)?;
            Ok(futex::wake(uaddr, val.min(i32::MAX as u64), bitset, !private))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE | FUTEX_WAKE_OP => {
            if !uaddr2.is_multiple_of(4) {
                return Err(EINVAL);
            }
            futex_key(uaddr, private)?;
            futex_key(uaddr2, private)?;
            let (n, n2) = (val as i32, timeout as i32);
            if cmd == FUTEX_WAKE_OP {
                return futex::wake_op(uaddr, uaddr2, n.max(0) as u64, n2.max(0) as u64, val3 as u32, !private);
            }
            if n < 0 || n2 < 0 {
                return Err(EINVAL);
            }
            let cmp = (cmd == FUTEX_CMP_REQUEUE).then_some(val3 as u32);
            futex::requeue(uaddr, uaddr2, n as u64, n2 as u64, cmp, !private)
        }
        _ => Err(ENOSYS),
    }
}
