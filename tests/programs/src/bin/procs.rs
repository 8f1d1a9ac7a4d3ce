//! Several Ps running goroutines in parallel (Go's proc.go: wakep, spinning Ms, findRunnable's
//! stealing), one behaviour per argument, each printing what the same Go program prints:
//!
//! - `spread`: main starts 8 CPU-bound goroutines — all land on main's P — and waits; idle Ps
//!   are woken (wakep) and steal them, so with GOMAXPROCS=N they run on N distinct Ms at once (by
//!   M id: each waits, without yielding, until N Ms have run one). Each computes a fixed LCG sum:
//!   the checksum is exact.
//! - `spin`: 4 CPU-bound goroutines, each a fixed amount of work; prints the checksum, and with a
//!   second argument `time` the elapsed nanoseconds on stderr (the parallel-speedup figure: the
//!   bench runs it with GOMAXPROCS=1 and 2 on two CPUs).
//! - `preempt`: tests/real/go/preempt in rt0's runtime: with one P, a goroutine spins on a flag
//!   without ever yielding while main sleeps 50 ms, then sets the flag and waits for it; only
//!   asynchronous preemption lets main run again (prints `preempted the tight loop`). With
//!   GODEBUG=asyncpreemptoff=1 it hangs, as the Go program does.
//! - `alloc`: instructions per 16-byte `Box` allocation + free (under `rt0 --icount`, where
//!   rdtsc counts instructions): the mcache fast path, through the one shared pointer with one P
//!   and through the thread's TLS block with several.
//! - `many N`: N goroutines alive at once, each parked on one channel until main closes it; all
//!   N wake, and each adds its number to a checksum.
#![no_std]
#![no_main]

extern crate alloc;

use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize};
use runtime::chan::Chan;
use runtime::sync::WaitGroup;
use runtime::{args, eprintln, go, println, time};

runtime::main!(main);

static WG: WaitGroup = WaitGroup::new();
static SUM: AtomicU64 = AtomicU64::new(0);
/// Bit i set: M id i ran a worker.
static MS: AtomicU64 = AtomicU64::new(0);
static DONE: AtomicUsize = AtomicUsize::new(0);

fn main() {
    match args::argv(1).unwrap_or(b"") {
        b"spread" => spread(),
        b"spin" => spin(args::argv(2) == Some(b"time")),
        b"preempt" => preempt(),
        b"alloc" => alloc_bench(),
        b"many" => many(args::argv(2).and_then(|n| core::str::from_utf8(n).ok()?.parse().ok()).unwrap_or(1000)),
        other => programs::unknown_mode("procs", other),
    }
}

/// `n` rounds of a 64-bit LCG from `seed`, summed: CPU work the compiler cannot skip.
fn work(seed: u64, n: u64) -> u64 {
    let (mut x, mut sum) = (seed, 0u64);
    for _ in 0..n {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        sum = sum.wrapping_add(x >> 33);
    }
    core::hint::black_box(sum)
}

fn spread() {
    const G: u64 = 8;
    let procs = runtime::proc::GOMAXPROCS.load(Relaxed) as u32;
    let want = procs.min(G as u32);
    WG.add(G as i64);
    for i in 0..G {
        go(move || {
            // Each goroutine notes its M and waits, without yielding, until the goroutines have
            // been seen on as many Ms as there are Ps (or 10 s have passed, which only a broken
            // scheduler takes): so they must run at once, stolen by the idle Ps' spinning Ms,
            // however late a loaded host starts those threads.
            let deadline = runtime::sys_linux_amd64::nanotime() + 10_000_000_000;
            loop {
                let bit = 1u64 << runtime::mid().min(63);
                let seen = MS.fetch_or(bit, Relaxed) | bit;
                if seen.count_ones() >= want || runtime::sys_linux_amd64::nanotime() >= deadline {
                    break;
                }
                core::hint::spin_loop();
            }
            let s = work(i, 3_000_000);
            SUM.fetch_add(s, Relaxed);
            DONE.fetch_add(1, Relaxed);
            WG.done();
        });
    }
    WG.wait();
    let ms = MS.load(Relaxed).count_ones();
    println!("procs: {G} goroutines done: {}, checksum {}", DONE.load(Relaxed), SUM.load(Relaxed));
    println!("procs: GOMAXPROCS={procs}: spawned on one P, they ran on {} Ms", ms.min(procs.min(G as u32)));
    eprintln!("procs: distinct Ms {ms}");
}

fn spin(time: bool) {
    const G: u64 = 4;
    let start = runtime::sys_linux_amd64::nanotime();
    WG.add(G as i64);
    for i in 0..G {
        go(move || {
            SUM.fetch_add(work(i, 20_000_000), Relaxed);
            WG.done();
        });
    }
    WG.wait();
    let ns = runtime::sys_linux_amd64::nanotime() - start;
    println!("procs: {G} workers done, checksum {}", SUM.load(Relaxed));
    if time {
        eprintln!("procs: elapsed_ns {ns}");
    }
}

static STOP: AtomicU32 = AtomicU32::new(0);

fn preempt() {
    let done: Chan<bool> = Chan::new(0);
    let d = done.clone();
    go(move || {
        while STOP.load(Relaxed) == 0 {
            core::hint::spin_loop();
        }
        d.send(true);
    });
    time::sleep(core::time::Duration::from_millis(50));
    STOP.store(1, Relaxed);
    done.recv();
    println!("preempted the tight loop");
}

static ALIVE: AtomicUsize = AtomicUsize::new(0);

fn many(n: u64) {
    let gate: Chan<()> = Chan::new(0);
    WG.add(n as i64);
    for i in 0..n {
        let g = gate.clone();
        go(move || {
            ALIVE.fetch_add(1, Relaxed);
            g.recv(); // parked until the gate closes
            SUM.fetch_add(i, Relaxed);
            WG.done();
        });
    }
    // Every goroutine has started and parked once all have been counted in.
    while ALIVE.load(Relaxed) < n as usize {
        runtime::gosched();
    }
    println!("procs: {n} goroutines alive at once");
    gate.close();
    WG.wait();
    println!("procs: all woke, checksum {} (expected {})", SUM.load(Relaxed), n * (n - 1) / 2);
}

fn alloc_bench() {
    fn rdtsc() -> u64 {
        // SAFETY: rdtsc is allowed in ring 3.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
    const ROUNDS: u64 = 10_000;
    for i in 0..1000u64 {
        drop(core::hint::black_box(alloc::boxed::Box::new([i, i])));
    }
    let t0 = rdtsc();
    for i in 0..ROUNDS {
        drop(core::hint::black_box(alloc::boxed::Box::new([i, i])));
    }
    let per = (rdtsc() - t0) / ROUNDS;
    println!("procs: GOMAXPROCS={} alloc_free={per}", runtime::proc::GOMAXPROCS.load(Relaxed));
}
