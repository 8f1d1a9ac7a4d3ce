//! Ms coming and going: the M half of Go 1.19's proc.go — `acquirep`/`releasep`, the idle P and
//! M lists (`pidleput`/`pidleget`, `mput`/`mget`), `newm`/`mstart` of a new M, `startm`,
//! `handoffp`, `stopm`, and the system-call handoff `entersyscallblock`/`exitsyscall`/
//! `exitsyscall0`.
//!
//! What it gives: a goroutine that blocks in a system call (through [`crate::syscall`]) hands
//! its P to another M first — an idle one woken from its note, or a new thread — so the other
//! goroutines keep running; when the call returns, the goroutine takes its P back if it is idle,
//! or else goes to the global run queue and its M stops (sleeps on its note until startm needs
//! it). An M with nothing to run gives its P to the idle list and stops too; the last M to stop,
//! with no M left in a system call and no timer pending, is Go's deadlock (checkdead).
//!
//! One deliberate limit, until the allocator is safe for several Ms (issue 10, item 2): one P
//! runs goroutines at a time. The P a program starts with (P0) is the only one handed between
//! Ms; the others (GOMAXPROCS > 1) stay idle and are never put on the idle list. So at any moment
//! at most one thread runs Go code and allocates: the M holding P0, or whoever has P0 in hand
//! while handing it over (the M entering a system call, or sysmon after retaking it), which is
//! why newm may allocate on those paths. Ms without a P otherwise touch only sched.lock's lists,
//! the injected list and their notes.
//!
//! `entersyscall` (Go's, used by [`crate::syscall`]) leaves the P in `_Psyscall`: a call that
//! returns soon takes it back with one CAS, and sysmon retakes it (retake → handoffp) once it
//! sees the same call still running a tick later. `entersyscallblock` hands it over at once,
//! for calls known to block.
//!
//! Lock order: sched.lock is taken with no other runtime lock held (checkdead, under it, only
//! reads the Ps' timers through atomics).
use crate::lock_futex::{lock, notesleep, unlock};
use crate::panic::throw;
use crate::proc::{Pending, casgstatus, checkdead, getm, mcall, mcommoninit, sched_raw, schedule_loop};
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
        if !(*mp).p.is_null() || !(*pp).m.is_null() || (*pp).status.load(Acquire) != P_IDLE {
            throw("acquirep: invalid p state");
        }
        (*mp).p = pp;
        (*mp).tls[crate::tls::TLS_P] = pp as usize;
        (*mp).tls[crate::tls::TLS_MCACHE] = (*pp).mcache as usize;
        (*pp).m = mp;
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
        if pp.is_null() || (*pp).m != mp || (*pp).status.load(Relaxed) != P_RUNNING {
            throw("releasep: invalid p state");
        }
        (*mp).p = null_mut();
        (*mp).tls[crate::tls::TLS_P] = 0;
        (*mp).tls[crate::tls::TLS_MCACHE] = 0;
        (*pp).m = null_mut();
        (*pp).status.store(P_IDLE, Release);
        pp
    }
}

/// pidleput: `pp` joins the idle P list.
///
/// # Safety
/// sched.lock is held and `pp` is idle and owned by the caller.
unsafe fn pidleput(s: *mut Schedt, pp: *mut P) {
    // SAFETY: the caller's lock guards the list; pp is the caller's.
    unsafe {
        (*pp).link = (*s).pidle;
        (*s).pidle = pp;
        (*s).npidle.fetch_add(1, SeqCst);
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
/// acquires that P.
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

/// Nothing to run and no timer pending on this M's P: the P goes to the idle list (where a
/// goroutine coming back from a system call finds it) and the M stops.
pub(crate) fn stop_idle() {
    let pp = releasep();
    let s = sched_raw();
    // SAFETY: SCHED is a static; its lock is a mutex.
    let l = unsafe { &(*s).lock };
    lock(l);
    // A goroutine injected before this lock was taken is work after all (exitsyscall0 injects
    // under the same lock, and takes the P instead if it finds it idle).
    // SAFETY: SCHED is a static; `injected` is an atomic.
    if unsafe { !(*s).injected.load(SeqCst).is_null() } {
        unlock(l);
        acquirep(pp);
        return;
    }
    // SAFETY: sched.lock is held; pp was just released by this M.
    unsafe { pidleput(s, pp) };
    unlock(l);
    stopm();
}

/// startm: runs `pp` on an idle M, or on a new one.
fn startm(pp: *mut P) {
    let s = sched_raw();
    // SAFETY: SCHED is a static; its lock is a mutex.
    let l = unsafe { &(*s).lock };
    lock(l);
    // SAFETY: sched.lock is held.
    let nmp = unsafe { mget(s) };
    unlock(l);
    if nmp.is_null() {
        newm(pp);
        return;
    }
    // nmp sleeps in stopm (it was on the idle list) and reads nextp only after the wake-up.
    // SAFETY: mget took it off the list, so this is the only waker.
    unsafe {
        (*nmp).nextp = pp;
        (*nmp).park.wakeup();
    }
}

/// newm: a new M (thread) with its own g0 and gsignal that starts by acquiring `pp`.
fn newm(pp: *mut P) {
    // The P is in this M's hands until the new thread takes it, so no other M runs Go code —
    // and allocates — meanwhile.
    let mp = Box::into_raw(Box::new(M::new()));
    let g0 = Box::into_raw(Box::new(G::new()));
    // SAFETY: mp and g0 are fresh and known to no other thread until newosproc.
    let hi = unsafe {
        (*g0).stack = stack::stackalloc(stack::G0_STACK).unwrap_or_else(|| throw("out of memory for an M's g0"));
        (*g0).m = mp;
        (*mp).g0 = g0;
        mcommoninit(mp);
        (*mp).tls[0] = g0 as usize;
        (*mp).nextp = pp;
        (*g0).stack.hi
    };
    // mp is set up (g0, gsignal, tls[0], nextp).
    // SAFETY: from here on only the new thread touches mp and its stacks.
    unsafe { os_linux::newosproc(mp, hi, mstart_m) };
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
    schedule_loop()
}

/// handoffp: `pp` (released by an M about to block) goes to an M if it has work — runnable
/// goroutines locally or globally, or a timer — and to the idle list otherwise.
pub(crate) fn handoffp(pp: *mut P) {
    let s = sched_raw();
    // SAFETY: pp is the caller's (just released); SCHED's runqsize is an atomic.
    let work = unsafe {
        !(*pp).runnext.is_null()
            || !(*pp).runq.is_empty()
            || (*s).runqsize.load(Relaxed) > 0
            || !(*s).injected.load(SeqCst).is_null()
            || (*pp).timers.next() != 0
    };
    if work {
        startm(pp);
        return;
    }
    // SAFETY: SCHED is a static; its lock is a mutex.
    let l = unsafe { &(*s).lock };
    lock(l);
    // SAFETY: sched.lock is held; pp is the caller's.
    unsafe { pidleput(s, pp) };
    unlock(l);
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

/// retake (sysmon, no P): a P in `_Psyscall` for the same system call over a whole sysmon tick
/// (at least 20 µs) is taken from its M and handed off (Go's retake, for the syscall case;
/// preemption of long-running goroutines is not done yet). Returns how many Ps were retaken.
pub(crate) fn retake(now: i64) -> u32 {
    let mut n = 0;
    for &pp in crate::proc::allp() {
        if pp.is_null() {
            continue;
        }
        // Ps are never freed; sysmon alone touches the sysmon_* fields; the status and
        // syscalltick are atomics.
        // SAFETY: so the block below is sound.
        unsafe {
            if (*pp).status.load(Acquire) != P_SYSCALL {
                continue;
            }
            let t = (*pp).syscalltick.load(Relaxed);
            if (*pp).sysmon_syscalltick != t {
                // A new system call since the last look: give it a tick.
                (*pp).sysmon_syscalltick = t;
                (*pp).sysmon_syscallwhen = now;
                continue;
            }
            if (*pp).status.compare_exchange(P_SYSCALL, P_IDLE, AcqRel, Relaxed).is_ok() {
                // The P is sysmon's now (its M, back from the call, will not get it). Until it
                // is handed on, that M may come back, find no P and stop: count one M fewer as
                // idle meanwhile, so that checkdead does not take it for the last (Go's
                // incidlelocked around handoffp).
                n += 1;
                incidlelocked(-1);
                handoffp(pp);
                incidlelocked(1);
            }
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
        (*pp).m = null_mut();
        (*pp).status.store(P_SYSCALL, Release);
    }
}

/// exitsyscall: back from the system call. The goroutine runs on at once if its old P is still
/// in `_Psyscall` (not retaken) or idle; otherwise it is handed to the M holding the P and this
/// M stops (exitsyscall0 on g0).
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
    // SAFETY: SCHED is a static; its lock is a mutex.
    let l = unsafe { &(*s).lock };
    lock(l);
    // SAFETY: sched.lock is held.
    let got = !oldp.is_null() && unsafe { pidletake(s, oldp) };
    unlock(l);
    if got {
        acquirep(oldp);
        casgstatus(gp, G_SYSCALL, G_RUNNING);
        return;
    }
    mcall(Pending::ExitSyscall);
}

/// exitsyscall0, on g0: `gp` is back from its system call and its M has no P. Under
/// sched.lock: take an idle P if there is one (the M that held it stopped meanwhile) and run gp
/// next on it; otherwise inject gp for the M that holds the P (which moves it to the global run
/// queue), wake that M if it sleeps until a timer, and let this M stop (its scheduling loop finds
/// it has no P).
pub(crate) fn exitsyscall0(gp: *mut G) {
    casgstatus(gp, G_SYSCALL, G_RUNNABLE);
    let s = sched_raw();
    // SAFETY: SCHED is a static; its lock is a mutex.
    let l = unsafe { &(*s).lock };
    lock(l);
    // Sched.lock is held, which guards the idle list; `injected` is pushed under it here
    // so that stop_idle, which checks it under the same lock, cannot miss gp.
    // SAFETY: so the block below is sound.
    let pp = unsafe {
        let pp = (*s).pidle;
        if !pp.is_null() {
            pidletake(s, pp);
        } else {
            crate::runq::inject(gp);
        }
        pp
    };
    unlock(l);
    if pp.is_null() {
        crate::time::netpoll_break();
        return;
    }
    acquirep(pp);
    crate::runq::runqput(gp, true);
}
