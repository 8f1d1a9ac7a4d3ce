//! The scheduler's data structures: G (goroutine), M (OS thread), P (processor), and the global
//! `schedt`, with Go's status values. Mirrors Go's runtime/runtime2.go (field names kept where
//! they mean the same thing; fields for the GC, profiling, cgo and the netpoller are absent).
use crate::runq::RunQueue;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicI32, AtomicPtr, AtomicU32, AtomicU64};

// G status (runtime2.go). Beyond what a G is doing, the status acts as a lock on the
// goroutine's stack: it says who owns the stack and who may move the G on.
//
// - `G_IDLE`: just allocated, not yet initialised. Owned by whoever allocated it (gfget);
//   newproc makes it runnable.
// - `G_RUNNABLE`: on a run queue, not running user code. The stack is not owned. The M that
//   takes it off a queue runs it (execute).
// - `G_RUNNING`: may run user code; not on a run queue. The stack is owned by the goroutine, and
//   g.m and g.m.p are valid. Only the goroutine itself moves on, through mcall to g0 (park_m,
//   gosched_m, goyield_m, goexit0).
// - `G_SYSCALL`: in a system call, not running user code, not on a run queue. The stack is the
//   goroutine's; g.m is valid. The goroutine's M gave its P away (procm: entersyscallblock)
//   and takes one back in exitsyscall.
// - `G_WAITING`: blocked in the runtime; not on a run queue, but recorded somewhere (a sudog in a
//   sema treap, later a channel's queue) so that it can be readied. The stack is not owned,
//   except that an operation may touch what the G recorded there under that object's lock.
//   Whoever finds it there moves it on (goready).
// - `G_DEAD`: unused: just exited, on a free list, or being initialised. The G and its stack
//   are owned by the M exiting it or the M that took it from a free list.
//
// Go's `_Gcopystack`, `_Gpreempted` and the `_Gscan` bit do not occur: stacks never move and
// there is no collector and no asynchronous preemption yet.
pub const G_IDLE: u32 = 0;
pub const G_RUNNABLE: u32 = 1;
pub const G_RUNNING: u32 = 2;
pub const G_SYSCALL: u32 = 3;
pub const G_WAITING: u32 = 4;
pub const G_DEAD: u32 = 6;

// P status (runtime2.go): `P_IDLE` — owned by the idle list (or whoever is moving it between
// states); `P_RUNNING` — owned by an M, and only that M may change it (to idle, syscall or
// gcstop); `P_SYSCALL` — its M is in a system call, and the P may be stolen by anyone who CASes
// the status; `P_GCSTOP` — owned by the M that stopped the world; `P_DEAD` — beyond GOMAXPROCS.
pub const P_IDLE: u32 = 0;
pub const P_RUNNING: u32 = 1;
pub const P_SYSCALL: u32 = 2;
pub const P_GCSTOP: u32 = 3;
pub const P_DEAD: u32 = 4;

/// Per-P free-g list: refill/spill thresholds (proc.go gfput/gfget: 64 max, move 32).
pub const GFREE_MAX: i32 = 64;
pub const GFREE_BATCH: i32 = 32;
/// goids are handed to Ps in batches (proc.go `_GoidCacheBatch`).
pub const GOID_CACHE_BATCH: u64 = 16;

/// Why a goroutine waits (Go 1.19's `waitReason`, in Go's order, a byte so that a zeroed G — g0
/// in `.bss` — is valid): shown in the goroutine header of tracebacks, as `goroutine 7 [semacquire]:`.
/// Go 1.19 parks sync.WaitGroup.Wait as "semacquire" (its own reason came in Go 1.20).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum WaitReason {
    Zero,
    GCAssistMarking,
    IOWait,
    ChanReceiveNilChan,
    ChanSendNilChan,
    DumpingHeap,
    GarbageCollection,
    GarbageCollectionScan,
    PanicWait,
    Select,
    SelectNoCases,
    GCAssistWait,
    GCSweepWait,
    GCScavengeWait,
    ChanReceive,
    ChanSend,
    FinalizerWait,
    ForceGCIdle,
    Semacquire,
    Sleep,
    SyncCondWait,
    TimerGoroutineIdle,
    TraceReaderBlocked,
    WaitForGCCycle,
    GCWorkerIdle,
    Preempted,
    DebugCall,
}

impl WaitReason {
    /// The text Go prints for this reason (`waitReasonStrings`).
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::Zero => "",
            WaitReason::GCAssistMarking => "GC assist marking",
            WaitReason::IOWait => "IO wait",
            WaitReason::ChanReceiveNilChan => "chan receive (nil chan)",
            WaitReason::ChanSendNilChan => "chan send (nil chan)",
            WaitReason::DumpingHeap => "dumping heap",
            WaitReason::GarbageCollection => "garbage collection",
            WaitReason::GarbageCollectionScan => "garbage collection scan",
            WaitReason::PanicWait => "panicwait",
            WaitReason::Select => "select",
            WaitReason::SelectNoCases => "select (no cases)",
            WaitReason::GCAssistWait => "GC assist wait",
            WaitReason::GCSweepWait => "GC sweep wait",
            WaitReason::GCScavengeWait => "GC scavenge wait",
            WaitReason::ChanReceive => "chan receive",
            WaitReason::ChanSend => "chan send",
            WaitReason::FinalizerWait => "finalizer wait",
            WaitReason::ForceGCIdle => "force gc (idle)",
            WaitReason::Semacquire => "semacquire",
            WaitReason::Sleep => "sleep",
            WaitReason::SyncCondWait => "sync.Cond.Wait",
            WaitReason::TimerGoroutineIdle => "timer goroutine (idle)",
            WaitReason::TraceReaderBlocked => "trace reader (blocked)",
            WaitReason::WaitForGCCycle => "wait for GC cycle",
            WaitReason::GCWorkerIdle => "GC worker (idle)",
            WaitReason::Preempted => "preempted",
            WaitReason::DebugCall => "debug call",
        }
    }
}

/// A stack `[lo, hi)`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct Stack {
    pub lo: usize,
    pub hi: usize,
}

/// Saved scheduling context (Go's gobuf): the stack pointer at which the callee-saved
/// registers and the resume address were pushed by `gogo`'s switch.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct Gobuf {
    pub sp: usize,
}

#[repr(C)]
pub struct G {
    pub stack: Stack,
    pub stackguard0: usize,
    pub m: *mut M,
    pub sched: Gobuf,
    pub goid: u64,
    pub atomicstatus: AtomicU32,
    pub waitreason: WaitReason,
    /// Next G in whatever list this G is on (global run queue, free list).
    pub schedlink: *mut G,
    /// Entry function and its argument for a new goroutine.
    pub startfn: usize,
    pub startarg: usize,
    /// The sudogs this G waits with (one for a channel operation, one per case in a select),
    /// linked through `waitlink` in lock order. Written by the G itself before it parks and
    /// after it runs again; the sudogs' other fields belong to the channels' locks meanwhile.
    pub waiting: *mut Sudog,
    /// Passed by whoever readies the G: the sudog that completed a channel operation (Go's
    /// `param`). Written under the channel's lock before goready, read by the G after it runs.
    pub param: *mut Sudog,
    /// A select's wake-up race (Go's `selectDone`): the first to CAS it from 0 to 1 owns this
    /// G's select; later finders skip the G's other sudogs.
    pub select_done: AtomicU32,
    /// The timer time::sleep reuses (Go's `g.timer`), allocated on the G's first sleep.
    pub timer: *mut crate::time::RawTimer,
    /// The return address of the `go` call that created this G (Go's `gopc`), for tracebacks'
    /// `created by` line; 0 for goroutines the runtime starts itself (runtime.main).
    pub gopc: core::sync::atomic::AtomicUsize,
    /// Next G on allgs (traceback: every G ever created, newest first; pushed once, never
    /// removed, as Go's allgs).
    pub alllink: *mut G,
    /// The innermost open `runtime::frame` of this goroutine (Go's `_defer` chain, one record per
    /// frame; panic.rs). Only the goroutine itself touches it.
    pub defer_frames: *mut crate::defer::Frame,
    /// The panics in progress, newest first (Go's `_panic`); only the goroutine itself touches it.
    pub panics: *mut crate::defer::Panic,
    /// Free stack segments for `runtime::frame` (defer.rs), linked through their lowest word.
    pub segfree: usize,
    /// The fault a sigpanic turns into a panic (Go's `sig`, `sigcode0`, `sigcode1`, `sigpc`):
    /// written by the signal handler on this G's M before the G runs sigpanic.
    pub sig: i32,
    pub sigcode0: i32,
    pub sigcode1: usize,
    pub sigpc: usize,
}

impl G {
    pub const fn new() -> G {
        G {
            stack: Stack { lo: 0, hi: 0 },
            stackguard0: 0,
            m: null_mut(),
            sched: Gobuf { sp: 0 },
            goid: 0,
            atomicstatus: AtomicU32::new(G_IDLE),
            waitreason: WaitReason::Zero,
            schedlink: null_mut(),
            startfn: 0,
            startarg: 0,
            waiting: null_mut(),
            param: null_mut(),
            select_done: AtomicU32::new(0),
            timer: null_mut(),
            gopc: core::sync::atomic::AtomicUsize::new(0),
            alllink: null_mut(),
            defer_frames: null_mut(),
            panics: null_mut(),
            segfree: 0,
            sig: 0,
            sigcode0: 0,
            sigcode1: 0,
            sigpc: 0,
        }
    }
}

#[repr(C)]
pub struct M {
    /// Thread-local storage block; FS points at `tls[1]`, so the g pointer is at -8(FS) = tls[0].
    pub tls: [usize; 7],
    pub g0: *mut G,
    pub gsignal: *mut G,
    pub curg: *mut G,
    pub p: *mut P,
    pub id: i64,
    pub procid: u64,
    pub alllink: *mut M,
    /// Runtime locks this M holds (lock_futex `lock` increments, `unlock` decrements); an M
    /// with locks held must not be preempted or reschedule. Written only by the M's own thread,
    /// atomic so that its signal handler may read it.
    pub locks: AtomicI32,
    /// gopark's unlock callback and its argument, run by park_m on g0 once the G is parked.
    pub waitunlockf: Option<UnlockFn>,
    pub waitlock: *mut u8,
    /// What the running goroutine asked g0 to do with it (mcall's function, `proc::Pending`):
    /// written by the goroutine just before it switches to g0, read there, on this M's thread.
    pub pending: u8,
    /// The P to acquire when this M starts or wakes (Go's `nextp`): written by whoever starts or
    /// wakes it (startm, under sched.lock before notewakeup), read by the M itself after.
    pub nextp: *mut P,
    /// The P this M released to block in a system call (Go's `oldp`), tried first on return.
    /// Only this M touches it.
    pub oldp: *mut P,
    /// Where this M sleeps while idle (stopm), woken by startm (Go's `park`).
    pub park: crate::lock_futex::Note,
    /// Next M on the idle list (`sched.midle`, under sched.lock).
    pub schedlink: *mut M,
    /// This M is out of work and looking for some (Go's `m.spinning`), counted in
    /// `sched.nmspinning`. Only the M's own thread touches it, except that startm sets it (with
    /// `nextp`) for an M it wakes.
    pub spinning: bool,
    /// A preemption signal was sent to this M and not yet handled (Go's `m.signalPending`):
    /// set by sysmon, cleared by the M's signal handler.
    pub signal_pending: core::sync::atomic::AtomicBool,
}

/// gopark's unlock callback: `f(gp, lock)` runs on g0 after gp is parked; returning false
/// resumes gp at once instead (Go's `unlockf func(*g, unsafe.Pointer) bool`).
pub type UnlockFn = fn(*mut G, *mut u8) -> bool;

impl M {
    pub const fn new() -> M {
        M {
            tls: [0; 7],
            g0: null_mut(),
            gsignal: null_mut(),
            curg: null_mut(),
            p: null_mut(),
            id: 0,
            procid: 0,
            alllink: null_mut(),
            locks: AtomicI32::new(0),
            waitunlockf: None,
            waitlock: null_mut(),
            pending: 0,
            nextp: null_mut(),
            oldp: null_mut(),
            park: crate::lock_futex::Note::new(),
            schedlink: null_mut(),
            spinning: false,
            signal_pending: core::sync::atomic::AtomicBool::new(false),
        }
    }
}

pub struct P {
    pub id: i32,
    /// P_IDLE, P_RUNNING, P_SYSCALL, …: written by the owner; sysmon CASes P_SYSCALL to
    /// P_IDLE to retake the P (Release/Acquire, so the P's queues pass with it).
    pub status: AtomicU32,
    /// Bumped by every entersyscall (read by sysmon to tell one system call from the next).
    pub syscalltick: AtomicU32,
    /// sysmon's own view of this P (Go's `p.sysmontick`): the syscalltick it last saw and when.
    /// Only sysmon touches these.
    pub sysmon_syscalltick: u32,
    pub sysmon_syscallwhen: i64,
    /// sysmon's view of the scheduling ticks (Go's `sysmontick.schedtick`/`schedwhen`): the
    /// schedtick it last saw and when; only sysmon touches these.
    pub sysmon_schedtick: u32,
    pub sysmon_schedwhen: i64,
    /// The M holding this P (null when none): written by the M that acquires or releases it,
    /// read by sysmon to signal that M (preemptone).
    pub m: AtomicPtr<M>,
    pub mcache: *mut crate::malloc::MCache,
    /// Bumped by every schedule round on this P; read by sysmon to see a goroutine running
    /// for long (retake → preemptone).
    pub schedtick: AtomicU32,
    /// The G to run next (Go's `runnext`): swapped by the owner, CASed to null by a thief.
    pub runnext: AtomicPtr<G>,
    /// The local run queue: the owner puts, the owner and thieves take (runq.rs).
    pub runq: RunQueue,
    pub gfree: *mut G,
    pub gfree_count: i32,
    pub goidcache: u64,
    pub goidcacheend: u64,
    /// Free sudogs of this P (acquire_sudog/release_sudog), linked through `next`.
    pub sudogcache: *mut Sudog,
    pub sudogcache_len: u32,
    /// This P's timers (time.rs): a 4-ary heap under its lock, and the earliest `when` (0: none),
    /// readable without the lock so that schedule can skip the timers cheaply.
    pub timers: crate::time::Timers,
    /// Next P on the idle list (`sched.pidle`, under sched.lock).
    pub link: *mut P,
}

/// The global scheduler state (Go's `schedt`).
pub struct Schedt {
    pub goidgen: AtomicU64,
    pub mnext: i64,
    pub maxmcount: i32,
    /// Guards the global run queue, the free-G list, the idle M and P lists and their counts, `mnext`
    /// and allm (Go's `sched.lock`).
    /// Lock order: taken with no other runtime lock held.
    pub lock: crate::lock_futex::Mutex,
    /// Global run queue (a linked list through `schedlink`), under `lock`; `runqsize` is also read
    /// without it, to skip an empty queue and for schedtrace.
    pub runq_head: *mut G,
    pub runq_tail: *mut G,
    pub runqsize: AtomicI32,
    /// Idle Ms waiting for work (stopm), linked through `schedlink`, under `lock`.
    pub midle: *mut M,
    /// System Ms that never run goroutines (sysmon), left out of checkdead's count.
    pub nmsys: i32,
    /// Go's `nmidlelocked`, used here only as sysmon's -1 while it hands a retaken P off, so that
    /// the M it was retaken from, coming back from its call and stopping meanwhile, is not taken
    /// for the last one (under `lock`).
    pub nmidlelocked: i32,
    /// Idle Ps available to an M (linked through `link`), under `lock`.
    pub pidle: *mut P,
    /// Global free-g list, under `lock` (Go keeps it under sched.gFree.lock).
    pub gfree: *mut G,
    /// Its length: changed under `lock`, read without it to skip an empty list.
    pub gfree_count: AtomicI32,
    /// Idle Ms (on `midle`): changed under `lock`, read racily by schedtrace.
    pub nmidle: AtomicI32,
    /// The central free sudogs, under `sudoglock`, linked through `next`. Lock order (see
    /// lock_futex): taken after channel locks, never before one; no signal handler takes it.
    pub sudoglock: crate::lock_futex::Mutex,
    pub sudogcache: *mut Sudog,
    pub npidle: AtomicU32,
    pub nmspinning: AtomicU32,
}

/// A G waiting on something (Go's `sudog`): a G can wait on many objects (select) and many Gs on
/// one object, so a waiter is this record, not the G. Sudogs come from acquire_sudog and go back
/// through release_sudog (proc). The fields are owned by whoever holds the lock of the object the
/// sudog is queued on (a sema root's lock); `ticket` is written by semrelease before the G is
/// readied and read by the G after it runs again.
#[repr(C)]
pub struct Sudog {
    pub g: *mut G,
    /// Doubly linked wait list (channels), or the treap's children (sema: prev = left, next = right).
    pub next: *mut Sudog,
    pub prev: *mut Sudog,
    /// The data element (channels), or the semaphore's address (sema).
    pub elem: *mut u8,
    pub acquiretime: i64,
    pub releasetime: i64,
    /// The treap priority (sema), or 1 when semrelease handed the semaphore straight to this waiter.
    pub ticket: u32,
    pub is_select: bool,
    /// Whether the channel operation completed (false: woken because the channel closed).
    pub success: bool,
    /// The channel this sudog waits on (Go's `sudog.c`).
    pub c: *mut crate::chan::Hchan,
    /// semaRoot binary tree.
    pub parent: *mut Sudog,
    /// Further waiters for the same address (sema), oldest first; the tail is kept in the head.
    pub waitlink: *mut Sudog,
    pub waittail: *mut Sudog,
}

impl Sudog {
    pub const fn new() -> Sudog {
        Sudog {
            g: null_mut(),
            next: null_mut(),
            prev: null_mut(),
            elem: null_mut(),
            acquiretime: 0,
            releasetime: 0,
            ticket: 0,
            is_select: false,
            success: false,
            c: null_mut(),
            parent: null_mut(),
            waitlink: null_mut(),
            waittail: null_mut(),
        }
    }
}
