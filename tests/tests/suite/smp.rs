//! rt0's own programs on four CPUs: the runtime's start-up, goroutines, parking and crash texts,
//! and the kernel's thread tests, each run under `--smp 4` and natively (the host's CPUs), with
//! the same results as on one CPU. The kernel's scheduling across CPUs itself is tested by
//! `tests/real/c/smp.c` (real.rs) and measured by `smpbench` (the bench command).
use qemu::{Outcome, RunOptions, program};
use tests::*;

/// `opts` on four CPUs.
fn four(opts: RunOptions) -> RunOptions {
    RunOptions { smp: 4, quiet: true, ..opts }
}

#[test]
fn the_demo_on_four_cpus_prints_what_it_prints_natively() {
    let both = run_both(four(with(program::DEMO, &["x"], &["K=V"])));
    both.assert_outcome(Outcome::Exited(0));
    // The auxv keys differ (rt0 passes its own AT_RT0_* entries); everything else is the same.
    let lines = |r: &qemu::RunResult| -> Vec<String> {
        stdout(r).lines().filter(|l| !l.starts_with("auxv ")).map(String::from).collect()
    };
    assert_eq!(lines(&both.qemu), lines(&both.native), "user output differs between QEMU and native");
    let out = stdout(&both.qemu);
    assert!(out.contains("inits ran in order: demo/base demo/log demo/store demo/app demo/zz"), "{out}");
    assert!(out.contains("= 3200040000 (expected 3200040000)"), "{out}");
}

#[test]
fn goroutines_defers_and_crash_texts_on_four_cpus() {
    // (mode, exit code, text that must appear on stdout or stderr)
    let cases: &[(&str, u8, &str)] = &[
        // Four Ps run them in parallel: which one runs first is not fixed (on one P it is the
        // newest, from runnext: runtime.rs checks that).
        ("goroutines", 0, "100 goroutines joined, 100 first halves, 100 second halves, first to run: "),
        ("main-returns", 0, "main returns with 3 goroutines still running"),
        (
            "nil",
            2,
            "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=",
        ),
        ("stack-overflow", 2, "fatal error: stack overflow"),
        ("deadlock", 2, "fatal error: all goroutines are asleep - deadlock!"),
    ];
    for &(mode, code, want) in cases {
        let both = run_both(four(with(program::GOFEATURES, &[mode], &[])));
        for (how, r) in both.each() {
            let text = format!("{}{}", stdout(r), r.log);
            assert_eq!(r.outcome, Outcome::Exited(code), "{mode} {how}\n{text}");
            assert!(text.contains(want), "{mode} {how}: want {want:?}\n{text}");
        }
    }
}

#[test]
fn parking_and_the_runtime_mutex_on_four_cpus() {
    let cases: &[(&str, &str)] = &[
        ("waitgroup", "parking: 1000 goroutines joined, sum 500500 (expected 500500)\n"),
        ("contend", "sema lock total 8000, runtime mutex total 8000 (expected 8000)\n"),
        ("threads", "parking: 3 threads x 20000 rounds under the runtime mutex: 60000 (expected 60000)\n"),
    ];
    for &(mode, want) in cases {
        let both = run_both(four(with(program::PARKING, &[mode], &[])));
        both.assert_outcome(Outcome::Exited(0));
        both.assert_same_stdout();
        assert!(stdout(&both.qemu).contains(want), "{mode}\n{}", stdout(&both.qemu));
    }
}

#[test]
fn the_kernel_thread_tests_pass_on_four_cpus() {
    let both = run_both(four(run_program(program::THREADS)));
    both.assert_outcome(Outcome::Exited(0));
    for (how, r) in both.each() {
        let out = stdout(r);
        assert!(out.contains("threads: 9 passed, 0 failed"), "{how}\n{out}");
    }
}

#[test]
fn goroutines_spawned_on_one_p_run_on_every_p() {
    // Eight CPU-bound goroutines started by main all land on main's P; idle Ps are woken
    // (wakep) and their spinning Ms steal them: with GOMAXPROCS=N they run on N Ms (by M id),
    // in QEMU on four CPUs and natively, with the same checksum.
    for procs in [1, 2, 4] {
        let env = format!("GOMAXPROCS={procs}");
        let both = run_both(four(with(program::PROCS, &["spread"], &[env.as_str()])));
        both.assert_outcome(Outcome::Exited(0));
        for (how, r) in both.each() {
            assert_eq!(
                stdout(r),
                format!(
                    "procs: 8 goroutines done: 8, checksum 25773648805053591\n\
                     procs: GOMAXPROCS={procs}: spawned on one P, they ran on {procs} Ms\n"
                ),
                "{how}\n{}",
                r.log
            );
        }
    }
}

#[test]
fn cpu_bound_goroutines_finish_on_two_ps_with_the_same_checksum() {
    for procs in [1, 2] {
        let env = format!("GOMAXPROCS={procs}");
        let both = run_both(RunOptions { smp: 2, quiet: true, ..with(program::PROCS, &["spin"], &[env.as_str()]) });
        both.assert_outcome(Outcome::Exited(0));
        for (how, r) in both.each() {
            assert_eq!(stdout(r), "procs: 4 workers done, checksum 85898751516152595\n", "{how}\n{}", r.log);
        }
    }
}

#[test]
fn a_hundred_thousand_goroutines_alive_at_once() {
    // Each goroutine has a fixed 64 KiB stack with a guard page below it. As a PROT_NONE page the
    // guard would split the heap's mapping twice per stack, and vm.max_map_count (65,530, rt0's
    // and Linux's) would stop the program near 32,700 goroutines; as a guard marker
    // (MADV_GUARD_INSTALL, Linux 6.13) it costs no mapping. 100,000 park on one channel and all
    // wake when it closes (two CPUs, two Ps).
    let both = run_both(RunOptions {
        smp: 2,
        memory_mib: 1024,
        quiet: true,
        ..with(program::PROCS, &["many", "100000"], &[])
    });
    both.assert_outcome(Outcome::Exited(0));
    both.assert_same_stdout();
    assert_eq!(
        stdout(&both.qemu),
        "procs: 100000 goroutines alive at once\nprocs: all woke, checksum 4999950000 (expected 4999950000)\n"
    );
}
