//! The `GODEBUG=inittrace=1` line, formatted exactly as Go prints it.
//!
//! Mirrors Go's `runtime/proc.go` `doInit1` (the `inittrace` print) and `fmtNSAsMS`/`itoaDiv` from
//! `runtime/mgc.go`:
//!
//! ```text
//! init example.com/a @0.012 ms, 0.002 ms clock, 0 bytes, 0 allocs
//! ```
//!
//! Milliseconds have two significant digits and at most three decimals (`0.012`, `0.12`, `1.2`, `9.9`), whole
//! numbers from 10 ms up (`10`, `1234`), and a bare `0` under one microsecond. Digits are truncated, not rounded.

use core::fmt;

/// Room for any `u64` millisecond value with its decimal point (Go's `var sbuf [24]byte`).
const BUF_LEN: usize = 24;

/// Writes Go's inittrace line for package `pkg`, newline included:
/// `init <pkg> @<since_start> ms, <clock> ms clock, <bytes> bytes, <allocs> allocs`.
///
/// `since_start_ns` is when the package's first init function started, counted from the runtime's start
/// (`runtimeInitTime`); `clock_ns` is how long its init functions took; `bytes` and `allocs` are what they
/// allocated.
pub fn trace_line(
    out: &mut impl fmt::Write,
    pkg: &str,
    since_start_ns: u64,
    clock_ns: u64,
    bytes: u64,
    allocs: u64,
) -> fmt::Result {
    let mut at = [0; BUF_LEN];
    let mut clock = [0; BUF_LEN];
    let at = fmt_ns_as_ms(&mut at, since_start_ns);
    let clock = fmt_ns_as_ms(&mut clock, clock_ns);
    writeln!(out, "init {pkg} @{at} ms, {clock} ms clock, {bytes} bytes, {allocs} allocs")
}

/// Formats `ns` nanoseconds as milliseconds the way Go's `fmtNSAsMS` does, in `buf`.
pub fn fmt_ns_as_ms(buf: &mut [u8; BUF_LEN], ns: u64) -> &str {
    if ns >= 10_000_000 {
        // Whole milliseconds.
        return itoa_div(buf, ns / 1_000_000, 0);
    }
    // Two digits of precision, at most three decimal places.
    let mut x = ns / 1_000;
    if x == 0 {
        buf[0] = b'0';
        return digits(&buf[..1]);
    }
    let mut dec = 3;
    while x >= 100 {
        x /= 10;
        dec -= 1;
    }
    itoa_div(buf, x, dec)
}

/// Go's `itoaDiv`: formats `val / 10^dec` with exactly `dec` decimals at the end of `buf`.
fn itoa_div(buf: &mut [u8; BUF_LEN], mut val: u64, dec: usize) -> &str {
    let mut i = BUF_LEN - 1;
    // Go's `idec := i - dec`, shifted by one so that it stays unsigned (`dec` is at most 3).
    let point = BUF_LEN - dec; // one past the position of the decimal point
    while val >= 10 || i + 1 >= point {
        buf[i] = b'0' + (val % 10) as u8;
        i -= 1;
        if i + 1 == point {
            buf[i] = b'.';
            i -= 1;
        }
        val /= 10;
    }
    buf[i] = b'0' + val as u8;
    digits(&buf[i..])
}

/// The ASCII digits (and point) just written.
fn digits(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or("?")
}
