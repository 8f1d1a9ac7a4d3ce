//! The scheduler (Go's proc.go): schedinit, mcommoninit, procresize, newproc, mstart, schedule,
//! findRunnable, execute, gopark/park_m/goready, goyield, acquireSudog/releaseSudog, goexit, and
//! runtime.main.
//!
//! Parking follows Go: `gopark(unlockf, lock, reason)` records the callback in the M and
//! switches to g0; there park_m marks the G waiting and only then calls `unlockf(gp, lock)`,
//! which typically releases the lock guarding the queue the G was put on. Until that unlock no
//! one can find the G, and once it runs the G's context is saved, so a goready on any M is safe.
//! An M that holds runtime locks (`m.locks > 0`, see lock_futex) may not schedule: that throws
//! "schedule: holding locks", as in Go.
//!
//! The model is Go's G/M/P: goroutines (G) run on OS threads (M) that hold a processor (P);
//! each P has a 256-slot run queue plus `runnext`; a global queue takes overflow and yields.
//! GOMAXPROCS Ps run goroutines in parallel, as in Go: readying a goroutine or starting one
//! wakes an idle P with a spinning M (wakep) when no M is already looking for work; an M out of
//! work looks in Go's order (its timers, the global queue every 61st tick, runnext, its queue,
//! the global queue, then — spinning — steals half of another P's queue, runnext and timers on
//! the last of four rounds), and only then gives its P back and stops, after a last look at
//! every queue so that no wake-up is lost (findRunnable's "delicate dance"). One M at a time
//! sleeps until the earliest timer of any P, without a P (Go's netpoll(delay)).
//!
//! Ownership: a P's fields are its holder's, except the run queue's head and runnext, which
//! thieves CAS (runq.rs), and its timers, under their lock (time.rs); what Ps share — the global
//! run queue, the free-G list, the idle lists — is under sched.lock (the [`sched`] accessor is
//! for the counters and the goid generator, which are atomics). sysmon runs on its own M without
//! a P, as in Go. Each M finds itself, its P and its P's mcache in its TLS block (tls).
use crate::asm_amd64::{new_context, switch};
use crate::panic::throw;
use crate::runq::{globrunqget, globrunqput, runqget, runqput};
use crate::runtime2::*;
use crate::stack::{self, GOROUTINE_STACK};
use crate::tls::{getg, setg};
use crate::{malloc, os, runtime1, step, sysmon, trace};
use alloc::boxed::Box;
use core::ptr::null_mut;
use core::sync::atomic::AtomicU32;
use core::sync::atomic::Ordering::{Relaxed, SeqCst};

pub static mut M0: M = M::new();
pub static mut G0: G = G::new();
pub static mut SCHED: Schedt = Schedt {
    goidgen: core::sync::atomic::AtomicU64::new(0),
    mnext: 0,
    maxmcount: 0,
    lock: crate::lock_futex::Mutex::new(),
    runq_head: null_mut(),
    runq_tail: null_mut(),
    runqsize: core::sync::atomic::AtomicI32::new(0),
    midle: null_mut(),
    nmsys: 0,
    nmidlelocked: 0,
    pidle: null_mut(),
    gfree: null_mut(),
    gfree_count: core::sync::atomic::AtomicI32::new(0),
    nmidle: core::sync::atomic::AtomicI32::new(0),
    sudoglock: crate::lock_futex::Mutex::new(),
    sudogcache: null_mut(),
    npidle: core::sync::atomic::AtomicU32::new(0),
    nmspinning: core::sync::atomic::AtomicU32::new(0),
};
/// allp[0..gomaxprocs]: grown by procresize, as Go 1.19's (no upper limit). The array comes
/// from persistentalloc (a bump allocation, no span to set up for one small object); a grown
/// allp leaves the old array behind, as Go's leaves it to the collector.
pub static mut ALLP: &[*mut P] = &[];
pub static GOMAXPROCS: core::sync::atomic::AtomicI32 = core::sync::atomic::AtomicI32::new(0);
pub static NCPU: core::sync::atomic::AtomicI32 = core::sync::atomic::AtomicI32::new(1);
pub static MAIN_STARTED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
/// How many Gs were ever created (Go's allglen).
pub static ALLGLEN: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
/// What a goroutine asks g0 to do with it after switching away (Go's mcall functions), kept in
/// its M's `pending`.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Pending {
    None,
    /// park_m: already marked waiting.
    Park,
    /// gosched_m: back on the global queue.
    Yield,
    /// goyield_m: back on this P's local queue (behind whoever was readied).
    Goyield,
    /// goexit0: dead, to the free list.
    Exit,
    /// exitsyscall0: back from a system call with no P to run on: to the global queue, and this
    /// M stops.
    ExitSyscall,
}

impl Pending {
    fn from_u8(v: u8) -> Pending {
        match v {
            1 => Pending::Park,
            2 => Pending::Yield,
            3 => Pending::Goyield,
            4 => Pending::Exit,
            5 => Pending::ExitSyscall,
            _ => Pending::None,
        }
    }
}

/// The scheduler's state, shared: its atomics (counts, the goid generator, `runqsize`) are read
/// and changed through this; the rest only under sched.lock, through [`sched_raw`].
#[inline]
pub(crate) fn sched() -> &'static Schedt {
    // a shared reference: the fields used through it are atomics (or the lock itself);
    // the plain fields are written only through the raw pointer under sched.lock.
    // SAFETY: so the block below is sound.
    unsafe { &*(&raw const SCHED) }
}

/// The scheduler's state through a raw pointer, for code that holds sched.lock but maybe no P.
#[inline(always)]
pub(crate) fn sched_raw() -> *mut Schedt {
    &raw mut SCHED
}

/// Checks, in debug builds, that the calling thread's M holds a P — only such an M may touch
/// the scheduler's P-side state. Before settls has linked g0 and m0 nothing schedules.
#[inline(always)]
fn debug_assert_holds_p() {
    // The scheduler is only reached after settls ran on this thread.
    // SAFETY: the g register of every runtime thread points at a live G, linked to its M.
    debug_assert!(unsafe { !(*(*getg()).m).p.is_null() }, "scheduler state touched by an M without a P");
}

/// The calling thread's M (from its TLS block, see tls).
#[inline(always)]
pub(crate) fn getm() -> *mut M {
    crate::tls::getm_tls()
}

pub fn m0() -> *mut M {
    &raw mut M0
}

/// The P the running M holds, as a pointer.
#[inline]
pub(crate) fn curp_ptr() -> *mut P {
    debug_assert_holds_p();
    crate::tls::getp_tls()
}

/// sched.npidle and sched.nmspinning, for sync.Mutex's spin decision.
pub(crate) fn idle_counts() -> (u32, u32) {
    // SAFETY: both are atomics of the static SCHED; no reference to the rest is formed.
    unsafe { ((*(&raw const SCHED)).npidle.load(Relaxed), (*(&raw const SCHED)).nmspinning.load(Relaxed)) }
}

/// runqempty(the running M's P): nothing in runnext or the local queue.
pub(crate) fn runq_empty() -> bool {
    crate::runq::runqempty(curp())
}

/// allp: every P (GOMAXPROCS of them).
pub(crate) fn allp() -> &'static [*mut P] {
    // SAFETY: ALLP is written only by procresize during schedinit, before any reader.
    unsafe { *(&raw const ALLP) }
}

/// The P m0 holds.
#[inline]
pub(crate) fn curp() -> &'static mut P {
    debug_assert_holds_p();
    // A P is touched only by the M that holds it (checked above in debug builds), and
    // only this thread changes its M's P (tls[2] with `p`).
    // SAFETY: so the block below is sound.
    unsafe { &mut *crate::tls::getp_tls() }
}

/// schedinit (proc.go), in Go's order: the M limit, GODEBUG, stackinit, mallocinit,
/// mcommoninit(m0), goargs/goenvs, gcinit (GOGC), GOMAXPROCS and procresize.
pub fn schedinit() {
    // SAFETY: schedinit runs on m0 before any other thread exists.
    unsafe { (*sched_raw()).maxmcount = 10_000 };
    step!(
        3,
        "schedinit: sched.maxmcount=10000; lock init: sched.sudoglock and the {} sema roots are static unlocked futex words",
        crate::sema::SEM_TAB_SIZE
    );
    let dbg = runtime1::parse_godebug(os::getenv("GODEBUG").unwrap_or(b""));
    sysmon::SCHEDTRACE_MS.store(dbg.schedtrace, Relaxed);
    crate::schedtrace::SCHEDDETAIL.store(dbg.scheddetail > 0, Relaxed);
    crate::INITTRACE.store(dbg.inittrace != 0, Relaxed);
    crate::preempt::ASYNC_PREEMPT_OFF.store(dbg.asyncpreemptoff != 0, Relaxed);
    step!(3, "GODEBUG: inittrace={} schedtrace={} (unknown keys ignored)", dbg.inittrace, dbg.schedtrace);
    step!(
        3,
        "stackinit: nothing to init: no stack pools (Go pools {} orders from 2 KiB); goroutine stacks are {} KiB + guard from the heap, reused with their G (Rust cannot grow them)",
        stack::NUM_STACK_ORDERS,
        GOROUTINE_STACK / 1024
    );
    malloc::mallocinit();
    step!(
        3,
        "mallocinit: mheap (a static), {} size classes, mcache0; arenas of {} MiB reserved lazily from hint {:#x}; persistentalloc on brk",
        malloc::sizeclasses::NUM_SIZE_CLASSES,
        malloc::HEAP_ARENA_BYTES >> 20,
        malloc::ARENA_BASE_HINT
    );
    mcommoninit(m0());
    // SAFETY: `id` is written once, by mcommoninit just above, and never again: no race.
    let id = unsafe { (*m0()).id };
    step!(3, "mcommoninit: m0 id {id}, gsignal with a {} KiB stack, linked into allm", stack::GSIGNAL_STACK / 1024);
    step!(
        3,
        "goargs/goenvs: {} args, {} env entries (borrowed in place from the initial stack; Go copies them)",
        os::args().count(),
        crate::args::envs().count()
    );
    let gogc = runtime1::read_gogc(os::getenv("GOGC"));
    step!(
        3,
        "gcinit: GOGC={}{} (reported only: rt0 frees explicitly, there is no collector)",
        gogc,
        if gogc < 0 { " (off)" } else { "" }
    );
    let procs = runtime1::gomaxprocs(os::getenv("GOMAXPROCS"), NCPU.load(Relaxed));
    procresize(procs);
    step!(3, "procresize: gomaxprocs={procs}; P0 takes mcache0 and is acquired by m0 (_Prunning), {} idle", procs - 1);
}

/// mcommoninit: the next M id (under sched.lock), a gsignal with a 32 KiB stack, linked into
/// allm.
pub(crate) fn mcommoninit(mp: *mut M) {
    let s = sched_raw();
    // SAFETY: SCHED is a static; its lock is a mutex.
    crate::lock_futex::lock(unsafe { &(*s).lock });
    // SAFETY: `mp` is a live M being initialised by this thread; sched.lock guards mnext, allm.
    unsafe {
        (*mp).tls[crate::tls::TLS_M] = mp as usize;
        (*mp).id = (*s).mnext;
        (*s).mnext += 1;
        if (*s).mnext > (*s).maxmcount as i64 {
            throw("thread limit");
        }
        (*mp).alllink = ALLM;
        ALLM = mp;
        crate::lock_futex::unlock(&(*s).lock);
        let gs = Box::into_raw(Box::new(G::new()));
        (*gs).stack = stack::heapstack(stack::GSIGNAL_STACK).unwrap_or_else(|| throw("out of memory for gsignal"));
        (*gs).m = mp;
        (*mp).gsignal = gs;
    }
}

pub static mut ALLM: *mut M = null_mut();

/// procresize(n): allp grows to n Ps; P0 takes mcache0 and is acquired by m0 (`_Prunning`),
/// the rest get an empty mcache and go idle.
pub fn procresize(n: i32) {
    debug_assert_holds_p();
    // ALLP is written only here, on m0 (checked above in debug builds).
    // SAFETY: sysmon, the one other thread that reads ALLP, is started later, by runtime.main.
    let old: &[*mut P] = unsafe { *(&raw const ALLP) };
    let len = old.len().max(n as usize);
    let mem = malloc::persistentalloc(len * size_of::<*mut P>(), align_of::<*mut P>()) as *mut *mut P;
    if mem.is_null() {
        throw("procresize: out of memory for allp");
    }
    // persistentalloc never frees, so `mem` lives for the rest of the process.
    // SAFETY: `mem` is fresh, zeroed, aligned memory for `len` pointers that nothing else refers to.
    let allp: &'static mut [*mut P] = unsafe { core::slice::from_raw_parts_mut(mem, len) };
    allp[..old.len()].copy_from_slice(old);
    for id in old.len() as i32..n {
        let p = Box::into_raw(Box::new(P {
            id,
            status: AtomicU32::new(P_IDLE),
            syscalltick: AtomicU32::new(0),
            sysmon_syscalltick: 0,
            sysmon_syscallwhen: 0,
            sysmon_schedtick: 0,
            sysmon_schedwhen: 0,
            m: core::sync::atomic::AtomicPtr::new(null_mut()),
            mcache: if id == 0 { malloc::mcache0() } else { malloc::allocmcache() },
            schedtick: AtomicU32::new(0),
            runnext: core::sync::atomic::AtomicPtr::new(null_mut()),
            runq: crate::runq::RunQueue::new(),
            gfree: null_mut(),
            gfree_count: 0,
            goidcache: 0,
            goidcacheend: 0,
            sudogcache: null_mut(),
            sudogcache_len: 0,
            timers: crate::time::Timers::new(),
            link: null_mut(),
        }));
        allp[id as usize] = p;
    }
    // SAFETY: as above: the only writer, before the only other reader exists.
    unsafe { *(&raw mut ALLP) = allp };
    GOMAXPROCS.store(n, SeqCst);
    // acquirep(allp[0]) on m0.
    // SAFETY: P0 was just created and no M holds it; m0 is this thread's M.
    unsafe {
        let p0 = allp[0];
        (*p0).status.store(P_RUNNING, SeqCst);
        (*p0).m.store(m0(), Relaxed);
        (*m0()).p = p0;
        (*m0()).tls[crate::tls::TLS_P] = p0 as usize;
        (*m0()).tls[crate::tls::TLS_MCACHE] = (*p0).mcache as usize;
        malloc::set_current_mcache((*p0).mcache);
    }
    // The others go idle (pidleput), for wakep to hand to spinning Ms. With more than one P,
    // threads allocate through their own P's mcache from now on.
    let s = crate::runq::lock_sched();
    for &pp in allp[1..n as usize].iter().rev() {
        // SAFETY: sched.lock is held; pp is a new P nobody holds.
        unsafe { crate::procm::pidleput(s, pp) };
    }
    crate::runq::unlock_sched(s);
    if n > 1 {
        malloc::enter_parallel();
    }
}

/// A G with a stack, from the P's free list, the global free list, or new (Go's gfget/malg).
fn gfget() -> *mut G {
    let p = curp();
    if p.gfree.is_null() && !sched_gfree_empty() {
        // Refill from the global list, up to a batch (gfget).
        let s = crate::runq::lock_sched();
        // SAFETY: sched.lock is held, which guards the global list; its Gs are dead.
        unsafe {
            while p.gfree_count < GFREE_BATCH && !(*s).gfree.is_null() {
                let gp = (*s).gfree;
                (*s).gfree = (*gp).schedlink;
                (*s).gfree_count.fetch_sub(1, Relaxed);
                (*gp).schedlink = p.gfree;
                p.gfree = gp;
                p.gfree_count += 1;
            }
        }
        crate::runq::unlock_sched(s);
    }
    let gp = p.gfree;
    if !gp.is_null() {
        // SAFETY: gp is a dead G on this P's list.
        p.gfree = unsafe { (*gp).schedlink };
        p.gfree_count -= 1;
        return gp;
    }
    let gp = Box::into_raw(Box::new(G::new()));
    // SAFETY: gp was just allocated.
    unsafe {
        (*gp).stack =
            stack::stackalloc(GOROUTINE_STACK).unwrap_or_else(|| throw("out of memory allocating a goroutine stack"));
        (*gp).stackguard0 = (*gp).stack.lo;
    }
    ALLGLEN.fetch_add(1, Relaxed);
    crate::traceback::allgadd(gp);
    gp
}

/// Whether the global free-G list is empty, without the lock (its count is an atomic kept
/// under the lock; the lock decides).
#[inline]
fn sched_gfree_empty() -> bool {
    sched().gfree_count.load(Relaxed) == 0
}

/// Puts a dead G on the P's free list, spilling half to the global list past 64 (gfput).
fn gfput(gp: *mut G) {
    let p = curp();
    // SAFETY: gp is dead and owned by the scheduler.
    unsafe { (*gp).schedlink = p.gfree };
    p.gfree = gp;
    p.gfree_count += 1;
    if p.gfree_count >= GFREE_MAX {
        let s = crate::runq::lock_sched();
        while p.gfree_count > GFREE_BATCH {
            let g = p.gfree;
            // SAFETY: g is on this P's list; sched.lock guards the global one.
            unsafe {
                p.gfree = (*g).schedlink;
                (*g).schedlink = (*s).gfree;
                (*s).gfree = g;
                (*s).gfree_count.fetch_add(1, Relaxed);
            }
            p.gfree_count -= 1;
        }
        crate::runq::unlock_sched(s);
    }
}

/// The next goid from the P's batch (refilled 16 at a time from sched.goidgen).
fn newgoid() -> u64 {
    let p = curp();
    if p.goidcache == p.goidcacheend {
        p.goidcache = sched().goidgen.fetch_add(GOID_CACHE_BATCH, SeqCst) + 1;
        p.goidcacheend = p.goidcache + GOID_CACHE_BATCH;
    }
    let id = p.goidcache;
    p.goidcache += 1;
    id
}

/// newproc: a new runnable G running `f(arg)`, placed in the P's runnext; once runtime.main has
/// started, an idle P is woken to run the G's displaced neighbours (wakep).
pub fn newproc(f: extern "C" fn(usize), arg: usize) -> *mut G {
    newproc1(f, arg, 0)
}

/// newproc with the address of the `go` statement (Go's `gopc`, for `created by`), recorded
/// before the G is queued: another P may run it at once.
pub fn newproc1(f: extern "C" fn(usize), arg: usize, gopc: usize) -> *mut G {
    let gp = gfget();
    // SAFETY: gp is ours until it is queued.
    unsafe {
        (*gp).sched.sp = new_context((*gp).stack.hi, f as usize, arg);
        (*gp).startfn = f as usize;
        (*gp).startarg = arg;
        (*gp).goid = newgoid();
        (*gp).waitreason = WaitReason::Zero;
        (*gp).gopc.store(gopc, Relaxed);
        (*gp).atomicstatus.store(G_RUNNABLE, SeqCst);
    }
    runqput(gp, true);
    if MAIN_STARTED.load(Relaxed) {
        crate::procm::wakep();
    }
    gp
}

/// findRunnable: the P's due timers first (checkTimers), then every 61st tick the global queue
/// (fairness), runnext, the local queue, the global queue; then stealing, and stopping (see
/// [`find_runnable_slow`]). Returns a G to run, on whatever P the M holds by then.
#[inline(always)]
fn find_runnable() -> *mut G {
    // The common case, without a call: no timer pending, so Go's order comes down to the run
    // queues.
    let p = curp();
    if p.timers.next() == 0 {
        let gp = runqs_get(p);
        if !gp.is_null() {
            return gp;
        }
    }
    find_runnable_slow()
}

/// findRunnable's run-queue steps: every 61st tick the global queue first (fairness), then
/// runnext, the local queue, the global queue.
#[inline(always)]
fn runqs_get(p: &mut P) -> *mut G {
    if sched().runqsize.load(Relaxed) > 0 && p.schedtick.load(Relaxed).is_multiple_of(61) {
        let s = crate::runq::lock_sched();
        // SAFETY: sched.lock is held.
        let gp = unsafe { globrunqget(s, 1) };
        crate::runq::unlock_sched(s);
        if !gp.is_null() {
            return gp;
        }
    }
    let gp = runqget(p);
    if !gp.is_null() {
        return gp;
    }
    if sched().runqsize.load(Relaxed) > 0 {
        let s = crate::runq::lock_sched();
        // SAFETY: sched.lock is held.
        let gp = unsafe { globrunqget(s, 0) };
        crate::runq::unlock_sched(s);
        return gp;
    }
    null_mut()
}

/// How many rounds a spinning M tries to steal (Go's stealTries).
const STEAL_TRIES: u32 = 4;

/// findRunnable's slow half: [`find_runnable_steal`], then (Go's schedule) a spinning M that
/// found work stops spinning and, if it was the last, wakes another to keep looking
/// (resetspinning). An M is spinning only in here: the fast path never sees one.
#[inline(never)]
pub(crate) fn find_runnable_slow() -> *mut G {
    let gp = find_runnable_steal();
    let mp = getm();
    // SAFETY: mp is this thread's M; `spinning` is its own.
    if unsafe { (*mp).spinning } {
        resetspinning(mp);
    }
    gp
}

/// findRunnable in full (Go 1.19's order): timers and the run queues; then, if this M is
/// spinning or few are, steal from the other Ps (stealWork); then give the P back, look at every
/// queue once more after the M stops spinning, and sleep — until the earliest timer as the one
/// poller (Go's netpoll(delay)), or on the M's note (stopm) — and start over.
#[inline(always)]
fn find_runnable_steal() -> *mut G {
    let mp = getm();
    'top: loop {
        let p = curp();
        let (mut now, mut poll_until) = crate::time::check_timers(p, 0);
        let gp = runqs_get(p);
        if !gp.is_null() {
            return gp;
        }
        // Spinning Ms: steal work from other Ps. Limit the number of spinning Ms to half the
        // number of busy Ps, so that they do not burn the CPUs when GOMAXPROCS is large.
        let procs = GOMAXPROCS.load(Relaxed) as u32;
        // SAFETY: mp is this thread's M; `spinning` is its own.
        let spinning = unsafe { (*mp).spinning };
        if procs > 1 && (spinning || 2 * sched().nmspinning.load(Relaxed) < procs - sched().npidle.load(Relaxed)) {
            if !spinning {
                // SAFETY: as above.
                unsafe { (*mp).spinning = true };
                sched().nmspinning.fetch_add(1, SeqCst);
            }
            let (gp, new_work, tnow, w) = steal_work(p, now);
            if !gp.is_null() {
                return gp;
            }
            if new_work {
                continue 'top; // a timer ran, or there may be work to steal
            }
            now = tnow;
            if w != 0 && (poll_until == 0 || w < poll_until) {
                poll_until = w;
            }
        }
        // Return the P and block. The global queue is checked once more under sched.lock, which
        // an M putting a G there holds too.
        let s = crate::runq::lock_sched();
        // SAFETY: sched.lock is held.
        let gp = unsafe { globrunqget(s, 0) };
        if !gp.is_null() {
            crate::runq::unlock_sched(s);
            return gp;
        }
        let pp = crate::procm::releasep();
        // SAFETY: sched.lock is held; pp was just released by this M.
        unsafe { crate::procm::pidleput(s, pp) };
        crate::runq::unlock_sched(s);
        // Delicate dance: a goroutine readied on another P while this M was spinning saw it
        // spinning and woke nobody (wakep). So, no longer spinning, look at every queue again:
        // either this sees the G, or the readier sees nmspinning 0 and wakes an M.
        // SAFETY: as above.
        let was_spinning = unsafe { core::mem::replace(&mut (*mp).spinning, false) };
        if was_spinning {
            if sched().nmspinning.fetch_sub(1, SeqCst) == 0 {
                throw("findrunnable: negative nmspinning");
            }
            if allp().iter().any(|&p2| !p2.is_null() && !crate::runq::runqempty(unsafe_p(p2))) {
                let s = crate::runq::lock_sched();
                // SAFETY: sched.lock is held.
                let pp = unsafe { crate::procm::pidleget(s) };
                crate::runq::unlock_sched(s);
                if !pp.is_null() {
                    crate::procm::acquirep(pp);
                    // SAFETY: as above.
                    unsafe { (*mp).spinning = true };
                    sched().nmspinning.fetch_add(1, SeqCst);
                    continue 'top;
                }
            }
            // Timers added meanwhile (checkTimersNoP).
            let w = crate::time::earliest_timer();
            if w != 0 && (poll_until == 0 || w < poll_until) {
                poll_until = w;
            }
        }
        if poll_until != 0 && crate::time::become_poller() {
            // This M is the one that sleeps until the earliest timer, without a P.
            crate::time::netpoll_sleep(poll_until, now);
            let s = crate::runq::lock_sched();
            // SAFETY: sched.lock is held.
            let pp = unsafe { crate::procm::pidleget(s) };
            crate::runq::unlock_sched(s);
            if !pp.is_null() {
                crate::procm::acquirep(pp);
                if was_spinning {
                    // SAFETY: as above.
                    unsafe { (*mp).spinning = true };
                    sched().nmspinning.fetch_add(1, SeqCst);
                }
                continue 'top;
            }
        } else if poll_until != 0 {
            // Another M polls: make sure it wakes for this deadline.
            crate::time::wake_netpoller(poll_until);
        }
        crate::procm::stopm();
    }
}

/// A P of allp as a shared reference, for reading its queue's atomics.
#[inline(always)]
fn unsafe_p(p: *mut P) -> &'static P {
    // Ps are never freed; only atomics (the queue's head, tail and slots, runnext) are
    // read through this reference.
    // SAFETY: so the block below is sound.
    unsafe { &*p }
}

/// stealWork: four rounds over the other Ps in a random order, taking half of a queue; on the
/// last round also runnext and due timers (running them here). Returns a G, whether new work may
/// have appeared (a timer ran), the time, and the earliest timer seen.
fn steal_work(p: &mut P, mut now: i64) -> (*mut G, bool, i64, i64) {
    let all = allp();
    let n = all.len() as u32;
    let mut poll_until = 0i64;
    let mut ran_timer = false;
    for i in 0..STEAL_TRIES {
        let last = i == STEAL_TRIES - 1;
        // Go's randomOrder: a random start and a stride coprime with n visit every P once.
        let r = crate::sema::fastrand();
        let stride = coprime_stride(n, r >> 16);
        let mut pos = r % n;
        for _ in 0..n {
            let p2 = all[pos as usize];
            pos = (pos + stride) % n;
            if core::ptr::eq(p2, p) || p2.is_null() {
                continue;
            }
            if last && unsafe_p(p2).timers.next() != 0 {
                let (tnow, w) = crate::time::check_timers(p2, now);
                now = tnow;
                if w != 0 && (poll_until == 0 || w < poll_until) {
                    poll_until = w;
                }
                // A timer that ran may have readied a goroutine here.
                let gp = runqget(p);
                if !gp.is_null() {
                    return (gp, false, now, poll_until);
                }
                ran_timer = true;
            }
            // Idle Ps have empty queues (Go's idlepMask skip).
            if unsafe_p(p2).status.load(Relaxed) != P_IDLE {
                let gp = crate::runq::runqsteal(p, unsafe_p(p2), last);
                if !gp.is_null() {
                    return (gp, false, now, poll_until);
                }
            }
        }
    }
    (null_mut(), ran_timer, now, poll_until)
}

/// A stride in 1..=n coprime with n, chosen by `r` (Go's randomOrder coprimes).
fn coprime_stride(n: u32, r: u32) -> u32 {
    fn gcd(mut a: u32, mut b: u32) -> u32 {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    }
    let mut c = r % n + 1;
    while gcd(c, n) != 1 {
        c = c % n + 1;
    }
    c
}

/// mstart on m0 (mstart → mstart1): minit (signal stack, thread id), initsig, then the
/// scheduler loop on g0. Never returns.
pub fn mstart() -> ! {
    debug_assert_holds_p();
    // rt0_go calls mstart last, on m0's own thread (checked above in debug builds).
    // SAFETY: minit runs for m0 on m0's thread, and mcommoninit gave m0 its gsignal.
    unsafe { crate::os_linux::minit(m0()) };
    crate::signal::initsig();
    step!(
        4,
        "mstart: m0 minit (sigaltstack on gsignal, {} KiB) and initsig ({} fault signals) done; schedule on g0",
        stack::GSIGNAL_STACK / 1024,
        crate::signal::FAULT_SIGNALS.len()
    );
    schedule()
}

/// schedule on m0: the first round is logged (where goroutine 1 came from), then the loop.
fn schedule() -> ! {
    let next = curp().runnext.load(Relaxed);
    let gp = pick();
    let from = if gp == next { "P0.runnext" } else { "a run queue" };
    // SAFETY: gp is a live G, runnable and not yet running.
    step!(4, "schedule: findRunnable took goroutine {} from {from}; execute → gogo", unsafe { (*gp).goid });
    run(gp);
    schedule_loop()
}

/// schedule: find a runnable G and run it; handle what it asked for when it comes back. The M
/// holds a P here: it starts with one (mstart), and findRunnable or exitsyscall get another
/// (stopm) when it gave its P up.
pub(crate) fn schedule_loop() -> ! {
    loop {
        run(pick());
    }
}

/// findRunnable; counts the round.
#[inline(always)]
fn pick() -> *mut G {
    let gp = find_runnable();
    let p = curp();
    p.schedtick.store(p.schedtick.load(Relaxed).wrapping_add(1), Relaxed);
    gp
}

/// schedule on a new M (mstart_m): its P is fresh from the idle list, so the first look goes
/// straight to findRunnable's slow half, where a spinning M (wakep's) steals.
pub(crate) fn schedule_new_m() -> ! {
    let gp = find_runnable_slow();
    let p = curp();
    p.schedtick.store(p.schedtick.load(Relaxed).wrapping_add(1), Relaxed);
    run(gp);
    schedule_loop()
}

/// resetspinning: this M found work: no longer spinning; if it was the last spinning M, wake
/// another P to look for more (the work it found may have company).
#[cold]
#[inline(never)]
fn resetspinning(mp: *mut M) {
    // SAFETY: mp is this thread's M.
    unsafe { (*mp).spinning = false };
    if sched().nmspinning.fetch_sub(1, SeqCst) == 0 {
        throw("resetspinning: negative nmspinning");
    }
    crate::procm::wakep();
}

/// Runs gp until it switches back to g0, then does what it asked (Go runs these through mcall
/// on g0).
#[inline(always)]
fn run(mut gp: *mut G) {
    let mp = getm();
    loop {
        execute(gp);
        // `pending` is written by mcall on the goroutine and read here on g0, both on this
        // M's thread.
        // SAFETY: the write and this read happen one after the other across the switch, never at once.
        let op = unsafe { core::mem::replace(&mut (*mp).pending, Pending::None as u8) };
        match Pending::from_u8(op) {
            Pending::Exit => gfput(gp),
            Pending::Yield => {
                let s = crate::runq::lock_sched();
                // SAFETY: sched.lock is held; gp is runnable and on no list.
                unsafe { globrunqput(s, gp) };
                crate::runq::unlock_sched(s);
            }
            Pending::Goyield => runqput(gp, false),
            Pending::Park => {
                if !park_m(gp) {
                    continue; // the unlock callback said no: run gp again at once
                }
            }
            Pending::ExitSyscall => {
                crate::procm::exitsyscall0(gp);
                if crate::tls::getp_tls().is_null() {
                    crate::procm::stopm(); // gp went to the global queue; wait for a P
                    // SAFETY: mp is this thread's M; `spinning` is its own.
                    if unsafe { (*mp).spinning } {
                        // Woken by wakep to look for work: look (an M spins only in the slow half).
                        gp = find_runnable_slow();
                        let p = curp();
                        p.schedtick.store(p.schedtick.load(Relaxed).wrapping_add(1), Relaxed);
                        continue;
                    }
                }
            }
            Pending::None => {}
        }
        break;
    }
    // schedule: an M may not look for work while it holds runtime locks.
    // SAFETY: mp is this thread's M; `locks` is an atomic.
    if unsafe { (*mp).locks.load(Relaxed) } != 0 {
        throw("schedule: holding locks");
    }
}

/// park_m, on g0 once gp's context is saved: gp becomes waiting, then the M's unlock callback
/// runs (so that whoever may ready gp can see it only now, when it is safe to run it elsewhere).
/// False if the callback refused: gp is runnable again and runs at once.
fn park_m(gp: *mut G) -> bool {
    let mp = getm();
    // gp has just switched to g0 and nothing else can have it yet:
    // SAFETY: it is in no queue, and whoever may find it waits for the unlock below. mp is this thread's M.
    unsafe {
        casgstatus(gp, G_RUNNING, G_WAITING);
        if let Some(f) = (*mp).waitunlockf.take() {
            let lock = core::mem::replace(&mut (*mp).waitlock, null_mut());
            if !f(gp, lock) {
                casgstatus(gp, G_WAITING, G_RUNNABLE);
                return false;
            }
        }
    }
    true
}

/// casgstatus: moves gp from `old` to `new`, throwing if it was not in `old` (Go's casgstatus,
/// without the scan bit, which rt0 never sets).
#[inline(always)]
pub(crate) fn casgstatus(gp: *mut G, old: u32, new: u32) {
    // SAFETY: every G is a live allocation (Gs are never freed) and the status is an atomic.
    let status = unsafe { &(*gp).atomicstatus };
    if let Err(was) = status.compare_exchange(old, new, SeqCst, SeqCst) {
        bad_casgstatus(old, new, was);
    }
}

#[cold]
#[inline(never)]
fn bad_casgstatus(old: u32, new: u32, was: u32) -> ! {
    throw(format_args!("casgstatus: bad incoming values (from {old} to {new}, status {was})"))
}

/// execute: mark gp running on this M and switch to it (gogo). Returns when gp switches back.
fn execute(gp: *mut G) {
    debug_assert_holds_p();
    let mp = getm();
    // gp is a runnable G that nobody else runs (it came off this P's queues); execute is
    // reached only from schedule on this M's g0, so mp and its g0 are this thread's.
    // SAFETY: so the block below is sound.
    unsafe {
        let g0 = (*mp).g0;
        (*gp).atomicstatus.store(G_RUNNING, SeqCst);
        (*gp).m = mp;
        (*mp).curg = gp;
        setg(gp);
        switch(&raw mut (*g0).sched.sp, (*gp).sched.sp);
        setg(g0);
        (*mp).curg = null_mut();
    }
}

/// Switches from the running goroutine back to its M's g0, leaving `op` for the scheduler
/// (mcall). The goroutine may resume later on another M.
pub(crate) fn mcall(op: Pending) {
    let gp = getg();
    // called on a goroutine's stack; its M's g0 context was saved by execute on this
    // thread, and `pending` is read back there, on this thread.
    // SAFETY: so the block below is sound.
    unsafe {
        let mp = getm();
        (*mp).pending = op as u8;
        switch(&raw mut (*gp).sched.sp, (*(*mp).g0).sched.sp);
    }
}

/// goexit1: the goroutine's function returned (it returned into goexit).
pub extern "C" fn goexit1() -> ! {
    let gp = getg();
    // SAFETY: gp is the running goroutine.
    unsafe { (*gp).atomicstatus.store(G_DEAD, SeqCst) };
    mcall(Pending::Exit);
    unreachable!("a dead goroutine was resumed")
}

/// gopark: the running goroutine waits (for `reason`) until someone calls goready on it.
///
/// If `unlockf` is given, park_m calls `unlockf(gp, lock)` on g0 after gp is parked: that is
/// where the lock that guards the queue gp was put on gets released, so that nobody can ready gp
/// before it has stopped running. If it returns false, gp resumes at once (Go's gopark).
pub fn gopark(unlockf: Option<UnlockFn>, lock: *mut u8, reason: WaitReason) {
    let gp = getg();
    // gp is the running goroutine and gp.m its M, both live; only this thread writes
    // the M's wait fields, which park_m reads back on this thread's g0.
    // SAFETY: so the block below is sound.
    unsafe {
        let status = (*gp).atomicstatus.load(Relaxed);
        if status != G_RUNNING {
            throw("gopark: bad g status");
        }
        let mp = getm();
        (*mp).waitlock = lock;
        (*mp).waitunlockf = unlockf;
        (*gp).waitreason = reason;
    }
    mcall(Pending::Park);
}

/// goparkunlock: gopark that releases the runtime mutex `lock` once parked.
pub fn goparkunlock(lock: &crate::lock_futex::Mutex, reason: WaitReason) {
    fn parkunlock_c(_: *mut G, lock: *mut u8) -> bool {
        // `lock` is the &Mutex goparkunlock was given,
        // SAFETY: which its caller holds and keeps alive until someone readies the goroutine, after this unlock.
        crate::lock_futex::unlock(unsafe { &*(lock as *const crate::lock_futex::Mutex) });
        true
    }
    gopark(Some(parkunlock_c), lock as *const _ as *mut u8, reason);
}

/// goready: a waiting goroutine becomes runnable, next in line (ready() puts it in runnext).
#[inline]
pub(crate) fn goready(gp: *mut G) {
    // Mark runnable: Go loads the status, throws unless it is waiting, then CASes; one CAS from
    // waiting does both.
    // SAFETY: gp is a live G (Gs are never freed); its status is an atomic.
    if let Err(status) = unsafe { (*gp).atomicstatus.compare_exchange(G_WAITING, G_RUNNABLE, SeqCst, SeqCst) } {
        bad_ready(status);
    }
    runqput(gp, true);
    crate::procm::wakep();
}

#[cold]
#[inline(never)]
fn bad_ready(status: u32) -> ! {
    throw(format_args!("bad g->status in ready (status {status})"))
}

/// goyield: like Gosched, but the goroutine goes to the back of this P's local queue, not the
/// global one (Go's goyield, used by semrelease's direct handoff).
pub fn goyield() {
    casgstatus(getg(), G_RUNNING, G_RUNNABLE);
    mcall(Pending::Goyield);
}

/// Per-P sudog cache size, and how many move to or from the central cache at a time (Go's
/// `p.sudogcache` array of 128; acquireSudog refills half).
const SUDOG_CACHE_MAX: u32 = 128;

/// acquireSudog: a zeroed sudog from this P's cache, refilled from the central one, or new.
#[inline]
pub(crate) fn acquire_sudog() -> *mut Sudog {
    let p = curp();
    if p.sudogcache_len == 0 {
        return acquire_sudog_slow(p);
    }
    take_sudog(p)
}

/// acquireSudog with this P's cache empty: refill half of it from the central cache, or
/// allocate.
#[cold]
#[inline(never)]
fn acquire_sudog_slow(p: &mut P) -> *mut Sudog {
    {
        let s = sched_raw();
        // SAFETY: SCHED is a static; sudoglock is a mutex.
        let l = unsafe { &(*s).sudoglock };
        crate::lock_futex::lock(l);
        // SAFETY: sudoglock is held, which guards the central list; its sudogs are free.
        unsafe {
            while p.sudogcache_len < SUDOG_CACHE_MAX / 2 && !(*s).sudogcache.is_null() {
                let sg = (*s).sudogcache;
                (*s).sudogcache = (*sg).next;
                (*sg).next = p.sudogcache;
                p.sudogcache = sg;
                p.sudogcache_len += 1;
            }
        }
        crate::lock_futex::unlock(l);
        if p.sudogcache_len == 0 {
            return Box::into_raw(Box::new(Sudog::new()));
        }
    }
    take_sudog(p)
}

/// Pops a sudog from this P's (non-empty) cache.
#[inline(always)]
fn take_sudog(p: &mut P) -> *mut Sudog {
    let sg = p.sudogcache;
    // SAFETY: sg is a free sudog on this P's list, which only this P's M touches.
    unsafe {
        p.sudogcache = (*sg).next;
        p.sudogcache_len -= 1;
        // release_sudog checked that every link and elem is clear. Go clears only `next` here;
        // every user sets `g`, and `ticket`/`success` before they are read (sema's queue sets the
        // ticket, a channel's waker sets success before goready). The treap's other links are
        // cleared too, since sema reads them while inserting.
        if !(*sg).elem.is_null() {
            throw("acquireSudog: found s.elem != nil in cache");
        }
        (*sg).next = null_mut();
        (*sg).parent = null_mut();
        (*sg).waittail = null_mut();
    }
    sg
}

/// releaseSudog: back to this P's cache; past 128, half goes to the central cache.
#[inline]
pub(crate) fn release_sudog(sg: *mut Sudog) {
    // SAFETY: the caller gives sg back: it is on no wait queue and nobody else refers to it.
    unsafe {
        if !(*sg).elem.is_null()
            || (*sg).is_select
            || !(*sg).next.is_null()
            || !(*sg).prev.is_null()
            || !(*sg).waitlink.is_null()
            || !(*sg).c.is_null()
        {
            throw("releaseSudog: sudog still linked");
        }
    }
    let p = curp();
    if p.sudogcache_len == SUDOG_CACHE_MAX {
        spill_sudogs(p);
    }
    // SAFETY: sg is ours (see above) and this P's list is this M's.
    unsafe { (*sg).next = p.sudogcache };
    p.sudogcache = sg;
    p.sudogcache_len += 1;
}

/// releaseSudog with this P's cache full: half of it goes to the central cache.
#[cold]
#[inline(never)]
fn spill_sudogs(p: &mut P) {
    {
        let s = sched_raw();
        // SAFETY: SCHED is a static; sudoglock is a mutex.
        let l = unsafe { &(*s).sudoglock };
        crate::lock_futex::lock(l);
        // SAFETY: x is on this P's list; the central list is guarded by sudoglock, held.
        unsafe {
            while p.sudogcache_len > SUDOG_CACHE_MAX / 2 {
                let x = p.sudogcache;
                p.sudogcache = (*x).next;
                (*x).next = (*s).sudogcache;
                (*s).sudogcache = x;
                p.sudogcache_len -= 1;
            }
        }
        crate::lock_futex::unlock(l);
    }
}

/// Gosched: yield the processor; the goroutine goes to the global queue.
pub fn gosched() {
    let gp = getg();
    // SAFETY: gp is the running goroutine.
    unsafe { (*gp).atomicstatus.store(G_RUNNABLE, SeqCst) };
    mcall(Pending::Yield);
}

/// checkdead, with sched.lock held when an M goes idle: if no M runs goroutines or is in a
/// system call (every M but the system ones is idle) and no timer is pending on any P, nothing
/// can ever run again: deadlock.
pub(crate) fn checkdead(s: *mut Schedt) {
    // SAFETY: the caller holds sched.lock, which guards these counts.
    let run = unsafe { (*s).mnext as i32 - (*s).nmidle.load(Relaxed) - (*s).nmidlelocked - (*s).nmsys };
    if run > 0 {
        return;
    }
    if run < 0 {
        throw(format_args!("checkdead: inconsistent counts: {run} running Ms"));
    }
    if crate::time::any_timers() {
        return;
    }
    // Go's consistency check: with no M running goroutines, none may be runnable, running or
    // in a system call — that would be a lost wake-up in the scheduler, not the program's
    // deadlock.
    crate::traceback::for_each_g(|gp| {
        // SAFETY: gp is a live G (Gs are never freed); its status and goid are read only.
        let (status, id) = unsafe { ((*gp).atomicstatus.load(SeqCst), (*gp).goid) };
        if matches!(status, G_RUNNABLE | G_RUNNING | G_SYSCALL) {
            crate::eprintln!("runtime: checkdead: find g {id} in status {status}");
            throw("checkdead: runnable g");
        }
    });
    crate::traceback::deadlock()
}

/// The id of the running goroutine (0 on g0).
pub fn goid() -> u64 {
    let g = getg();
    // SAFETY: g is this thread's current G (g0 has goid 0).
    if g.is_null() { 0 } else { unsafe { (*g).goid } }
}

/// runtime.main (proc.go main), goroutine 1: sysmon, the runtime's inits, gcenable, every
/// package's inits, main.main, exit(0).
pub(crate) extern "C" fn main(_: usize) {
    crate::inittask_run::RUNTIME_INIT_NS.store(crate::sys_linux_amd64::nanotime(), Relaxed);
    MAIN_STARTED.store(true, SeqCst);
    step!(
        4,
        "runtime.main: goroutine {} on its own stack, mainStarted; maxstacksize=1GB is only the limit the overflow report names (rt0 stacks are fixed)",
        goid()
    );
    sysmon::start();
    crate::inittask_run::runtime_inits();
    // Go's runtime inits start forcegchelper (goroutine 2); gcenable starts bgsweep and
    // bgscavenge (3 and 4); then os's init sets finalizers on Stdin, Stdout and Stderr, and the
    // first SetFinalizer starts runfinq (5) — in every Go program that imports os, fmt's users
    // included. rt0 has no collector and no finalizers, so none of these goroutines, but their
    // ids are taken from the P's batch all the same: the program's goroutines carry the numbers
    // Go 1.19 gives them (the first `go` in main.main is goroutine 6 under GOMAXPROCS=1).
    let reserved = [newgoid(), newgoid(), newgoid(), newgoid()];
    step!(
        4,
        "gcenable: no collector to start; the write barrier stays off (on only during a mark phase — the seed says otherwise); goroutine ids {}-{} left to Go's forcegc, bgsweep, bgscavenge and runfinq",
        reserved[0],
        reserved[3]
    );
    crate::inittask_run::package_inits();
    crate::exit::MAIN_TSC.store(trace::rdtsc(), Relaxed);
    step!(5, "main.main");
    // SAFETY: defined by the program's main macro; no preconditions.
    unsafe { rt0_main() };
    step!(5, "main.main returned: exit(0) = exit_group(0); other goroutines are not waited for");
    crate::exit::exit(0)
}

unsafe extern "Rust" {
    /// Defined by the program through `runtime::main!` (Go's main.main).
    pub(crate) fn rt0_main();
}
