//! Machine snapshots (qemu/src/snapshot.rs, kernel/src/snapshot.rs): a run restored from a
//! machine saved at the kernel's ready point does what a full boot does — the same output and
//! exit code, the host's wall-clock time, another program on every restore, and in a logged run
//! the same boot log with its clock running on — and a snapshot that will not restore gives way
//! to a full boot.
use qemu::{Outcome, RunOptions};
use std::io::Write;
use tests::*;

/// Whether snapshots are on here (`RT0_SNAPSHOT=0` turns them off); says so on stderr if not.
fn snapshots_on() -> bool {
    let on = std::env::var_os("RT0_SNAPSHOT").is_none_or(|v| v != "0");
    if !on {
        let _ = writeln!(std::io::stderr(), "skipped: RT0_SNAPSHOT=0");
    }
    on
}

fn quiet(opts: RunOptions) -> RunOptions {
    RunOptions { quiet: true, ..opts }
}

/// Runs `opts` until it starts from the snapshot (the first run may make it).
fn restored(opts: &RunOptions) -> qemu::RunResult {
    let first = run(opts);
    if first.restored {
        return first;
    }
    let again = run(opts);
    assert!(again.restored, "a second run did not start from the snapshot\n{}", again.log);
    again
}

#[test]
fn a_restored_run_prints_and_exits_as_a_full_boot_does() {
    if !snapshots_on() {
        return;
    }
    let opts = quiet(with(program::DEMO, &["one", "two"], &["K=v"]));
    let back = restored(&opts);
    let full = run(&RunOptions { snapshot: false, ..opts.clone() });
    assert!(!full.restored);
    assert_outcome(&back, Outcome::Exited(0));
    assert_outcome(&full, Outcome::Exited(0));
    assert_eq!(stdout(&back), stdout(&full), "restored and full-boot runs differ");
    let printed = stdout(&back);
    assert!(printed.contains("argv[2]=two\nenvp[0]=K=v\n") && printed.contains("done: main returns"), "{printed}");
    // The exit code travels too, and each restore runs the program it is given.
    for code in ["3", "77"] {
        let r = restored(&quiet(with(program::EXITCODE, &[code], &[])));
        assert_outcome(&r, Outcome::Exited(code.parse().unwrap()));
    }
}

#[test]
fn a_restored_machine_tells_the_hosts_time() {
    if !snapshots_on() {
        return;
    }
    let Some(busybox) = ["/bin/busybox", "/usr/bin/busybox"].into_iter().find(|p| std::path::Path::new(p).is_file())
    else {
        let _ = writeln!(std::io::stderr(), "skipped: busybox missing");
        return;
    };
    let opts = quiet(RunOptions { program: Some(busybox.into()), args: vec!["date".into(), "+%s".into()], ..base() });
    let r = restored(&opts);
    assert_outcome(&r, Outcome::Exited(0));
    let guest: u64 = stdout(&r).trim().parse().unwrap_or_else(|_| panic!("not a time: {:?}", stdout(&r)));
    let host = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // The snapshot was saved earlier; a restored guest must read the time of its run.
    assert!(guest.abs_diff(host) <= 3, "guest {guest}, host {host}");
}

#[test]
fn a_snapshot_that_does_not_restore_gives_way_to_a_full_boot() {
    if !snapshots_on() {
        return;
    }
    // A machine shape of this test's own (200 MiB), so no other test meets the broken file.
    let opts = quiet(RunOptions { memory_mib: 200, ..with(program::EXITCODE, &["5"], &[]) });
    let file = qemu::snapshot_file(&opts).expect("a quiet run has a snapshot file");
    let _ = restored(&opts);
    assert!(file.is_file(), "{}", file.display());
    std::fs::write(&file, b"not a QEMU migration stream").unwrap();
    let r = run(&opts);
    assert_outcome(&r, Outcome::Exited(5));
    assert!(!r.restored, "the broken file was restored?");
    // The broken file is gone; the next runs make it anew and start from it.
    let again = restored(&opts);
    assert_outcome(&again, Outcome::Exited(5));
}

/// A log line's text with its numbers (decimal and hex) as `#`: what two boots of one machine
/// print alike, whatever they measured.
fn shape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            if c == '0' && chars.peek() == Some(&'x') {
                chars.next();
            }
            while chars.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                chars.next();
            }
            out.push('#');
        } else {
            out.push(c);
        }
    }
    out
}

/// The stamp, in seconds, of a kernel log line.
fn stamp(line: &str) -> f64 {
    line[1..].trim_start().split_once('s').and_then(|(s, _)| s.parse().ok()).unwrap_or(f64::NAN)
}

#[test]
fn a_logged_restored_run_shows_the_boot_log_then_its_own_with_the_clock_running_on() {
    if !snapshots_on() {
        return;
    }
    let opts = with(program::DEMO, &["one"], &[]);
    let back = restored(&opts);
    let full = run(&RunOptions { snapshot: false, ..opts.clone() });
    assert_outcome(&back, Outcome::Exited(0));
    assert_outcome(&full, Outcome::Exited(0));
    assert_eq!(stdout(&back), stdout(&full), "restored and full-boot runs differ");
    // The same log, line for line but for what was measured, plus the kernel's line that says
    // where the restored run's own log begins and which command line the run has; the boot
    // before it had the snapshot's.
    let restored_line = |l: &&str| l.contains("] snapshot: restored; the run's command line ");
    let lines: Vec<&str> = back.log.lines().collect();
    let at = lines.iter().position(restored_line).unwrap_or_else(|| panic!("no restored line\n{}", back.log));
    let run_cmdline = lines[at].split_once("command line ").unwrap().1;
    assert_eq!(run_cmdline, "\"\"", "{}", lines[at]);
    let without: Vec<String> = lines
        .iter()
        .filter(|l| !restored_line(l))
        .map(|l| {
            shape(
                &l.replace("kernel: entered, cmdline \"snapshot\"", &format!("kernel: entered, cmdline {run_cmdline}")),
            )
        })
        .collect();
    let booted: Vec<String> = full.log.lines().map(shape).collect();
    assert_eq!(without, booted, "the restored run's log against a full boot's\n{}\n---\n{}", back.log, full.log);
    // Before the restored line: the bootloader's lines and the kernel's set-up, as booted.
    assert!(lines[..at].iter().any(|l| l.contains("INFO")), "no bootloader line before the restore\n{}", back.log);
    // The stamps climb through the replayed part into the live one, and the live part's time is
    // this run's: no more than the host's wall time of the run.
    let stamps: Vec<f64> = lines.iter().filter(|l| qemu::parse_log_line(l).is_some()).map(|l| stamp(l)).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "stamps go back\n{}", back.log);
    let exit = lines.iter().rev().find(|l| l.contains("exit: status 0")).map(|l| stamp(l)).expect("an exit line");
    let live = exit - stamp(lines[at]);
    assert!(
        live > 0.0 && live <= back.elapsed.as_secs_f64(),
        "guest {live} s since the restore, host {:?}",
        back.elapsed
    );
}
