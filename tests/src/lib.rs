//! Helpers for the in-QEMU tests: boot with a kernel command line, then assert on the outcome and
//! on log lines in order. Every boot has a hard timeout; on any failed assertion the whole
//! captured serial log is printed.
use qemu::{Outcome, RunOptions, RunResult};
use std::time::Duration;

/// Hard limit for one boot in a test (a normal boot takes 2–3 s under TCG).
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(90);

/// Boots the kernel with `kernel_args` on its command line.
pub fn boot(kernel_args: &[&str]) -> RunResult {
    boot_with(RunOptions { kernel_args: kernel_args.iter().map(|s| s.to_string()).collect(), ..base() })
}

/// Boots with explicit options.
pub fn boot_with(opts: RunOptions) -> RunResult {
    qemu::run(&opts)
}

/// The options every test starts from.
pub fn base() -> RunOptions {
    RunOptions { timeout: Some(BOOT_TIMEOUT), ..Default::default() }
}

/// Fails with the log unless the run ended with `expected`.
pub fn assert_outcome(r: &RunResult, expected: Outcome) {
    assert!(r.outcome == expected, "expected {expected:?}, got {:?}\n--- serial log ---\n{}", r.outcome, r.log);
}

/// Fails with the log unless each needle occurs in a kernel log line, in this order (a line
/// may satisfy only one needle). Returns the matching lines' texts.
pub fn assert_in_order<'a>(r: &'a RunResult, needles: &[&str]) -> Vec<&'a str> {
    let lines = r.kernel_lines();
    let mut found = Vec::new();
    let mut from = 0;
    for needle in needles {
        match lines[from..].iter().position(|(_, text)| text.contains(needle)) {
            Some(i) => {
                found.push(lines[from + i].1);
                from += i + 1;
            }
            None => panic!(
                "log line containing {needle:?} not found after {:?}\n--- serial log ---\n{}",
                found.last(),
                r.log
            ),
        }
    }
    found
}

/// Fails with the log if any kernel line contains `needle`.
pub fn assert_absent(r: &RunResult, needle: &str) {
    assert!(
        !r.kernel_lines().iter().any(|(_, t)| t.contains(needle)),
        "unexpected log line containing {needle:?}\n--- serial log ---\n{}",
        r.log
    );
}
