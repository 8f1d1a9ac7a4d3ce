//! GODEBUG=schedtrace=X (and scheddetail=1): the scheduler's state every X ms, printed by
//! sysmon in Go 1.19's format. Mirrors Go's proc.go `schedtrace(detailed bool)`:
//!
//! ```text
//! SCHED 10ms: gomaxprocs=1 idleprocs=0 threads=2 spinningthreads=0 idlethreads=0 runqueue=0 [1]
//! ```
//!
//! and with scheddetail=1 the header's tail (`gcwaiting=0 nmidlelocked=0 stopwait=0
//! sysmonwait=0`), then one line per P, per M and per G:
//!
//! ```text
//!   P0: status=1 schedtick=12 syscalltick=0 m=0 runqsize=1 gfreecnt=0 timerslen=0
//!   M1: p=-1 curg=-1 mallocing=0 throwing=0 preemptoff= locks=0 dying=0 spinning=false blocked=false lockedg=-1
//!   G1: status=4(sleep) m=-1 lockedm=-1
//! ```
//!
//! rt0 has no collector, no stop-the-world and no locked threads, so gcwaiting, stopwait,
//! sysmonwait, mallocing, throwing, dying and lockedg/lockedm print Go's idle values.
//! Everything else (spinningthreads and each M's spinning included) is read from the live
//! structures, racily, as
//! Go's does (Go holds sched.lock; rt0's reads are of atomics or of words only printed).
use crate::print::{STDERR, Writer};
use crate::proc::{ALLM, ALLP, GOMAXPROCS, SCHED};
use crate::runtime2::{G_RUNNING, G_SYSCALL};
use core::fmt::Write;
use core::sync::atomic::Ordering::Relaxed;

/// GODEBUG=scheddetail=1 was given (set by schedinit).
pub static SCHEDDETAIL: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Prints one trace, `ms` after sysmon started.
pub fn schedtrace(ms: u64, detailed: bool) {
    let n = GOMAXPROCS.load(Relaxed).max(0) as usize;
    // SAFETY: racy reads of counters, as Go's schedtrace does.
    let (threads, idleprocs, idlethreads, spinning, nmidlelocked) = unsafe {
        let s = &raw const SCHED;
        (
            (*s).mnext,
            (*s).npidle.load(Relaxed),
            (*s).nmidle.load(Relaxed),
            (*s).nmspinning.load(Relaxed),
            (*s).nmidlelocked,
        )
    };
    let mut w = Writer::new(STDERR);
    let global = crate::runq::queue_lengths(0).1;
    let _ = write!(
        w,
        "SCHED {ms}ms: gomaxprocs={n} idleprocs={idleprocs} threads={threads} spinningthreads={spinning} idlethreads={idlethreads} runqueue={global}"
    );
    if !detailed {
        let _ = write!(w, " [");
        for i in 0..n {
            let _ = write!(w, "{}{}", if i > 0 { " " } else { "" }, crate::runq::queue_lengths(i).0);
        }
        let _ = writeln!(w, "]");
        return;
    }
    let _ = writeln!(w, " gcwaiting=0 nmidlelocked={nmidlelocked} stopwait=0 sysmonwait=0");
    // allp is complete before sysmon starts; each P, M and G is a live allocation that is
    // never freed, and only numbers are read from it, for printing.
    // SAFETY: so the block below is sound.
    unsafe {
        let allp: &[*mut crate::runtime2::P] = *(&raw const ALLP);
        for (i, &p) in allp.iter().enumerate().take(n) {
            let m = (*p).m.load(Relaxed);
            let mid = if m.is_null() { -1 } else { (*m).id };
            let _ = writeln!(
                w,
                "  P{i}: status={} schedtick={} syscalltick={} m={mid} runqsize={} gfreecnt={} timerslen={}",
                (*p).status.load(Relaxed),
                (*p).schedtick.load(Relaxed),
                (*p).syscalltick.load(Relaxed),
                crate::runq::queue_lengths(i).0,
                (*p).gfree_count,
                (*p).timers.len()
            );
        }
        let mut mp = *(&raw const ALLM);
        while !mp.is_null() {
            let pid = if (*mp).p.is_null() { -1 } else { (*(*mp).p).id };
            let curg = if (*mp).curg.is_null() { -1 } else { (*(*mp).curg).goid as i64 };
            let _ = writeln!(
                w,
                "  M{}: p={pid} curg={curg} mallocing=0 throwing=0 preemptoff= locks={} dying=0 spinning={} blocked=false lockedg=-1",
                (*mp).id,
                (*mp).locks.load(Relaxed),
                core::ptr::read_volatile(&raw const (*mp).spinning)
            );
            mp = (*mp).alllink;
        }
    }
    crate::traceback::for_each_g(|gp| {
        // SAFETY: gp is a live G; its status is an atomic, the rest is printed only.
        unsafe {
            let status = (*gp).atomicstatus.load(Relaxed);
            let on_m = status == G_RUNNING || status == G_SYSCALL;
            let mid = if on_m && !(*gp).m.is_null() { (*(*gp).m).id } else { -1 };
            let _ = writeln!(w, "  G{}: status={status}({}) m={mid} lockedm=-1", (*gp).goid, (*gp).waitreason.as_str());
        }
    });
}
