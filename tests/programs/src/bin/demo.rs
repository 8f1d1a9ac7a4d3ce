//! The demo (`cargo run`'s default): what a Go program's start-up delivers, end to end.
//!
//! 1. What the program received: `argc=N`, `argv[i]=...`, `envp[i]=...` (raw bytes), `auxv AT_NAME` per auxv key
//!    (names only; values differ between machines).
//! 2. Package inits: four packages in a diamond (demo/app imports demo/log and demo/store, both import
//!    demo/base) plus demo/zz, registered in scrambled order; runtime.main ran their inits before main in Go
//!    1.21's order, and main prints that order.
//! 3. Goroutines: eight workers joined by a WaitGroup, each summing its share of 1..=80,000.
//! 4. An allocation-heavy step: 50,000 boxed values in vectors, freed again; MemStats before and after.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use runtime::malloc::read_memstats;
use runtime::print::{STDOUT, Writer};
use runtime::sync::WaitGroup;
use runtime::{args, go, println};

runtime::package! { path: "demo/app", imports: ["demo/store", "demo/log"], init: [init_app] }
runtime::package! { path: "demo/zz", imports: [], init: [init_zz] }
runtime::package! { path: "demo/log", imports: ["demo/base"], init: [init_log] }
runtime::package! { path: "demo/store", imports: ["demo/base"], init: [init_store] }
runtime::package! { path: "demo/base", imports: [], init: [init_base] }

/// Init order, as package indices in the order they ran (base=1, log=2, store=3, app=4, zz=5).
static INIT_ORDER: AtomicU64 = AtomicU64::new(0);
fn record(id: u64) {
    INIT_ORDER.store(INIT_ORDER.load(Relaxed) * 10 + id, Relaxed);
}
fn init_base() {
    record(1)
}
fn init_log() {
    record(2)
}
fn init_store() {
    record(3)
}
fn init_app() {
    record(4)
}
fn init_zz() {
    record(5)
}

runtime::main!(main);

fn main() {
    let mut out = Writer::new(STDOUT);
    let _ = writeln!(out, "argc={}", args::argc());
    for (i, arg) in args::argslice().enumerate() {
        let _ = write!(out, "argv[{i}]=");
        out.write_bytes(arg);
        out.write_bytes(b"\n");
    }
    for (i, env) in args::envs().enumerate() {
        let _ = write!(out, "envp[{i}]=");
        out.write_bytes(env);
        out.write_bytes(b"\n");
    }
    for (key, _) in args::auxv() {
        let _ = match args::auxv_name(key) {
            Some(name) => writeln!(out, "auxv {name}"),
            None => writeln!(out, "auxv {key}"),
        };
    }
    drop(out);

    let names = ["", "demo/base", "demo/log", "demo/store", "demo/app", "demo/zz"];
    let mut order = INIT_ORDER.load(Relaxed);
    let mut ran = Vec::new();
    while order > 0 {
        ran.push(names[(order % 10) as usize]);
        order /= 10;
    }
    ran.reverse();
    println!("inits ran in order: {}", ran.join(" "));

    static WG: WaitGroup = WaitGroup::new();
    static TOTAL: AtomicU64 = AtomicU64::new(0);
    static DONE: AtomicUsize = AtomicUsize::new(0);
    const WORKERS: u64 = 8;
    const N: u64 = 80_000;
    WG.add(WORKERS as i64);
    for w in 0..WORKERS {
        go(move || {
            let share: u64 = (w * N / WORKERS + 1..=(w + 1) * N / WORKERS).sum();
            TOTAL.fetch_add(share, Relaxed);
            DONE.fetch_add(1, Relaxed);
            WG.done();
        });
    }
    WG.wait();
    println!(
        "goroutines: {} workers joined, sum 1..={N} = {} (expected {})",
        DONE.load(Relaxed),
        TOTAL.load(Relaxed),
        N * (N + 1) / 2
    );

    let before = read_memstats();
    let mut vecs: Vec<Vec<Box<u64>>> = (0..50).map(|_| Vec::new()).collect();
    for i in 0..50_000u64 {
        vecs[(i % 50) as usize].push(Box::new(i));
    }
    let sum: u64 = vecs.iter().flatten().map(|b| **b).sum();
    let peak = read_memstats();
    drop(vecs);
    let after = read_memstats();
    println!(
        "allocation: 50000 boxes summing to {sum}; HeapAlloc +{} bytes at the peak, back to its start: {}; Mallocs +{} Frees +{}",
        peak.heap_alloc - before.heap_alloc,
        after.heap_alloc == before.heap_alloc,
        after.mallocs - before.mallocs,
        after.frees - before.frees
    );
    println!("done: main returns, the process exits 0");
}
