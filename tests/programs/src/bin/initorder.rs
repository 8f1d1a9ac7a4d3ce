//! Package initialization order: registers eight packages, in scrambled source order, whose init functions log
//! their names; prints `initorder: <pkg> <pkg> ...` and exits 0 iff that is Go 1.21+'s order (1 otherwise). With
//! `GODEBUG=inittrace=1` it also prints Go's `init <pkg> @… ms, … ms clock, 0 bytes, 0 allocs` line per package on
//! stderr (times counted from the start of `main`; this program has no allocation counters).
//!
//! The imports (`x -> y`: x imports y):
//!
//! ```text
//! main   -> z, a           lexical tie: Go 1.19 ran z first (source order), Go 1.21+ runs a first
//! a      -> right, left    a diamond: left and right both import shared
//! left   -> shared
//! right  -> shared, noinit
//! noinit -> base           no init functions: it never runs, but right still waits for base through it
//! shared -> base, missing  missing was never registered: ignored
//! z      -> shared
//! ```
//!
//! Go 1.21+: `base shared left right a z main`; Go 1.19 would give `base shared z left right a main`.
//!
//! rt0's start-up does not run package inits yet, so `main` runs them first, as `runtime.main` will.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use runtime::print::Writer;

runtime::main!(main);

runtime::package! { path: "z", imports: ["shared"], init: [init_z] }
runtime::package! { path: "right", imports: ["shared", "noinit"], init: [init_right] }
runtime::package! { path: "main", imports: ["z", "a"], init: [init_main] }
runtime::package! { path: "base", imports: [], init: [init_base] }
runtime::package! { path: "a", imports: ["right", "left"], init: [init_a, init_a_second] }
runtime::package! { path: "noinit", imports: ["base"], init: [] }
runtime::package! { path: "left", imports: ["shared"], init: [init_left] }
runtime::package! { path: "shared", imports: ["base", "missing"], init: [init_shared] }

/// Go 1.21+'s order for the graph above.
const GO_ORDER: [&str; 7] = ["base", "shared", "left", "right", "a", "z", "main"];

/// Exit status when the order is wrong.
const WRONG_ORDER_EXIT_CODE: i32 = 1;

/// The log: indices into `GO_ORDER` (plus one; 0 is an empty slot), in the order the init functions ran.
static LOG: [AtomicUsize; 16] = [const { AtomicUsize::new(0) }; 16];
static LOG_LEN: AtomicUsize = AtomicUsize::new(0);

/// Package `a`'s two init functions must run in their listed order, back to back.
static A_FIRST_RAN: AtomicBool = AtomicBool::new(false);
static A_SECOND_SAW_FIRST: AtomicBool = AtomicBool::new(false);

fn log(pkg: &str) {
    let id = GO_ORDER.iter().position(|&p| p == pkg).map_or(usize::MAX, |i| i + 1);
    let slot = LOG_LEN.fetch_add(1, Ordering::Relaxed);
    if let Some(entry) = LOG.get(slot) {
        entry.store(id, Ordering::Relaxed);
    }
}

fn init_base() {
    log("base");
}
fn init_shared() {
    log("shared");
}
fn init_left() {
    log("left");
}
fn init_right() {
    log("right");
}
fn init_a() {
    log("a");
    A_FIRST_RAN.store(true, Ordering::Relaxed);
}
fn init_a_second() {
    A_SECOND_SAW_FIRST.store(A_FIRST_RAN.load(Ordering::Relaxed), Ordering::Relaxed);
}
fn init_z() {
    log("z");
}
fn init_main() {
    log("main");
}

fn main() {
    // runtime.main already ran every package init (and printed inittrace lines if asked).
    let len = LOG_LEN.load(Ordering::Relaxed).min(LOG.len());
    let ran = LOG[..len].iter().map(|entry| match entry.load(Ordering::Relaxed) {
        id @ 1..=7 => GO_ORDER[id - 1],
        _ => "?",
    });
    let mut out = Writer::new(runtime::print::STDOUT);
    out.write_bytes(b"initorder:");
    let mut matches = len == GO_ORDER.len();
    for (i, pkg) in ran.enumerate() {
        out.write_bytes(b" ");
        out.write_bytes(pkg.as_bytes());
        matches &= GO_ORDER.get(i) == Some(&pkg);
    }
    out.write_bytes(b"\n");
    out.flush();

    if !A_SECOND_SAW_FIRST.load(Ordering::Relaxed) {
        runtime::eprintln!("initorder: a's second init function did not run right after its first");
        matches = false;
    }
    if !matches {
        runtime::eprintln!("initorder: want {}", Joined(&GO_ORDER));
        programs::exit_group(WRONG_ORDER_EXIT_CODE);
    }
}

/// Displays words separated by spaces.
struct Joined<'a>(&'a [&'a str]);

impl core::fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, word) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(word)?;
        }
        Ok(())
    }
}
