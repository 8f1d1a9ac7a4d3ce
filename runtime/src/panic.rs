//! Unrecovered panics and fatal errors end the program the way Go's do (panic.go: gopanic →
//! fatalpanic → printpanics, then exit(2); throw → fatal error, exit(2)):
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
#[cfg(all(not(test), target_os = "none"))]
use crate::{
    os_linux::exit_group,
    print::{STDERR, Writer},
};
#[cfg(all(not(test), target_os = "none"))]
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};

/// Exit status of a program killed by a panic or a fatal error (Go's `exit(2)`).
pub const PANIC_EXIT_CODE: i32 = 2;

/// Set by the first panic; a panic while printing one exits at once (Go's "panic during panic").
static PANICKING: AtomicBool = AtomicBool::new(false);

/// The end of every fatal path: exit 2 (after the icount summary, if any).
pub fn exit_after_fatal() -> ! {
    crate::exit::exit(PANIC_EXIT_CODE)
}

#[cfg(all(not(test), target_os = "none"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if PANICKING.swap(true, Ordering::Relaxed) {
        exit_group(PANIC_EXIT_CODE);
    }
    let mut w = Writer::new(STDERR);
    let goid = if crate::proc::MAIN_STARTED.load(Ordering::Relaxed) { crate::proc::goid() } else { 0 };
    let _ = write!(w, "panic: {}\n\ngoroutine {} [running]:\npanic({{…}})\n", info.message(), goid.max(1));
    if let Some(location) = info.location() {
        let _ = writeln!(w, "\t{}:{} +0x0", location.file(), location.line());
    }
    w.flush();
    exit_after_fatal()
}
