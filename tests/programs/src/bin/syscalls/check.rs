//! The checklist: one `syscalls: <name> ok` or `syscalls: <name> FAILED (<detail>)` line per check, written as
//! soon as the check ends (so a check that kills the program leaves the earlier lines behind), and a summary line.

use core::fmt::{self, Write};
use runtime::print::{STDOUT, write_bytes};

/// Room for a failure detail; a longer one is cut short.
const DETAIL_BYTES: usize = 112;
/// Room for one output line; a longer one is cut short.
const LINE_BYTES: usize = 160;

/// Every line starts with the program's name.
const PREFIX: &str = "syscalls: ";

/// A short text formatted into a fixed buffer of `N` bytes (there is no allocator).
pub struct Text<const N: usize> {
    len: usize,
    buf: [u8; N],
}

impl<const N: usize> Text<N> {
    pub fn new(args: fmt::Arguments<'_>) -> Self {
        let mut text = Text { len: 0, buf: [0; N] };
        let _ = text.write_fmt(args);
        text
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl<const N: usize> Write for Text<N> {
    /// Appends what fits; a longer text is cut short.
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(N - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Why a check failed.
pub type Detail = Text<DETAIL_BYTES>;
/// One output line.
pub type Line = Text<LINE_BYTES>;

/// A [`Detail`] from a format string: `.map_err(|e| detail!("got {e}"))`.
macro_rules! detail {
    ($($arg:tt)*) => { $crate::check::Detail::new(format_args!($($arg)*)) };
}
pub(crate) use detail;

/// `Err(Detail)` from a format string: `return fail!("got {v}")`.
macro_rules! fail {
    ($($arg:tt)*) => { Err($crate::check::detail!($($arg)*)) };
}
pub(crate) use fail;

pub type Outcome = Result<(), Detail>;

/// A system call's raw result as a reader wants it: `-EINVAL` for an error, else the value (hex when large).
pub struct Ret(pub isize);

impl fmt::Display for Ret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            -4095..=-1 => match errno_name(-self.0) {
                Some(name) => write!(f, "-{name}"),
                None => write!(f, "-errno {}", -self.0),
            },
            0..0x1_0000 => write!(f, "{}", self.0),
            _ => write!(f, "{:#x}", self.0),
        }
    }
}

/// The symbolic name of an errno value.
fn errno_name(errno: isize) -> Option<&'static str> {
    abi::errno::name(errno)
}

/// Passes when the call failed with exactly `errno`.
pub fn expect_errno(ret: isize, errno: isize) -> Outcome {
    if ret == -errno { Ok(()) } else { fail!("got {}, want {}", Ret(ret), Ret(-errno)) }
}

/// The call's value when it succeeded, else a failure naming the errno.
pub fn succeeded(ret: isize) -> Result<usize, Detail> {
    if (-4095..0).contains(&ret) { fail!("failed with {}", Ret(ret)) } else { Ok(ret as usize) }
}

/// Passes when `got == want`; the detail shows small numbers in decimal, addresses in hex.
pub fn expect_eq(got: usize, want: usize) -> Outcome {
    if got == want { Ok(()) } else { fail!("got {}, want {}", Ret(got as isize), Ret(want as isize)) }
}

/// Counts and prints check results.
pub struct Checklist {
    passed: u32,
    failed: u32,
}

impl Checklist {
    pub fn new() -> Self {
        Checklist { passed: 0, failed: 0 }
    }

    /// Records and prints one check's outcome.
    pub fn report(&mut self, name: &str, outcome: Outcome) {
        let line = match outcome {
            Ok(()) => {
                self.passed += 1;
                Line::new(format_args!("{PREFIX}{name} ok\n"))
            }
            Err(detail) => {
                self.failed += 1;
                let detail = core::str::from_utf8(detail.as_bytes()).unwrap_or("?");
                Line::new(format_args!("{PREFIX}{name} FAILED ({detail})\n"))
            }
        };
        let _ = write_bytes(STDOUT, line.as_bytes());
    }

    /// A check of a write-like call whose data is the check's own `ok` line: `write` gets the line and returns
    /// what the call returned. All of it written is a pass (the line is already out); anything else is a failure,
    /// printed on a line of its own.
    pub fn report_written(&mut self, name: &str, write: impl FnOnce(&[u8]) -> isize) {
        let line = Line::new(format_args!("{PREFIX}{name} ok\n"));
        let len = line.as_bytes().len();
        let ret = write(line.as_bytes());
        if ret == len as isize {
            self.passed += 1;
            return;
        }
        if ret > 0 {
            let _ = write_bytes(STDOUT, b"\n"); // end the partial line
        }
        self.report(name, fail!("returned {}, want {len}", Ret(ret)));
    }

    /// Prints the summary line; returns the exit status: 0 if every check passed, else 1.
    pub fn finish(self) -> i32 {
        let line = Line::new(format_args!("{PREFIX}{} passed, {} failed\n", self.passed, self.failed));
        let _ = write_bytes(STDOUT, line.as_bytes());
        if self.failed == 0 { 0 } else { 1 }
    }
}
