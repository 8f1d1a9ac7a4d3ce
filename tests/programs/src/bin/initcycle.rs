//! An import cycle: `cycle/a -> cycle/b -> cycle/c -> cycle/a`, plus a package outside it (`fine`) and one that
//! leads into it (`main`). Go refuses this when building (`import cycle not allowed`); rt0 refuses it at start-up:
//!
//! ```text
//! fatal error: import cycle not allowed: cycle/a -> cycle/b -> cycle/c -> cycle/a
//! ```
//!
//! on stderr, exit status 2, and no init function runs — not even `fine`'s, which the cycle does not touch.
//!
//! rt0's start-up does not run package inits yet, so `main` asks for them first, as `runtime.main` will.
#![no_std]
#![no_main]

use runtime::sys_linux_amd64 as os_linux;

runtime::main!(main);

runtime::package! { path: "cycle/b", imports: ["cycle/c"], init: [init_ran] }
runtime::package! { path: "main", imports: ["fine", "cycle/a"], init: [init_ran] }
runtime::package! { path: "cycle/c", imports: ["cycle/a"], init: [init_ran] }
runtime::package! { path: "fine", imports: [], init: [init_ran] }
runtime::package! { path: "cycle/a", imports: ["fine", "cycle/b"], init: [init_ran] }

/// Exit status if start-up let the cycle through.
const NO_CYCLE_EXIT_CODE: i32 = 1;

fn init_ran() {
    runtime::println!("initcycle: an init function ran despite the cycle");
}

fn main() {
    // Start-up runs the package inits before main.main; with a cycle it never gets here.
    runtime::eprintln!("initcycle: main.main reached: no import cycle was reported");
    os_linux::exit_group(NO_CYCLE_EXIT_CODE);
}
