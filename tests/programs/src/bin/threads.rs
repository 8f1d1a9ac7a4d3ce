//! Threads the way Go's runtime makes and parks them, checked the same way on rt0 and on
//! Linux: clone with its own stack and TLS, futex handoff both ways, CHILD_CLEARTID as a join,
//! futex EAGAIN and timeouts, a spinning thread preempted by the timer, a sleeper letting
//! others run — and, with argument `exit-from-thread`, exit_group from a second thread.
#![no_std]
#![no_main]

use abi::errno::{EAGAIN, ETIMEDOUT};
use abi::futex::{FUTEX_WAIT, FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE};
use abi::mman::{MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE};
use abi::nr::{SYS_ARCH_PRCTL, SYS_CLOCK_GETTIME, SYS_FUTEX, SYS_GETTID, SYS_MMAP, SYS_NANOSLEEP};
use abi::prctl::ARCH_GET_FS;
use abi::sched::{CLONE_CHILD_CLEARTID, CLONE_PARENT_SETTID, CLONE_SETTLS, CLONE_THREAD_FLAGS};
use abi::time::{CLOCK_MONOTONIC, Timespec};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use programs::clone_thread;
use programs::{exit_group, syscall0, syscall2, syscall3, syscall4, syscall6};
use runtime::{args, println};

runtime::bare_main!(main);

const STACK: usize = 64 * 1024;

static FLAG: AtomicU32 = AtomicU32::new(0);
static CHILD_TID: AtomicU32 = AtomicU32::new(0);
static CHILD_FS: AtomicU64 = AtomicU64::new(0);
static COUNTER: AtomicU64 = AtomicU64::new(0);
static STOP: AtomicU32 = AtomicU32::new(0);
static TLS_BLOCK: [u64; 4] = [0; 4];

fn futex_wait(word: &AtomicU32, val: u32, timeout_ns: Option<u64>) -> isize {
    let ts = timeout_ns.map(Timespec::from_ns);
    let tsp = ts.as_ref().map_or(0, |t| t as *const Timespec as usize);
    // SAFETY: a futex wait on a word and an optional timespec owned by the caller.
    unsafe { syscall4(SYS_FUTEX, word.as_ptr() as usize, FUTEX_WAIT_PRIVATE, val as usize, tsp) }
}

fn futex_wake(word: &AtomicU32, n: usize) -> isize {
    // SAFETY: wakes waiters on a word the caller owns.
    unsafe { syscall3(SYS_FUTEX, word.as_ptr() as usize, FUTEX_WAKE_PRIVATE, n) }
}

fn now_ns() -> u64 {
    let mut ts = Timespec::default();
    // SAFETY: CLOCK_MONOTONIC into a local timespec.
    unsafe { syscall2(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, &mut ts as *mut Timespec as usize) };
    ts.to_ns().unwrap_or(0)
}

fn gettid() -> u32 {
    // SAFETY: no arguments.
    unsafe { syscall0(SYS_GETTID) as u32 }
}

/// A stack for a new thread: an anonymous mapping that is never freed (the test is short).
fn new_stack() -> usize {
    // SAFETY: anonymous private mapping.
    let base =
        unsafe { syscall6(SYS_MMAP, 0, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0) };
    assert!(base > 0, "mmap for a thread stack failed");
    base as usize + STACK
}

/// Starts `f(arg)`; returns (tid, the CHILD_CLEARTID word to join on).
fn spawn(f: extern "C" fn(usize), arg: usize, join: &'static AtomicU32) -> u32 {
    let tls = TLS_BLOCK.as_ptr() as usize + 16;
    let flags = CLONE_THREAD_FLAGS | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    // SAFETY: fresh stack; `join` is a static word for both tid fields.
    let tid = unsafe { clone_thread(flags as _, new_stack(), join.as_ptr(), join.as_ptr(), tls, f, arg) };
    assert!(tid > 0, "clone failed");
    tid as u32
}

/// Waits until the thread whose CHILD_CLEARTID word is `join` has exited. The kernel's wake
/// at thread exit is a shared (not private) futex wake, so the wait must be shared too, as
/// glibc's pthread_join does.
fn join(word: &AtomicU32) {
    loop {
        let v = word.load(SeqCst);
        if v == 0 {
            return;
        }
        // SAFETY: a shared futex wait on the caller's static word.
        unsafe { syscall4(SYS_FUTEX, word.as_ptr() as usize, FUTEX_WAIT, v as usize, 0) };
    }
}

extern "C" fn handoff_child(_: usize) {
    CHILD_TID.store(gettid(), SeqCst);
    let mut fs = 0u64;
    // SAFETY: reads this thread's FS base into a local.
    unsafe { syscall2(SYS_ARCH_PRCTL, ARCH_GET_FS, &mut fs as *mut u64 as usize) };
    CHILD_FS.store(fs, SeqCst);
    FLAG.store(1, SeqCst);
    futex_wake(&FLAG, 1);
    // Wait for the parent's answer: the handoff the other way.
    while FLAG.load(SeqCst) != 2 {
        futex_wait(&FLAG, 1, None);
    }
}

extern "C" fn spinner(_: usize) {
    while STOP.load(SeqCst) == 0 {
        COUNTER.fetch_add(1, SeqCst);
    }
}

extern "C" fn exit_group_child(_: usize) {
    exit_group(7)
}

struct Checks(u32, u32);

impl Checks {
    fn check(&mut self, name: &str, ok: bool, got: u64, want: u64) {
        if ok {
            self.0 += 1;
            println!("threads: {name} ok");
        } else {
            self.1 += 1;
            println!("threads: {name} FAILED (got {got:#x}, want {want:#x})");
        }
    }
}

static J1: AtomicU32 = AtomicU32::new(0);
static J2: AtomicU32 = AtomicU32::new(0);
static J3: AtomicU32 = AtomicU32::new(0);
static J4: AtomicU32 = AtomicU32::new(0);
static NOBODY: AtomicU32 = AtomicU32::new(5);

fn main() {
    if args::argv(1) == Some(b"exit-from-thread") {
        spawn(exit_group_child, 0, &J4);
        loop {
            futex_wait(&NOBODY, 5, None);
        }
    }
    let mut c = Checks(0, 0);
    let me = gettid();

    // Handoff: child signals the parent, the parent answers, the parent joins.
    let tid = spawn(handoff_child, 0, &J1);
    c.check("clone returns a new tid", tid != me && tid > 0, tid as u64, 0);
    while FLAG.load(SeqCst) == 0 {
        futex_wait(&FLAG, 0, None);
    }
    c.check(
        "child's gettid is the clone result",
        CHILD_TID.load(SeqCst) == tid,
        CHILD_TID.load(SeqCst) as u64,
        tid as u64,
    );
    let tls = TLS_BLOCK.as_ptr() as u64 + 16;
    c.check("child runs with the TLS it was given", CHILD_FS.load(SeqCst) == tls, CHILD_FS.load(SeqCst), tls);
    FLAG.store(2, SeqCst);
    futex_wake(&FLAG, 1);
    join(&J1);
    c.check("CHILD_CLEARTID zeroed and woke the joiner", J1.load(SeqCst) == 0, J1.load(SeqCst) as u64, 0);

    // futex errors and timeouts.
    let r = futex_wait(&NOBODY, 6, None);
    c.check("futex wait on a changed value is EAGAIN", r == -EAGAIN, r as u64, -EAGAIN as u64);
    let t0 = now_ns();
    let r = futex_wait(&NOBODY, 5, Some(20_000_000));
    let waited = now_ns() - t0;
    c.check("futex wait times out with ETIMEDOUT", r == -ETIMEDOUT, r as u64, -ETIMEDOUT as u64);
    c.check("futex timeout waited at least 20 ms", waited >= 20_000_000, waited, 20_000_000);

    // Preemption: a thread that never blocks must not keep the CPU from this one, nor this
    // one (which never blocks either, just reads the clock) from it.
    COUNTER.store(0, SeqCst);
    spawn(spinner, 0, &J2);
    let start = now_ns();
    while COUNTER.load(SeqCst) < 1000 && now_ns() - start < 5_000_000_000 {
        core::hint::spin_loop();
    }
    let seen = COUNTER.load(SeqCst);
    c.check("a spinning thread and this one both progress", seen >= 1000, seen, 1000);
    STOP.store(1, SeqCst);
    join(&J2);

    // Sleeping hands the CPU over: the spinner runs while we sleep 30 ms.
    STOP.store(0, SeqCst);
    COUNTER.store(0, SeqCst);
    spawn(spinner, 0, &J3);
    // Wait until it runs at all (a loaded host may be slow to start it), then count afresh.
    while COUNTER.load(SeqCst) == 0 {
        core::hint::spin_loop();
    }
    COUNTER.store(0, SeqCst);
    let ts = Timespec::from_ns(30_000_000);
    // SAFETY: a relative 30 ms nanosleep.
    unsafe { syscall2(SYS_NANOSLEEP, &ts as *const Timespec as usize, 0) };
    let during = COUNTER.load(SeqCst);
    c.check("the other thread ran while this one slept", during > 0, during, 1);
    STOP.store(1, SeqCst);
    join(&J3);

    println!("threads: {} passed, {} failed", c.0, c.1);
    exit_group(if c.1 == 0 { 0 } else { 1 })
}
