//! The scheduler's data structures: G (goroutine), M (OS thread), P (processor), and the global
//! `schedt`, with Go's status values. Mirrors Go's runtime/runtime2.go (field names kept where
//! they mean the same thing; fields for the GC, profiling, cgo and the netpoller are absent).
use crate::runq::RunQueue;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicI32, AtomicU32, AtomicU64};

// G status (runtime2.go).
pub const G_IDLE: u32 = 0;
pub const G_RUNNABLE: u32 = 1;
pub const G_RUNNING: u32 = 2;
pub const G_SYSCALL: u32 = 3;
pub const G_WAITING: u32 = 4;
pub const G_DEAD: u32 = 6;

// P status (runtime2.go).
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

/// Why a goroutine waits (Go's `waitReason`, a byte, so that a zeroed G — g0 in `.bss` — is
/// valid): shown in the goroutine header of tracebacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum WaitReason {
    /// Not waiting (Go's `waitReasonZero`).
    Zero = 0,
    /// Parked in sync.WaitGroup.Wait.
    SyncWaitGroupWait,
}

impl WaitReason {
    /// The text Go prints for this reason.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::Zero => "",
            WaitReason::SyncWaitGroupWait => "sync.WaitGroup.Wait",
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
}

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
        }
    }
}

pub struct P {
    pub id: i32,
    pub status: u32,
    pub m: *mut M,
    pub mcache: *mut crate::malloc::MCache,
    pub schedtick: u32,
    pub runnext: *mut G,
    pub runq: RunQueue<*mut G>,
    pub gfree: *mut G,
    pub gfree_count: i32,
    pub goidcache: u64,
    pub goidcacheend: u64,
}

/// The global scheduler state (Go's `schedt`).
pub struct Schedt {
    pub goidgen: AtomicU64,
    pub mnext: i64,
    pub maxmcount: i32,
    /// Global run queue (a linked list through `schedlink`).
    pub runq_head: *mut G,
    pub runq_tail: *mut G,
    pub runqsize: i32,
    /// Global free-g list.
    pub gfree: *mut G,
    pub gfree_count: i32,
    pub nmidle: i32,
    pub npidle: AtomicU32,
    pub nmspinning: AtomicU32,
}
