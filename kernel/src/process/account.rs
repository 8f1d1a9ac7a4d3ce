//! Per-thread CPU accounting at every ring transition (Linux's kernel/sched/cputime.c with
//! CONFIG_VIRT_CPU_ACCOUNTING_GEN: `vtime_user_exit` on each entry from user mode,
//! `vtime_user_enter` on each return to it, `vtime_task_switch` at a context switch), much
//! reduced: each thread's TSC ticks in ring 3 (`user`) and in the kernel on its behalf
//! (`kernel`: its syscalls, faults and the interrupts that hit it, not the CPU's idle time).
//! Under `--icount` the TSC counts instructions, so `user` is exactly the thread's own
//! instructions plus a fixed handful per system call or page fault (the entry path's before
//! the stamp, the exit path's after it; the same in every run that makes the same calls) —
//! unlike a TSC span, it holds no other thread's work, no kernel time and no idle time. A
//! device interrupt and a `--trace-startup` stop add nothing: their common paths stamp at a
//! fixed distance from ring 3 (`arch::trap`), and those instructions are left out. That makes
//! it the figure `--trace-startup` compares between a traced and an untraced run.
//!
//! Off unless asked for: the kernel word `account` (`--account`), or planted trace stops, turn
//! it on. Off, it costs a flag test per exception and interrupt from ring 3 and per switch or
//! idle wait, and nothing per system call. While on, system calls take the hooked path
//! (`syscall::dispatch`), which stamps the entry, and each CPU's `ACCOUNT` work bit stays set,
//! so the way back to ring 3 takes the slow path (`entry::exit_work`), which stamps the return.
//! The running thread's ticks gather in its CPU's block (`PerCpu::acct_*`, touched by that CPU
//! alone) and move into the thread at each switch away from it.
use crate::arch::percpu::{self, ACCOUNT};
use crate::arch::tsc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use spin::Mutex;

static ON: AtomicBool = AtomicBool::new(false);
/// The ticks of threads that have ended (their `Thread` is freed when reaped).
static ENDED_USER: AtomicU64 = AtomicU64::new(0);
static ENDED_KERNEL: AtomicU64 = AtomicU64::new(0);
static ENDED: AtomicU64 = AtomicU64::new(0);
/// Most system calls of the first thread whose user count is kept for the report ([`mark`]).
pub const MAX_MARKS: usize = 16_384;
/// The first thread's user count at each of its system calls (up to [`MAX_MARKS`]), with the
/// call's number: points where a traced and an untraced run can be compared without a trap.
static MARKS: Mutex<Vec<(u16, u64)>> = Mutex::new(Vec::new());

/// Whether accounting is on.
#[inline(always)]
pub fn enabled() -> bool {
    ON.load(Relaxed)
}

/// Turns accounting on for every CPU, from the running thread's next return to ring 3 (the
/// process has not started yet: exec stamps its first entry, [`start`]).
pub fn enable() {
    ON.store(true, Relaxed);
    crate::syscall::hook();
    for cpu in 0..percpu::MAX_CPUS as u32 {
        percpu::work_of(cpu).fetch_or(ACCOUNT, Relaxed);
    }
}

/// The process's first thread enters ring 3 now: its count starts from zero.
pub fn start() {
    let c = percpu::this();
    c.acct_user.store(0, Relaxed);
    c.acct_kernel.store(0, Relaxed);
    c.acct_stamp.store(tsc::read(), Relaxed);
}

/// The running thread left ring 3 at TSC `t`: what it ran since its last return is its own.
#[inline(always)]
pub fn user_exit(t: u64) {
    let c = percpu::this();
    let stamp = c.acct_stamp.load(Relaxed);
    c.acct_user.store(c.acct_user.load(Relaxed) + t.saturating_sub(stamp), Relaxed);
    c.acct_stamp.store(t, Relaxed);
}

/// The running thread returns to ring 3 (the last kernel step before the stub restores its
/// registers): the kernel time since its entry, or since it was switched in, is its. The
/// `ACCOUNT` bit is set again for the next return.
pub fn user_enter() {
    let c = percpu::this();
    let t = tsc::read();
    let stamp = c.acct_stamp.load(Relaxed);
    c.acct_kernel.store(c.acct_kernel.load(Relaxed) + t.saturating_sub(stamp), Relaxed);
    c.acct_stamp.store(t, Relaxed);
    c.work.fetch_or(ACCOUNT, Relaxed);
}

/// The running thread makes system call `nr` (its entry already stamped): for the first
/// thread, its user count so far is kept.
pub fn mark(nr: usize) {
    let (tid, user) = super::sched::with_current(|t| (t.tid, current(t.user_ticks, t.kernel_ticks).0));
    let mut marks = MARKS.lock();
    if tid == super::PID && marks.len() < MAX_MARKS {
        marks.push((nr as u16, user));
    }
}

/// This CPU is about to wait in `hlt`: the kernel time so far is the running thread's, the wait
/// is nobody's.
pub fn idle_begin() {
    let c = percpu::this();
    let t = tsc::read();
    let stamp = c.acct_stamp.load(Relaxed);
    c.acct_kernel.store(c.acct_kernel.load(Relaxed) + t.saturating_sub(stamp), Relaxed);
}

/// The wait in `hlt` is over.
pub fn idle_end() {
    percpu::this().acct_stamp.store(tsc::read(), Relaxed);
}

/// This CPU switches away from the thread whose totals are `user` and `kernel` (None: from its
/// idle context): the ticks gathered here are added to them, and the next thread starts afresh.
pub fn switch_out(totals: Option<(&mut u64, &mut u64)>) {
    let c = percpu::this();
    let t = tsc::read();
    let kernel = c.acct_kernel.load(Relaxed) + t.saturating_sub(c.acct_stamp.load(Relaxed));
    if let Some((user, k)) = totals {
        *user += c.acct_user.load(Relaxed);
        *k += kernel;
    }
    c.acct_user.store(0, Relaxed);
    c.acct_kernel.store(0, Relaxed);
    c.acct_stamp.store(t, Relaxed);
}

/// The running thread's figures so far: its totals `user` and `kernel` plus what this CPU
/// gathered for it (up to its last stamp).
pub fn current(user: u64, kernel: u64) -> (u64, u64) {
    let c = percpu::this();
    (user + c.acct_user.load(Relaxed), kernel + c.acct_kernel.load(Relaxed))
}

/// The running thread ends with totals `user` and `kernel` (this CPU's gathered ticks
/// included): they are kept for the report at exit.
pub fn ended(user: u64, kernel: u64) {
    let (u, k) = current(user, kernel);
    ENDED_USER.fetch_add(u, Relaxed);
    ENDED_KERNEL.fetch_add(k, Relaxed);
    ENDED.fetch_add(1, Relaxed);
}

/// The report at exit, two kernel (L0) lines: `account: tid 1 user U kernel K, tid 2 …[, N
/// ended threads user U kernel K]` (TSC ticks; instructions under `--icount`), and `account:
/// tid 1 user at its N syscalls: NR:U …` (the first [`MAX_MARKS`]). A thread running on another
/// CPU at that moment is counted up to its last switch there.
pub fn report(threads: &[(u32, u64, u64)]) {
    use core::fmt::Write;
    let mut line = alloc::string::String::from("account:");
    for (k, (tid, user, kernel)) in threads.iter().enumerate() {
        let sep = if k == 0 { "" } else { "," };
        let _ = write!(line, "{sep} tid {tid} user {user} kernel {kernel}");
    }
    let ended = ENDED.load(Relaxed);
    if ended > 0 {
        let (u, k) = (ENDED_USER.load(Relaxed), ENDED_KERNEL.load(Relaxed));
        let _ = write!(line, ", {ended} ended threads user {u} kernel {k}");
    }
    // Asked for by name: printed with `quiet` too.
    crate::logger::line_in_layer(0, format_args!("{line}"));
    let marks = MARKS.lock();
    let mut line = alloc::format!("account: tid {} user at its {} syscalls:", super::PID, marks.len());
    for (nr, user) in marks.iter() {
        let _ = write!(line, " {nr}:{user}");
    }
    crate::logger::line_in_layer(0, format_args!("{line}"));
}
