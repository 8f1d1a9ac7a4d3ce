//! The panic handler: an unrecovered panic ends the program the way Go's does.
//!
//! Mirrors Go's `runtime/panic.go` (`gopanic` → `fatalpanic` → `printpanics`, then `exit(2)`): the output is
//!
//! ```text
//! panic: <message>
//!
//! goroutine 1 [running]:
//! <TAB><file>:<line>
//! ```
//!
//! on fd 2 (`<TAB>` is a tab character, as in Go's traceback), and the exit status is 2. There are no goroutines
//! yet, so the header always names goroutine 1 and the traceback is the panic's location only.

use crate::os_linux::exit_group;
use crate::print::{STDERR, Writer};
use core::fmt::Write;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

/// Exit status of a program killed by a panic (Go's `exit(2)` in `fatalpanic`).
const PANIC_EXIT_CODE: i32 = 2;

/// Set by the first panic; a panic while printing one exits at once (Go's "panic during panic").
static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    if PANICKING.swap(true, Ordering::Relaxed) {
        exit_group(PANIC_EXIT_CODE);
    }
    let mut w = Writer::new(STDERR);
    let _ = write!(w, "panic: {}\n\ngoroutine 1 [running]:\n", info.message());
    if let Some(location) = info.location() {
        let _ = writeln!(w, "\t{}:{}", location.file(), location.line());
    }
    w.flush();
    exit_group(PANIC_EXIT_CODE)
}
