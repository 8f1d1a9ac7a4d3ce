//! Goroutines in blocking system calls (Go's entersyscall/exitsyscall and handoffp): while one
//! goroutine blocks its thread in the kernel, its P goes to another M and the others run on.
//!
//! - `pipe`: a goroutine blocks in read(2) on an empty pipe; meanwhile main runs 100 goroutines,
//!   a channel ping-pong and a timer sleep to the end, then writes to the pipe; the reader wakes,
//!   takes a P back and hands main what it read.
//! - `churn`: 50 goroutines each make 200 short nanosleep(2) calls (50 µs) and send after each;
//!   main counts all 10,000 messages: Ps retaken and handed back, Ms stopped and woken, Gs
//!   injected, over and over.
//! - `nanosleep`: a goroutine sleeps 500 ms in nanosleep(2) (its thread asleep); main gets
//!   through five 10 ms timer sleeps meanwhile, then waits for the sleeper to come back.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering::SeqCst;
use core::sync::atomic::{AtomicBool, AtomicU32};
use core::time::Duration;
use runtime::chan::Chan;
use runtime::sync::WaitGroup;
use runtime::{args, go, println, syscall, time};

runtime::main!(main);

fn main() {
    match args::argv(1).unwrap_or(b"") {
        b"pipe" => pipe(),
        b"nanosleep" => nanosleep(),
        b"churn" => churn(),
        other => programs::unknown_mode("blocking", other),
    }
}

static BLOCKED: AtomicBool = AtomicBool::new(false);
static BACK: AtomicBool = AtomicBool::new(false);

fn pipe() {
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two descriptors into fds.
    let r = unsafe { syscall::raw_syscall6(abi::nr::SYS_PIPE2, fds.as_mut_ptr() as usize, 0, 0, 0, 0, 0) };
    assert_eq!(r, 0, "pipe2 failed: {r}");
    let got = Chan::<Vec<u8>>::new(0);
    {
        let got = got.clone();
        go(move || {
            BLOCKED.store(true, SeqCst);
            let mut buf = [0u8; 16];
            let n = syscall::read(fds[0], &mut buf);
            BACK.store(true, SeqCst);
            got.send(buf[..n.max(0) as usize].to_vec());
        });
    }
    while !BLOCKED.load(SeqCst) {
        runtime::gosched();
    }
    // The reader is in read(2) (or about to be): everything below runs on another M.
    let wg = Arc::new(WaitGroup::new());
    let sum = Arc::new(AtomicU32::new(0));
    for i in 1..=100 {
        let (wg, sum) = (wg.clone(), sum.clone());
        wg.add(1);
        go(move || {
            sum.fetch_add(i, SeqCst);
            wg.done();
        });
    }
    wg.wait();
    let (ping, pong) = (Chan::<u32>::new(0), Chan::<u32>::new(0));
    {
        let (ping, pong) = (ping.clone(), pong.clone());
        go(move || {
            while let Some(v) = ping.recv() {
                pong.send(v + 1);
            }
        });
    }
    let mut v = 0;
    for _ in 0..10_000 {
        ping.send(v);
        v = pong.recv().unwrap();
    }
    time::sleep(Duration::from_millis(5));
    println!(
        "blocking: while a goroutine blocked in read: 100 goroutines summed {}, 10000 round trips reached {v}, a 5 ms sleep ended; the reader still blocked: {}",
        sum.load(SeqCst),
        !BACK.load(SeqCst)
    );
    // SAFETY: write(2) reads 5 bytes from the literal.
    unsafe { syscall::raw_syscall6(abi::nr::SYS_WRITE, fds[1] as usize, b"hello".as_ptr() as usize, 5, 0, 0, 0) };
    let bytes = got.recv().unwrap();
    println!("blocking: the reader came back with {:?}", core::str::from_utf8(&bytes).unwrap_or("?"));
}

fn nanosleep() {
    let done = Chan::<bool>::new(0);
    {
        let done = done.clone();
        go(move || {
            BLOCKED.store(true, SeqCst);
            syscall::nanosleep(Duration::from_millis(500));
            BACK.store(true, SeqCst);
            done.send(true);
        });
    }
    while !BLOCKED.load(SeqCst) {
        runtime::gosched();
    }
    let mut steps = 0;
    let t0 = time::Instant::now();
    for _ in 0..5 {
        time::sleep(Duration::from_millis(10));
        steps += 1;
    }
    runtime::eprintln!("blocking: main's sleeps took {} us", t0.elapsed().as_micros());
    println!(
        "blocking: main slept {steps} x 10 ms while a goroutine was in nanosleep(500 ms); the sleeper still out: {}",
        !BACK.load(SeqCst)
    );
    println!("blocking: the sleeper came back: {}", done.recv().unwrap());
}

fn churn() {
    const G: u32 = 50;
    const CALLS: u32 = 200;
    let msgs = Chan::<u32>::new(16);
    for g in 0..G {
        let msgs = msgs.clone();
        go(move || {
            for i in 0..CALLS {
                syscall::nanosleep(Duration::from_micros(50));
                msgs.send(g * CALLS + i);
            }
        });
    }
    let mut sum = 0u64;
    for _ in 0..G * CALLS {
        sum += msgs.recv().unwrap() as u64;
    }
    let n = (G * CALLS) as u64;
    println!(
        "blocking: {G} goroutines x {CALLS} nanosleep calls: {n} messages, sum {sum} (expected {})",
        n * (n - 1) / 2
    );
}
