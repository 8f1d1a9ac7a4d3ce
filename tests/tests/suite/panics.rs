//! Panics, deferred calls, recover and Goexit (runtime/src/defer.rs), and the crash reports with
//! real frames (runtime/src/traceback.rs, symbolized by qemu/src/symbolize.rs): the `panics`
//! program in QEMU and natively, both ways the same. The same program written in Go 1.19 is
//! compared in `real.rs` (`go_panics_and_crash_reports_match_rt0s`).
use abi::signal::SIGQUIT;
use qemu::{Cue, CueAction, Outcome, RunOptions};
use tests::*;

/// Runs `panics <mode>` both ways with `env`, quiet.
fn panics(mode: &str, env: &[&str]) -> Both {
    run_both(RunOptions { quiet: true, ..with(program::PANICS, &[mode], env) })
}

/// What Go 1.19 prints for each recovering case (tests/real/go/panics prints the same).
const RECOVERING: &[(&str, &str)] = &[
    ("recover", "deferred 3\nrecovered: boom\ndeferred 1\nreturned 0\n"),
    ("protect", "start\ng: deferred\ndone\nrun time panic: boom\nafter protect\n"),
    ("named", "result -1\n"),
    ("notpanicking", "recover outside a panic: <nil>\nrecover in a normal deferred call: <nil>\n"),
    (
        "recovernil",
        "recovered: runtime error: invalid memory address or nil pointer dereference\nrecovernil: main continues\n",
    ),
    ("nested", "inner deferred\nouter recovered: second\nnested done\n"),
    ("goexit", "goexit: inner deferred, recover: <nil>\ngoexit: outer deferred\ngoexit: main continues\n"),
];

#[test]
fn deferred_calls_run_lifo_and_recover_resumes_the_caller_both_ways() {
    for (mode, want) in RECOVERING {
        let both = panics(mode, &[]);
        both.assert_outcome(Outcome::Exited(0));
        for (how, r) in both.each() {
            assert_eq!(stdout(r), *want, "{mode} {how}\n{}", r.log);
        }
    }
}

/// The report from its first line on (the log also holds the runner's own lines).
fn report<'a>(r: &'a qemu::RunResult, first: &str) -> &'a str {
    let at = r.log.find(first).unwrap_or_else(|| panic!("no {first:?} in\n{}", r.log));
    &r.log[at..]
}

#[test]
fn an_unrecovered_panic_runs_the_deferred_calls_then_prints_gos_report_with_frames() {
    let both = panics("unrecovered", &[]);
    both.assert_outcome(Outcome::Exited(2));
    for (how, r) in both.each() {
        assert_eq!(stdout(r), "deferred runs before the report\n", "{how}");
        let rep = report(r, "panic: boom\n");
        let lines: Vec<&str> = rep.lines().collect();
        assert_eq!(lines[..4], ["panic: boom", "", "goroutine 1 [running]:", "panics::deep(...)"], "{how}\n{rep}");
        assert!(lines[4].starts_with('\t') && lines[4].contains("tests/programs/src/bin/panics.rs:"), "{how}\n{rep}");
        assert!(lines[4].contains(" +0x"), "{how}: the offset in the function\n{rep}");
        assert_eq!(rep.matches("panics::deep(...)").count(), 3, "{how}: deep(2) → deep(1) → deep(0)\n{rep}");
        assert!(!rep.contains("runtime::") && !rep.contains("rt0:pc="), "{how}: runtime frames hidden\n{rep}");
    }
}

#[test]
fn a_panic_during_a_recovered_panic_prints_both_and_the_panic_frame() {
    let both = panics("repanic", &[]);
    both.assert_outcome(Outcome::Exited(2));
    for (how, r) in both.each() {
        let rep = report(r, "panic: boom [recovered]");
        assert!(rep.starts_with("panic: boom [recovered]\n\tpanic: again\n\ngoroutine 1 [running]:\n"), "{how}\n{rep}");
        assert!(rep.contains("\npanic(...)\n\t"), "{how}: the first panic's gopanic, as Go's `panic(…)`\n{rep}");
    }
}

#[test]
fn a_goroutines_panic_names_its_creator() {
    let both = panics("goroutine", &[]);
    both.assert_outcome(Outcome::Exited(2));
    for (how, r) in both.each() {
        let rep = report(r, "panic: boom\n");
        assert!(rep.starts_with("panic: boom\n\ngoroutine 6 [running]:\npanics::deep(...)\n"), "{how}\n{rep}");
        assert!(
            rep.contains("\ncreated by panics::spawn_panicker\n\t"),
            "{how}: the function with the go statement\n{rep}"
        );
        assert!(!rep.contains("goroutine 1 ["), "{how}: GOTRACEBACK=single shows one goroutine\n{rep}");
    }
}

#[test]
fn gotraceback_none_all_and_system_choose_what_is_shown() {
    for (how, r) in panics("goroutine", &["GOTRACEBACK=none"]).each() {
        assert_eq!(r.outcome, Outcome::Exited(2), "{how}");
        let rep = report(r, "panic: boom\n");
        assert!(!rep.contains("goroutine "), "{how}: none prints no goroutine\n{rep}");
    }
    // One P, so main is surely parked in its receive when the goroutine it started panics (with
    // more, the goroutine may run on another P before main gets there, in Go as on rt0).
    for (how, r) in panics("goroutine", &["GOTRACEBACK=all", "GOMAXPROCS=1"]).each() {
        let rep = report(r, "panic: boom\n");
        assert!(rep.contains("\n\ngoroutine 1 [chan receive]:\npanics::main(...)\n"), "{how}\n{rep}");
    }
    for (how, r) in panics("goroutine", &["GOTRACEBACK=system", "GOMAXPROCS=1"]).each() {
        let rep = report(r, "panic: boom\n");
        assert!(rep.contains("runtime::defer::gopanic(...)"), "{how}: runtime frames shown\n{rep}");
        assert!(rep.contains("\ngoroutine 1 [chan receive]:\n"), "{how}: system implies all\n{rep}");
    }
}

#[test]
fn a_deadlock_lists_every_goroutine_with_its_wait_reason() {
    let both = panics("deadlock", &[]);
    both.assert_outcome(Outcome::Exited(2));
    for (how, r) in both.each() {
        let rep = report(r, "fatal error: all goroutines are asleep - deadlock!");
        assert!(
            rep.starts_with(
                "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\npanics::main(...)\n"
            ),
            "{how}\n{rep}"
        );
        assert!(rep.contains("\n\ngoroutine 6 [chan send]:\npanics::main::{closure#"), "{how}\n{rep}");
        assert!(rep.contains("\n\ngoroutine 7 [chan receive]:\npanics::main::{closure#"), "{how}\n{rep}");
        assert!(rep.contains("\ncreated by panics::main\n"), "{how}\n{rep}");
    }
    for (how, r) in panics("goexitmain", &[]).each() {
        assert_eq!(r.outcome, Outcome::Exited(2), "{how}");
        assert_eq!(stdout(r), "goexitmain: the goroutine ran\n", "{how}");
        assert!(
            r.log.contains("fatal error: no goroutines (main called runtime.Goexit) - deadlock!\n"),
            "{how}\n{}",
            r.log
        );
    }
}

#[test]
fn faults_and_stack_overflow_show_the_faulting_frames() {
    for (how, r) in panics("nil", &[]).each() {
        assert_eq!(r.outcome, Outcome::Exited(2), "{how}");
        let rep = report(r, "panic: runtime error");
        assert!(rep.starts_with("panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x"), "{how}\n{rep}");
        assert!(rep.contains("]\n\ngoroutine 1 [running]:\npanics::main(...)\n\t"), "{how}\n{rep}");
    }
    for (how, r) in panics("fault", &[]).each() {
        assert_eq!(r.outcome, Outcome::Exited(2), "{how}");
        let rep = report(r, "unexpected fault address");
        assert!(rep.starts_with("unexpected fault address 0xdeadbeef\nfatal error: fault\n[signal SIGSEGV: segmentation violation code=0x1 addr=0xdeadbeef pc=0x"), "{how}\n{rep}");
        assert!(rep.contains("\n\ngoroutine 1 [running]:\n") && rep.contains("\npanics::main(...)\n"), "{how}\n{rep}");
    }
    for (how, r) in panics("overflow", &[]).each() {
        assert_eq!(r.outcome, Outcome::Exited(2), "{how}");
        let rep = report(r, "runtime: goroutine stack exceeds");
        assert!(
            rep.contains("\nfatal error: stack overflow\n\nruntime stack:\nruntime::signal::sighandler(...)\n"),
            "{how}\n{rep}"
        );
        assert!(rep.contains("\n\ngoroutine 1 [running]:\n"), "{how}\n{rep}");
        assert!(rep.matches("panics::recurse(...)").count() > 50, "{how}\n{rep}");
        assert!(rep.contains("\n...additional frames elided...\n"), "{how}: Go's 100-frame limit\n{rep}");
    }
}

#[test]
fn sigquit_dumps_every_goroutine_and_the_registers_then_exits_2() {
    let cue = Cue { after: "quit: waiting\n".into(), action: CueAction::Signal(SIGQUIT) };
    let both = run_both(RunOptions { quiet: true, cue: Some(cue), ..with(program::PANICS, &["quit"], &[]) });
    both.assert_outcome(Outcome::Exited(2));
    for (how, r) in both.each() {
        let rep = report(r, "SIGQUIT: quit\nPC=0x");
        // The signal may find main still in the write of its line (running) or already asleep.
        assert!(rep.contains("goroutine 1 [sleep]:\n") || rep.contains("goroutine 1 [running]:\n"), "{how}\n{rep}");
        for needle in ["goroutine 6 [chan receive]:\n", "\ncreated by panics::main\n", "\nrip    0x", "\nrflags 0x"] {
            assert!(rep.contains(needle), "{how}: no {needle:?}\n{rep}");
        }
    }
}
