//! The boot log's line prefix, `[<stamp> L<layer>] `, written by the kernel (its own lines) and
//! by the runtime (its start-up steps) alike, and parsed by the runner's `parse_log_line`:
//!
//! ```text
//! [    0.812345s L0] gdt: loaded, ...        seconds since the machine's reset
//! [     1234567i L3] schedinit: ...          under --icount: instructions since the reset
//! ```
//!
//! Formatted by hand into a stack buffer, not through `core::fmt`: a `{:>12}` argument goes
//! through `Formatter::pad_integral`, which writes its padding a character at a time, and the
//! prefix is on every line of the log (see BENCHMARKS.md, log_line).

/// The longest prefix: `[`, a 20-digit stamp, `i`, ` L`, a 3-digit layer, `] `; or `[`, 14
/// digits of seconds, `.`, 6 digits, `s`, ` L`, 3 digits, `] `.
pub const PREFIX_MAX: usize = 32;

/// A stamp: what the clock counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stamp {
    /// Instructions since reset (the TSC under QEMU's icount), printed `{:>12}i`.
    Instructions(u64),
    /// Microseconds since reset, printed as seconds, `{:>5}.{:06}s`.
    Micros(u64),
}

/// Writes `[<stamp> L<layer>] ` into the end of `buf` (right to left, as decimal digits come)
/// and returns it.
pub fn prefix(buf: &mut [u8; PREFIX_MAX], stamp: Stamp, layer: u8) -> &[u8] {
    // Single-byte stores throughout: `copy_from_slice` of two bytes costs a call's worth of checks.
    buf[PREFIX_MAX - 2] = b']';
    buf[PREFIX_MAX - 1] = b' ';
    let mut at = decimal(buf, PREFIX_MAX - 2, u64::from(layer), 1, b' ') - 3;
    buf[at + 1] = b' ';
    buf[at + 2] = b'L';
    match stamp {
        Stamp::Instructions(n) => {
            buf[at] = b'i';
            at = decimal(buf, at, n, 12, b' ');
        }
        Stamp::Micros(us) => {
            buf[at] = b's';
            at = decimal(buf, at, us % 1_000_000, 6, b'0') - 1;
            buf[at] = b'.';
            at = decimal(buf, at, us / 1_000_000, 5, b' ');
        }
    }
    at -= 1;
    buf[at] = b'[';
    &buf[at..]
}

/// "00" to "99": decimal digits two at a time (one division by 100 per pair).
const PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Writes `v` in decimal so that it ends at `buf[end]`, right-aligned in at least `width` places
/// filled with `fill`; returns the index of its first place.
fn decimal(buf: &mut [u8; PREFIX_MAX], end: usize, mut v: u64, width: usize, fill: u8) -> usize {
    let mut at = end;
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        at -= 2;
        buf[at] = PAIRS[pair];
        buf[at + 1] = PAIRS[pair + 1];
    }
    if v >= 10 {
        let pair = v as usize * 2;
        at -= 2;
        buf[at] = PAIRS[pair];
        buf[at + 1] = PAIRS[pair + 1];
    } else {
        at -= 1;
        buf[at] = b'0' + v as u8;
    }
    while end - at < width {
        at -= 1;
        buf[at] = fill;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::format;

    fn text(stamp: Stamp, layer: u8) -> std::string::String {
        let mut buf = [0; PREFIX_MAX];
        std::str::from_utf8(prefix(&mut buf, stamp, layer)).unwrap().into()
    }

    #[test]
    fn prefixes_read_as_the_format_strings_write_them() {
        for n in [0, 7, 1234567, 999_999_999_999, 1_000_000_000_000, u64::MAX] {
            for layer in [0, 5, 17, 255] {
                assert_eq!(text(Stamp::Instructions(n), layer), format!("[{n:>12}i L{layer}] "));
                let us = n;
                let want = format!("[{:>5}.{:06}s L{layer}] ", us / 1_000_000, us % 1_000_000);
                assert_eq!(text(Stamp::Micros(us), layer), want);
            }
        }
    }
}
