//! Rust std on x86_64-unknown-linux-musl, built as a static ET_EXEC and as a static-pie: prints,
//! measures a sleep with Instant, collects args, uses a map, threads and a channel, and exits
//! with the argument count (or panics with `panic`: exit 101).
use std::collections::BTreeMap;
use std::env;
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    println!("hello from Rust");
    let start = Instant::now();
    thread::sleep(Duration::from_millis(20));
    println!("Instant: slept at least 20 ms: {}", start.elapsed() >= Duration::from_millis(20));
    let mut words = BTreeMap::new();
    for w in "a rose is a rose is a rose".split(' ') {
        *words.entry(w).or_insert(0) += 1;
    }
    println!("{words:?}");
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = (0..4u64)
        .map(|i| {
            let tx = tx.clone();
            thread::spawn(move || tx.send(i * 10).unwrap())
        })
        .collect();
    drop(tx);
    for h in handles {
        h.join().unwrap();
    }
    let sum: u64 = rx.iter().sum();
    println!("sum {sum}");
    let args: Vec<String> = env::args().skip(1).collect();
    println!("args: {args:?}");
    if args.first().map(String::as_str) == Some("panic") {
        panic!("asked to panic");
    }
    ExitCode::from(args.len() as u8)
}
