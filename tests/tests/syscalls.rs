//! The Linux syscall surface, success and error paths, and the default action of synchronous
//! signals: the same programs in QEMU and natively must print and exit the same.
use qemu::{Outcome, RunOptions, program};
use tests::*;

fn run(name: &str, native: bool, args: &[&str]) -> qemu::RunResult {
    boot_with(RunOptions {
        native,
        program: Some(program::resolve(name).unwrap()),
        args: args.iter().map(Into::into).collect(),
        ..base()
    })
}

#[test]
fn every_syscall_check_passes_and_matches_linux() {
    let q = run("syscalls", false, &[]);
    let n = run("syscalls", true, &[]);
    let (qo, no) = (String::from_utf8_lossy(&q.stdout), String::from_utf8_lossy(&n.stdout));
    assert_eq!(q.outcome, Outcome::Exited(0), "{qo}\n{}", q.log);
    assert_eq!(n.outcome, Outcome::Exited(0), "{no}");
    assert!(qo.lines().last().is_some_and(|l| l.ends_with(" passed, 0 failed")), "{qo}");
    assert!(qo.lines().count() > 80, "{qo}");
    assert_eq!(qo, no, "QEMU and native outputs differ");
    // ENOSYS is logged once, with the number.
    assert_in_order(&q, &["syscall: unknown syscall 999, returning -ENOSYS"]);
}

#[test]
fn faults_without_handlers_end_with_128_plus_the_signal_as_on_linux() {
    let cases: &[(&str, u8, &str)] = &[
        ("null-read", 139, "SIGSEGV: segmentation violation addr=0x0 pc="),
        ("kernel-read", 139, "SIGSEGV: segmentation violation addr=0xffff800000000000 pc="),
        ("rodata-write", 139, "SIGSEGV: segmentation violation addr=0x40"),
        ("prot-none", 139, "SIGSEGV: segmentation violation addr=0x7f"),
        ("stack-exec", 139, "SIGSEGV: segmentation violation addr=0x7fffffff"),
        ("stack-overflow", 139, "SIGSEGV: segmentation violation addr=0x7fffff7"),
        ("ud2", 132, "SIGILL: illegal instruction"),
        ("int3", 133, "SIGTRAP: trace trap"),
        ("div0", 136, "SIGFPE: floating-point exception"),
    ];
    for &(mode, code, line) in cases {
        let q = run("faults", false, &[mode]);
        assert_outcome(&q, Outcome::Exited(code));
        assert_in_order(&q, &[line, &format!("exit_group({code})")]);
        assert!(String::from_utf8_lossy(&q.stdout).contains(&format!("faults: {mode} about to fault")));
        let n = run("faults", true, &[mode]);
        assert_eq!(n.outcome, Outcome::Exited(code), "native {mode}");
    }
}
