//! Ms coming and going: the M half of Go 1.19's proc.go — `acquirep`/`releasep`, the idle P and
//! M lists (`pidleput`/`pidleget`, `mput`/`mget`), `newm`/`mstart` of a new M, `wakep`,
//! `startm`, `handoffp`, `stopm`, and the system-call handoff `entersyscallblock`/`exitsyscall`/
//! `exitsyscall0`.
//!
//! What it gives: an idle P is handed to a spinning M (an idle one woken from its note, or a new
//! thread) when there may be work for it (wakep); a goroutine that blocks in a system call
//! (through [`crate::syscall`]) hands its P to another M, so the other goroutines keep running;
//! when the call returns, the goroutine takes its P back if it is still free, or another idle
//! P, or else goes to the global run queue and its M stops (sleeps on its note until startm needs
//! it). The last M to stop, with no M left in a system call or waiting for a timer, is Go's
//! deadlock (checkdead).
//!
//! An M without a P allocates nothing, except newm, which borrows the P it is handing to the new
//! M (Go's allocm does the same).
//!
//! `entersyscall` (Go's, used by [`crate::syscall`]) leaves the P in `_Psyscall`: a call that
//! returns soon takes it back with one CAS, and sysmon retakes it (retake → handoffp) once it
//! sees the same call still running a tick later. `entersyscallblock` hands it over at once,
//! for calls known to block.
//!
//! Lock order: sched.lock is taken with no other runtime lock held (checkdead, under it, only
//! reads the Ps' timers through atomics); see lock_futex for the whole order.
use crate::lock_futex::{lock, notesleep, unlock};
use crate::panic::throw;
use crate::proc::{Pending, casgstatus, checkdead, getm, mcall, mcommoninit, sched_raw};
use crate::runtime2::*;
use crate::tls::getg;
use crate::{malloc, os_linux, stack};
use alloc::boxed::Box;
use core::ptr::null_mut;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst};

/// acquirep: the calling M takes `pp` (idle, owned by the caller) and runs with it.
pub(crate) fn acquirep(pp: *mut P) {
    let mp = getm();
    // Pp was handed to this M (pidleget under sched.lock, or startm's nextp) and no
    // other M holds it; mp is this thread's M.
    // SAFETY: so the block below is sound.
    unsafe {
        if !(*mp).p.is_null() || !(*pp).m.load(Relaxed).is_null() || (*pp).status.load(Acquire) != P_IDLE {
            throw("acquirep: invalid p state");
        }
        (*mp).p = pp;
        (*mp).tls[crate::tls::TLS_P] = pp as usize;
        (*mp).tls[crate::tls::TLS_MCACHE] = (*pp).mcache as usize;
        (*pp).m.store(mp, Relaxed);
        (*pp).status.store(P_RUNNING, Relaxed);
        malloc::set_current_mcache((*pp).mcache);
    }
}

/// releasep: the calling M gives up its P, which is returned (now idle and the caller's to
/// pass on).
pub(crate) fn releasep() -> *mut P {
    let mp = getm();
    // SAFETY: this thread's M and the P it holds, which only this M touches.
    unsafe {
        let pp = (*mp).p;
        if pp.is_null() || (*pp).m.load(Relaxed) != mp || (*pp).status.load(Relaxed) != P_RUNNING {
            throw("releasep: invalid p state");
        }
        (*mp).p = null_mut();
        (*mp).tls[crate::tls::TLS_P] = 0;
        (*mp).tls[crate::tls::TLS_MCACHE] = 0;
        (*pp).m.store(null_mut(), Relaxed);
        (*pp).status.store(P_IDLE, Release);
        pp
    }
}

/// pidleput: `pp` joins the idle P list.
///
/// # Safety
/// sched.lock is held and `pp` is idle and owned by the caller.
pub(crate) unsafe fn pidleput(s: *mut Schedt, pp: *mut P) {
    // SAFETY: the caller's lock guards the list; pp is the caller's.
    unsafe {
        (*pp).link = (*s).pidle;
        (*s).pidle = pp;
        (*s).npidle.fetch_add(1, SeqCst);
    }
}

/// pidleget: an idle P, now the caller's, or null.
///
/// # Safety
/// sched.lock is held.
pub(crate) unsafe fn pidleget(s: *mut Schedt) -> *mut P {
    // SAFETY: the caller's lock guards the list.
    unsafe {
        let pp = (*s).pidle;
        if !pp.is_null() {
            (*s).pidle = (*pp).link;
            (*pp).link = null_mut();
            (*s).npidle.fetch_sub(1, SeqCst);
        }
        pp
    }
}

/// Takes `pp` off the idle P list if it is there (Go's exitsyscall tries `oldp` first).
///
/// # Safety
/// sched.lock is held.
unsafe fn pidletake(s: *mut Schedt, pp: *mut P) -> bool {
    // SAFETY: the caller's lock guards the list.
    unsafe {
        let mut link: *mut *mut P = &raw mut (*s).pidle;
        while !(*link).is_null() {
            if *link == pp {
                *link = (*pp).link;
                (*pp).link = null_mut();
                (*s).npidle.fetch_sub(1, SeqCst);
                return true;
            }
            link = &raw mut (**link).link;
        }
    }
    false
}

/// mput: the calling M joins the idle M list; checkdead if it was the last one running.
///
/// # Safety
/// sched.lock is held; `mp` is the calling thread's M.
unsafe fn mput(s: *mut Schedt, mp: *mut M) {
    // SAFETY: the caller's lock guards the list and the counts.
    unsafe {
        (*mp).schedlink = (*s).midle;
        (*s).midle = mp;
        (*s).nmidle.fetch_add(1, Relaxed);
    }
    checkdead(s);
}

/// mget: an idle M, or null.
///
/// # Safety
/// sched.lock is held.
unsafe fn mget(s: *mut Schedt) -> *mut M {
    // SAFETY: the caller's lock guards the list and the counts.
    unsafe {
        let mp = (*s).midle;
        if !mp.is_null() {
            (*s).midle = (*mp).schedlink;
            (*mp).schedlink = null_mut();
            (*s).nmidle.fetch_sub(1, Relaxed);
        }
        mp
    }
}

/// stopm: the calling M (holding no P) sleeps on its note until startm gives it a P, then
/// acquires that P (and is spinning if startm said so).
pub(crate) fn stopm() {
    let mp = getm();
    let s = sched_raw();
    // SAFETY: SCHED is a static; its lock is a mutex.
    let l = unsafe { &(*s).lock };
    lock(l);
    // SAFETY: sched.lock is held; mp is this thread's M.
    unsafe { mput(s, mp) };
    unlock(l);
    // SAFETY: this thread's M; its note is woken by startm, which wrote `nextp` first.
    unsafe {
        notesleep(&(*mp).park);
        (*mp).park.clear();
        let pp = core::mem::replace(&mut (*mp).nextp, null_mut());
        if pp.is_null() {
            throw("stopm: woken without a p");
        }
        acquirep(pp);
    }
}

/// wakep: one more P may have work (a goroutine was readied or started): if a P is idle and no
/// M is already spinning, start a spinning M on it (Go's wakep).
#[inline]
pub(crate) fn wakep() {
    let s = sched_raw();
    // SAFETY: SCHED is a static; npidle and nmspinning are atomics.
    unsafe {
        if (*s).npidle.load(SeqCst) == 0 {
            return;
        }
        // Be conservative about spinning threads: one at a time.
        if (*s).nmspinning.load(SeqCst) != 0 || (*s).nmspinning.compare_exchange(0, 1, SeqCst, Relaxed).is_err() {
            return;
        }
    }
    startm(null_mut(), true);
}

/// startm: runs `pp` — or, if null, an idle P (none: nothing to do) — on an idle M or a new one.
/// `spinning`: the caller counted the M in nmspinning, and it starts out looking for work.
pub(crate) fn startm(mut pp: *mut P, spinning: bool) {
    let s = sched_raw();
    // SAFETY: SCHED is a static; its lock is a mutex.
    let l = unsafe { &(*s).lock };
    lock(l);
    if pp.is_null() {
        // SAFETY: sched.lock is held.
        pp = unsafe { pidleget(s) };
        if pp.is_null() {
            unlock(l);
            if spinning {
                // The caller incremented nmspinning, but there are no idle Ps.
                // SAFETY: SCHED is a static; nmspinning is an atomic.
                if unsafe { (*s).nmspinning.fetch_sub(1, SeqCst) } == 0 {
                    throw("startm: negative nmspinning");
                }
            }
            return;
        }
    }
    // SAFETY: sched.lock is held.
    let nmp = unsafe { mget(s) };
    unlock(l);
    if nmp.is_null() {
        newm(pp, spinning);
        return;
    }
    // nmp sleeps in stopm (it was on the idle list) and reads nextp only after the wake-up.
    // SAFETY: mget took it off the list, so this is the only waker.
    unsafe {
        (*nmp).spinning = spinning;
        (*nmp).nextp = pp;
        (*nmp).park.wakeup();
    }
}

/// newm: a new M (thread) with its own g0 and gsignal that starts by acquiring `pp`. The
/// allocations use the calling thread's P, or borrow `pp`'s mcache when it holds none (sysmon,
/// or an M that just gave its P up): `pp` is in this thread's hands until the new one takes it.
fn newm(pp: *mut P, spinning: bool) {
    let mp = getm();
    // this thread's M; tls[3] is its own word. `pp` is owned by the caller, so its mcache
    // is used by no other thread meanwhile.
    // SAFETY: so the block below is sound.
    let borrowed = unsafe {
        let borrowed = (*mp).tls[crate::tls::TLS_MCACHE] == 0;
        if borrowed {
            (*mp).tls[crate::tls::TLS_MCACHE] = (*pp).mcache as usize;
        }
        borrowed
    };
    let nmp = Box::into_raw(Box::new(M::new()));
    let g0 = Box::into_raw(Box::new(G::new()));
    // SAFETY: nmp and g0 are fresh and known to no other thread until newosproc.
    let hi = unsafe {
        (*g0).stack = stack::stackalloc(stack::G0_STACK).unwrap_or_else(|| throw("out of memory for an M's g0"));
        (*g0).m = nmp;
        (*nmp).g0 = g0;
        mcommoninit(nmp);
        (*nmp).tls[0] = g0 as usize;
        (*nmp).nextp = pp;
        (*nmp).spinning = spinning;
        (*g0).stack.hi
    };
    if borrowed {
        // SAFETY: as above.
        unsafe { (*mp).tls[crate::tls::TLS_MCACHE] = 0 };
    }
    // nmp is set up (g0, gsignal, tls[0], nextp).
    // SAFETY: from here on only the new thread touches nmp and its stacks.
    unsafe { os_linux::newosproc(nmp, hi, mstart_m) };
}

/// mstart on a new M: minit, then acquire `nextp` and schedule.
extern "C" fn mstart_m(mp: usize) {
    let mp = mp as *mut M;
    // SAFETY: newosproc passes this thread its own M, set up by newm.
    unsafe {
        os_linux::minit(mp);
        let pp = core::mem::replace(&mut (*mp).nextp, null_mut());
        acquirep(pp);
    }
    crate::proc::schedule_new_m()
}

/// handoffp (Go 1.19's): `pp` (released by an M about to block, or retaken by sysmon) goes to an
/// M if it has work — runnable goroutines locally or globally — or if no M is spinning or idle
/// to notice new work, or if it is the last P and nobody waits for timers; otherwise to the idle
/// list, with the poller woken for its timers.
pub(crate) fn handoffp(pp: *mut P) {
    let s = sched_raw();
    // SAFETY: pp is the caller's (just released); SCHED's counters are atomics.
    unsafe {
        if !crate::runq::runqempty(&*pp) || (*s).runqsize.load(Relaxed) > 0 {
            startm(pp, false);
            return;
        }
        // No local work: if there are no spinning or idle Ps, this P's M may be needed to notice
        // new work.
        if (*s).nmspinning.load(SeqCst) + (*s).npidle.load(SeqCst) == 0
            && (*s).nmspinning.compare_exchange(0, 1, SeqCst, Relaxed).is_ok()
        {
            startm(pp, true);
            return;
        }
    }
    // SAFETY: SCHED is a static; its lock is a mutex.
    let l = unsafe { &(*s).lock };
    lock(l);
    // SAFETY: sched.lock is held.
    if unsafe { (*s).runqsize.load(Relaxed) } != 0 {
        unlock(l);
        startm(pp, false);
        return;
    }
    // The last running P, and nobody sleeping until a timer: an M must go and do that.
    // SAFETY: as above.
    let last = unsafe { (*s).npidle.load(SeqCst) } as i32 == crate::proc::GOMAXPROCS.load(Relaxed) - 1;
    if last && !crate::time::poller_waiting() {
        unlock(l);
        startm(pp, false);
        return;
    }
    // SAFETY: pp is the caller's; its timer0when is an atomic.
    let when = unsafe { (*pp).timers.next() };
    // SAFETY: sched.lock is held; pp is the caller's.
    unsafe { pidleput(s, pp) };
    unlock(l);
    if when != 0 {
        crate::time::wake_netpoller(when);
    }
}

/// entersyscallblock: the running goroutine is about to block in a system call: it becomes
/// `_Gsyscall` and its P goes to another M right away.
pub fn entersyscallblock() {
    let gp = getg();
    let mp = getm();
    // SAFETY: gp is the running goroutine on mp, this thread's M.
    unsafe {
        if gp == (*mp).g0 {
            throw("entersyscallblock on g0");
        }
        if (*mp).locks.load(Relaxed) != 0 {
            throw("entersyscallblock holding locks");
        }
    }
    casgstatus(gp, G_RUNNING, G_SYSCALL);
    let pp = releasep();
    // SAFETY: this thread's M.
    unsafe { (*mp).oldp = pp };
    handoffp(pp);
}

/// Go's incidlelocked: adjusts `nmidlelocked` under sched.lock (checkdead when it goes up).
fn incidlelocked(v: i32) {
    let s = sched_raw();
    // SAFETY: SCHED is a static; its lock is a mutex, held around the change.
    let l = unsafe { &(*s).lock };
    lock(l);
    // SAFETY: sched.lock is held.
    unsafe { (*s).nmidlelocked += v };
    if v > 0 {
        checkdead(s);
    }
    unlock(l);
}

/// retake (sysmon, no P), Go's: a P whose goroutine has run for over 10 ms without a schedule
/// round is asked to preempt it (preemptone); a P in `_Psyscall` for the same system call over a
/// whole sysmon tick (at least 20 µs) is taken from its M and handed off. Returns how many Ps
/// were retaken (preemption requests do not count, as in Go).
pub(crate) fn retake(now: i64) -> u32 {
    let mut n = 0;
    for &pp in crate::proc::allp() {
        if pp.is_null() {
            continue;
        }
        // Ps are never freed; sysmon alone touches the sysmon_* fields; the status, schedtick
        // and syscalltick are atomics.
        // SAFETY: so the block below is sound.
        unsafe {
            let status = (*pp).status.load(Acquire);
            if status == P_RUNNING {
                let t = (*pp).schedtick.load(Relaxed);
                if (*pp).sysmon_schedtick != t {
                    (*pp).sysmon_schedtick = t;
                    (*pp).sysmon_schedwhen = now;
                } else if (*pp).sysmon_schedwhen + crate::preempt::FORCE_PREEMPT_NS <= now {
                    crate::preempt::preemptone(pp);
                }
                continue;
            }
            if status != P_SYSCALL {
                continue;
            }
            let t = (*pp).syscalltick.load(Relaxed);
            if (*pp).sysmon_syscalltick != t {
                // A new system call since the last look: give it a tick.
                (*pp).sysmon_syscalltick = t;
                (*pp).sysmon_syscallwhen = now;
                continue;
            }
            // Once the CAS below wins, the P is sysmon's (its M, back from the call, will not
            // get it), and until it is handed on that M may come back, find no P, put its G on
            // the global queue and stop. Count one M fewer as idle from *before* the CAS, so
            // that checkdead never takes that M for the last one running while the P is in
            // sysmon's hands (Go's incidlelocked(-1) before the CAS; after it, the window
            // between the two was a false "all goroutines are asleep" with runnable ones).
            incidlelocked(-1);
            if (*pp).status.compare_exchange(P_SYSCALL, P_IDLE, AcqRel, Relaxed).is_ok() {
                n += 1;
                handoffp(pp);
            }
            incidlelocked(1);
        }
    }
    n
}

/// entersyscall: the running goroutine enters a system call that may block. It becomes
/// `_Gsyscall` and its P `_Psyscall`: the P stays this M's to take back cheaply when the call
/// returns soon, and sysmon retakes it (retake → handoffp) if the call lasts over a sysmon tick.
pub fn entersyscall() {
    let gp = getg();
    let mp = getm();
    // SAFETY: gp is the running goroutine on mp, this thread's M.
    unsafe {
        if gp == (*mp).g0 {
            throw("entersyscall on g0");
        }
        if (*mp).locks.load(Relaxed) != 0 {
            throw("entersyscall holding locks");
        }
    }
    casgstatus(gp, G_RUNNING, G_SYSCALL);
    // This thread's M and the P it holds; after the Release store of P_SYSCALL the P is
    // sysmon's to retake, with everything this M wrote to it before.
    // SAFETY: so the block below is sound.
    unsafe {
        let pp = (*mp).p;
        (*pp).syscalltick.fetch_add(1, Relaxed);
        (*mp).oldp = pp;
        (*mp).p = null_mut();
        (*mp).tls[crate::tls::TLS_P] = 0;
        (*mp).tls[crate::tls::TLS_MCACHE] = 0;
        (*pp).m.store(null_mut(), Relaxed);
        (*pp).status.store(P_SYSCALL, Release);
    }
}

/// exitsyscall: back from the system call. The goroutine runs on at once if its old P is still
/// in `_Psyscall` (not retaken) or idle, or another P is idle (exitsyscallfast); otherwise it
/// goes to the global run queue and this M stops (exitsyscall0 on g0).
pub fn exitsyscall() {
    let gp = getg();
    let mp = getm();
    // SAFETY: this thread's M; only it touches `oldp`.
    let oldp = unsafe { core::mem::replace(&mut (*mp).oldp, null_mut()) };
    // Fast path (Go's exitsyscallfast): the P was not retaken.
    // SAFETY: Ps are never freed; the status is an atomic, and winning the CAS makes oldp ours.
    if !oldp.is_null() && unsafe { (*oldp).status.compare_exchange(P_SYSCALL, P_IDLE, AcqRel, Relaxed) }.is_ok() {
        acquirep(oldp);
        casgstatus(gp, G_SYSCALL, G_RUNNING);
        return;
    }
    let s = sched_raw();
    // SAFETY: SCHED is a static; npidle is an atomic.
    if unsafe { (*s).npidle.load(SeqCst) } != 0 {
        // SAFETY: SCHED is a static; its lock is a mutex.
        let l = unsafe { &(*s).lock };
        lock(l);
        // The old P if it is idle, else any idle P (exitsyscallfast_pidle).
        // SAFETY: sched.lock is held.
        let pp = unsafe { if !oldp.is_null() && pidletake(s, oldp) { oldp } else { pidleget(s) } };
        unlock(l);
        if !pp.is_null() {
            acquirep(pp);
            casgstatus(gp, G_SYSCALL, G_RUNNING);
            return;
        }
    }
    mcall(Pending::ExitSyscall);
}

/// exitsyscall0, on g0: `gp` is back from its system call and its M has no P. Under
/// sched.lock: take an idle P if there is one and run gp next on it; otherwise put gp on the
/// global run queue, for the Ps that are running, and let this M stop (its scheduling loop finds
/// it has no P).
pub(crate) fn exitsyscall0(gp: *mut G) {
    casgstatus(gp, G_SYSCALL, G_RUNNABLE);
    let s = sched_raw();
    // SAFETY: SCHED is a static; its lock is a mutex.
    let l = unsafe { &(*s).lock };
    lock(l);
    // SAFETY: sched.lock is held, which guards the idle list and the global queue.
    let pp = unsafe {
        let pp = pidleget(s);
        if pp.is_null() {
            crate::runq::globrunqput(s, gp);
        }
        pp
    };
    unlock(l);
    if pp.is_null() {
        return;
    }
    acquirep(pp);
    crate::runq::runqput(gp, true);
}
