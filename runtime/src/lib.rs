//! rt0's runtime: the part of every rt0 program that runs before and around the user's `main`.
//!
//! It re-enacts Go's start-up on linux/amd64 (see `GO-STARTUP.md`) and speaks to the kernel only through Linux
//! system calls, so a program built with it is a genuine static Linux ELF: it runs unchanged on rt0's kernel in QEMU
//! and on a real Linux host. Each module mirrors one Go file or one Linux interface and says which in its docs:
//!
//! - [`rt0`] — the ELF entry point and `rt0_go` (Go's `rt0_linux_amd64.s`, `asm_amd64.s`).
//! - [`os_linux`] — raw system calls, their numbers and errno values (Go's `sys_linux_amd64.s`).
//! - [`args`] — argc/argv/envp/auxv from the initial stack (Go's `runtime1.go` `args`, `os_linux.go` `sysargs`).
//! - [`string`] — `atoi` for numbers in arguments and environment variables (Go's `string.go`).
//! - [`print`](mod@print) — `print!`/`println!`/`eprint!`/`eprintln!` on fd 1 and 2 (Go's `print.go`).
//! - [`start`] — the start-up sequence L1–L5: rt0_go's Rust half, args, osinit, schedinit, runtime.main.
//! - [`asm_amd64`] — the g register at -8(FS), settls, the context switch (Go's `gogo`/`mcall`), goexit.
//! - [`runtime2`], [`proc`], [`runq`] — G/M/P, the scheduler and run queues (Go's `runtime2.go`, `proc.go`).
//! - [`stack`] — goroutine stacks with guard pages (Go's `stack.go`).
//! - [`sysmon`] — the monitor thread and GODEBUG=schedtrace (Go's `proc.go` sysmon).
//! - [`signal`] — fault handling: stack overflow and nil dereference reports (Go's `signal_unix.go`).
//! - [`sync`] — WaitGroup on park/ready (Go's `sync/waitgroup.go`, `sema.go`).
//! - [`os`], [`exit`] — args, getenv, exit (Go's `os` package, `proc.go` exit).
//! - [`trace`] — the L1–L5 step log.
//! - `panic` — the panic handler: `panic: <msg>`, a goroutine header, exit code 2 (Go's `panic.go`).
//!
//! # Writing a program
//!
//! A program is a `#![no_std] #![no_main]` binary that links this crate and names its main function with
//! [`main!`]:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//!
//! runtime::main!(main);
//!
//! fn main() {
//!     runtime::println!("hello, {}", "world");
//! }
//! ```
//!
//! The kernel (or Linux) enters at `_rt0_amd64_linux`; `rt0_go` calls the user's `main` through the symbol
//! `rt0_main`, and when `main` returns the process ends with `exit_group(0)`, as a Go program does.
//!
//! The entry code and the panic handler exist only when building for `x86_64-unknown-none`; on the host this crate
//! is plain pure logic, so `cargo test -p runtime` unit-tests it there.
#![cfg_attr(not(test), no_std)]
// On the host only the pure logic is exercised (unit tests); the start-up path, the signal
// handler and the assembly exist for x86_64-unknown-none alone, so they read as dead there.
#![cfg_attr(not(target_os = "none"), allow(dead_code, unused_imports))]
// The scheduler's statics are `static mut` reached through `&raw mut` on purpose (no
// references to a static mut); `new` constructors are const fns used in statics.
#![allow(clippy::deref_addrof, clippy::new_without_default)]

extern crate alloc;

pub mod args;
pub mod asm_amd64;
pub mod clone;
pub mod exit;
pub mod inittask;
mod inittask_run;
pub mod malloc;
pub mod mem;
pub mod os;
pub mod os_linux;
pub mod osinit;
pub mod panic;
pub mod print;
pub mod proc;
pub mod rt0;
pub mod runq;
pub mod runtime1;
pub mod runtime2;
pub mod signal;
pub mod stack;
pub mod start;
pub mod string;
pub mod sync;
pub mod sysmon;
pub mod trace;

/// GODEBUG=inittrace=1 was given.
pub static INITTRACE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Starts a goroutine running `f` (Go's `go f()`): a new G in this P's runnext.
pub fn go<F: FnOnce() + 'static>(f: F) {
    extern "C" fn run(arg: usize) {
        // SAFETY: `arg` is the Box<Box<dyn FnOnce()>> leaked by `go` below, taken back once.
        let f = unsafe { alloc::boxed::Box::from_raw(arg as *mut alloc::boxed::Box<dyn FnOnce()>) };
        f()
    }
    let boxed: alloc::boxed::Box<alloc::boxed::Box<dyn FnOnce()>> = alloc::boxed::Box::new(alloc::boxed::Box::new(f));
    proc::newproc(run, alloc::boxed::Box::into_raw(boxed) as usize);
}

/// runtime.Gosched: yields the processor to other runnable goroutines.
pub fn gosched() {
    proc::gosched()
}

/// A deferred call: runs when the guard goes out of scope (Go's `defer`, scoped to the block).
/// Not run by `os::exit`, nor on a panic (see `panic`).
pub struct Defer<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> Defer<F> {
    pub fn new(f: F) -> Self {
        Defer(Some(f))
    }
}

impl<F: FnOnce()> Drop for Defer<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f()
        }
    }
}

/// `runtime::defer!(expr);` — run `expr` when the enclosing block ends.
#[macro_export]
macro_rules! defer {
    ($($body:tt)*) => {
        let _rt0_defer = $crate::Defer::new(|| { $($body)*; });
    };
}

/// Names the program's main function: `runtime::main!(main);`.
///
/// The program runs after Go's whole start-up (L1–L5): `main` is main.main, called by
/// runtime.main on goroutine 1; when it returns the process exits 0 without waiting for other
/// goroutines.
#[macro_export]
macro_rules! main {
    ($main:path) => {
        /// The program's main function, called by runtime.main (Go's `main.main`).
        #[unsafe(no_mangle)]
        pub fn rt0_main() {
            $main()
        }
        /// Full Go start-up.
        #[unsafe(no_mangle)]
        pub fn rt0_bare() -> bool {
            false
        }
    };
}

/// Like [`main!`] for programs that test the kernel itself: only the entry and the argument
/// parsing run before `main` (no scheduler, no sysmon thread, no signal handlers), so nothing of
/// the runtime's own runs alongside what they measure.
#[macro_export]
macro_rules! bare_main {
    ($main:path) => {
        /// The program's main function, called right after argument parsing.
        #[unsafe(no_mangle)]
        pub fn rt0_main() {
            $main()
        }
        /// Entry and args only.
        #[unsafe(no_mangle)]
        pub fn rt0_bare() -> bool {
            true
        }
    };
}
