//! Go std conformance: builds `go test -c` binaries of Go's own std packages with Debian's Go 1.19
//! (`CGO_ENABLED=0`, static, stripped), runs each on rt0 with its source directory served
//! read-only as the working directory (`--dir SRC --cwd SRC`, so testdata/ reads work) and
//! natively the same way (the directory bind-mounted read-only, pinned to one CPU as rt0 runs a
//! program), both with `-test.short`, and says per package whether the two agree.
//! `cargo run --bin gostd` runs [`PACKAGES`]; the tests run a fast subset.
use crate::{Outcome, RunOptions, RunResult, tree::Mount};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Debian's golang-1.19-go.
pub const GO: &str = "/usr/lib/go-1.19/bin/go";
/// Its std sources.
pub const GOROOT_SRC: &str = "/usr/lib/go-1.19/src";

/// The packages the conformance command runs.
pub const PACKAGES: &[&str] = &[
    "sort",
    "strings",
    "bytes",
    "strconv",
    "unicode",
    "unicode/utf8",
    "unicode/utf16",
    "container/list",
    "container/heap",
    "container/ring",
    "errors",
    "context",
    "sync",
    "sync/atomic",
    "math",
    "math/big",
    "math/bits",
    "math/rand",
    "math/cmplx",
    "bufio",
    "io",
    "encoding/json",
    "encoding/base64",
    "encoding/base32",
    "encoding/hex",
    "encoding/binary",
    "encoding/csv",
    "hash/crc32",
    "hash/crc64",
    "hash/adler32",
    "hash/fnv",
    "crypto/sha256",
    "crypto/sha1",
    "crypto/md5",
    "regexp",
    "regexp/syntax",
    "path",
    "path/filepath",
    "text/template",
    "text/tabwriter",
    "fmt",
    "flag",
    "time",
    "os",
    "io/fs",
    "html",
    "compress/flate",
    "compress/gzip",
    "archive/tar",
];

/// What one side of a run said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Side {
    Pass,
    /// Failed: the first failing test (`--- FAIL: Name`), else what ended the run.
    Fail(String),
}

/// What a package came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    PassBoth,
    FailRt0Only(String),
    FailNativeOnly(String),
    FailBoth(String, String),
    NotBuilt(String),
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::PassBoth => write!(f, "pass on both"),
            Verdict::FailRt0Only(t) => write!(f, "fail on rt0 only: {t}"),
            Verdict::FailNativeOnly(t) => write!(f, "fail natively only: {t}"),
            Verdict::FailBoth(q, n) if q == n => write!(f, "fail on both: {q}"),
            Verdict::FailBoth(q, n) => write!(f, "fail on both: {q} on rt0, {n} natively"),
            Verdict::NotBuilt(why) => write!(f, "not built: {why}"),
        }
    }
}

/// How the runs are made.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the test binaries and Go's build cache are kept.
    pub cache: PathBuf,
    pub smp: u32,
    pub timeout: Duration,
}

/// The test binary of `pkg`, built unless it is there already (std does not change).
pub fn build(cfg: &Config, pkg: &str) -> Result<PathBuf, String> {
    let out = cfg.cache.join(format!("gotest-{}", pkg.replace('/', "_")));
    if out.is_file() {
        return Ok(out);
    }
    std::fs::create_dir_all(&cfg.cache).map_err(|e| format!("{}: {e}", cfg.cache.display()))?;
    let tmp = out.with_extension(format!("tmp{}", std::process::id()));
    let res = Command::new(GO)
        .env("CGO_ENABLED", "0")
        .env("GOCACHE", cfg.cache.join("gocache"))
        .env("GOPATH", cfg.cache.join("gopath"))
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .env("GOENV", "off")
        .args(["test", "-c", "-ldflags=-s -w", "-o"])
        .arg(&tmp)
        .arg(pkg)
        .output()
        .map_err(|e| format!("{GO}: {e}"))?;
    if !res.status.success() {
        let err = String::from_utf8_lossy(&res.stderr);
        return Err(err.lines().next().unwrap_or("go test -c failed").to_string());
    }
    if !tmp.is_file() {
        return Err("the package has no tests".into());
    }
    std::fs::rename(&tmp, &out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// What a package's tests read beyond their own directory, mounted at their own paths: Go's
/// shared `src/testdata` (compress/*, …) for every package, and `GOROOT/test` — a link into
/// /usr/share on Debian — for path/filepath's walk of it.
fn extra_mounts(pkg: &str) -> Vec<PathBuf> {
    let mut v = vec![Path::new(GOROOT_SRC).join("testdata")];
    if pkg == "path/filepath" {
        let test = Path::new(GOROOT_SRC).join("../test");
        if let Ok(target) = std::fs::canonicalize(&test) {
            v.push(target);
        }
        v.push(PathBuf::from("/usr/lib/go-1.19/test"));
    }
    v.into_iter().filter(|p| p.exists()).collect()
}

/// The options that run `bin`, the tests of `pkg`, over its source directory.
pub fn options(cfg: &Config, pkg: &str, bin: &Path) -> RunOptions {
    let src = Path::new(GOROOT_SRC).join(pkg);
    let mut dirs = vec![Mount { host: src.clone(), guest: src.clone() }];
    dirs.extend(extra_mounts(pkg).into_iter().map(|p| Mount { host: p.clone(), guest: p }));
    RunOptions {
        program: Some(bin.to_path_buf()),
        args: vec!["-test.short".into()],
        dirs,
        cwd: Some(src),
        quiet: true,
        smp: cfg.smp,
        memory_mib: 512,
        native_one_cpu: true,
        timeout: Some(cfg.timeout),
        ..Default::default()
    }
}

/// What a run of a test binary says: PASS (exit 0 and a last line `PASS`), else the first
/// failing test, a panic, or how the run ended.
pub fn side(r: &RunResult) -> Side {
    let out = String::from_utf8_lossy(&r.stdout);
    if r.outcome == Outcome::Exited(0) && out.lines().rev().find(|l| !l.is_empty()) == Some("PASS") {
        return Side::Pass;
    }
    if let Some(l) = out.lines().find(|l| l.starts_with("--- FAIL: ")) {
        let name = l.trim_start_matches("--- FAIL: ");
        return Side::Fail(name.rsplit_once(" (").map_or(name, |(n, _)| n).to_string());
    }
    let all = format!("{out}\n{}", r.log);
    if let Some(l) = all.lines().find(|l| l.starts_with("panic: ") || l.starts_with("fatal error: ")) {
        return Side::Fail(l.to_string());
    }
    Side::Fail(match &r.outcome {
        Outcome::Exited(c) => format!("exit {c}"),
        other => format!("{other:?}"),
    })
}

/// Builds and runs one package both ways; the two results (None when it could not be built).
pub fn check(cfg: &Config, pkg: &str) -> (Verdict, Option<(RunResult, RunResult)>) {
    let bin = match build(cfg, pkg) {
        Ok(b) => b,
        Err(why) => return (Verdict::NotBuilt(why), None),
    };
    let opts = options(cfg, pkg, &bin);
    let q = crate::run(&RunOptions { native: false, ..opts.clone() });
    let n = crate::run(&RunOptions { native: true, ..opts });
    let verdict = match (side(&q), side(&n)) {
        (Side::Pass, Side::Pass) => Verdict::PassBoth,
        (Side::Fail(t), Side::Pass) => Verdict::FailRt0Only(t),
        (Side::Pass, Side::Fail(t)) => Verdict::FailNativeOnly(t),
        (Side::Fail(a), Side::Fail(b)) => Verdict::FailBoth(a, b),
    };
    (verdict, Some((q, n)))
}

/// The total line: how many packages came to each verdict.
pub fn total(verdicts: &[Verdict]) -> String {
    let count = |f: fn(&Verdict) -> bool| verdicts.iter().filter(|v| f(v)).count();
    format!(
        "total: {} packages: {} pass on both, {} fail on rt0 only, {} fail natively only, {} fail on both, {} not built",
        verdicts.len(),
        count(|v| matches!(v, Verdict::PassBoth)),
        count(|v| matches!(v, Verdict::FailRt0Only(_))),
        count(|v| matches!(v, Verdict::FailNativeOnly(_))),
        count(|v| matches!(v, Verdict::FailBoth(..))),
        count(|v| matches!(v, Verdict::NotBuilt(_))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(outcome: Outcome, stdout: &str, log: &str) -> RunResult {
        RunResult {
            outcome,
            log: log.into(),
            stdout: stdout.as_bytes().to_vec(),
            elapsed: Duration::ZERO,
            restored: false,
        }
    }

    #[test]
    fn a_run_says_pass_or_its_first_failure() {
        assert_eq!(side(&result(Outcome::Exited(0), "PASS\n", "")), Side::Pass);
        let failed = "--- FAIL: TestA (0.00s)\n    --- FAIL: TestA/x (0.00s)\n--- FAIL: TestB (0.01s)\nFAIL\n";
        assert_eq!(side(&result(Outcome::Exited(1), failed, "")), Side::Fail("TestA".into()));
        assert_eq!(
            side(&result(Outcome::Exited(2), "", "panic: boom\n\ngoroutine 1")),
            Side::Fail("panic: boom".into())
        );
        assert_eq!(side(&result(Outcome::Timeout, "", "")), Side::Fail("Timeout".into()));
        // Exit 0 without PASS (a test binary that exits early) is no pass.
        assert_eq!(side(&result(Outcome::Exited(0), "", "")), Side::Fail("exit 0".into()));
    }

    #[test]
    fn verdicts_print_as_the_command_reports_them() {
        assert_eq!(Verdict::FailRt0Only("TestX".into()).to_string(), "fail on rt0 only: TestX");
        assert_eq!(Verdict::FailBoth("T".into(), "T".into()).to_string(), "fail on both: T");
        let t = total(&[Verdict::PassBoth, Verdict::PassBoth, Verdict::FailRt0Only("T".into())]);
        assert_eq!(
            t,
            "total: 3 packages: 2 pass on both, 1 fail on rt0 only, 0 fail natively only, 0 fail on both, 0 not built"
        );
    }
}
