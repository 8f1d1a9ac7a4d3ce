//! The checklist: one `stackcheck: <name> ok` or `stackcheck: <name> FAILED (<detail>)` line per check, and a
//! summary line at the end.

use core::fmt::{self, Write};
use runtime::print::{STDOUT, Writer};

/// Room for a failure detail; longer details are cut short.
const DETAIL_BYTES: usize = 112;

/// Why a check failed: a short message formatted into a fixed buffer (there is no allocator).
pub struct Detail {
    len: usize,
    buf: [u8; DETAIL_BYTES],
}

impl Detail {
    pub fn new(args: fmt::Arguments<'_>) -> Self {
        let mut detail = Detail { len: 0, buf: [0; DETAIL_BYTES] };
        let _ = detail.write_fmt(args);
        detail
    }
}

impl Write for Detail {
    /// Appends what fits; a longer detail is cut short.
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// `Err(Detail)` from a format string: `return fail!("got {v}")`.
macro_rules! fail {
    ($($arg:tt)*) => { Err($crate::check::Detail::new(format_args!($($arg)*))) };
}
pub(crate) use fail;

pub type Outcome = Result<(), Detail>;

/// Passes when `got == want`; the detail shows small numbers in decimal, addresses in hex.
pub fn expect_eq(got: usize, want: usize) -> Outcome {
    match (got == want, want < 0x1_0000) {
        (true, _) => Ok(()),
        (false, true) => fail!("got {got}, want {want}"),
        (false, false) => fail!("got {got:#x}, want {want:#x}"),
    }
}

/// Counts and prints check results.
pub struct Checklist {
    out: Writer,
    passed: u32,
    failed: u32,
}

impl Checklist {
    pub fn new() -> Self {
        Checklist { out: Writer::new(STDOUT), passed: 0, failed: 0 }
    }

    /// Records and prints one check's outcome.
    pub fn report(&mut self, name: &str, outcome: Outcome) {
        match outcome {
            Ok(()) => {
                self.passed += 1;
                let _ = writeln!(self.out, "stackcheck: {name} ok");
            }
            Err(detail) => {
                self.failed += 1;
                let _ = write!(self.out, "stackcheck: {name} FAILED (");
                self.out.write_bytes(&detail.buf[..detail.len]);
                self.out.write_bytes(b")\n");
            }
        }
    }

    /// Prints the summary line; returns the exit status: 0 if every check passed, else 1.
    pub fn finish(mut self) -> i32 {
        let _ = writeln!(self.out, "stackcheck: {} passed, {} failed", self.passed, self.failed);
        self.out.flush();
        if self.failed == 0 { 0 } else { 1 }
    }
}
