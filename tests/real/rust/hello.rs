//! Rust std on x86_64-unknown-linux-musl, static ET_EXEC: prints, collects args, uses a map,
//! threads and a channel, and exits with the argument count (or panics with `panic`: exit 101).
use std::collections::BTreeMap;
use std::env;
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;

fn main() -> ExitCode {
    println!("hello from Rust");
    let args: Vec<String> = env::args().skip(1).collect();
    println!("args: {args:?}");
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
    if args.first().map(String::as_str) == Some("panic") {
        panic!("asked to panic");
    }
    ExitCode::from(args.len() as u8)
}
