//! What the runtime asks of Linux beyond raw system calls: the CPU count, new threads, and each
//! thread's own set-up.
//!
//! Mirrors Go's `runtime/os_linux.go`: `osinit` (CPU count from `getproccount`), `newosproc`
//! (clone a thread for an M), `minit` (the thread's signal stack and id). Go also reads the
//! transparent-huge-page size in osinit; rt0 does not use huge pages, so it does not.
//! `futexsleep`/`futexwakeup` are the sleep and wake-up of the runtime's locks and notes
//! (`lock_futex`).
use crate::proc::NCPU;
use crate::runtime2::M;
use crate::step;
use crate::sys_linux_amd64::{clone_thread, gettid, sched_getaffinity, sigaltstack};
use abi::futex::{FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE};
use abi::sched::{CLONE_SETTLS, CLONE_THREAD_FLAGS};
use abi::signal::StackT;
use abi::time::Timespec;
use core::ptr::null;
use core::sync::atomic::AtomicU32;
use core::sync::atomic::Ordering::Relaxed;

/// The CPUs getproccount can count. Go's `maxCPUs` is 64 Ki, an 8 KiB buffer; zeroing that on
/// the start-up stack (and faulting its pages in) cost rt0 about 12,000 instructions to
/// main.main, so rt0 counts up to 1024, which covers every machine it boots.
const MAX_CPUS: usize = 1024;

/// osinit: the number of CPUs, for GOMAXPROCS's default.
pub fn osinit() {
    let ncpu = getproccount();
    NCPU.store(ncpu, Relaxed);
    step!(2, "osinit: ncpu={ncpu} (popcount of sched_getaffinity); env not parsed here, no huge-page size read");
}

/// Number of CPUs this process may run on: the popcount of its affinity mask, at least 1.
pub fn getproccount() -> i32 {
    let mut mask = [0u64; MAX_CPUS / 64];
    let r = sched_getaffinity(&mut mask);
    if r < 0 {
        return 1;
    }
    let words = (r as usize / 8).min(mask.len());
    mask[..words].iter().map(|w| w.count_ones() as i32).sum::<i32>().max(1)
}

/// newosproc: a thread for `mp`, on the stack ending at `stk` (its g0's), with FS at
/// `&mp.tls[1]`, running `mstart(mp)`. Returns the new thread's id; a failed clone is fatal.
///
/// # Safety
/// `mp` must be a fully set-up M (g0 with its stack, gsignal, `tls[0]` = g0) that nothing else
/// runs on, and `[.., stk)` its g0's stack, used by no other thread.
pub unsafe fn newosproc(mp: *mut M, stk: usize, mstart: extern "C" fn(usize)) -> isize {
    let tls = crate::tls::tls_base(mp);
    let null = core::ptr::null_mut();
    // SAFETY: the caller hands the stack and the M to the new thread; no tid words are named.
    let tid = unsafe { clone_thread(CLONE_THREAD_FLAGS | CLONE_SETTLS, stk, null, null, tls, mstart, mp as usize) };
    if tid < 0 {
        crate::panic::throw("newosproc");
    }
    tid
}

/// minit: this thread's alternate signal stack (its M's gsignal) and its thread id.
///
/// # Safety
/// `mp` must be the calling thread's own M, with its gsignal set up by mcommoninit.
pub unsafe fn minit(mp: *mut M) {
    // SAFETY: the caller's contract: mp and its gsignal are live and this thread's alone.
    unsafe {
        let gs = (*mp).gsignal;
        let (lo, hi) = ((*gs).stack.lo, (*gs).stack.hi);
        let ss = StackT { ss_sp: lo as u64, ss_flags: 0, _pad: 0, ss_size: (hi - lo) as u64 };
        // The gsignal stack belongs to this M alone and lives as long as the process.
        sigaltstack(&ss);
        (*mp).procid = gettid() as u64;
    }
}

/// futexsleep: if `*addr == val`, sleeps until a futexwakeup on `addr`, or for at most `ns`
/// nanoseconds when `ns >= 0`. It may also return early, spuriously (a signal, or the word
/// changed first): callers re-check their condition (Go's os_linux.go futexsleep).
pub fn futexsleep(addr: &AtomicU32, val: u32, ns: i64) {
    let ts = Timespec::from_ns(ns.max(0) as u64);
    let tsp = if ns < 0 { null() } else { &raw const ts };
    // Errors (EAGAIN: the word had changed; EINTR; ETIMEDOUT) all mean "look again".
    // `addr` is a live aligned word (a reference);
    // SAFETY: FUTEX_WAIT only reads it; `tsp` is null or the local timespec.
    unsafe { crate::sys_linux_amd64::futex(addr.as_ptr(), FUTEX_WAIT_PRIVATE, val, tsp, null(), 0) };
}

/// futexwakeup: wakes up to `cnt` threads sleeping on `addr` (Go's os_linux.go futexwakeup).
pub fn futexwakeup(addr: &AtomicU32, cnt: u32) {
    // SAFETY: FUTEX_WAKE does not touch the word at all; `addr` is a live aligned word.
    let ret = unsafe { crate::sys_linux_amd64::futex(addr.as_ptr(), FUTEX_WAKE_PRIVATE, cnt, null(), null(), 0) };
    if ret < 0 {
        crate::panic::throw(format_args!("futexwakeup addr={:p} returned {ret}", addr.as_ptr()));
    }
}
