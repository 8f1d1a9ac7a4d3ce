//! The scheduler (Go's proc.go): schedinit, procresize, newproc, mstart, schedule, execute,
//! gopark/goready, goexit, and runtime.main.
//!
//! The model is Go's G/M/P: goroutines (G) run on OS threads (M) that hold a processor (P);
//! each P has a 256-slot run queue plus `runnext`; a global queue takes overflow and yields.
//! rt0 differs in one respect, on purpose: its kernel runs one CPU, so only m0 ever runs Go code
//! — Ps beyond P0 exist (GOMAXPROCS is honoured and reported) but stay idle; no spinning Ms are
//! started for them. sysmon runs on its own M without a P, as in Go.
use crate::asm_amd64::{getg, new_context, setg, switch};
use crate::malloc;
use crate::runtime2::*;
use crate::stack::{self, GOROUTINE_STACK};
use crate::step;
use alloc::boxed::Box;
use core::ptr::null_mut;
use core::sync::atomic::Ordering::SeqCst;

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
    npidle: core::sync::atomic::AtomicU32::new(0),
    nmspinning: core::sync::atomic::AtomicU32::new(0),
};
/// allp[0..gomaxprocs].
pub static mut ALLP: [*mut P; MAX_GOMAXPROCS as usize] = [null_mut(); MAX_GOMAXPROCS as usize];
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
    /// goexit0: dead, to the free list.
    Exit,
}

fn sched() -> &'static mut Schedt {
    // SAFETY: only m0 schedules; sysmon reads a few counters, never writes this struct.
    unsafe { &mut *(&raw mut SCHED) }
}

pub fn m0() -> *mut M {
    &raw mut M0
}

/// The P m0 holds.
fn curp() -> &'static mut P {
    // SAFETY: m0 holds P0 from procresize until exit; only m0 runs this code.
    unsafe { &mut *(*m0()).p }
}

/// Go's `throw`: print `fatal error: msg` and exit 2.
pub fn throw(msg: &str) -> ! {
    crate::eprintln!("fatal error: {msg}");
    crate::panic::exit_after_fatal()
}

/// schedinit steps that belong to proc.go: lock init and the M limit.
pub fn sched_lockinit() {
    sched().maxmcount = 10_000;
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
    for id in 0..n {
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
        }));
        // SAFETY: allp is written only here, before any other thread exists.
        unsafe { ALLP[id as usize] = p };
    }
    GOMAXPROCS.store(n, SeqCst);
    // acquirep(allp[0]) on m0.
    // SAFETY: P0 was just created; m0 is this thread's M.
    unsafe {
        let p0 = ALLP[0];
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
        (*gp).waitreason = "";
        (*gp).atomicstatus.store(G_RUNNABLE, SeqCst);
    }
    runqput(gp, true);
    gp
}

/// runqput: into runnext (kicking its old occupant to the queue) or the local queue; a full
/// local queue moves half of itself to the global queue (runqputslow).
fn runqput(gp: *mut G, next: bool) {
    let p = curp();
    let gp = if next {
        let old = core::mem::replace(&mut p.runnext, gp);
        if old.is_null() {
            return;
        }
        old
    } else {
        gp
    };
    if let Err(over) = p.runq.put(gp) {
        for g in over.items.into_iter().flatten() {
            globrunqput(g);
        }
    }
}

fn globrunqput(gp: *mut G) {
    let s = sched();
    // SAFETY: gp is runnable and on no other list.
    unsafe { (*gp).schedlink = null_mut() };
    if s.runq_tail.is_null() {
        s.runq_head = gp;
    } else {
        // SAFETY: the tail is a G on the global queue.
        unsafe { (*s.runq_tail).schedlink = gp };
    }
    s.runq_tail = gp;
    s.runqsize += 1;
}

fn globrunqget() -> *mut G {
    let s = sched();
    let gp = s.runq_head;
    if !gp.is_null() {
        // SAFETY: gp heads the global queue.
        s.runq_head = unsafe { (*gp).schedlink };
        if s.runq_head.is_null() {
            s.runq_tail = null_mut();
        }
        s.runqsize -= 1;
    }
    gp
}

/// findRunnable: every 61st tick the global queue first (fairness), then runnext, the local
/// queue, the global queue.
fn find_runnable() -> *mut G {
    let p = curp();
    if p.schedtick.is_multiple_of(61) && sched().runqsize > 0 {
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
    globrunqget()
}

/// Local run-queue length of P `i` and global queue length, for schedtrace (racy reads).
pub fn queue_lengths(i: usize) -> (usize, i32) {
    // SAFETY: allp entries are immutable after procresize; the lengths are read racily by
    // sysmon, which only prints them.
    unsafe {
        let p = ALLP[i];
        (if p.is_null() { 0 } else { (*p).runq.len() + (!(*p).runnext.is_null()) as usize }, SCHED.runqsize)
    }
}

/// mstart on m0: minit (signal stack, handlers), then the scheduler loop on g0. Never returns.
pub fn mstart() -> ! {
    crate::signal::minit(m0());
    crate::signal::initsig();
    step!(4, "mstart: m0 minit (sigaltstack on gsignal, 32 KiB) and initsig done; schedule on g0");
    schedule()
}

/// schedule: find a runnable G and run it; handle what it asked for when it comes back.
fn schedule() -> ! {
    let mut first = true;
    loop {
        let gp = find_runnable();
        if gp.is_null() {
            checkdead();
        }
        curp().schedtick = curp().schedtick.wrapping_add(1);
        if first {
            // SAFETY: gp is a live G.
            step!(4, "schedule: findRunnable took goroutine {} from P0.runnext; execute → gogo", unsafe {
                (*gp).goid
            });
            first = false;
        }
        execute(gp);
        // Back on g0: do what the goroutine asked (Go runs these through mcall on g0).
        // SAFETY: PENDING is only touched by m0, between switches.
        match unsafe { core::mem::replace(&mut *(&raw mut PENDING), Pending::None) } {
            Pending::Exit => gfput(gp),
            Pending::Yield => globrunqput(gp),
            Pending::Park | Pending::None => {}
        }
    }
}

/// execute: mark gp running on m0 and switch to it (gogo). Returns when gp switches back.
fn execute(gp: *mut G) {
    // SAFETY: gp is a runnable G; m0 and g0 are this thread's.
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
    // SAFETY: called on a goroutine's stack; g0's context was saved by execute.
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
pub fn gopark(reason: &'static str) {
    let gp = getg();
    // SAFETY: gp is the running goroutine.
    unsafe {
        (*gp).waitreason = reason;
        (*gp).atomicstatus.store(G_WAITING, SeqCst);
    }
    mcall(Pending::Park);
}

/// goready: a waiting goroutine becomes runnable, next in line (ready() puts it in runnext).
pub(crate) fn goready(gp: *mut G) {
    // SAFETY: gp is a waiting G.
    unsafe { (*gp).atomicstatus.store(G_RUNNABLE, SeqCst) };
    runqput(gp, true);
}

/// Gosched: yield the processor; the goroutine goes to the global queue.
pub fn gosched() {
    let gp = getg();
    // SAFETY: gp is the running goroutine.
    unsafe { (*gp).atomicstatus.store(G_RUNNABLE, SeqCst) };
    mcall(Pending::Yield);
}

/// Nothing can run and nothing can wake anyone (no timers, no netpoller): deadlock (Go's
/// checkdead, called when the last M goes idle).
fn checkdead() -> ! {
    crate::eprintln!("fatal error: all goroutines are asleep - deadlock!");
    crate::eprintln!();
    crate::panic::exit_after_fatal()
}

/// The id of the running goroutine (0 on g0).
pub fn goid() -> u64 {
    let g = getg();
    // SAFETY: g is this thread's current G (g0 has goid 0).
    if g.is_null() { 0 } else { unsafe { (*g).goid } }
}
