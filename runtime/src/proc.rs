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
//! rt0 differs in one respect, on purpose: only m0 ever runs goroutines — Ps beyond P0 exist
//! (GOMAXPROCS is honoured and reported) but stay idle; no spinning Ms are started for them. So
//! the scheduler's state (SCHED, the Ps, PENDING) is touched by m0's thread alone, which
//! [`sched`] and [`curp`] check with a debug assertion; sysmon runs on its own M without a P, as
//! in Go, and only reads a few counters racily for schedtrace.
use crate::asm_amd64::{new_context, switch};
use crate::panic::throw;
use crate::runq::{globrunqget, globrunqput, runqput};
use crate::runtime2::*;
use crate::stack::{self, GOROUTINE_STACK};
use crate::tls::{getg, setg};
use crate::{malloc, os, runtime1, step, sysmon, trace};
use alloc::boxed::Box;
use core::ptr::null_mut;
use core::sync::atomic::Ordering::{Relaxed, SeqCst};

pub static mut M0: M = M::new();
pub static mut G0: G = G::new();
pub static mut SCHED: Schedt = Schedt {
    goidgen: core::sync::atomic::AtomicU64::new(0),
    mnext: 0,
    maxmcount: 0,
    runq_head: null_mut(),
    runq_tail: null_mut(),
    runqsize: 0,
    gfree: null_mut(),
    gfree_count: 0,
    nmidle: 0,
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
/// Every G ever created (Go's allgs), for the deadlock check and tracebacks.
pub static mut ALLGLEN: usize = 0;
/// What a goroutine asks g0 to do with it after switching away (Go's mcall functions).
static mut PENDING: Pending = Pending::None;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    /// park_m: already marked waiting.
    Park,
    /// gosched_m: back on the global queue.
    Yield,
    /// goyield_m: back on this P's local queue (behind whoever was readied).
    Goyield,
    /// goexit0: dead, to the free list.
    Exit,
}

#[inline]
pub(crate) fn sched() -> &'static mut Schedt {
    debug_assert_on_m0();
    // SAFETY: the scheduler runs on m0's thread alone (checked above in debug builds: no other
    // M holds a P, module docs); sysmon reads counters through raw pointers and never forms a
    // reference. Callers do not keep the reference across a switch.
    unsafe { &mut *(&raw mut SCHED) }
}

/// Checks, in debug builds, that the calling thread is m0 — the one M that holds a P and so
/// may touch the scheduler's state. Before settls has linked g0 and m0 nothing schedules.
#[inline(always)]
fn debug_assert_on_m0() {
    // The scheduler is only reached after settls ran on this thread.
    // SAFETY: the g register of every runtime thread points at a live G once settls ran.
    debug_assert!(unsafe { (*getg()).m } == m0(), "scheduler state touched off m0");
}

pub fn m0() -> *mut M {
    &raw mut M0
}

/// The P the running M holds, as a pointer.
#[inline]
pub(crate) fn curp_ptr() -> *mut P {
    debug_assert_on_m0();
    // SAFETY: m0 is live for the whole process; its `p` is written only by procresize, before
    // any goroutine runs.
    unsafe { (*m0()).p }
}

/// sched.npidle and sched.nmspinning, for sync.Mutex's spin decision.
pub(crate) fn idle_counts() -> (u32, u32) {
    // SAFETY: both are atomics of the static SCHED; no reference to the rest is formed.
    unsafe { ((*(&raw const SCHED)).npidle.load(Relaxed), (*(&raw const SCHED)).nmspinning.load(Relaxed)) }
}

/// runqempty(the running M's P): nothing in runnext or the local queue.
pub(crate) fn runq_empty() -> bool {
    let p = curp();
    p.runnext.is_null() && p.runq.is_empty()
}

/// allp: every P (GOMAXPROCS of them).
pub(crate) fn allp() -> &'static [*mut P] {
    // SAFETY: ALLP is written only by procresize during schedinit, before any reader.
    unsafe { *(&raw const ALLP) }
}

/// The P m0 holds.
#[inline]
pub(crate) fn curp() -> &'static mut P {
    debug_assert_on_m0();
    // SAFETY: m0 holds P0 from procresize until exit, and a P is touched only by the M that
    // holds it (checked above in debug builds).
    unsafe { &mut *(*m0()).p }
}

/// schedinit (proc.go), in Go's order: the M limit, GODEBUG, stackinit, mallocinit,
/// mcommoninit(m0), goargs/goenvs, gcinit (GOGC), GOMAXPROCS and procresize.
pub fn schedinit() {
    sched().maxmcount = 10_000;
    step!(
        3,
        "schedinit: sched.maxmcount=10000; lock init: sched.sudoglock and the {} sema roots are static unlocked futex words",
        crate::sema::SEM_TAB_SIZE
    );
    let dbg = runtime1::parse_godebug(os::getenv("GODEBUG").unwrap_or(b""));
    sysmon::SCHEDTRACE_MS.store(dbg.schedtrace, Relaxed);
    crate::INITTRACE.store(dbg.inittrace != 0, Relaxed);
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

/// mcommoninit(m0): id 0, gsignal with a 32 KiB stack, linked into allm.
pub(crate) fn mcommoninit(mp: *mut M) {
    let s = sched();
    // SAFETY: `mp` is a live M being initialised by this thread.
    unsafe {
        (*mp).id = s.mnext;
        s.mnext += 1;
        if s.mnext > s.maxmcount as i64 {
            throw("thread limit");
        }
        let gs = Box::into_raw(Box::new(G::new()));
        (*gs).stack = stack::heapstack(stack::GSIGNAL_STACK).unwrap_or_else(|| throw("out of memory for gsignal"));
        (*gs).m = mp;
        (*mp).gsignal = gs;
        (*mp).alllink = ALLM;
        ALLM = mp;
    }
}

pub static mut ALLM: *mut M = null_mut();

/// procresize(n): allp grows to n Ps; P0 takes mcache0 and is acquired by m0 (`_Prunning`),
/// the rest get an empty mcache and go idle.
pub fn procresize(n: i32) {
    debug_assert_on_m0();
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
            status: P_IDLE,
            m: null_mut(),
            mcache: if id == 0 { malloc::mcache0() } else { malloc::allocmcache() },
            schedtick: 0,
            runnext: null_mut(),
            runq: crate::runq::RunQueue::new(),
            gfree: null_mut(),
            gfree_count: 0,
            goidcache: 0,
            goidcacheend: 0,
            sudogcache: null_mut(),
            sudogcache_len: 0,
            timers: crate::time::Timers::new(),
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
        (*p0).status = P_RUNNING;
        (*p0).m = m0();
        (*m0()).p = p0;
        malloc::set_current_mcache((*p0).mcache);
    }
    sched().npidle.store((n - 1) as u32, SeqCst);
}

/// A G with a stack, from the P's free list, the global free list, or new (Go's gfget/malg).
fn gfget() -> *mut G {
    let p = curp();
    if p.gfree.is_null() && !sched().gfree.is_null() {
        // Refill from the global list, up to a batch (gfget).
        while p.gfree_count < GFREE_BATCH && !sched().gfree.is_null() {
            let gp = sched().gfree;
            // SAFETY: gp is a dead G on the global list.
            sched().gfree = unsafe { (*gp).schedlink };
            sched().gfree_count -= 1;
            // SAFETY: as above.
            unsafe { (*gp).schedlink = p.gfree };
            p.gfree = gp;
            p.gfree_count += 1;
        }
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
        ALLGLEN += 1;
    }
    gp
}

/// Puts a dead G on the P's free list, spilling half to the global list past 64 (gfput).
fn gfput(gp: *mut G) {
    let p = curp();
    // SAFETY: gp is dead and owned by the scheduler.
    unsafe { (*gp).schedlink = p.gfree };
    p.gfree = gp;
    p.gfree_count += 1;
    if p.gfree_count >= GFREE_MAX {
        while p.gfree_count > GFREE_BATCH {
            let g = p.gfree;
            // SAFETY: g is on this P's list.
            unsafe {
                p.gfree = (*g).schedlink;
                (*g).schedlink = sched().gfree;
            }
            sched().gfree = g;
            p.gfree_count -= 1;
            sched().gfree_count += 1;
        }
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

/// newproc: a new runnable G running `f(arg)`, placed in the P's runnext.
pub fn newproc(f: extern "C" fn(usize), arg: usize) -> *mut G {
    let gp = gfget();
    // SAFETY: gp is ours until it is queued.
    unsafe {
        (*gp).sched.sp = new_context((*gp).stack.hi, f as usize, arg);
        (*gp).startfn = f as usize;
        (*gp).startarg = arg;
        (*gp).goid = newgoid();
        (*gp).waitreason = WaitReason::Zero;
        (*gp).atomicstatus.store(G_RUNNABLE, SeqCst);
    }
    runqput(gp, true);
    gp
}

/// findRunnable: the P's due timers first (checkTimers), then every 61st tick the global queue
/// (fairness), runnext, the local queue, the global queue. With nothing to run but a timer
/// pending, the M sleeps until the timer is due (netpoll_sleep) and looks again; null only when
/// nothing can ever run.
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
    if sched().runqsize > 0 && p.schedtick.is_multiple_of(61) {
        let gp = globrunqget();
        if !gp.is_null() {
            return gp;
        }
    }
    let next = core::mem::replace(&mut p.runnext, null_mut());
    if !next.is_null() {
        return next;
    }
    if let Some(gp) = p.runq.get() {
        return gp;
    }
    if sched().runqsize > 0 {
        return globrunqget();
    }
    null_mut()
}

/// find_runnable in full.
#[inline(never)]
fn find_runnable_slow() -> *mut G {
    loop {
        let p = curp();
        let (now, poll_until) = crate::time::check_timers(p, 0);
        let gp = runqs_get(p);
        if !gp.is_null() {
            return gp;
        }
        if poll_until == 0 {
            return null_mut();
        }
        // Nothing to run until the next timer: block until then (Go blocks in netpoll(delay)).
        crate::time::netpoll_sleep(poll_until, now);
    }
}

/// mstart on m0 (mstart → mstart1): minit (signal stack, thread id), initsig, then the
/// scheduler loop on g0. Never returns.
pub fn mstart() -> ! {
    debug_assert_on_m0();
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

/// schedule: find a runnable G and run it; handle what it asked for when it comes back.
fn schedule() -> ! {
    // The first round, logged: where goroutine 1 came from.
    let next = curp().runnext;
    let gp = pick();
    let from = if gp == next { "P0.runnext" } else { "a run queue" };
    // SAFETY: gp is a live G, runnable and not yet running.
    step!(4, "schedule: findRunnable took goroutine {} from {from}; execute → gogo", unsafe { (*gp).goid });
    run(gp);
    loop {
        run(pick());
    }
}

/// findRunnable, or checkdead when nothing can run; counts the scheduling round.
#[inline(always)]
fn pick() -> *mut G {
    let mut gp = find_runnable();
    while gp.is_null() {
        checkdead();
        gp = find_runnable();
    }
    curp().schedtick = curp().schedtick.wrapping_add(1);
    gp
}

/// Runs gp until it switches back to g0, then does what it asked (Go runs these through mcall
/// on g0).
#[inline(always)]
fn run(gp: *mut G) {
    loop {
        execute(gp);
        // PENDING is written by mcall on a goroutine and read here on g0, both on m0's thread
        // (schedule runs there alone, see execute).
        // SAFETY: the write and this read happen one after the other across the switch, never at once.
        match unsafe { core::mem::replace(&mut *(&raw mut PENDING), Pending::None) } {
            Pending::Exit => gfput(gp),
            Pending::Yield => globrunqput(gp),
            Pending::Goyield => runqput(gp, false),
            Pending::Park => {
                if !park_m(gp) {
                    continue; // the unlock callback said no: run gp again at once
                }
            }
            Pending::None => {}
        }
        break;
    }
    // schedule: an M may not look for work while it holds runtime locks.
    // SAFETY: m0 is this thread's M (schedule runs on m0); `locks` is an atomic.
    if unsafe { (*m0()).locks.load(Relaxed) } != 0 {
        throw("schedule: holding locks");
    }
}

/// park_m, on g0 once gp's context is saved: gp becomes waiting, then the M's unlock callback
/// runs (so that whoever may ready gp can see it only now, when it is safe to run it elsewhere).
/// False if the callback refused: gp is runnable again and runs at once.
fn park_m(gp: *mut G) -> bool {
    let mp = m0();
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
fn casgstatus(gp: *mut G, old: u32, new: u32) {
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

/// execute: mark gp running on m0 and switch to it (gogo). Returns when gp switches back.
fn execute(gp: *mut G) {
    debug_assert_on_m0();
    // SAFETY: gp is a runnable G that nobody else runs (it came off this P's queues); execute is
    // reached only from schedule on m0's g0 (checked above in debug builds), so M0 and G0 are
    // this thread's.
    unsafe {
        (*gp).atomicstatus.store(G_RUNNING, SeqCst);
        (*gp).m = m0();
        (*m0()).curg = gp;
        setg(gp);
        switch(&raw mut G0.sched.sp, (*gp).sched.sp);
        setg(&raw mut G0);
        (*m0()).curg = null_mut();
    }
}

/// Switches from the running goroutine back to g0, leaving `op` for the scheduler (mcall).
fn mcall(op: Pending) {
    let gp = getg();
    debug_assert_on_m0();
    // SAFETY: called on a goroutine's stack on m0 (checked above in debug builds), the thread
    // whose g0 context execute saved; PENDING is read back by schedule on that thread only.
    unsafe {
        *(&raw mut PENDING) = op;
        switch(&raw mut (*gp).sched.sp, G0.sched.sp);
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
    // SAFETY: gp is the running goroutine and gp.m its M, both live; only this thread writes
    // the M's wait fields, which park_m reads back on this thread's g0.
    unsafe {
        let status = (*gp).atomicstatus.load(Relaxed);
        if status != G_RUNNING {
            throw("gopark: bad g status");
        }
        let mp = (*gp).m;
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
        let s = sched();
        crate::lock_futex::lock(&s.sudoglock);
        while p.sudogcache_len < SUDOG_CACHE_MAX / 2 && !s.sudogcache.is_null() {
            let sg = s.sudogcache;
            // SAFETY: sg is a free sudog on the central list, which sudoglock guards.
            unsafe {
                s.sudogcache = (*sg).next;
                (*sg).next = p.sudogcache;
            }
            p.sudogcache = sg;
            p.sudogcache_len += 1;
        }
        crate::lock_futex::unlock(&s.sudoglock);
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
        // release_sudog checked that every link and elem is clear; what the last user left in
        // the other fields is reset here (Go clears only `next`, and its users set the rest).
        if !(*sg).elem.is_null() {
            throw("acquireSudog: found s.elem != nil in cache");
        }
        (*sg).next = null_mut();
        (*sg).g = null_mut();
        (*sg).ticket = 0;
        (*sg).success = false;
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
        let s = sched();
        crate::lock_futex::lock(&s.sudoglock);
        while p.sudogcache_len > SUDOG_CACHE_MAX / 2 {
            let x = p.sudogcache;
            // SAFETY: x is on this P's list; the central list is guarded by sudoglock.
            unsafe {
                p.sudogcache = (*x).next;
                (*x).next = s.sudogcache;
            }
            s.sudogcache = x;
            p.sudogcache_len -= 1;
        }
        crate::lock_futex::unlock(&s.sudoglock);
    }
}

/// Gosched: yield the processor; the goroutine goes to the global queue.
pub fn gosched() {
    let gp = getg();
    // SAFETY: gp is the running goroutine.
    unsafe { (*gp).atomicstatus.store(G_RUNNABLE, SeqCst) };
    mcall(Pending::Yield);
}

/// Nothing can run: unless a timer is pending on some P (it will ready someone), that is a
/// deadlock (Go's checkdead, called when the last M goes idle).
fn checkdead() {
    if crate::time::any_timers() {
        return;
    }
    throw("all goroutines are asleep - deadlock!")
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
    step!(
        4,
        "gcenable: no collector to start; the write barrier stays off (on only during a mark phase — the seed says otherwise)"
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
