//! The L5 surface of the runtime, one behaviour per argument, each checked against what a Go
//! program does: goroutines joined by a WaitGroup, Gosched interleaving, scoped defers, os.Exit
//! skipping defers, main returning while goroutines still run, a panic in a goroutine, a nil
//! dereference, a goroutine stack overflow, a deadlock — and a spawn+run+exit benchmark.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::cell::RefCell;
use runtime::sync::{Mutex, WaitGroup};
use runtime::{args, defer, go, gosched, os, println};

runtime::main!(main);

static WG: WaitGroup = WaitGroup::new();

struct Log(RefCell<Vec<u32>>);
// SAFETY: the RefCell is borrowed only with LOG_MU held (log_push), or after every goroutine that
// pushed has finished (WG.wait), so by one thread at a time.
unsafe impl Sync for Log {}
static LOG: Log = Log(RefCell::new(Vec::new()));
static LOG_MU: Mutex = Mutex::new();

fn log_push(v: u32) {
    LOG_MU.lock();
    LOG.0.borrow_mut().push(v);
    LOG_MU.unlock();
}

fn main() {
    match args::argv(1).unwrap_or(b"goroutines") {
        b"goroutines" => goroutines(),
        b"defer" => defers(),
        b"exit7" => {
            defer!(println!("gofeatures: deferred (must not print)"));
            println!("gofeatures: calling os.Exit(7)");
            os::exit(7)
        }
        b"main-returns" => {
            for _ in 0..3 {
                go(|| {
                    loop {
                        gosched();
                    }
                });
            }
            gosched();
            println!("gofeatures: main returns with 3 goroutines still running");
        }
        b"panic" => {
            go(|| {
                let v: Vec<u32> = Vec::new();
                panic!("boom: {}", v.len() + 1);
            });
            WG.add(1);
            WG.wait(); // never done: the panic ends the process first
        }
        b"nil" => {
            // SAFETY: deliberately unsound: a nil dereference, which must be reported as Go does.
            let v = unsafe { core::ptr::read_volatile(core::ptr::null::<u64>()) };
            println!("gofeatures: read {v} from nil");
        }
        b"stack-overflow" => {
            go(|| {
                println!("gofeatures: recursing until the stack runs out");
                println!("gofeatures: depth {}", recurse(0));
            });
            WG.add(1);
            WG.wait();
        }
        b"deadlock" => {
            WG.add(1);
            WG.wait();
        }
        b"bench" => bench(),
        b"sleep" => {
            // Long enough for several of sysmon's GODEBUG=schedtrace=5 lines, even on a loaded host.
            let ts = abi::time::Timespec::from_ns(60_000_000);
            // SAFETY: a relative 60 ms nanosleep from a local timespec.
            unsafe { programs::syscall2(abi::nr::SYS_NANOSLEEP, &raw const ts as usize, 0) };
            println!("gofeatures: slept 60 ms");
        }
        other => programs::unknown_mode("gofeatures", other),
    }
}

/// Recurses until the stack guard stops it (never returns, on purpose).
#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let frame = core::hint::black_box([depth; 128]);
    recurse(depth + 1) + frame[3]
}

fn goroutines() {
    const N: u32 = 100;
    WG.add(N as i64);
    for i in 0..N {
        go(move || {
            log_push(i);
            gosched();
            log_push(1000 + i);
            WG.done();
        });
    }
    WG.wait();
    let log = LOG.0.borrow();
    let firsts = log.iter().filter(|&&x| x < 1000).count();
    let seconds = log.iter().filter(|&&x| x >= 1000).count();
    // Go's order on one P: the newest goroutine sits in runnext and runs first; a Gosched sends
    // a goroutine to the global queue, which the scheduler also checks every 61st tick.
    let first = log[0];
    let yielded_before_all_started = log.iter().position(|&x| x >= 1000).unwrap_or(0) < N as usize;
    println!(
        "gofeatures: {N} goroutines joined, {firsts} first halves, {seconds} second halves, first to run: {first}, a second half ran before every first half: {yielded_before_all_started}"
    );
}

fn defers() {
    {
        defer!(println!("gofeatures: defer 1 (runs last)"));
        defer!(println!("gofeatures: defer 2 (runs first)"));
        println!("gofeatures: body");
    }
    println!("gofeatures: after the block");
}

fn bench() {
    fn rdtsc() -> u64 {
        // SAFETY: rdtsc is allowed in ring 3.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
    const ROUNDS: u64 = 1000;
    // Warm up: the free-g lists fill, as in a steady-state Go program.
    for _ in 0..100 {
        go(|| {});
        gosched();
    }
    let t0 = rdtsc();
    for _ in 0..ROUNDS {
        go(|| {});
        gosched();
    }
    println!("gofeatures: goroutine spawn+run+exit insns={}", (rdtsc() - t0) / ROUNDS);
}
