//! Real programs, unmodified: small Go, C (musl and glibc) and busybox programs, and Go's own std
//! test binaries, compiled here with the host's toolchains and run on rt0 (QEMU) and natively;
//! both runs must print the same stdout and end with the same exit code, and that output must be
//! the one written down here. The sources are in `tests/real/`; the builds are cached in
//! `target/tmp/real/` (rebuilt when a source is newer). A missing toolchain prints
//! `skipped: <tool> missing` on stderr and the test returns; CI (`.ci/run`) installs them all:
//! Debian's `golang-1.19-go`, `musl-tools`, `gcc` + `libc6-dev`, `busybox-static`.
//!
//! Not yet — each of these fails on rt0 today (and runs natively):
//! - busybox applets reading stdin (`busybox sha256sum` with no input): no end of file on fd 0 in
//!   QEMU when the runner gives no stdin; the run times out (the console of issue 8, item 3).
//! - Go's `sync` TestMutexMisuse runs the test binary again as a child: os/exec opens /dev/null
//!   (served), then forks with clone(CLONE_VM|CLONE_VFORK|SIGCHLD), which rt0 answers EAGAIN, as
//!   Linux does at its process limit (RLIMIT_NPROC, a pids cgroup); the test then FAILs with
//!   `fork/exec …: resource temporarily unavailable` for each of its 8 cases (there is no skip for
//!   that in Go). `go_std_sync` checks exactly that and compares every other test of the package.
//! - Go's `encoding/json` tests: TestHTTPDecoding starts an httptest server → `socket` (41) →
//!   -ENOSYS, a FAIL. `hash/crc32` passes but skips TestArchIEEE and TestArchCastagnoli in QEMU
//!   only: the runner's qemu64 CPU lacks SSE4.2/PCLMULQDQ (the CPU model, not a syscall).
//!   `strconv` and `regexp` read testdata/ files from their source folder (they need a filesystem).
//! - Calls that fail harmlessly today: glibc's `rseq` (334) (it copes), musl's `mremap` (25).
use qemu::{Outcome, RunOptions, RunResult};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use tests::*;

// ---- toolchains and builds -------------------------------------------------------------

/// Where the built programs live between runs.
fn cache() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("real");
    std::fs::create_dir_all(&dir).expect("create the build cache");
    dir
}

/// A source under `tests/real/`.
fn source(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("real").join(rel)
}

/// The first of `known` that exists, else `name` found on PATH.
fn find_tool(name: &str, known: &[&str]) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").into_iter().flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>());
    known.iter().map(PathBuf::from).chain(on_path.map(|dir| dir.join(name))).find(|p| p.is_file())
}

/// Says on the test's real stderr (not captured, so never a silent pass) that it did not run.
fn skipped(tool: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {tool} missing");
}

/// Go 1.19, preferring Debian's golang-1.19-go.
fn go() -> Option<PathBuf> {
    find_tool("go", &["/usr/lib/go-1.19/bin/go"])
}

/// True when `out` exists and is newer than every one of `sources`.
fn fresh(out: &Path, sources: &[&Path]) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match modified(out) {
        Some(built) => sources.iter().all(|s| modified(s).is_some_and(|m| m <= built)),
        None => false,
    }
}

/// Runs `cmd` to build `out` unless `out` is fresh; fails the test with the tool's output if the
/// build fails. Each build writes its own temporary file and renames it into place, so two tests
/// (or two test processes) building the same program never see a half-written file.
fn build(out: &Path, sources: &[&Path], mut cmd: impl FnMut(&Path) -> Command) -> PathBuf {
    static BUILDS: AtomicUsize = AtomicUsize::new(0);
    if !fresh(out, sources) {
        let n = BUILDS.fetch_add(1, Ordering::Relaxed);
        let tmp = out.with_extension(format!("tmp{}-{n}", std::process::id()));
        let mut c = cmd(&tmp);
        let res = c.output().unwrap_or_else(|e| panic!("cannot run {c:?}: {e}"));
        assert!(
            res.status.success(),
            "build failed: {c:?}\n{}{}",
            String::from_utf8_lossy(&res.stdout),
            String::from_utf8_lossy(&res.stderr)
        );
        std::fs::rename(&tmp, out).expect("move the build into place");
    }
    out.to_path_buf()
}

/// A `go` command with a static, cgo-free build and its caches under target/.
fn go_command(go: &Path) -> Command {
    let cache = cache();
    let mut c = Command::new(go);
    c.env("CGO_ENABLED", "0")
        .env("GOCACHE", cache.join("gocache"))
        .env("GOPATH", cache.join("gopath"))
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .env("GOENV", "off");
    c
}

/// Builds `tests/real/go/<name>/main.go` (stripped: the ramdisk is read sector by sector).
fn go_program(go: &Path, name: &str) -> PathBuf {
    let src = source(&format!("go/{name}/main.go"));
    build(&cache().join(format!("go-{name}")), &[src.as_path()], |out| {
        let mut c = go_command(go);
        c.args(["build", "-trimpath", "-ldflags=-s -w", "-o"]).arg(out).arg(&src);
        c
    })
}

/// Builds the test binary of Go's std package `pkg` (`go test -c`).
fn go_std_test(go: &Path, pkg: &str) -> PathBuf {
    build(&cache().join(format!("gotest-{}", pkg.replace('/', "_"))), &[], |out| {
        let mut c = go_command(go);
        c.args(["test", "-c", "-ldflags=-s -w", "-o"]).arg(out).arg(pkg);
        c
    })
}

/// A C compiler and the name its builds carry.
struct Cc {
    tool: PathBuf,
    libc: &'static str,
}

fn musl_gcc() -> Option<Cc> {
    find_tool("musl-gcc", &[]).map(|tool| Cc { tool, libc: "musl" })
}

fn glibc_gcc() -> Option<Cc> {
    find_tool("gcc", &[]).map(|tool| Cc { tool, libc: "glibc" })
}

/// Builds `tests/real/c/<name>.c` as a static, stripped ET_EXEC.
fn c_program(cc: &Cc, name: &str) -> PathBuf {
    let src = source(&format!("c/{name}.c"));
    build(&cache().join(format!("c-{name}-{}", cc.libc)), &[src.as_path()], |out| {
        let mut c = Command::new(&cc.tool);
        c.args(["-static", "-no-pie", "-O2", "-s", "-o"]).arg(out).arg(&src).arg("-lpthread");
        c
    })
}

// ---- running both ways -----------------------------------------------------------------

/// Options that run the ELF at `path` with argv[1..] = `args` and exactly the environment `env`.
fn real(path: &Path, args: &[&str], env: &[&str]) -> RunOptions {
    RunOptions {
        program: Some(path.to_path_buf()),
        args: args.iter().map(OsString::from).collect(),
        env: env.iter().map(OsString::from).collect(),
        ..base()
    }
}

/// Runs `opts` in QEMU and natively; both must exit with `exit` and print exactly `want`.
fn expect(opts: RunOptions, want: &str, exit: u8) -> Both {
    let both = run_both(opts);
    both.assert_outcome(Outcome::Exited(exit));
    both.assert_same_stdout();
    assert_eq!(stdout(&both.qemu), want, "both printed this, but not what the program should print");
    both
}

// ---- Go --------------------------------------------------------------------------------

/// What `tests/real/go/features` prints with the arguments `one two three`.
const GO_FEATURES: &str = "\
go features
goroutines while 5 are parked: 6
args: one,two,three
sum of squares 1..10: 385
words: brown=1 dog=1 end=1 fox=1 jumps=1 lazy=1 over=1 quick=1 the=3
sorted desc: [88 56 42 19 7 3 1]
json: {\"name\":\"x\",\"count\":3,\"tags\":[\"a\",\"b\"],\"attrs\":{\"a\":\"z\",\"k\":\"v\"}} <nil>
decoded: {Name:y Count:7 Tags:[q] Attrs:map[]} <nil>
pipeline: [ALPHA BETA GAMMA DELTA]
recovered: assignment to entry in nil map
errors.Is: true
";

#[test]
fn go_goroutines_channels_maps_json_and_exit_code() {
    let Some(go) = go() else { return skipped("go") };
    let prog = go_program(&go, "features");
    expect(real(&prog, &["one", "two", "three"], &[]), GO_FEATURES, 3);
}

#[test]
fn go_features_on_two_cpus() {
    let Some(go) = go() else { return skipped("go") };
    let prog = go_program(&go, "features");
    // Two CPUs and GOMAXPROCS=2 (natively too): two Ps, so goroutines run on two threads at once.
    expect(RunOptions { smp: 2, ..real(&prog, &["one", "two", "three"], &["GOMAXPROCS=2"]) }, GO_FEATURES, 3);
}

#[test]
fn go_unrecovered_panic_prints_its_traceback_and_exits_2() {
    let Some(go) = go() else { return skipped("go") };
    let prog = go_program(&go, "panic");
    let both = expect(real(&prog, &[], &[]), "before the panic\n", 2);
    for (how, r) in both.each() {
        for needle in
            ["panic: runtime error: index out of range [5] with length 3", "goroutine 1 [running]:", "main.main()"]
        {
            assert!(r.log.contains(needle), "{how}: {needle:?} not on stderr\n{}", r.log);
        }
    }
}

/// What a `-test.v` run reports: its top-level `--- PASS/FAIL/SKIP: TestName` lines (durations
/// dropped, sorted: parallel tests finish in any order), the number of subtest lines of each
/// kind (subtest names may hold addresses or error texts), and the final verdict.
fn test_results(r: &RunResult) -> Vec<String> {
    let out = stdout(r);
    let kinds = ["--- PASS: ", "--- FAIL: ", "--- SKIP: "];
    let mut lines: Vec<String> = out
        .lines()
        .filter(|l| kinds.iter().any(|k| l.starts_with(k)))
        .map(|l| l.rsplit_once(" (").map_or(l, |(name, _)| name).to_string())
        .collect();
    lines.sort();
    for kind in kinds {
        let subtests = out.lines().filter(|l| l.starts_with(' ') && l.trim_start().starts_with(kind)).count();
        lines.push(format!("subtests {kind}{subtests}"));
    }
    lines.extend(out.lines().rev().find(|l| *l == "PASS" || *l == "FAIL").map(str::to_string));
    lines
}

/// Runs Go's own tests of `pkg` both ways, examples included (their output goes through a pipe)
/// and with the garbage collector on: the same tests must pass (at least `min` of them) and none
/// may fail.
fn go_std(pkg: &str, min: usize) {
    let Some(go) = go() else { return skipped("go") };
    go_std_run(&go_std_test(&go, pkg), pkg, min, &[]);
}

/// Runs the test binary `prog` of `pkg` with `-test.v -test.short` and `extra` arguments both
/// ways, natively on one CPU as rt0 runs it (tests that need two CPUs, such as sync/atomic's
/// TestStoreLoadSeqCst32, skip both ways), and compares the results.
fn go_std_run(prog: &Path, pkg: &str, min: usize, extra: &[&str]) {
    let args: Vec<&str> = ["-test.v", "-test.short"].iter().chain(extra).copied().collect();
    let both = run_both(RunOptions { native_one_cpu: true, ..real(prog, &args, &[]) });
    both.assert_outcome(Outcome::Exited(0));
    let (q, n) = (test_results(&both.qemu), test_results(&both.native));
    assert_eq!(q, n, "{pkg}: QEMU and native test results differ\n--- qemu log ---\n{}", both.qemu.log);
    assert_eq!(q.last().map(String::as_str), Some("PASS"), "{pkg}: {q:?}");
    let passed = q.iter().filter(|l| l.starts_with("--- PASS")).count();
    assert!(passed >= min, "{pkg}: only {passed} tests passed\n{q:#?}");
    assert!(!q.iter().any(|l| l.starts_with("--- FAIL")), "{pkg}: {q:#?}");
    assert!(q.iter().any(|l| l == "subtests --- FAIL: 0"), "{pkg}: {q:#?}");
}

/// The tests, benchmarks and examples of a Go test binary (`-test.list .`, run natively).
fn go_test_names(prog: &Path) -> Vec<String> {
    let out = Command::new(prog).args(["-test.list", "."]).output().expect("run the test binary natively");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.starts_with("ok ")).map(str::to_string).collect()
}

#[test]
fn go_std_sort() {
    go_std("sort", 26);
}

#[test]
fn go_std_strings() {
    go_std("strings", 64);
}

#[test]
fn go_std_bytes() {
    go_std("bytes", 85);
}

#[test]
fn go_std_container_list() {
    go_std("container/list", 10);
}

#[test]
fn go_std_container_heap() {
    go_std("container/heap", 7);
}

#[test]
fn go_std_unicode_utf8() {
    go_std("unicode/utf8", 14);
}

#[test]
fn go_std_errors() {
    go_std("errors", 6);
}

#[test]
fn go_std_math() {
    go_std("math", 75);
}

#[test]
fn go_std_math_bits() {
    go_std("math/bits", 26);
}

#[test]
fn go_std_unicode() {
    go_std("unicode", 28);
}

#[test]
fn go_std_encoding_hex() {
    go_std("encoding/hex", 12);
}

#[test]
fn go_std_context_timers_and_deadlines() {
    go_std("context", 20);
}

#[test]
fn go_std_bufio() {
    go_std("bufio", 40);
}

#[test]
fn go_std_encoding_base64() {
    go_std("encoding/base64", 15);
}

#[test]
fn go_std_sync_atomic() {
    go_std("sync/atomic", 70);
}

#[test]
fn go_std_math_big() {
    go_std("math/big", 190);
}

/// Go's `sync` tests but TestMutexMisuse, which re-runs the test binary as a child: on rt0 that
/// fails as on a Linux at its process limit (see the list at the top), and is checked to do so.
#[test]
fn go_std_sync() {
    let Some(go) = go() else { return skipped("go") };
    let prog = go_std_test(&go, "sync");
    let names = go_test_names(&prog);
    assert!(names.iter().any(|n| n == "TestMutexMisuse"), "{names:?}");
    let others: Vec<&str> = names.iter().map(String::as_str).filter(|n| *n != "TestMutexMisuse").collect();
    assert!(others.len() > 30, "{others:?}");
    go_std_run(&prog, "sync", 30, &["-test.run", &format!("^({})$", others.join("|"))]);

    let misuse = qemu::run(&real(&prog, &["-test.v", "-test.run", "^TestMutexMisuse$"], &[]));
    assert_outcome(&misuse, Outcome::Exited(1));
    let out = stdout(&misuse);
    assert!(out.contains("--- FAIL: TestMutexMisuse"), "{out}");
    assert!(out.contains("fork/exec") && out.contains("resource temporarily unavailable"), "{out}");
}

#[test]
fn go_sleep_ticker_after_and_select_timeout() {
    let Some(go) = go() else { return skipped("go") };
    let prog = go_program(&go, "timers");
    expect(real(&prog, &[], &[]), "after fired\ngot 7\nticks 3 slept enough: true\n", 0);
}

#[test]
fn go_tight_loop_is_preempted_with_one_p() {
    let Some(go) = go() else { return skipped("go") };
    let prog = go_program(&go, "preempt");
    // GOMAXPROCS=1 and a goroutine spinning without calls: only sysmon's SIGURG (tgkill) lets
    // main run again.
    let both = expect(real(&prog, &[], &[]), "preempted the tight loop\n", 0);
    let _ = both;
}

// ---- C ---------------------------------------------------------------------------------

fn c_hello(cc: Option<Cc>, tool: &str) {
    let Some(cc) = cc else { return skipped(tool) };
    let prog = c_program(&cc, "hello");
    let want = "hello from C, argc=4\nargv[1]=x\nargv[2]=y z\nargv[3]=\nenv A=1\nenv EXIT=200\n";
    expect(real(&prog, &["x", "y z", ""], &["A=1", "EXIT=200"]), want, 200);
}

fn c_malloc(cc: Option<Cc>, tool: &str) {
    let Some(cc) = cc else { return skipped(tool) };
    expect(real(&c_program(&cc, "malloc"), &[], &[]), "checksum 10444800 big 7\n", 0);
}

fn c_libc(cc: Option<Cc>, tool: &str) {
    let Some(cc) = cc else { return skipped(tool) };
    let want = "\
constructor ran: 42
ints: -7    42|42   | beef 10 -1234567890123 +5
floats: 3.142 1.234568e+04 0.0001 1e+20 2
snprintf: 16 \"truncat\"
strtod: -2500.000000 strtol: 31 511
overflow sets ERANGE: 1
0 1 2 3 4 5 6 7 8 9
bsearch 7 at 7
[alpha][beta][gamma] strlen=5 strcmp=1 strstr=stack
longjmp returned 17
atexit: second registered, runs first
atexit: first registered, runs last
";
    expect(real(&c_program(&cc, "libc"), &[], &[]), want, 9);
}

#[test]
fn musl_hello_argv_env_and_exit_code() {
    c_hello(musl_gcc(), "musl-gcc");
}

#[test]
fn glibc_hello_argv_env_and_exit_code() {
    c_hello(glibc_gcc(), "gcc");
}

#[test]
fn musl_malloc_free_realloc_and_mmap_sized_blocks() {
    c_malloc(musl_gcc(), "musl-gcc");
}

#[test]
fn glibc_malloc_free_realloc_and_mmap_sized_blocks() {
    c_malloc(glibc_gcc(), "gcc");
}

#[test]
fn musl_stdio_strtod_qsort_setjmp_and_atexit() {
    c_libc(musl_gcc(), "musl-gcc");
}

#[test]
fn glibc_stdio_strtod_qsort_setjmp_and_atexit() {
    c_libc(glibc_gcc(), "gcc");
}

fn c_threads(cc: Option<Cc>, tool: &str) {
    let Some(cc) = cc else { return skipped(tool) };
    let want = "thread 0 has the token\nthread 1 has the token\nthread 2 has the token\n\
                thread 3 has the token\ncounter 200000 joined 60\n";
    expect(real(&c_program(&cc, "threads"), &[], &[]), want, 0);
}

#[test]
fn glibc_pthreads_mutex_condvar_and_join() {
    c_threads(glibc_gcc(), "gcc");
}

#[test]
fn musl_pthreads_mutex_condvar_and_join() {
    c_threads(musl_gcc(), "musl-gcc");
}

fn c_signals(cc: Option<Cc>, tool: &str) {
    let Some(cc) = cc else { return skipped(tool) };
    let want = "raise: handler got 10, si_code SI_TKILL 1, from this process 1\n\
                blocked: handler ran 0\nunblocked: handler ran 1, si_code SI_USER 1\n\
                broken pipe: -1 Broken pipe\n";
    let both = expect(real(&c_program(&cc, "signals"), &[], &[]), want, 134);
    let line = assert_in_order(&both.qemu, &["SIGABRT: abort, sent by pid 1 at pc="])[0];
    assert!(line.ends_with("(core dumped)"), "{line}");
}

#[test]
fn musl_raise_kill_sigpipe_and_abort() {
    c_signals(musl_gcc(), "musl-gcc");
}

#[test]
fn glibc_raise_kill_sigpipe_and_abort() {
    c_signals(glibc_gcc(), "gcc");
}

/// Bad input (tests/real/c/badinput.c): signal floods, descriptors closed under epoll_wait,
/// pipes without readers, 10,000 descriptors in one epoll, EMFILE at RLIMIT_NOFILE, bad
/// pointers. Each check prints Linux's answer as `ok`; both runs must print the same lines,
/// every one of them `ok`, and exit 0 — the kernel survives all of it with Linux's answers.
fn c_bad_input(cc: Option<Cc>, tool: &str) {
    let Some(cc) = cc else { return skipped(tool) };
    let both = run_both(real(&c_program(&cc, "badinput"), &[], &[]));
    both.assert_outcome(Outcome::Exited(0));
    both.assert_same_stdout();
    let out = stdout(&both.qemu);
    let failed: Vec<&str> = out.lines().filter(|l| !l.ends_with(": ok")).collect();
    assert_eq!(failed, [format!("{} passed, 0 failed", out.lines().count() - 1)], "{out}");
    assert!(out.lines().count() > 250, "{out}");
    for needle in [
        "20000 tgkill to itself, the handler ran 20000 times: ok",
        "unblocked: the merged signal ran the handler once: ok",
        "the wait went on and saw the later event: ok",
        "closing the last descriptor removes the item: the wait timed out: ok",
        "and SIGPIPE, si_code SI_USER, from this process: ok",
        "all written: epoll_wait reports all 10000, each once: ok",
        "and the failure is EMFILE: ok",
        "epoll_wait with the second event in a hole: 1: ok",
    ] {
        assert!(out.contains(needle), "{needle:?} missing\n{out}");
    }
}

#[test]
fn musl_bad_input_gets_linux_answers() {
    c_bad_input(musl_gcc(), "musl-gcc");
}

#[test]
fn glibc_bad_input_gets_linux_answers() {
    c_bad_input(glibc_gcc(), "gcc");
}

// ---- Rust std --------------------------------------------------------------------------

/// rustc with the x86_64-unknown-linux-musl target's std (rust-toolchain.toml lists it).
fn rustc_musl() -> Option<PathBuf> {
    let rustc = find_tool("rustc", &[])?;
    let libdir = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", "x86_64-unknown-linux-musl"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let dir = PathBuf::from(String::from_utf8_lossy(&libdir.stdout).trim());
    dir.is_dir().then_some(rustc)
}

/// Builds `tests/real/rust/hello.rs` as a static ET_EXEC against musl. One build at a time:
/// rustc names its intermediate files after the crate, next to the output.
fn rust_hello(rustc: &Path) -> PathBuf {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let src = source("rust/hello.rs");
    build(&cache().join("rust-hello"), &[src.as_path()], |out| {
        let mut c = Command::new(rustc);
        c.args(["--edition", "2021", "-O", "--target", "x86_64-unknown-linux-musl"])
            .args(["-C", "relocation-model=static", "-C", "target-feature=+crt-static", "-C", "strip=symbols"])
            .arg("-o")
            .arg(out)
            .arg(&src)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        c
    })
}

#[test]
fn rust_std_threads_channels_and_exit_code() {
    let Some(rustc) = rustc_musl() else { return skipped("rustc's x86_64-unknown-linux-musl target") };
    let want = "hello from Rust\nargs: [\"a\", \"b\"]\n{\"a\": 3, \"is\": 2, \"rose\": 3}\nsum 60\n";
    expect(real(&rust_hello(&rustc), &["a", "b"], &[]), want, 2);
}

#[test]
fn rust_std_panic_exits_101() {
    let Some(rustc) = rustc_musl() else { return skipped("rustc's x86_64-unknown-linux-musl target") };
    let want = "hello from Rust\nargs: [\"panic\"]\n{\"a\": 3, \"is\": 2, \"rose\": 3}\nsum 60\n";
    let both = expect(real(&rust_hello(&rustc), &["panic"], &[]), want, 101);
    for (how, r) in both.each() {
        assert!(r.log.contains("asked to panic"), "{how}: the panic message is missing\n{}", r.log);
    }
}

// ---- busybox ---------------------------------------------------------------------------

/// Runs `busybox ARGS…` both ways for each case: (args, stdout, exit code). Busybox picks the
/// applet from argv[1] because argv[0] (the path) ends in `busybox`.
fn busybox(cases: &[(&[&str], &str, u8)]) {
    let Some(bb) = find_tool("busybox", &["/bin/busybox"]) else { return skipped("busybox") };
    for &(args, want, exit) in cases {
        let both = run_both(real(&bb, args, &[]));
        for (how, r) in both.each() {
            assert!(
                r.outcome == Outcome::Exited(exit) && stdout(r) == want,
                "{how}: busybox {args:?}: expected {want:?} and exit {exit}, got {:?} and {:?}\n{}",
                stdout(r),
                r.outcome,
                r.log
            );
        }
    }
}

#[test]
fn busybox_echo_basename_and_seq() {
    busybox(&[
        (&["echo", "hello", "world"], "hello world\n", 0),
        (&["basename", "/a/b/c.txt", ".txt"], "c\n", 0),
        (&["seq", "1", "5"], "1\n2\n3\n4\n5\n", 0),
    ]);
}

#[test]
fn busybox_exit_codes() {
    busybox(&[
        (&["true"], "", 0),
        (&["false"], "", 1),
        (&["expr", "1", "=", "2"], "0\n", 1),
        (&["sh", "-c", "echo hi; exit 3"], "hi\n", 3),
    ]);
}

#[test]
fn busybox_printf() {
    busybox(&[(&["printf", "%s-%d|%5.2f\\n", "ab", "42", "3.14159"], "ab-42| 3.14\n", 0)]);
}

#[test]
fn busybox_arithmetic() {
    busybox(&[(&["expr", "6", "*", "7"], "42\n", 0), (&["factor", "360"], "360: 2 2 2 3 3 5\n", 0)]);
}

#[test]
fn busybox_sh_loops_arithmetic_and_case() {
    let script = r#"i=0; s=0; while [ $i -lt 10 ]; do i=$((i+1)); s=$((s+i*i)); done; echo "sum $s"
case "$s" in 385) echo matched;; *) echo no;; esac
set -- a "b c" d; echo "$# args, second '$2'"; exit $((s % 100))"#;
    busybox(&[(&["sh", "-c", script], "sum 385\nmatched\n3 args, second 'b c'\n", 85)]);
}
