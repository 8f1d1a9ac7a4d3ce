//! Unrecovered panics and fatal errors end the program the way Go's do (panic.go: gopanic →
//! fatalpanic → printpanics, then exit(2); throw → `fatal error: …`, exit(2)):
//!
//! ```text
//! panic: <message>
//!
//! goroutine 7 [running]:
//! panic({…})
//! <TAB><file>:<line> +0x0
//! ```
//!
//! on fd 2, exit status 2. The goroutine is the one that panicked. Rust builds for this target
//! abort on panic (no unwinding), so deferred calls do not run on a panic — one place where rt0
//! differs from Go, which runs defers before printing.
//!
//! [`throw`] is the one fatal-error path of the runtime: the scheduler, the allocator, init
//! ordering, the TLS self-test and the signal handler all end there.
use crate::print::{STDERR, Writer};
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

/// Exit status of a program killed by a panic or a fatal error (Go's `exit(2)`).
pub const PANIC_EXIT_CODE: i32 = 2;

/// Set by the first panic; a panic while printing one exits at once (Go's "panic during panic").
static PANICKING: AtomicBool = AtomicBool::new(false);

/// Go's `throw`: `fatal error: <msg>`, a blank line, the running goroutine's header (when a
/// goroutine is running: on g0 or before runtime.main there is none), then exit(2).
///
/// In host unit tests it panics with the same text instead, so tests can expect it.
#[cold]
#[track_caller]
pub fn throw(msg: impl fmt::Display) -> ! {
    fatalthrow(&msg, None)
}

/// Go's `fatalthrow` (with `dopanic_m`'s signal line): what every [`throw`] ends in; the signal
/// handler passes the `[signal …]` line Go prints for a fault, under the message.
#[cold]
#[track_caller]
pub(crate) fn fatalthrow(msg: &dyn fmt::Display, signal: Option<&dyn fmt::Display>) -> ! {
    if cfg!(not(target_os = "none")) {
        panic!("fatal error: {msg}");
    }
    let mut w = Writer::new(STDERR);
    let _ = writeln!(w, "fatal error: {msg}");
    if let Some(signal) = signal {
        let _ = writeln!(w, "{signal}");
    }
    let _ = writeln!(w);
    let goid = running_goid();
    if goid > 0 {
        let _ = writeln!(w, "goroutine {goid} [running]:");
    }
    w.flush();
    crate::exit::exit(PANIC_EXIT_CODE)
}

/// The running goroutine's id, or 0 on g0 — and 0 before runtime.main, when the g register may
/// not be set up yet (a failed TLS self-test throws with FS pointing at the wrong word).
fn running_goid() -> u64 {
    if crate::proc::MAIN_STARTED.load(Ordering::Relaxed) { crate::proc::goid() } else { 0 }
}

#[cfg(all(not(test), target_os = "none"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if PANICKING.swap(true, Ordering::Relaxed) {
        // A panic while reporting one: leave without printing anything more.
        crate::sys_linux_amd64::exit_group(PANIC_EXIT_CODE);
    }
    let mut w = Writer::new(STDERR);
    let goid = running_goid();
    let _ = write!(w, "panic: {}\n\ngoroutine {} [running]:\npanic({{…}})\n", info.message(), goid.max(1));
    if let Some(location) = info.location() {
        let _ = writeln!(w, "\t{}:{} +0x0", location.file(), location.line());
    }
    w.flush();
    crate::exit::exit(PANIC_EXIT_CODE)
}
