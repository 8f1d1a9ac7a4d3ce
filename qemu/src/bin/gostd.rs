//! `cargo run --bin gostd [-- [--smp N] [--timeout SECS] [--verbose] [PKG…]]` — Go std
//! conformance: each package's `go test -c` binary (Debian's Go 1.19) run on rt0 over its source
//! directory and natively, `-test.short`; one line per package (`pass on both`, `fail on rt0
//! only: <first failing test>`, …) and a total. Without PKG, the whole list (`qemu::gostd::PACKAGES`).
//! Exit status: 0 when no package fails on rt0 only, 1 otherwise; `skipped: go missing` (0)
//! without the toolchain.
use qemu::gostd::{self, Config, Verdict};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let mut cfg = Config { cache: cache(), smp: 1, timeout: Duration::from_secs(600) };
    let mut verbose = false;
    let mut pkgs: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| -> u64 {
            args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| usage(&format!("{name} takes a number")))
        };
        match a.as_str() {
            "--smp" => cfg.smp = value("--smp") as u32,
            "--timeout" => cfg.timeout = Duration::from_secs(value("--timeout")),
            "--verbose" => verbose = true,
            s if s.starts_with('-') => usage(&format!("unknown flag {s}")),
            p => pkgs.push(p.to_string()),
        }
    }
    if !std::path::Path::new(gostd::GO).is_file() {
        eprintln!("skipped: go missing ({})", gostd::GO);
        return;
    }
    if pkgs.is_empty() {
        pkgs = gostd::PACKAGES.iter().map(|p| p.to_string()).collect();
    }
    let mut verdicts = Vec::new();
    for pkg in &pkgs {
        let start = Instant::now();
        let (v, runs) = gostd::check(&cfg, pkg);
        println!("{pkg}: {v} ({:.0} s)", start.elapsed().as_secs_f64());
        if verbose && let (Verdict::FailRt0Only(_) | Verdict::FailBoth(..), Some((q, _))) = (&v, &runs) {
            let out = String::from_utf8_lossy(&q.stdout);
            for l in out.lines().chain(q.log.lines()).filter(|l| !l.trim().is_empty()).take(40) {
                println!("    | {l}");
            }
        }
        verdicts.push(v);
    }
    println!("{} (--smp {})", gostd::total(&verdicts), cfg.smp);
    if verdicts.iter().any(|v| matches!(v, Verdict::FailRt0Only(_))) {
        std::process::exit(1);
    }
}

/// target/tmp/gostd beside this binary (target/<profile>/gostd).
fn cache() -> PathBuf {
    let exe = std::env::current_exe().expect("the command's own path");
    exe.ancestors().nth(2).map_or_else(|| PathBuf::from("target"), PathBuf::from).join("tmp").join("gostd")
}

fn usage(why: &str) -> ! {
    eprintln!("gostd: {why}\nusage: gostd [--smp N] [--timeout SECS] [--verbose] [PKG…]");
    std::process::exit(125);
}
