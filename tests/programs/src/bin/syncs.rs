//! Go's sync package (sync/mutex.go, rwmutex.go, once.go, cond.go), one behaviour per argument,
//! each printing what the same Go program prints:
//!
//! - `mutex`: 8 goroutines x 10,000 increments under a Mutex, yielding inside the critical
//!   section now and then so that the others queue on it: the total is exact.
//! - `starve`: a holder that sleeps 2 ms with the Mutex held, five rounds; a waiter that has
//!   waited over 1 ms turns on starvation mode and gets the Mutex handed to it before the holder's
//!   rounds are over.
//! - `rwmutex`: readers inside together, a writer alone; exact totals.
//! - `once`: ten goroutines call one Once; the action runs once and every caller returns after it.
//! - `cond`: consumers waiting on a Cond for a queue; Signal wakes one, Broadcast the rest.
//! - `unlock`: unlocking an unlocked Mutex is Go's fatal error, exit 2.
//! - `bench`: instructions per uncontended Mutex Lock+Unlock (under `rt0 --icount`).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicBool, AtomicU32};
use core::time::Duration;
use runtime::sync::{Cond, Mutex, Once, RWMutex, WaitGroup};
use runtime::{args, go, gosched, println, time};

runtime::main!(main);

fn main() {
    match args::argv(1).unwrap_or(b"") {
        b"mutex" => mutex(),
        b"starve" => starve(),
        b"rwmutex" => rwmutex(),
        b"once" => once(),
        b"cond" => cond(),
        b"unlock" => {
            let m = Mutex::new();
            println!("syncs: unlock of an unlocked Mutex");
            m.unlock();
        }
        b"bench" => bench(),
        other => programs::unknown_mode("syncs", other),
    }
}

/// Data guarded by a lock of the program's (Go's Mutex carries no data).
struct Guarded<T>(UnsafeCell<T>);
// SAFETY: every access happens with the guarding lock held (each use says which).
unsafe impl<T> Sync for Guarded<T> {}

static M: Mutex = Mutex::new();
static COUNT: Guarded<u64> = Guarded(UnsafeCell::new(0));
static WG: WaitGroup = WaitGroup::new();
static QUEUED: AtomicU32 = AtomicU32::new(0);
static FIRST_HOLDER: AtomicBool = AtomicBool::new(false);

fn mutex() {
    const G: u64 = 8;
    const ROUNDS: u64 = 10_000;
    WG.add(G as i64);
    for _ in 0..G {
        go(|| {
            for i in 0..ROUNDS {
                M.lock();
                if i == 0 && !FIRST_HOLDER.swap(true, Relaxed) {
                    // The first holder yields, holding M, until another goroutine has parked on
                    // it: the other seven have all their rounds still to do, so one comes. (With
                    // several Ps on a loaded host, the others could otherwise meet M free every
                    // time: each M's thread runs its goroutine's rounds between the host's
                    // preemptions.)
                    while M.state() >> 3 == 0 {
                        gosched();
                    }
                }
                if M.state() >> 3 != 0 {
                    QUEUED.fetch_add(1, Relaxed);
                }
                // SAFETY: M is held.
                let v = unsafe { *COUNT.0.get() };
                if i % 100 == 0 {
                    gosched(); // the others run into the held Mutex and park
                }
                // SAFETY: M is held.
                unsafe { *COUNT.0.get() = v + 1 };
                M.unlock();
            }
            WG.done();
        });
    }
    WG.wait();
    M.lock();
    // SAFETY: M is held.
    let total = unsafe { *COUNT.0.get() };
    M.unlock();
    println!("syncs: {G} goroutines x {ROUNDS} increments under a Mutex: {total} (expected {})", G * ROUNDS);
    println!("syncs: goroutines queued on the Mutex: {}", QUEUED.load(Relaxed) > 0);
    println!("syncs: Mutex left unlocked with no waiters: {}", M.state() == 0);
}

static HOLDER_ROUND: AtomicU32 = AtomicU32::new(0);
static SAW_STARVING: AtomicU32 = AtomicU32::new(0);

fn starve() {
    const ROUNDS: u32 = 5;
    let got_at = alloc::sync::Arc::new(AtomicU32::new(0));
    WG.add(2);
    go(|| {
        for r in 1..=ROUNDS {
            M.lock();
            HOLDER_ROUND.store(r, Relaxed);
            if r == 1 {
                gosched(); // let the waiter queue
            }
            time::sleep(Duration::from_millis(2));
            if M.state() & 4 != 0 {
                SAW_STARVING.store(1, Relaxed);
            }
            M.unlock();
        }
        WG.done();
    });
    {
        let got_at = got_at.clone();
        go(move || {
            while HOLDER_ROUND.load(Relaxed) == 0 {
                gosched(); // until the holder has the Mutex
            }
            M.lock();
            got_at.store(HOLDER_ROUND.load(Relaxed), Relaxed);
            M.unlock();
            WG.done();
        });
    }
    WG.wait();
    let at = got_at.load(Relaxed);
    println!("syncs: the waiter saw the Mutex turn to starvation mode: {}", SAW_STARVING.load(Relaxed) == 1);
    println!("syncs: the waiter got the Mutex before the holder's {ROUNDS} rounds ended: {}", at > 0 && at < ROUNDS);
    println!("syncs: Mutex back to normal and unlocked: {}", M.state() == 0);
}

static RW: RWMutex = RWMutex::new();
static READERS_IN: AtomicU32 = AtomicU32::new(0);
static MAX_READERS: AtomicU32 = AtomicU32::new(0);
static WRITER_ALONE: AtomicU32 = AtomicU32::new(1);
static DATA: Guarded<u64> = Guarded(UnsafeCell::new(0));
static READ_SUM: AtomicU32 = AtomicU32::new(0);

fn rwmutex() {
    const READERS: u32 = 4;
    const WRITERS: u32 = 2;
    const ROUNDS: u32 = 1000;
    WG.add((READERS + WRITERS) as i64);
    for _ in 0..READERS {
        go(|| {
            for _ in 0..ROUNDS {
                RW.rlock();
                let n = READERS_IN.fetch_add(1, Relaxed) + 1;
                MAX_READERS.fetch_max(n, Relaxed);
                // SAFETY: RW is read-locked: no writer runs.
                let v = unsafe { *DATA.0.get() };
                gosched();
                // SAFETY: as above.
                if unsafe { *DATA.0.get() } != v {
                    WRITER_ALONE.store(0, Relaxed);
                }
                READ_SUM.fetch_add(1, Relaxed);
                READERS_IN.fetch_sub(1, Relaxed);
                RW.runlock();
            }
            WG.done();
        });
    }
    for _ in 0..WRITERS {
        go(|| {
            for _ in 0..ROUNDS {
                RW.lock();
                if READERS_IN.load(Relaxed) != 0 {
                    WRITER_ALONE.store(0, Relaxed);
                }
                // SAFETY: RW is write-locked.
                let v = unsafe { *DATA.0.get() };
                gosched();
                // SAFETY: as above.
                unsafe { *DATA.0.get() = v + 1 };
                RW.unlock();
            }
            WG.done();
        });
    }
    WG.wait();
    // SAFETY: every goroutine has finished.
    let total = unsafe { *DATA.0.get() };
    println!(
        "syncs: RWMutex: {} reads, {total} writes (expected {} and {})",
        READ_SUM.load(Relaxed),
        READERS * ROUNDS,
        WRITERS * ROUNDS
    );
    println!("syncs: readers inside together: {}", MAX_READERS.load(Relaxed) > 1);
    println!("syncs: writers alone: {}", WRITER_ALONE.load(Relaxed) == 1);
    println!("syncs: try_lock on a free RWMutex: {}, try_rlock while write-locked: {}", RW.try_lock(), RW.try_rlock());
    RW.unlock();
}

static ONCE: Once = Once::new();
static RUNS: AtomicU32 = AtomicU32::new(0);
static AFTER: AtomicU32 = AtomicU32::new(0);

fn once() {
    WG.add(10);
    for _ in 0..10 {
        go(|| {
            ONCE.call(|| {
                gosched(); // the others arrive while the action runs
                RUNS.fetch_add(1, Relaxed);
            });
            if RUNS.load(Relaxed) == 1 {
                AFTER.fetch_add(1, Relaxed);
            }
            WG.done();
        });
    }
    WG.wait();
    println!(
        "syncs: Once: the action ran {} time(s); {} of 10 callers returned after it",
        RUNS.load(Relaxed),
        AFTER.load(Relaxed)
    );
}

static CM: Mutex = Mutex::new();
static COND: Cond<'static> = Cond::new(&CM);
static QUEUE: Guarded<Vec<u32>> = Guarded(UnsafeCell::new(Vec::new()));
static TAKEN: AtomicU32 = AtomicU32::new(0);
static WAITING: AtomicU32 = AtomicU32::new(0);

fn cond() {
    const CONSUMERS: u32 = 5;
    WG.add(CONSUMERS as i64);
    for _ in 0..CONSUMERS {
        go(|| {
            CM.lock();
            // SAFETY: CM is held whenever QUEUE is touched.
            while unsafe { (*QUEUE.0.get()).is_empty() } {
                WAITING.fetch_add(1, Relaxed);
                COND.wait();
                WAITING.fetch_sub(1, Relaxed);
            }
            // SAFETY: as above.
            let v = unsafe { (*QUEUE.0.get()).pop().unwrap() };
            TAKEN.fetch_add(v, Relaxed);
            CM.unlock();
            WG.done();
        });
    }
    while WAITING.load(Relaxed) < CONSUMERS {
        gosched();
    }
    println!("syncs: {} consumers waiting on the Cond", WAITING.load(Relaxed));
    CM.lock();
    // SAFETY: CM is held.
    unsafe { (*QUEUE.0.get()).push(1) };
    COND.signal();
    CM.unlock();
    while TAKEN.load(Relaxed) < 1 {
        gosched();
    }
    println!("syncs: Signal woke one: {} still waiting", WAITING.load(Relaxed));
    CM.lock();
    // SAFETY: CM is held.
    unsafe { (*QUEUE.0.get()).extend([2, 3, 4, 5]) };
    COND.broadcast();
    CM.unlock();
    WG.wait();
    println!("syncs: Broadcast woke the rest: sum taken {} (expected 15)", TAKEN.load(Relaxed));
}

fn rdtsc() -> u64 {
    // SAFETY: rdtsc is allowed in ring 3 and has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

fn bench() {
    const ROUNDS: u64 = 10_000;
    let m = Mutex::new();
    for _ in 0..100 {
        m.lock();
        m.unlock();
    }
    let t0 = rdtsc();
    for _ in 0..ROUNDS {
        core::hint::black_box(&m).lock();
        core::hint::black_box(&m).unlock();
    }
    let mutex = (rdtsc() - t0) / ROUNDS;
    println!("syncs: mutex_uncontended={mutex}");
}
