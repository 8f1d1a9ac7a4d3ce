//! Prints what the program received: argc, every argv and envp entry as raw bytes, and the name of every auxv
//! key (values differ between machines, so they are not printed).
//!
//! Output, one item per line: `argc=N`, `argv[i]=...`, `envp[i]=...`, `auxv AT_NAME` (or `auxv <number>` for a key
//! the runtime has no name for).
#![no_std]
#![no_main]

use core::fmt::Write;
use runtime::args;
use runtime::print::{STDOUT, Writer};

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
}
