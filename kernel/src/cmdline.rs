//! The kernel command line: space-separated `key=value` words and bare flags, as Linux's.
//!
//! It arrives through QEMU's fw_cfg file `opt/rt0/cmdline` (written by the runner). Known words:
//! `quiet` (log errors only), `icount` (the TSC counts instructions), `test=<name>` (run a kernel
//! self-test instead of the normal boot, see `selftest`), `snapshot` (wait at the ready point for
//! the runner to save the machine, see `snapshot`). Unknown words are kept and ignored.
use crate::arch::fw_cfg;
use spin::Once;

const MAX_LEN: usize = 4096;

static BUF: Once<([u8; MAX_LEN], usize)> = Once::new();
/// The command line of the run a machine restored from a snapshot serves (`snapshot`).
static RESUMED: Once<([u8; MAX_LEN], usize)> = Once::new();

/// A parsed view of the command line.
pub struct Cmdline(&'static str);

/// Reads the command line from fw_cfg (empty when absent, truncated to 4 KiB, cut at the first
/// invalid UTF-8 byte); in a machine restored from a snapshot, the run's, which [`reload`] read.
pub fn load() -> Cmdline {
    let (buf, len) = RESUMED.get().unwrap_or_else(|| BUF.call_once(read));
    Cmdline::parse(&buf[..*len])
}

/// Reads the command line again, once: a machine restored from a snapshot runs with the
/// command line its new QEMU was given, not the one it booted with (see `snapshot`).
pub fn reload() -> Cmdline {
    let (buf, len) = RESUMED.call_once(read);
    Cmdline::parse(&buf[..*len])
}

fn read() -> ([u8; MAX_LEN], usize) {
    let mut buf = [0; MAX_LEN];
    let len = fw_cfg::read_file(abi::rt0::FW_CFG_CMDLINE, &mut buf).unwrap_or(0).min(MAX_LEN);
    (buf, len)
}

impl Cmdline {
    pub fn parse(bytes: &'static [u8]) -> Self {
        let text = match core::str::from_utf8(bytes) {
            Ok(s) => s,
            // SAFETY: `valid_up_to` bytes were just checked to be UTF-8.
            Err(e) => unsafe { core::str::from_utf8_unchecked(&bytes[..e.valid_up_to()]) },
        };
        Cmdline(text.trim_end_matches(['\0', '\n']).trim())
    }

    /// The whole line as given.
    pub fn raw(&self) -> &'static str {
        self.0
    }

    /// The value of the last `key=value` word for `key`.
    pub fn get(&self, key: &str) -> Option<&'static str> {
        self.0.split_ascii_whitespace().rev().filter_map(|w| w.split_once('=')).find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Whether the bare word `name` is present.
    pub fn flag(&self, name: &str) -> bool {
        self.0.split_ascii_whitespace().any(|w| w == name)
    }
}

#[cfg(test)]
mod tests {
    use super::Cmdline;

    #[test]
    fn words_flags_and_the_last_value_win() {
        let c = Cmdline::parse(b"quiet test=exit code=3 test=heap strace\0\n");
        assert_eq!(c.raw(), "quiet test=exit code=3 test=heap strace");
        assert!(c.flag("quiet") && c.flag("strace") && !c.flag("icount"));
        assert_eq!(c.get("test"), Some("heap"));
        assert_eq!(c.get("code"), Some("3"));
        assert_eq!(c.get("missing"), None);
        assert!(!c.flag("test"), "a key=value word is not a flag");
    }

    #[test]
    fn invalid_utf8_cuts_the_line_and_empty_is_empty() {
        assert_eq!(Cmdline::parse(b"icount \xff quiet").raw(), "icount");
        assert_eq!(Cmdline::parse(b"").raw(), "");
    }
}
