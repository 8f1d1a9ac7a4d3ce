//! The console input framing, encoded (the kernel's `fd::framing` decodes it; the protocol is
//! `abi::rt0::CONSOLE_*`, described in README.md): the runner sends the program's input to COM1
//! with every 0xFF byte escaped, and marks end of file and the terminal's Ctrl-C / Ctrl-\ with
//! two-byte commands in the same stream, so they arrive in order with the data.
use abi::rt0::{CONSOLE_EOF, CONSOLE_ESCAPE, CONSOLE_INTERRUPT, CONSOLE_LITERAL, CONSOLE_QUIT};
use abi::signal::{SIGINT, SIGQUIT};

/// Input bytes as they go on the wire: 0xFF becomes `FF 'X'`, everything else is itself.
pub fn data(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 64);
    for &b in bytes {
        out.push(b);
        if b == CONSOLE_ESCAPE {
            out.push(CONSOLE_LITERAL);
        }
    }
    out
}

/// End of file: after it, the program's read(0) returns 0.
pub const END_OF_INPUT: [u8; 2] = [CONSOLE_ESCAPE, CONSOLE_EOF];

/// The command that raises `signo` in the process: SIGINT and SIGQUIT, the terminal's two
/// (None for any other signal).
pub fn signal(signo: i32) -> Option<[u8; 2]> {
    match signo {
        SIGINT => Some([CONSOLE_ESCAPE, CONSOLE_INTERRUPT]),
        SIGQUIT => Some([CONSOLE_ESCAPE, CONSOLE_QUIT]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_crosses_unchanged_and_0xff_is_escaped() {
        assert_eq!(data("héllo\n".as_bytes()), "héllo\n".as_bytes());
        assert_eq!(data(&[1, 0xff, 2, 0xff, 0xff]), [1, 0xff, b'X', 2, 0xff, b'X', 0xff, b'X']);
        assert_eq!(data(&[]), [] as [u8; 0]);
    }

    #[test]
    fn commands_are_the_escape_and_one_letter() {
        assert_eq!(END_OF_INPUT, [0xff, b'E']);
        assert_eq!(signal(SIGINT), Some([0xff, b'I']));
        assert_eq!(signal(SIGQUIT), Some([0xff, b'Q']));
        assert_eq!(signal(abi::signal::SIGTERM), None);
    }

    #[test]
    fn no_encoded_byte_pair_but_a_command_starts_with_an_unescaped_0xff() {
        // Every 0xFF in encoded data is followed by the literal marker, so EOF or a signal can
        // never be read out of data: scan all byte values.
        let all: Vec<u8> = (0..=255).collect();
        let wire = data(&all);
        for (i, &b) in wire.iter().enumerate() {
            if b == CONSOLE_ESCAPE {
                assert_eq!(wire[i + 1], CONSOLE_LITERAL);
            }
        }
        assert_eq!(wire.len(), 257);
    }
}
