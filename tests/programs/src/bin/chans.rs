//! Channels and select (Go's chan.go, select.go), one behaviour per argument, each printing what
//! the same Go program prints:
//!
//! - `pingpong`: 200,000 messages bounced between two goroutines over two unbuffered channels,
//!   each side adding what it receives to a checksum.
//! - `pipeline`: 200,000 numbers through generator → square → sum over buffered channels (cap
//!   64) and an unbuffered final stage, closed from the front; the sum is exact.
//! - `close`: a closed buffered channel drains, then gives the zero value with ok == false;
//!   receivers and a select parked on a channel all wake at its close; len/cap as Go reports them.
//! - `select`: fairness — three always-ready cases chosen about equally often over 100,000
//!   selects; `default` when nothing is ready; a nil channel's case never chosen; a parked select
//!   woken by a later send; a send case; a select on a closed channel.
//! - `timeout`: a select with `time::after` times out; a value that arrives first beats it.
//! - `sizes`: elements of 0 to 40 bytes arrive intact through buffered and unbuffered channels
//!   (the fast paths copy up to 16 bytes inline, larger ones through memmove).
//! - `sendclosed`, `selectclosed`, `closeclosed`, `closenil`: Go's panics, exit 2.
//! - `nilrecv`: a receive on the nil channel blocks forever: Go's deadlock error, exit 2.
//! - `bench`: instructions per unbuffered round trip, buffered send+receive and 2-case select
//!   (under `rt0 --icount` the TSC counts instructions).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::time::Duration;
use runtime::chan::Chan;
use runtime::sync::WaitGroup;
use runtime::{args, go, println, select, time};

runtime::main!(main);

fn main() {
    match args::argv(1).unwrap_or(b"") {
        b"pingpong" => pingpong(),
        b"pipeline" => pipeline(),
        b"close" => close(),
        b"select" => selects(),
        b"timeout" => timeout(),
        b"sizes" => sizes(),
        b"sendclosed" => {
            let c = Chan::<i32>::new(1);
            c.close();
            println!("chans: send on a closed channel");
            c.send(1);
        }
        b"selectclosed" => {
            let (c, other) = (Chan::<i32>::new(0), Chan::<i32>::new(0));
            c.close();
            println!("chans: select a send on a closed channel");
            select! {
                send(c, 1) => println!("chans: not reached"),
                recv(other) -> _v => println!("chans: not reached"),
            }
        }
        b"closeclosed" => {
            let c = Chan::<i32>::new(0);
            c.close();
            println!("chans: close a closed channel");
            c.close();
        }
        b"closenil" => {
            let c = Chan::<i32>::nil();
            println!("chans: close the nil channel");
            c.close();
        }
        b"nilrecv" => {
            let c = Chan::<i32>::nil();
            println!("chans: receive from the nil channel");
            c.recv();
        }
        b"bench" => bench(),
        other => programs::unknown_mode("chans", other),
    }
}

const N: u64 = 200_000;

fn pingpong() {
    let (ping, pong) = (Chan::<u64>::new(0), Chan::<u64>::new(0));
    let done = Chan::<u64>::new(0);
    {
        let (ping, pong, done) = (ping.clone(), pong.clone(), done.clone());
        go(move || {
            let mut sum = 0u64;
            while let Some(v) = ping.recv() {
                sum = sum.wrapping_add(v);
                pong.send(v * 2);
            }
            done.send(sum);
        });
    }
    let mut sum = 0u64;
    for i in 1..=N {
        ping.send(i);
        sum = sum.wrapping_add(pong.recv().unwrap());
    }
    ping.close();
    let other = done.recv().unwrap();
    println!(
        "chans: pingpong {N} round trips: main got {sum}, partner got {other} (expected {} and {})",
        N * (N + 1),
        N * (N + 1) / 2
    );
}

fn pipeline() {
    let nums = Chan::<u64>::new(64);
    let squares = Chan::<u64>::new(64);
    let total = Chan::<u64>::new(0);
    {
        let nums = nums.clone();
        go(move || {
            for i in 1..=N {
                nums.send(i);
            }
            nums.close();
        });
    }
    {
        let (nums, squares) = (nums.clone(), squares.clone());
        go(move || {
            while let Some(v) = nums.recv() {
                squares.send(v * v % 1_000_003);
            }
            squares.close();
        });
    }
    {
        let (squares, total) = (squares.clone(), total.clone());
        go(move || {
            let mut sum = 0u64;
            let mut n = 0;
            while let Some(v) = squares.recv() {
                sum += v;
                n += 1;
            }
            total.send(sum);
            total.send(n);
        });
    }
    let sum = total.recv().unwrap();
    let n = total.recv().unwrap();
    let want: u64 = (1..=N).map(|i| i * i % 1_000_003).sum();
    println!("chans: pipeline of 3 stages: {n} values, checksum {sum} (expected {want})");
}

fn close() {
    let c = Chan::<i32>::new(4);
    for v in [1, 2, 3] {
        c.send(v);
    }
    println!("chans: len {} cap {}", c.len(), c.cap());
    c.close();
    let got: Vec<Option<i32>> = (0..5).map(|_| c.recv()).collect();
    println!("chans: after close: {got:?} len {}", c.len());
    // Receivers parked on an unbuffered channel all wake when it closes.
    let u = Chan::<i32>::new(0);
    let wg = alloc::sync::Arc::new(WaitGroup::new());
    let woken = Chan::<&'static str>::new(3);
    for _ in 0..2 {
        let (u, wg, woken) = (u.clone(), wg.clone(), woken.clone());
        wg.add(1);
        go(move || {
            let v = u.recv();
            woken.send(if v.is_none() { "receiver: zero value, ok false" } else { "receiver: a value?" });
            wg.done();
        });
    }
    {
        let (u, wg, woken) = (u.clone(), wg.clone(), woken.clone());
        wg.add(1);
        go(move || {
            let never = Chan::<i32>::new(0);
            select! {
                recv(u) -> v => woken.send(if v.is_none() { "select: closed case, ok false" } else { "select: a value?" }),
                recv(never) -> _v => woken.send("select: wrong case"),
            }
            wg.done();
        });
    }
    runtime::gosched();
    println!("chans: closing with 3 goroutines waiting on it");
    u.close();
    wg.wait();
    let mut msgs: Vec<&str> = (0..3).map(|_| woken.recv().unwrap()).collect();
    msgs.sort();
    for m in msgs {
        println!("chans: {m}");
    }
    let n = Chan::<i32>::nil();
    println!("chans: nil channel len {} cap {}", n.len(), n.cap());
}

fn selects() {
    // Fairness: three buffered channels, each refilled after it is chosen, so all three cases are
    // ready at every select.
    const SELECTS: u32 = 100_000;
    let cs = [Chan::<u32>::new(1), Chan::<u32>::new(1), Chan::<u32>::new(1)];
    for (i, c) in cs.iter().enumerate() {
        c.send(i as u32);
    }
    let mut counts = [0u32; 3];
    for _ in 0..SELECTS {
        let i = select! {
            recv(cs[0]) -> v => v.unwrap(),
            recv(cs[1]) -> v => v.unwrap(),
            recv(cs[2]) -> v => v.unwrap(),
        } as usize;
        counts[i] += 1;
        cs[i].send(i as u32);
    }
    let expect = SELECTS / 3;
    let fair = counts.iter().all(|&n| n.abs_diff(expect) < expect / 20);
    runtime::eprintln!("chans: select counts {counts:?}");
    println!("chans: {SELECTS} selects over 3 ready cases: each chosen within 5% of a third: {fair}");

    // default when nothing is ready; a nil channel's case is never chosen.
    let empty = Chan::<u32>::new(0);
    let nil = Chan::<u32>::nil();
    let r = select! {
        recv(empty) -> _v => "empty",
        recv(nil) -> _v => "nil",
        send(nil, 7) => "nil send",
        default => "default",
    };
    println!("chans: nothing ready: {r}");

    // A parked select woken by a later send, on the second of two channels.
    let (a, b) = (Chan::<u32>::new(0), Chan::<u32>::new(0));
    {
        let b = b.clone();
        go(move || b.send(42));
    }
    let r = select! {
        recv(a) -> v => ("a", v),
        recv(b) -> v => ("b", v),
    };
    println!("chans: parked select woke on {} with {:?}", r.0, r.1);

    // A send case, taken by a receiver that arrives later.
    let out = Chan::<u32>::new(0);
    let got = Chan::<u32>::new(1);
    {
        let (out, got) = (out.clone(), got.clone());
        go(move || got.send(out.recv().unwrap()));
    }
    let r = select! {
        send(out, 99) => "sent",
        recv(a) -> _v => "received",
    };
    println!("chans: select {r} 99, the receiver got {}", got.recv().unwrap());

    // A closed channel's case is ready at once, with ok false.
    let closed = Chan::<u32>::new(0);
    closed.close();
    let r = select! {
        recv(closed) -> v => v,
        recv(a) -> _v => Some(1),
    };
    println!("chans: closed case: {r:?}");

    // No cases but default.
    let r = select! { default => "only default" };
    println!("chans: {r}");
}

fn timeout() {
    let never = Chan::<u32>::new(0);
    let t0 = time::Instant::now();
    let r = select! {
        recv(never) -> _v => "value",
        recv(time::after(Duration::from_millis(20))) -> _t => "timeout",
    };
    let waited = t0.elapsed();
    println!("chans: select with a 20 ms timeout: {r} after at least 20 ms: {}", waited >= Duration::from_millis(20));
    let soon = Chan::<u32>::new(0);
    {
        let soon = soon.clone();
        go(move || {
            time::sleep(Duration::from_millis(5));
            soon.send(5);
        });
    }
    let r = select! {
        recv(soon) -> v => v,
        recv(time::after(Duration::from_secs(10))) -> _t => None,
    };
    println!("chans: a value after 5 ms beats a 10 s timeout: {r:?}");
}

/// Sends `N`-byte arrays with distinct bytes through a buffered and an unbuffered channel.
fn through<const N: usize>() -> bool {
    let v: [u8; N] = core::array::from_fn(|i| (i * 7 + N) as u8);
    let b = Chan::<[u8; N]>::new(2);
    b.send(v);
    b.send(v);
    let ok = b.recv() == Some(v) && b.recv() == Some(v);
    let u = Chan::<[u8; N]>::new(0);
    {
        let u = u.clone();
        go(move || u.send(v));
    }
    ok && u.recv() == Some(v)
}

fn sizes() {
    let all = [
        through::<0>(),
        through::<1>(),
        through::<2>(),
        through::<3>(),
        through::<4>(),
        through::<5>(),
        through::<7>(),
        through::<8>(),
        through::<9>(),
        through::<12>(),
        through::<15>(),
        through::<16>(),
        through::<17>(),
        through::<24>(),
        through::<40>(),
    ];
    println!("chans: elements of 0 to 40 bytes arrive intact: {}", all.iter().all(|&ok| ok));
}

fn rdtsc() -> u64 {
    // SAFETY: rdtsc is allowed in ring 3 and has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

fn bench() {
    const ROUNDS: u64 = 20_000;
    // Round trip: main sends on ping, the partner receives and sends back on pong.
    let (ping, pong) = (Chan::<u64>::new(0), Chan::<u64>::new(0));
    {
        let (ping, pong) = (ping.clone(), pong.clone());
        go(move || {
            while let Some(v) = ping.recv() {
                pong.send(v);
            }
        });
    }
    // Warm up to a steady state: the free lists fill, and sysmon's start-up — 50 rounds at
    // 20 µs, then doubling up to 10 ms, some 20 ms in all — is over before the clock starts
    // (50,000 round trips are about 35 ms of guest time under --icount).
    for i in 0..50_000 {
        ping.send(i);
        pong.recv();
    }
    let t0 = rdtsc();
    for i in 0..ROUNDS {
        ping.send(i);
        pong.recv();
    }
    let roundtrip = (rdtsc() - t0) / ROUNDS;
    ping.close();
    if args::argv(2) == Some(b"roundtrip") {
        // Only the round trip (for profiling one figure at a time).
        println!("chans: chan_roundtrip={roundtrip}");
        return;
    }

    // Buffered send + receive; the channel operations are opaque calls, so one checksum at the end
    // keeps them (no black_box on every call).
    let b = Chan::<u64>::new(128);
    let bb = core::hint::black_box(&b);
    let mut sum = 0u64;
    let t0 = rdtsc();
    for i in 0..ROUNDS {
        bb.send(i);
        sum = sum.wrapping_add(bb.recv().unwrap_or(0));
    }
    let buffered = (rdtsc() - t0) / ROUNDS;
    core::hint::black_box(sum);
    if args::argv(2) == Some(b"buffered") {
        println!("chans: chan_buffered={buffered}");
        return;
    }

    // A 2-case select receiving from whichever of two buffered channels is ready (one is, the
    // other is empty), and the buffered send that makes it ready again; the send's own cost
    // (half of chan_buffered) is subtracted.
    let (x, y) = (Chan::<u64>::new(1), Chan::<u64>::new(1));
    let t0 = rdtsc();
    for i in 0..ROUNDS {
        x.send(i);
        let v = select! {
            recv(x) -> v => v,
            recv(y) -> v => v,
        };
        core::hint::black_box(v);
    }
    let select2 = ((rdtsc() - t0) / ROUNDS).saturating_sub(buffered / 2);
    println!("chans: chan_roundtrip={roundtrip} chan_buffered={buffered} select2={select2}");
}
