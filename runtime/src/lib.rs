//! rt0's runtime: the part of every rt0 program that runs before and around the user's `main`.
//!
//! It re-enacts Go's start-up on linux/amd64 (see `GO-STARTUP.md`) and speaks to the kernel only through Linux
//! system calls, so a program built with it is a genuine static Linux ELF: it runs unchanged on rt0's kernel in QEMU
//! and on a real Linux host. Each module mirrors one Go file or one Linux interface and says which in its docs:
//!
//! - [`rt0`] — the ELF entry point and `rt0_go`, the start-up sequence in asm_amd64.s order (Go's
//!   `rt0_linux_amd64.s`, `asm_amd64.s`).
//! - [`tls`] — the g register at -8(FS): `getg`, `setg`, `settls` (Go's `go_tls.h`, `sys_linux_amd64.s`).
//! - [`asm_amd64`] — the context switch (Go's `gogo`/`mcall`) and `goexit` (Go's `asm_amd64.s`).
//! - [`sys_linux_amd64`] — raw system calls and their thin wrappers, `clone`, the signal restorer (Go's
//!   `sys_linux_amd64.s`); the numbers, errno values and structs are the `abi` crate's.
//! - [`os_linux`] — osinit, newosproc, minit (Go's `os_linux.go`).
//! - [`args`] — argc/argv/envp/auxv from the initial stack (Go's `runtime1.go` `args`, `os_linux.go` `sysargs`).
//! - [`runtime1`] — `check`, GODEBUG, GOGC and GOMAXPROCS parsing (Go's `runtime1.go`, `mgcpacer.go`).
//! - [`string`] — `atoi` for numbers in arguments and environment variables (Go's `string.go`).
//! - [`print`](mod@print) — `print!`/`println!`/`eprint!`/`eprintln!` on fd 1 and 2 (Go's `print.go`).
//! - [`runtime2`], [`proc`], [`runq`] — G/M/P, schedinit, procresize, newproc, mstart, schedule, runtime.main
//!   and the run queues (Go's `runtime2.go`, `proc.go`).
//! - [`stack`] — goroutine stacks with guard pages (Go's `stack.go`).
//! - [`mem`], [`malloc`] — address-space states and the size-class allocator (Go's `mem_linux.go`, `malloc.go`).
//! - [`procm`] — Ms: newm, startm, stopm, handoffp, the idle lists, entersyscallblock/exitsyscall
//!   (Go's `proc.go`, its M half).
//! - [`syscall`](mod@syscall) — blocking system calls that hand the P to another M (Go's
//!   `syscall.Syscall`).
//! - [`sysmon`] — the monitor thread (Go's `proc.go` sysmon).
//! - [`schedtrace`] — GODEBUG=schedtrace and scheddetail=1's P/M/G lines (Go's `proc.go` schedtrace).
//! - [`signal`] — fault handling: stack overflow, sigpanic (a nil dereference becomes a recoverable panic),
//!   `unexpected fault address`, SIGQUIT's goroutine dump (Go's `signal_unix.go`).
//! - [`lock_futex`] — the runtime's mutex and note on futexes, counted in `m.locks` (Go's `lock_futex.go`).
//! - [`sema`] — the semaphore table: semacquire/semrelease with handoff (Go's `sema.go`).
//! - [`chan`] — channels: `Chan<T>`, send, receive, close, len/cap (Go's `chan.go`).
//! - [`select`](mod@select) — `selectgo` and the [`select!`] macro (Go's `select.go`).
//! - [`time`] — per-P timer heaps, `sleep`, `Timer`, `after`, `after_func`, `Ticker` (Go's
//!   `runtime/time.go`, `time/sleep.go`, `time/tick.go`).
//! - [`sync`] — WaitGroup on the semaphores (Go's `sync/waitgroup.go`).
//! - [`inittask`] — package init records and Go 1.21's init order (Go's `proc.go` doInit, the linker's order).
//! - [`os`], [`exit`] — args, getenv, exit (Go's `os` package; `exit` of `sys_linux_amd64.s`).
//! - [`defer`](mod@defer) — `frame`, `defer`, `gopanic`, `recover`, `goexit`: deferred calls that
//!   run on panics, on stack segments so that a recovery skips no frame (Go's `panic.go`).
//! - [`panic`](mod@panic) — `throw`, `fatal`, fatalpanic and the panic handler: Go's reports and exit
//!   code 2 (Go's `panic.go`).
//! - [`traceback`] — goroutine headers, frame-pointer walks printed for the runner to symbolize,
//!   allgs, GOTRACEBACK (Go's `traceback.go`).
//! - [`trace`] — the L1–L5 step log (rt0's own).
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
//! The kernel (or Linux) enters at `_rt0_amd64_linux`; `rt0_go` starts goroutine 1 on runtime.main
//! (`proc::main`), which calls the user's `main` through the symbol `rt0_main`, and when `main` returns the
//! process ends with `exit(0)` = `exit_group(0)`, as a Go program does.
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
pub mod chan;
pub mod defer;
pub mod exit;
pub mod inittask;
mod inittask_run;
pub mod lock_futex;
pub mod malloc;
pub mod mem;
pub mod os;
pub mod os_linux;
pub mod panic;
pub mod preempt;
pub mod print;
pub mod proc;
pub mod procm;
pub mod rt0;
pub mod runq;
pub mod runtime1;
pub mod runtime2;
pub mod schedtrace;
pub mod select;
pub mod sema;
pub mod signal;
pub mod stack;
pub mod string;
pub mod sync;
pub mod sys_linux_amd64;
pub mod syscall;
pub mod sysmon;
pub mod time;
pub mod tls;
pub mod trace;
pub mod traceback;
pub mod vdso_linux;

/// GODEBUG=inittrace=1 was given.
pub static INITTRACE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Starts a goroutine running `f` (Go's `go f()`): a new G in this P's runnext. Always inlined,
/// so that the address it reads of itself lies in the caller, at the `go` statement that
/// tracebacks name in `created by`.
#[inline(always)]
pub fn go<F: FnOnce() + Send + 'static>(f: F) {
    // The G's start function is monomorphized per closure, so the G carries one word: the
    // boxed closure (Go's `fn` funcval). A closure that captures nothing is a zero-sized type,
    // whose Box allocates nothing — as Go's `go f()` of a non-capturing func allocates nothing.
    extern "C" fn run<F: FnOnce()>(arg: usize) {
        // The closure moves out and its box is freed before it runs, not after: a goroutine's
        // last act (a WaitGroup's Done, a send) must not leave a free for later, which another
        // P's MemStats would see arrive after the goroutine was done.
        // SAFETY: `arg` is the Box<F> leaked by `go` below, taken back once, here.
        let f: F = *unsafe { alloc::boxed::Box::from_raw(arg as *mut F) };
        f()
    }
    let here: usize;
    // SAFETY: reads RIP into a register, no memory access.
    unsafe { core::arch::asm!("lea {}, [rip]", out(reg) here, options(nomem, nostack, preserves_flags)) };
    let boxed = alloc::boxed::Box::new(f);
    proc::newproc1(run::<F>, alloc::boxed::Box::into_raw(boxed) as usize, here);
}

/// The id of the M (thread) running the calling goroutine (Go's `getg().m.id`, which Go keeps
/// internal; rt0's tests use it to see goroutines spread over Ms).
pub fn mid() -> i64 {
    // SAFETY: getm reads this thread's M from its TLS block; `id` never changes after mcommoninit.
    unsafe { (*proc::getm()).id }
}

pub use defer::{Frame, frame, goexit, panic_any, recover};

/// runtime.Gosched: yields the processor to other runnable goroutines.
pub fn gosched() {
    proc::gosched()
}

/// A deferred call: runs when the guard goes out of scope (Go's `defer`, scoped to the block).
/// Not run by `os::exit`, nor on a panic (a panic abandons the frames it passes, see `defer`;
/// [`frame`]'s deferred calls are the ones a panic runs).
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
