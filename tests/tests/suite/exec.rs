//! Loading programs: good ones run in ring 3 with the execve stack Linux would build (checked
//! against the same ELF on the host); bad ones are refused with a reason, never a fault.
use abi::elf::Elf64Ehdr;
use qemu::{Outcome, RunOptions};
use std::mem::offset_of;
use std::path::PathBuf;
use tests::*;

/// The argc/argv/envp lines of demo's output.
fn arg_lines(stdout: &[u8]) -> Vec<Vec<u8>> {
    stdout
        .split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"argc=") || l.starts_with(b"argv[") || l.starts_with(b"envp["))
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn demo_sees_the_runners_argv_and_env_exactly_as_natively() {
    let args: &[&[u8]] = &[b"one", b"two words", b"", b"\xff\xfe raw"];
    let env = ["HOME=/nowhere", "EMPTY=", "GODEBUG=inittrace=1"];
    let both = run_both(with(program::DEMO, args, &env));
    both.assert_outcome(Outcome::Exited(0));
    let (q, n) = (&both.qemu, &both.native);
    let lines = arg_lines(&q.stdout);
    assert_eq!(lines, arg_lines(&n.stdout), "QEMU and native differ");
    let argv0 = program::DEMO.path();
    let mut want: Vec<Vec<u8>> =
        vec![b"argc=5".to_vec(), [b"argv[0]=".as_slice(), argv0.as_os_str().as_encoded_bytes()].concat()];
    for (i, a) in args.iter().enumerate() {
        want.push([format!("argv[{}]=", i + 1).as_bytes(), a].concat());
    }
    for (i, e) in env.iter().enumerate() {
        want.push(format!("envp[{i}]={e}").into_bytes());
    }
    assert_eq!(lines, want);
    // The L0 → L1 boundary is logged with the stack it built.
    let entry =
        assert_in_order(q, &["exec: ", "L0->L1 entering ring 3: rip=0x4", "exit_group(0)", "exit: status 0"])[1];
    assert!(entry.contains("argc=5 envc=3"), "{entry}");
}

#[test]
fn every_auxv_key_linux_requires_is_delivered() {
    let q = boot_with(run_program(program::DEMO));
    assert_outcome(&q, Outcome::Exited(0));
    let out = String::from_utf8_lossy(&q.stdout);
    for key in [
        "AT_PHDR",
        "AT_PHENT",
        "AT_PHNUM",
        "AT_PAGESZ",
        "AT_BASE",
        "AT_FLAGS",
        "AT_ENTRY",
        "AT_UID",
        "AT_EUID",
        "AT_GID",
        "AT_EGID",
        "AT_SECURE",
        "AT_RANDOM",
        "AT_HWCAP",
        "AT_HWCAP2",
        "AT_CLKTCK",
        "AT_PLATFORM",
        "AT_EXECFN",
    ] {
        assert!(out.lines().any(|l| l == format!("auxv {key}")), "{key} missing:\n{out}");
    }
}

#[test]
fn stackcheck_passes_in_qemu_and_natively() {
    let args: &[&[u8]] = &[b"a", b"", b"\xff"];
    let both = run_both(with(program::STACKCHECK, args, &["K=V"]));
    both.assert_outcome(Outcome::Exited(0));
    for (how, r) in both.each() {
        let out = stdout(r);
        assert!(out.contains("stackcheck: 25 passed, 0 failed"), "{how}\n{out}");
    }
}

#[test]
fn exit_status_of_the_program_is_the_runners() {
    for (arg, code) in [("0", 0u8), ("3", 3), ("255", 255), ("256", 0)] {
        run_both(RunOptions { quiet: true, ..with(program::EXITCODE, &[arg], &[]) })
            .assert_outcome(Outcome::Exited(code));
    }
}

/// Field offsets in an ELF64 header and program header.
const E_TYPE: usize = offset_of!(Elf64Ehdr, e_type);
const E_MACHINE: usize = offset_of!(Elf64Ehdr, e_machine);
const E_PHOFF: usize = offset_of!(Elf64Ehdr, e_phoff);
const E_PHNUM: usize = offset_of!(Elf64Ehdr, e_phnum);

fn demo_elf() -> Vec<u8> {
    std::fs::read(program::DEMO.path()).unwrap()
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// Offsets of the program headers of type `ty`.
fn phdrs(b: &[u8], ty: u32) -> Vec<usize> {
    let (off, n) = (u64_at(b, E_PHOFF) as usize, u16::from_le_bytes([b[E_PHNUM], b[E_PHNUM + 1]]) as usize);
    (0..n).map(|i| off + i * 56).filter(|&p| u32::from_le_bytes(b[p..p + 4].try_into().unwrap()) == ty).collect()
}

fn run_bad(name: &str, elf: Vec<u8>) -> qemu::RunResult {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, elf).unwrap();
    boot_with(RunOptions { program: Some(path), ..base() })
}

#[test]
fn bad_programs_are_refused_with_a_reason() {
    let good = demo_elf();
    let load = phdrs(&good, 1);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len().min(0x800)].to_vec(), "truncated"),
        (
            "wrong-machine",
            {
                let mut b = good.clone();
                b[E_MACHINE..E_MACHINE + 2].copy_from_slice(&183u16.to_le_bytes());
                b
            },
            "wrong machine: e_machine=183",
        ),
        (
            "pie-with-interp",
            {
                let mut b = good.clone();
                b[E_TYPE..E_TYPE + 2].copy_from_slice(&3u16.to_le_bytes());
                let p = phdrs(&b, 0x6474_e551)[0];
                b[p..p + 4].copy_from_slice(&3u32.to_le_bytes());
                b
            },
            "dynamically linked (PT_INTERP",
        ),
        (
            "interp",
            {
                let mut b = good.clone();
                let p = phdrs(&b, 0x6474_e551)[0];
                b[p..p + 4].copy_from_slice(&3u32.to_le_bytes());
                b
            },
            "dynamically linked (PT_INTERP",
        ),
        (
            "kernel-space",
            {
                let mut b = good.clone();
                b[load[0] + 16..load[0] + 24].copy_from_slice(&0xffff_8000_0000_0000u64.to_le_bytes());
                b
            },
            "lies outside the user half",
        ),
        (
            "huge-memsz",
            {
                let mut b = good.clone();
                b[load[0] + 40..load[0] + 48].copy_from_slice(&(1u64 << 48).to_le_bytes());
                b
            },
            "lies outside the user half",
        ),
        (
            "w-and-x",
            {
                let mut b = good.clone();
                let p = load[1];
                b[p + 4..p + 8].copy_from_slice(&7u32.to_le_bytes());
                b
            },
            "writable and executable (W^X)",
        ),
        (
            "elf32",
            {
                let mut b = good.clone();
                b[4] = 1;
                b
            },
            "ELF",
        ),
    ];
    for (name, elf, reason) in cases {
        let r = run_bad(name, elf);
        assert!(r.outcome == Outcome::BadProgram, "{name}: {:?}\n{}", r.outcome, r.log);
        assert_eq!(r.outcome.exit_code(), qemu::EXIT_BAD_PROGRAM);
        let line = assert_in_order(&r, &["exec: cannot execute the program: "])[0];
        assert!(line.contains(reason), "{name}: want {reason:?} in {line:?}");
        assert_absent(&r, "EXCEPTION");
    }
}

/// An empty file and a file without the ELF magic never reach the bootloader (an empty ramdisk
/// hung it) or the host: the runner refuses both, in QEMU and natively, with a reason and 126.
#[test]
fn empty_and_non_elf_files_are_refused_before_booting() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, reason) in [
        ("empty", &b""[..], "empty file (0 bytes)"),
        ("script", b"#!/bin/sh\necho hello\n", "not an ELF file (starts with \"#!/b\")"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for native in [false, true] {
            let r = boot_with(RunOptions { program: Some(path.clone()), native, ..base() });
            assert_eq!(r.outcome, Outcome::BadProgram, "{name} native={native}\n{}", r.log);
            assert!(r.log.contains(reason) && r.log.starts_with("rt0: cannot execute"), "{name}: {}", r.log);
            assert!(r.elapsed.as_secs() < 5, "{name}: refused before booting, not after");
        }
    }
}

/// A file that starts like an ELF but is shell lines: the host's execve says ENOEXEC, and the
/// native run reports "cannot execute" — it never falls back to /bin/sh as execvp (and so
/// `env`) would, which would run those lines on the host.
#[test]
fn native_runs_execve_the_file_and_never_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let (path, marker) = (dir.path().join("elf-shaped"), dir.path().join("ran"));
    std::fs::write(&path, format!("\x7fELF\ntouch {}\n", marker.display())).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let r = boot_with(RunOptions { program: Some(path.clone()), native: true, ..base() });
    assert_eq!(r.outcome, Outcome::BadProgram, "{}", r.log);
    assert!(r.log.contains("Exec format error"), "{}", r.log);
    assert!(!marker.exists(), "the file's lines ran as a shell script on the host");
}

#[test]
fn arguments_over_linux_limits_are_refused_before_booting() {
    let long = vec![b'x'; abi::rt0::MAX_ARG_STRLEN];
    let r = boot_with(with(program::DEMO, &[&long], &[]));
    assert!(matches!(&r.outcome, Outcome::Refused(why) if why.contains("MAX_ARG_STRLEN")), "{:?}", r.outcome);
    assert_eq!(r.outcome.exit_code(), qemu::EXIT_USAGE);
    assert!(r.log.is_empty(), "nothing may boot: {}", r.log);
    let just_fits = vec![b'x'; abi::rt0::MAX_ARG_STRLEN - 1];
    assert_outcome(
        &boot_with(RunOptions { quiet: true, ..with(program::DEMO, &[&just_fits], &[]) }),
        Outcome::Exited(0),
    );
    let many: Vec<&[u8]> = vec![&just_fits; 17];
    let r = boot_with(with(program::DEMO, &many, &[]));
    assert!(matches!(&r.outcome, Outcome::Refused(why) if why.contains("E2BIG")), "{:?}", r.outcome);
    let r = boot_with(with_env(program::DEMO, &["NOEQUALS"]));
    assert!(matches!(&r.outcome, Outcome::Refused(why) if why.contains("KEY=VALUE")), "{:?}", r.outcome);
}

#[test]
fn stdin_reaches_the_program_through_the_serial_console_as_through_a_pipe() {
    let line = b"hello \xff serial world\nnot this\n".to_vec();
    let both = run_both(RunOptions { stdin: Some(line), quiet: true, ..run_program(program::READLINE) });
    both.assert_outcome(Outcome::Exited(0));
    for (how, r) in both.each() {
        assert_eq!(r.stdout, b"readline: hello \xff serial world\n", "{how}");
    }
}
