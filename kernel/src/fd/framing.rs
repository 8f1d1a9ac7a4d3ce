//! The console input framing (`abi::rt0::CONSOLE_*`), decoded: the runner sends the program's
//! input on COM1 with one escape byte, so that end of file and the terminal's Ctrl-C and Ctrl-\
//! travel in the same ordered stream as the data, and no byte is lost or invented:
//!
//! | bytes | meaning |
//! | --- | --- |
//! | any byte but 0xFF | that byte of input |
//! | `FF 'X'` | the input byte 0xFF |
//! | `FF 'E'` | end of file: read(0) returns 0 after the data before it |
//! | `FF 'I'` | SIGINT for the process (Ctrl-C; Linux's tty sends it with SI_KERNEL) |
//! | `FF 'Q'` | SIGQUIT for the process (Ctrl-\) |
//!
//! Any other byte after the escape is a protocol error and both bytes are dropped. The decoder
//! keeps its one bit of state between calls, so a command split across two UART reads decodes
//! the same. Pure logic: host-tested.
use abi::rt0::{CONSOLE_EOF, CONSOLE_ESCAPE, CONSOLE_INTERRUPT, CONSOLE_LITERAL, CONSOLE_QUIT};
use abi::signal::{SIGINT, SIGQUIT};

/// What one received byte amounts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A byte of the program's input.
    Data(u8),
    /// The runner's input ended.
    Eof,
    /// The terminal raised this signal (SIGINT or SIGQUIT).
    Signal(i32),
}

/// The decoder's state: whether the last byte was the escape.
#[derive(Default)]
pub struct Decoder {
    escaped: bool,
}

impl Decoder {
    pub const fn new() -> Decoder {
        Decoder { escaped: false }
    }

    /// Feeds one received byte; None while it is half a command (or a dropped bad one).
    pub fn push(&mut self, b: u8) -> Option<Event> {
        if !self.escaped {
            if b == CONSOLE_ESCAPE {
                self.escaped = true;
                return None;
            }
            return Some(Event::Data(b));
        }
        self.escaped = false;
        match b {
            CONSOLE_LITERAL => Some(Event::Data(CONSOLE_ESCAPE)),
            CONSOLE_EOF => Some(Event::Eof),
            CONSOLE_INTERRUPT => Some(Event::Signal(SIGINT)),
            CONSOLE_QUIT => Some(Event::Signal(SIGQUIT)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(d: &mut Decoder, bytes: &[u8]) -> Vec<Event> {
        bytes.iter().filter_map(|&b| d.push(b)).collect()
    }

    #[test]
    fn plain_bytes_are_data_and_utf8_crosses_unchanged() {
        let text = "héllo\n\x1b[A\0".as_bytes();
        let events = decode(&mut Decoder::new(), text);
        assert_eq!(events, text.iter().map(|&b| Event::Data(b)).collect::<Vec<_>>());
    }

    #[test]
    fn commands_decode_to_eof_signals_and_the_literal_escape() {
        let mut d = Decoder::new();
        let got = decode(&mut d, &[b'a', 0xff, b'X', b'b', 0xff, b'I', 0xff, b'Q', b'c', 0xff, b'E']);
        use Event::*;
        assert_eq!(got, [Data(b'a'), Data(0xff), Data(b'b'), Signal(SIGINT), Signal(SIGQUIT), Data(b'c'), Eof]);
    }

    #[test]
    fn a_command_split_between_reads_decodes_the_same() {
        let mut d = Decoder::new();
        assert_eq!(decode(&mut d, &[b'z', 0xff]), [Event::Data(b'z')]);
        assert_eq!(decode(&mut d, &[b'X', 0xff]), [Event::Data(0xff)]);
        assert_eq!(decode(&mut d, b"E"), [Event::Eof]);
    }

    #[test]
    fn an_unknown_command_is_dropped_whole_and_invents_nothing() {
        let mut d = Decoder::new();
        assert_eq!(decode(&mut d, &[0xff, b'?', b'k', 0xff, 0xff, b'j']), [Event::Data(b'k'), Event::Data(b'j')]);
    }
}
