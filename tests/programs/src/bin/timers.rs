//! Timers and sleeping (Go's runtime/time.go, time/sleep.go, time/tick.go), one behaviour per
//! argument, each printing what the same Go program prints:
//!
//! - `sleep`: time::sleep(10 ms) sleeps at least 10 ms (stderr has the measured time, which the
//!   test bounds natively).
//! - `order`: three goroutines sleeping 300, 100 and 200 ms each wake no earlier than asked (in
//!   the order 100, 200, 300 unless the host stalls past several of them; stderr has the order).
//! - `sleepers`: 10,000 goroutines sleeping 1–20 ms at once all wake.
//! - `timer`: Timer.Stop before expiry stops it; after expiry reports false; Reset restarts it;
//!   AfterFunc runs its function in a goroutine; a Ticker ticks until stopped.
//! - `deadlock`: once the last timer has fired, a goroutine blocked forever is Go's deadlock.
//! - `bench`: instructions per Timer Reset+Stop (start and stop of a timer, under `rt0 --icount`).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::sync::atomic::AtomicU32;
use core::sync::atomic::Ordering::Relaxed;
use core::time::Duration;
use runtime::chan::Chan;
use runtime::sync::WaitGroup;
use runtime::time::{self, Instant, Ticker, Timer};
use runtime::{args, go, println};

runtime::main!(main);

fn main() {
    match args::argv(1).unwrap_or(b"") {
        b"sleep" => sleep(),
        b"order" => order(),
        b"sleepers" => sleepers(),
        b"timer" => timer(),
        b"deadlock" => {
            time::sleep(Duration::from_millis(5));
            println!("timers: slept; now blocking on a channel nobody sends on");
            Chan::<u32>::new(0).recv();
        }
        b"bench" => bench(),
        other => programs::unknown_mode("timers", other),
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn sleep() {
    let t0 = Instant::now();
    time::sleep(ms(10));
    let took = t0.elapsed();
    runtime::eprintln!("timers: slept {} us", took.as_micros());
    println!("timers: sleep(10 ms) slept at least 10 ms: {}", took >= ms(10));
}

fn order() {
    // Each sleeper reports its duration and when it woke. Sleepers whose timers are found due in
    // separate checks wake in the order of their durations; a host that stalls (a loaded machine,
    // QEMU descheduled) can make all three due at one check, and then they are readied in `when`
    // order, each into runnext, as Go's goroutineReady does — so the run order is only printed
    // on stderr; what must hold is that nobody wakes early.
    let woke = Chan::<(u64, Duration)>::new(3);
    let t0 = Instant::now();
    for d in [300, 100, 200] {
        let woke = woke.clone();
        go(move || {
            time::sleep(ms(d));
            woke.send((d, t0.elapsed()));
        });
    }
    let got: Vec<(u64, Duration)> = (0..3).map(|_| woke.recv().unwrap()).collect();
    runtime::eprintln!("timers: woke in the order {:?}", got.iter().map(|&(d, _)| d).collect::<Vec<_>>());
    let on_time = got.iter().all(|&(d, at)| at >= ms(d));
    println!("timers: sleepers of 300, 100, 200 ms each woke after at least its own duration: {on_time}");
}

static WOKEN: AtomicU32 = AtomicU32::new(0);

fn sleepers() {
    const N: u32 = 10_000;
    let wg = alloc::sync::Arc::new(WaitGroup::new());
    wg.add(N as i64);
    let t0 = Instant::now();
    for i in 0..N {
        let wg = wg.clone();
        go(move || {
            time::sleep(ms(1 + (i % 20) as u64));
            WOKEN.fetch_add(1, Relaxed);
            wg.done();
        });
    }
    wg.wait();
    runtime::eprintln!("timers: {N} sleepers done in {} ms", t0.elapsed().as_millis());
    println!("timers: {N} concurrent sleepers woke: {}", WOKEN.load(Relaxed));
}

static FIRED: AtomicU32 = AtomicU32::new(0);

fn timer() {
    let t = Timer::new(ms(50));
    println!("timers: Stop before expiry: {}", t.stop());
    time::sleep(ms(60));
    println!("timers: nothing sent after Stop: {}", t.c.try_recv().is_err());
    println!("timers: Reset of a stopped timer reports it was active: {}", t.reset(ms(5)));
    let _ = t.c.recv();
    println!("timers: the reset timer fired; Stop now: {}", t.stop());

    let ran = Chan::<u32>::new(1);
    let f = {
        let ran = ran.clone();
        time::after_func(ms(5), move || {
            FIRED.fetch_add(1, Relaxed);
            let _ = ran.try_send(1);
        })
    };
    ran.recv();
    time::sleep(ms(10));
    println!("timers: AfterFunc ran {} time(s); Stop after it ran: {}", FIRED.load(Relaxed), f.stop());

    let tk = Ticker::new(ms(5));
    for _ in 0..3 {
        tk.c.recv();
    }
    tk.stop();
    let _ = tk.c.try_recv(); // a tick may have landed before Stop
    time::sleep(ms(20));
    println!("timers: a Ticker ticked 3 times; no tick after Stop: {}", tk.c.try_recv().is_err());
    println!("timers: Tick(0) is nil: {}", time::tick(Duration::ZERO).is_none());
}

fn rdtsc() -> u64 {
    // SAFETY: rdtsc is allowed in ring 3 and has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

fn bench() {
    const ROUNDS: u64 = 10_000;
    let t = Timer::new(Duration::from_secs(3600));
    t.stop();
    let t0 = rdtsc();
    for _ in 0..ROUNDS {
        core::hint::black_box(&t).reset(Duration::from_secs(3600));
        core::hint::black_box(&t).stop();
    }
    let n = (rdtsc() - t0) / ROUNDS;
    // The clock read every start needs (clock_gettime: a system call, with no vDSO on rt0).
    let t0 = rdtsc();
    for _ in 0..ROUNDS {
        core::hint::black_box(Instant::now());
    }
    let clock = (rdtsc() - t0) / ROUNDS;
    println!("timers: timer_start_stop={n} timer_clock_read={clock}");
}
