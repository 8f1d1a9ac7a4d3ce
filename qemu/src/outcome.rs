//! How a run ended, and the runner exit code for each ending (the table in README.md).
use abi::rt0::{CONTROL_BADEXEC, CONTROL_EXIT, CONTROL_PANIC, QEMU_STOP_STATUS};

/// Runner exit code: QEMU could not be started, died, or broke the stop protocol.
pub const EXIT_QEMU_FAILED: i32 = 121;
/// Runner exit code: the kernel panicked (CPU exception or Rust panic in ring 0).
pub const EXIT_KERNEL_PANIC: i32 = 122;
/// Runner exit code: the machine reset (a triple fault, under `-no-reboot`).
pub const EXIT_TRIPLE_FAULT: i32 = 123;
/// Runner exit code: the run exceeded `--timeout` and QEMU was killed (as coreutils `timeout`).
pub const EXIT_TIMEOUT: i32 = 124;
/// Runner exit code: bad runner flags, arguments over Linux's limits, or the image could not
/// be built — refused before anything ran.
pub const EXIT_USAGE: i32 = 125;
/// Runner exit code: the kernel could not execute the program (bad ELF); the shell's 126.
pub const EXIT_BAD_PROGRAM: i32 = 126;

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The kernel reported an orderly exit with this status (a program's `exit_group(n)`).
    Exited(u8),
    /// The kernel reported a panic.
    KernelPanic,
    /// QEMU exited with status 0: under `-no-reboot` that is a reset, i.e. a triple fault.
    TripleFault,
    /// Killed after the timeout.
    Timeout,
    /// The kernel refused the program (not a static x86-64 executable it can load).
    BadProgram,
    /// The runner refused to start (arguments over the limits, image build failure).
    Refused(String),
    /// Anything else: QEMU missing or crashed, or the stop protocol was not followed.
    QemuFailed(String),
}

impl Outcome {
    /// Classifies QEMU's exit status together with the control-channel text.
    pub fn classify(status: Option<i32>, control: &str) -> Outcome {
        match status {
            Some(QEMU_STOP_STATUS) => {
                let line = control.lines().last().unwrap_or("").trim();
                let exit_code = line.strip_prefix(CONTROL_EXIT).and_then(|c| c.strip_prefix(' '));
                if line == CONTROL_PANIC {
                    Outcome::KernelPanic
                } else if line == CONTROL_BADEXEC {
                    Outcome::BadProgram
                } else if let Some(code) = exit_code.and_then(|c| c.parse().ok()) {
                    Outcome::Exited(code)
                } else {
                    Outcome::QemuFailed(format!("stopped without a valid control line (got {line:?})"))
                }
            }
            Some(0) => Outcome::TripleFault,
            Some(s) => Outcome::QemuFailed(format!("qemu exited with status {s}")),
            None => Outcome::QemuFailed("qemu was killed by a signal".into()),
        }
    }

    /// The runner's own exit code for this outcome.
    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::Exited(n) => *n as i32,
            Outcome::KernelPanic => EXIT_KERNEL_PANIC,
            Outcome::TripleFault => EXIT_TRIPLE_FAULT,
            Outcome::Timeout => EXIT_TIMEOUT,
            Outcome::BadProgram => EXIT_BAD_PROGRAM,
            Outcome::Refused(_) => EXIT_USAGE,
            Outcome::QemuFailed(_) => EXIT_QEMU_FAILED,
        }
    }

    /// The one-line message the runner prints for anything but a normal exit.
    pub fn message(&self) -> Option<String> {
        match self {
            Outcome::Exited(_) => None,
            Outcome::KernelPanic => Some("rt0: kernel panic (report above)".into()),
            Outcome::TripleFault => {
                Some("rt0: triple fault: the machine reset (QEMU status 0 under -no-reboot)".into())
            }
            Outcome::Timeout => Some("rt0: timeout: QEMU killed".into()),
            Outcome::BadProgram => Some("rt0: cannot execute the program (reason above)".into()),
            Outcome::Refused(why) => Some(format!("rt0: {why}")),
            Outcome::QemuFailed(why) => Some(format!("rt0: qemu failed: {why}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_status_with_exit_line_is_the_guest_code() {
        assert_eq!(Outcome::classify(Some(QEMU_STOP_STATUS), "exit 000\n"), Outcome::Exited(0));
        assert_eq!(Outcome::classify(Some(QEMU_STOP_STATUS), "exit 255\n"), Outcome::Exited(255));
        assert_eq!(Outcome::classify(Some(QEMU_STOP_STATUS), "exit 128\n").exit_code(), 128);
    }

    #[test]
    fn nothing_but_a_clean_exit_reads_as_success() {
        for o in [
            Outcome::classify(Some(0), ""),
            Outcome::classify(Some(QEMU_STOP_STATUS), "panic\n"),
            Outcome::classify(Some(QEMU_STOP_STATUS), ""),
            Outcome::classify(Some(QEMU_STOP_STATUS), "exit 999\n"),
            Outcome::classify(Some(1), "exit 000\n"),
            Outcome::classify(None, "exit 000\n"),
            Outcome::classify(Some(QEMU_STOP_STATUS), "badexec\n"),
            Outcome::Refused("x".into()),
            Outcome::Timeout,
        ] {
            assert_ne!(o.exit_code(), 0, "{o:?}");
            assert!(o.message().is_some());
        }
    }

    #[test]
    fn runner_codes_are_distinct() {
        let mut codes = [EXIT_QEMU_FAILED, EXIT_KERNEL_PANIC, EXIT_TRIPLE_FAULT, EXIT_TIMEOUT, EXIT_USAGE];
        codes.sort();
        codes.windows(2).for_each(|w| assert_ne!(w[0], w[1]));
    }
}
