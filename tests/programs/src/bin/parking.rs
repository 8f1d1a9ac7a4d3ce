//! Locking and parking (Go's lock_futex.go, sema.go, sync/waitgroup.go), one behaviour per
//! argument, each printing what the same Go program prints:
//!
//! - `waitgroup`: 1,000 goroutines each add their number to a sum and finish with Done; main's
//!   Wait returns with the exact total, and ten other goroutines waiting on a second WaitGroup
//!   are all released by its last Done.
//! - `sema`: a goroutine parks in semacquire on a zero semaphore; another releases it and the
//!   first wakes (the order of the three steps is printed; it is Go's with GOMAXPROCS=1, where
//!   Gosched runs the waiter first — with more Ps another M may take it).
//! - `handoff`: a release with handoff runs the woken waiter before the releaser goes on (order
//!   as for `sema`).
//! - `contend`: a lock built on a semaphore, contended by 8 goroutines that yield while holding
//!   it (so the others park in semacquire), 1,000 rounds each: the total is exact; a runtime
//!   mutex guards a second counter at the same time.
//! - `threads`: the runtime mutex contended for real — by the main goroutine's thread and two
//!   raw threads (clone, no M: they use the key protocol, `lock2`/`unlock2`, and a note each to
//!   say they are done) — 20,000 rounds each, an exact total; and a note's timed sleep that
//!   times out unwoken.
//! - `negative`: one Done too many panics with Go's "sync: negative WaitGroup counter", exit 2.
//! - `bench`: instructions per uncontended runtime mutex lock+unlock, WaitGroup Add+Done and
//!   semaphore release+acquire (under `rt0 --icount` the TSC counts instructions).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64};
use runtime::lock_futex::{self, Mutex, Note};
use runtime::sema::{semacquire, semrelease, semrelease1};
use runtime::sync::WaitGroup;
use runtime::{args, go, gosched, println};

runtime::main!(main);

fn main() {
    match args::argv(1).unwrap_or(b"") {
        b"waitgroup" => waitgroup(),
        b"sema" => sema(false),
        b"handoff" => sema(true),
        b"contend" => contend(),
        b"negative" => {
            let wg = WaitGroup::new();
            wg.add(1);
            wg.done();
            println!("parking: one Done more than Add");
            wg.done();
            println!("parking: not reached");
        }
        b"threads" => threads(),
        b"bench" => bench(),
        other => programs::unknown_mode("parking", other),
    }
}

static WG: WaitGroup = WaitGroup::new();
static WG2: WaitGroup = WaitGroup::new();
static SUM: AtomicU64 = AtomicU64::new(0);
static RELEASED: AtomicU32 = AtomicU32::new(0);

fn waitgroup() {
    const N: u64 = 1000;
    const WAITERS: u32 = 10;
    WG2.add(1);
    for _ in 0..WAITERS {
        go(|| {
            WG2.wait();
            RELEASED.fetch_add(1, Relaxed);
        });
    }
    WG.add(N as i64);
    for i in 1..=N {
        go(move || {
            gosched();
            SUM.fetch_add(i, Relaxed);
            WG.done();
        });
    }
    WG.wait();
    println!("parking: {N} goroutines joined, sum {} (expected {})", SUM.load(Relaxed), N * (N + 1) / 2);
    // Let the waiters of WG2 all reach Wait, then release them with one Done.
    for _ in 0..3 {
        gosched();
    }
    WG2.add(1);
    WG2.done();
    WG2.done();
    while RELEASED.load(Relaxed) < WAITERS {
        gosched();
    }
    println!("parking: {} waiters released by the last Done", RELEASED.load(Relaxed));
}

static S: AtomicU32 = AtomicU32::new(0);

/// Steps of the sema test, in the order they happened.
struct Steps(UnsafeCell<Vec<&'static str>>);
// SAFETY: appended to only with STEPS_MU held, and read after every goroutine that pushed has
// finished (WG.wait): one thread at a time.
unsafe impl Sync for Steps {}
static STEPS: Steps = Steps(UnsafeCell::new(Vec::new()));
static STEPS_MU: runtime::sync::Mutex = runtime::sync::Mutex::new();
fn step(s: &'static str) {
    STEPS_MU.lock();
    // SAFETY: see the Sync impl: STEPS_MU is held.
    unsafe { (*STEPS.0.get()).push(s) };
    STEPS_MU.unlock();
}

fn sema(handoff: bool) {
    WG.add(2);
    go(|| {
        step("waiter parks in semacquire");
        semacquire(&S);
        step("waiter woke with the semaphore");
        WG.done();
    });
    gosched(); // the waiter runs and parks
    go(move || {
        step("releaser releases");
        semrelease1(&S, handoff);
        step("releaser goes on");
        WG.done();
    });
    WG.wait();
    // SAFETY: every goroutine that pushed has finished.
    let steps = unsafe { &*STEPS.0.get() };
    for (i, s) in steps.iter().enumerate() {
        println!("parking: {} {s}", i + 1);
    }
    println!("parking: semaphore now {}", S.load(Relaxed));
}

static LOCK_SEMA: AtomicU32 = AtomicU32::new(1);
static RT_LOCK: Mutex = Mutex::new();
struct Counters(UnsafeCell<(u64, u64)>);
// SAFETY: `.0` is touched only while holding LOCK_SEMA, `.1` only while holding RT_LOCK.
unsafe impl Sync for Counters {}
static COUNTERS: Counters = Counters(UnsafeCell::new((0, 0)));
static PARKED: AtomicU32 = AtomicU32::new(0);
static FIRST_HOLDER: AtomicBool = AtomicBool::new(false);

fn contend() {
    const G: u64 = 8;
    const ROUNDS: u64 = 1000;
    WG.add(G as i64);
    for _ in 0..G {
        go(|| {
            for _ in 0..ROUNDS {
                if LOCK_SEMA.load(Relaxed) == 0 {
                    PARKED.fetch_add(1, Relaxed);
                }
                semacquire(&LOCK_SEMA);
                if !FIRST_HOLDER.swap(true, Relaxed) {
                    // The first holder yields, holding the lock, until another goroutine has
                    // found it held: the other seven have all their rounds still to do, so one
                    // comes. (With several Ps on a loaded host, the others could otherwise meet it
                    // free every time: natively, each M's thread may run its goroutine's rounds
                    // between the host's preemptions.)
                    while PARKED.load(Relaxed) == 0 {
                        gosched();
                    }
                }
                // SAFETY: LOCK_SEMA is held (the semaphore was 1, this goroutine took it).
                let v = unsafe { (*COUNTERS.0.get()).0 };
                gosched(); // let the others run into the held lock
                // SAFETY: as above.
                unsafe { (*COUNTERS.0.get()).0 = v + 1 };
                semrelease(&LOCK_SEMA);
                lock_futex::lock(&RT_LOCK);
                // SAFETY: RT_LOCK is held.
                unsafe { (*COUNTERS.0.get()).1 += 1 };
                lock_futex::unlock(&RT_LOCK);
            }
            WG.done();
        });
    }
    WG.wait();
    // SAFETY: every goroutine has finished.
    let (a, b) = unsafe { *COUNTERS.0.get() };
    println!(
        "parking: {G} goroutines x {ROUNDS} rounds: sema lock total {a}, runtime mutex total {b} (expected {})",
        G * ROUNDS
    );
    println!("parking: goroutines found the lock held: {}", PARKED.load(Relaxed) > 0);
}

static TLOCK: Mutex = Mutex::new();
static TCOUNT: Counters = Counters(UnsafeCell::new((0, 0)));
static TDONE: [Note; 2] = [Note::new(), Note::new()];
const TROUNDS: u64 = 20_000;

/// Adds TROUNDS to TCOUNT's first counter, one locked increment at a time; now and then the
/// holder gives up its CPU inside the critical section, so that on one CPU too the others find
/// the lock held, spin, and sleep in the kernel.
fn count_under_tlock() {
    for i in 0..TROUNDS {
        TLOCK.lock2();
        // SAFETY: TCOUNT's first counter is touched only while TLOCK is held.
        unsafe {
            let c = TCOUNT.0.get();
            let v = core::hint::black_box((*c).0);
            if i % 500 == 0 {
                for _ in 0..3 {
                    runtime::sys_linux_amd64::osyield();
                }
            }
            (*c).0 = v + 1;
        }
        TLOCK.unlock2();
    }
}

extern "C" fn counter_thread(i: usize) {
    count_under_tlock();
    TDONE[i].wakeup();
    programs::exit_thread(0)
}

fn threads() {
    const STACK: usize = 64 << 10;
    for i in 0..TDONE.len() {
        // SAFETY: a fresh anonymous private mapping.
        let base = unsafe {
            programs::syscall6(
                abi::nr::SYS_MMAP,
                0,
                STACK,
                abi::mman::PROT_READ | abi::mman::PROT_WRITE,
                abi::mman::MAP_PRIVATE | abi::mman::MAP_ANONYMOUS,
                usize::MAX,
                0,
            )
        };
        assert!(base > 0, "mmap for a thread stack failed");
        // the stack is fresh and never freed; the thread touches only statics and its stack, never
        // the allocator;
        // SAFETY: the flags ask for no tid words and no new TLS.
        let r = unsafe {
            programs::clone_thread(
                abi::sched::CLONE_THREAD_FLAGS as _,
                base as usize + STACK,
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                0,
                counter_thread,
                i,
            )
        };
        assert!(r > 0, "clone failed: {r}");
    }
    count_under_tlock();
    for n in &TDONE {
        // A goroutine blocking its M in a note: allowed here only because nothing else needs
        // this M (Go's notesleep would insist on g0, which is why this calls the method).
        n.sleep();
    }
    TLOCK.lock2();
    // SAFETY: TLOCK is held, and both threads have finished counting.
    let total = unsafe { (*TCOUNT.0.get()).0 };
    TLOCK.unlock2();
    println!("parking: 3 threads x {TROUNDS} rounds under the runtime mutex: {total} (expected {})", 3 * TROUNDS);
    println!("parking: mutex left {}", if TLOCK.state() == 0 { "unlocked" } else { "held" });
    let quiet = Note::new();
    println!("parking: notetsleep 5 ms unwoken returns {}", quiet.tsleep(5_000_000));
}

fn rdtsc() -> u64 {
    // SAFETY: rdtsc is allowed in ring 3 and has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Instructions (TSC ticks under --icount) per call of `f`, after a warm-up.
#[inline(never)]
fn per_op(f: impl Fn()) -> u64 {
    const ROUNDS: u64 = 10_000;
    for _ in 0..100 {
        f();
    }
    let t0 = rdtsc();
    for _ in 0..ROUNDS {
        f();
    }
    (rdtsc() - t0) / ROUNDS
}

fn bench() {
    let l = Mutex::new();
    let mutex = per_op(|| {
        lock_futex::lock(core::hint::black_box(&l));
        lock_futex::unlock(core::hint::black_box(&l));
    });
    let wg = WaitGroup::new();
    let wg_n = per_op(|| {
        core::hint::black_box(&wg).add(1);
        core::hint::black_box(&wg).done();
    });
    let s = AtomicU32::new(0);
    let sema = per_op(|| {
        semrelease(core::hint::black_box(&s));
        semacquire(core::hint::black_box(&s));
    });
    println!("parking: mutex_lock_unlock={mutex} waitgroup_add_done={wg_n} sema_release_acquire={sema}");
}
