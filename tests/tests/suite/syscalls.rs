//! The Linux syscall surface, success and error paths, and the default action of synchronous
//! signals: the same programs in QEMU and natively must print and exit the same.
use qemu::Outcome;
use tests::*;

#[test]
fn every_syscall_check_passes_and_matches_linux() {
    let both = run_both(run_program(program::SYSCALLS));
    both.assert_outcome(Outcome::Exited(0));
    let qo = stdout(&both.qemu);
    assert!(qo.lines().last().is_some_and(|l| l.ends_with(" passed, 0 failed")), "{qo}");
    assert!(qo.lines().count() > 80, "{qo}");
    both.assert_same_stdout();
    // ENOSYS is logged once, with the number.
    assert_in_order(&both.qemu, &["syscall: unknown syscall 999, returning -ENOSYS"]);
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
        let both = run_both(with(program::FAULTS, &[mode], &[]));
        both.assert_outcome(Outcome::Exited(code));
        assert_in_order(&both.qemu, &[line, &format!("exit_group({code})")]);
        assert!(stdout(&both.qemu).contains(&format!("faults: {mode} about to fault")));
    }
}
