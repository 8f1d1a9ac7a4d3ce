//! Helpers for the in-QEMU tests: boot with a kernel command line, or run a program in QEMU and
//! natively ([`run_both`]), then assert on the outcome and on log lines in order. Every boot has a
//! hard timeout; on any failed assertion the whole captured serial log is printed.
pub use qemu::program::{self, Program};
use qemu::{Outcome, RunOptions, RunResult};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;

/// Hard limit for one boot in a test (a boot to the kernel takes about 0.3 s under TCG on an idle
/// host, several seconds on a loaded one).
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(90);

/// Boots the kernel with `kernel_args` on its command line.
pub fn boot(kernel_args: &[&str]) -> RunResult {
    boot_with(RunOptions { kernel_args: kernel_args.iter().map(|s| s.to_string()).collect(), ..base() })
}

/// Boots with explicit options.
pub fn boot_with(opts: RunOptions) -> RunResult {
    run(&opts)
}

pub mod machine;
use machine::{Cores, Share};

/// The host's cores, held by each run for its length (see [`machine`]).
static MACHINE: Cores = Cores::new();

/// [`qemu::run`] with the machine to itself whatever the guest's CPU count: for a guest whose
/// CPUs spin until every other one has arrived, which a host thread beside it slows fourfold.
/// (`--icount` runs need not: restored from a snapshot, they repeat to the instruction whatever
/// the host's load, qemu/src/snapshot.rs; nor do wall-clock sleeps, judged by the best of a few
/// tries, which overshot by 20-50 us beside a loaded host's runs.)
pub fn run_alone(opts: &RunOptions) -> RunResult {
    let _alone = MACHINE.hold(Share::All);
    timed("alone", opts, || qemu::run(opts))
}

/// Runs `f`, other work that loads one of the host's cores (a compiler building a test
/// program, a host program run for reference), as a share of the machine: it waits for a core
/// as a run does, and a run that has the machine to itself ([`run_alone`]) waits for it to end
/// instead of timing its sleeps against it.
pub fn sharing<T>(f: impl FnOnce() -> T) -> T {
    let _shared = MACHINE.hold(Share::One);
    f()
}

/// Runs `f` (one run of `opts`) and, when the environment names a file in `RT0_TEST_TIMES`,
/// appends a line to it: seconds, how the run held the machine (`shared`: a share, `alone`: all
/// of them, `waiting`: none), the
/// CPU count, whether it ran natively, and the test. What the suite's time is made of
/// (BENCHMARKS.md): a test's own time also counts its waits for the machine, a run's does not.
fn timed(held: &str, opts: &RunOptions, f: impl FnOnce() -> RunResult) -> RunResult {
    let start = std::time::Instant::now();
    let r = f();
    if let Some(path) = std::env::var_os("RT0_TEST_TIMES") {
        use std::io::Write;
        let test = std::thread::current().name().unwrap_or("?").to_string();
        let line =
            format!("{:.3} {held} smp={} native={} {test}\n", start.elapsed().as_secs_f64(), opts.smp, opts.native);
        // One write per line with O_APPEND: lines from parallel tests never cut each other.
        let file = std::fs::OpenOptions::new().append(true).create(true).open(&path);
        if let Err(e) = file.and_then(|mut f| f.write_all(line.as_bytes())) {
            panic!("RT0_TEST_TIMES={}: {e}", path.to_string_lossy());
        }
    }
    r
}

/// [`run_both`] with the QEMU run alone ([`run_alone`]) and the native one on a core: for a
/// several-CPU guest whose CPUs must all run at once (threads that spin until the others
/// arrive), which a host thread beside it slows fourfold.
pub fn run_both_qemu_alone(opts: RunOptions) -> Both {
    let qemu = run_alone(&RunOptions { native: false, ..opts.clone() });
    let native = run(&RunOptions { native: true, ..opts });
    Both { qemu, native }
}

/// `opts` run by `run` in QEMU and, on a thread of its own at the same time, natively. The
/// thread takes the test's name (RT0_TEST_TIMES names runs by thread).
fn at_once(opts: RunOptions, run: impl Fn(&RunOptions) -> RunResult + Sync) -> Both {
    let (in_qemu, native) = (RunOptions { native: false, ..opts.clone() }, RunOptions { native: true, ..opts });
    std::thread::scope(|s| {
        let name = std::thread::current().name().unwrap_or("?").to_string();
        let beside = std::thread::Builder::new().name(name).spawn_scoped(s, || run(&native)).expect("a thread");
        let qemu = run(&in_qemu);
        Both { qemu, native: beside.join().unwrap_or_else(|p| std::panic::resume_unwind(p)) }
    })
}

/// [`qemu::run`] on one of the host's cores, whatever the guest's CPU count (see [`machine`]).
pub fn run(opts: &RunOptions) -> RunResult {
    let _shared = MACHINE.hold(Share::One);
    timed("shared", opts, || qemu::run(opts))
}

/// The options every test starts from.
pub fn base() -> RunOptions {
    RunOptions { timeout: Some(BOOT_TIMEOUT), ..Default::default() }
}

/// Options that run `program` with argv[1..] = `args` (any bytes) and exactly the environment
/// `env` (`KEY=VALUE` entries), in QEMU; set `native: true` to run it on the host instead.
pub fn with<A: AsRef<[u8]>>(program: Program, args: &[A], env: &[&str]) -> RunOptions {
    RunOptions {
        program: Some(program.path()),
        args: args.iter().map(|a| OsString::from_vec(a.as_ref().to_vec())).collect(),
        env: env.iter().map(OsString::from).collect(),
        ..base()
    }
}

/// Options that run `program` without arguments, with the environment `env`.
pub fn with_env(program: Program, env: &[&str]) -> RunOptions {
    with::<&str>(program, &[], env)
}

/// Options that run `program` without arguments or environment.
pub fn run_program(program: Program) -> RunOptions {
    with_env(program, &[])
}

/// One program run both ways: in QEMU on rt0's kernel and natively on the host's Linux, with the
/// same ELF, argv and environment — the differential test.
#[derive(Debug)]
pub struct Both {
    pub qemu: RunResult,
    pub native: RunResult,
}

/// One run that spends its length waiting (a hang that only the timeout ends), holding no share
/// of the machine ([`run_both_waiting`]).
pub fn run_waiting(opts: &RunOptions) -> RunResult {
    timed("waiting", opts, || qemu::run(opts))
}

/// Runs `opts` in QEMU and natively at the same time (`opts.native` is ignored) holding no share
/// of the machine: for programs that spend their run asleep (timed sleeps), each run a burst of
/// work (a boot, a program's start) and then a wait, whose two shares would otherwise stand idle
/// while the others' runs queue for them. Such a pair beside the others' runs keeps the host
/// below the load timing.c's sleeps were measured under (two spinning host threads and a
/// four-CPU QEMU), where they overshot by 20-50 us.
pub fn run_both_waiting(opts: RunOptions) -> Both {
    at_once(opts, |o| timed("waiting", o, || qemu::run(o)))
}

/// Runs `opts` in QEMU and natively at the same time (`opts.native` is ignored), each on a core:
/// for programs that mostly wait — a sleep of seconds, a hang that only the timeout ends —
/// whose two runs would otherwise wait one after the other.
pub fn run_both_at_once(opts: RunOptions) -> Both {
    at_once(opts, run)
}

/// Runs `opts` in QEMU and then natively (`opts.native` is ignored).
pub fn run_both(opts: RunOptions) -> Both {
    let qemu = run(&RunOptions { native: false, ..opts.clone() });
    let native = run(&RunOptions { native: true, ..opts });
    Both { qemu, native }
}

impl Both {
    /// Both results with a name for failure messages ("qemu", "native"), for assertions that must
    /// hold either way.
    pub fn each(&self) -> [(&'static str, &RunResult); 2] {
        [("qemu", &self.qemu), ("native", &self.native)]
    }

    /// Fails, with that run's stdout and log, unless both ended with `expected`.
    pub fn assert_outcome(&self, expected: Outcome) {
        for (how, r) in self.each() {
            assert!(
                r.outcome == expected,
                "{how}: expected {expected:?}, got {:?}\n--- stdout ---\n{}\n--- log ---\n{}",
                r.outcome,
                String::from_utf8_lossy(&r.stdout),
                r.log
            );
        }
    }

    /// Fails unless both printed the same bytes on stdout. The message leads with the first line
    /// that differs, since CI shows only the start and the end of a long message.
    pub fn assert_same_stdout(&self) {
        if self.qemu.stdout == self.native.stdout {
            return;
        }
        let (qemu, native) = (stdout(&self.qemu), stdout(&self.native));
        panic!(
            "QEMU and native outputs differ\n{}\n--- qemu ---\n{qemu}\n--- native ---\n{native}",
            first_difference(&qemu, &native)
        );
    }
}

/// Where two outputs part: the first line that differs, numbered from 1, with the line before it.
pub fn first_difference(qemu: &str, native: &str) -> String {
    let (q, n): (Vec<&str>, Vec<&str>) = (qemu.lines().collect(), native.lines().collect());
    let at = q.iter().zip(&n).position(|(a, b)| a != b).unwrap_or(q.len().min(n.len()));
    let line = |v: &[&str], i: usize| v.get(i).map_or("(no line: the output ended)".to_string(), |l| format!("{l:?}"));
    let before = if at == 0 { "(none)".to_string() } else { line(&q, at - 1) };
    format!(
        "first difference at line {}, after {before}:\n  qemu:   {}\n  native: {}",
        at + 1,
        line(&q, at),
        line(&n, at)
    )
}

/// A run's stdout as text (lossy).
pub fn stdout(r: &RunResult) -> String {
    String::from_utf8_lossy(&r.stdout).into_owned()
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
