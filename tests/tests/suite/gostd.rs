//! Go std conformance, the fast subset (`cargo run --bin gostd` runs the whole list): packages
//! whose tests read their own testdata/ through the read-only tree, write in /tmp or start an
//! httptest server over loopback sockets, each run on rt0 over its source directory and
//! natively, and both must pass. compress/gzip also passes but stays out: its
//! TestCVE202230631 alone takes 19 s under QEMU's TCG (0.7 s natively for the whole package).
use qemu::gostd::{self, Config, Verdict};
use std::path::Path;
use std::time::Duration;

fn conforms(pkgs: &[&str]) {
    conforms_on(pkgs, 1);
}

fn conforms_on(pkgs: &[&str], smp: u32) {
    if !Path::new(gostd::GO).is_file() {
        eprintln!("skipped: go missing");
        return;
    }
    let cfg =
        Config { cache: Path::new(env!("CARGO_TARGET_TMPDIR")).join("gostd"), smp, timeout: Duration::from_secs(300) };
    for pkg in pkgs {
        // The build, then the runs one after the other, on a share of the machine as the other
        // tests' runs are (tests/src/machine.rs).
        let (v, runs) = tests::sharing(|| gostd::check(&cfg, pkg));
        let log = runs.map(|(q, _)| format!("{}\n{}", String::from_utf8_lossy(&q.stdout), q.log)).unwrap_or_default();
        assert_eq!(v, Verdict::PassBoth, "{pkg}: {v}\n--- rt0 ---\n{log}");
    }
}

#[test]
fn go_std_strconv_reads_its_testdata_and_passes_both_ways() {
    conforms(&["strconv"]);
}

#[test]
fn go_std_regexp_and_path_pass_both_ways() {
    conforms(&["regexp", "path"]);
}

#[test]
fn go_std_io_fs_and_text_template_write_in_tmp_and_pass_both_ways() {
    conforms(&["io/fs", "text/template"]);
}

#[test]
fn go_std_encoding_json_serves_its_http_decoding_test_over_loopback_and_passes_both_ways() {
    conforms(&["encoding/json"]);
}

/// sync's TestMutexMisuse and flag's TestExitCode run the test binary again (os/exec of
/// os.Args[0]: clone(CLONE_VM|CLONE_VFORK), execve, wait4), on one CPU and on two.
#[test]
fn go_std_sync_and_flag_run_themselves_again_and_pass_both_ways() {
    conforms_on(&["sync", "flag"], 1);
    conforms_on(&["sync", "flag"], 2);
}
