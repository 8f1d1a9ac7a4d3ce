//! Decimal parsing for arguments and environment variables (`GOGC`, `GOMAXPROCS`, exit codes).
//!
//! Mirrors Go's `runtime/string.go` (`atoi`, `atoi32`): an optional `-`, then ASCII digits only — no `+`, no
//! spaces, no underscores — and `None` on overflow. Unlike Go's `atoi`, a lone `-` is rejected rather than read as 0.

/// Parses `s` as a decimal `i64`, or `None` if it is empty, has a non-digit, or overflows.
pub fn atoi(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulate negatively so that i64::MIN, whose magnitude has no positive i64, still parses.
    let mut n: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_sub(i64::from(c - b'0'))?;
    }
    if negative { Some(n) } else { n.checked_neg() }
}

/// Parses `s` as a decimal `i32` (Go's `atoi32`), or `None` if [`atoi`] fails or the value does not fit.
pub fn atoi32(s: &[u8]) -> Option<i32> {
    atoi(s).and_then(|n| i32::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal() {
        assert_eq!(atoi(b"0"), Some(0));
        assert_eq!(atoi(b"255"), Some(255));
        assert_eq!(atoi(b"-3"), Some(-3));
        assert_eq!(atoi(b"007"), Some(7));
        assert_eq!(atoi(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(atoi(b"-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn rejects_junk_and_overflow() {
        for bad in [&b""[..], b"-", b"+1", b" 1", b"1 ", b"1_0", b"0x10", b"\xff", b"9223372036854775808"] {
            assert_eq!(atoi(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn atoi32_range() {
        assert_eq!(atoi32(b"2147483647"), Some(i32::MAX));
        assert_eq!(atoi32(b"-2147483648"), Some(i32::MIN));
        assert_eq!(atoi32(b"2147483648"), None);
    }
}
