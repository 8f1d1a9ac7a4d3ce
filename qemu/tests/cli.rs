//! The `rt0` binary as a person runs it: flags, exit codes and the one-line messages.
use std::process::{Command, Output};

fn rt0(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rt0")).args(args).output().expect("run rt0")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn guest_exit_code_is_the_runner_exit_code() {
    let o = rt0(&["--quiet", "--kernel-arg", "test=exit", "--kernel-arg", "code=42"]);
    assert_eq!(o.status.code(), Some(42), "{}", stderr(&o));
}

#[test]
fn kernel_panic_has_its_own_code_and_message() {
    let o = rt0(&["--quiet", "--kernel-arg=test=pagefault"]);
    assert_eq!(o.status.code(), Some(qemu::EXIT_KERNEL_PANIC), "{}", stderr(&o));
    let err = stderr(&o);
    // Quiet hides the boot log but never the fault report.
    assert!(err.contains("EXCEPTION: page fault") && err.contains("rt0: kernel panic"), "{err}");
    assert!(!err.contains("gdt: loaded"), "{err}");
}

#[test]
fn triple_fault_has_its_own_code_and_message() {
    let o = rt0(&["--quiet", "--kernel-arg=test=triplefault"]);
    assert_eq!(o.status.code(), Some(qemu::EXIT_TRIPLE_FAULT));
    assert!(stderr(&o).contains("rt0: triple fault"), "{}", stderr(&o));
}

#[test]
fn timeout_has_its_own_code_and_message() {
    let o = rt0(&["--quiet", "--timeout", "1", "--kernel-arg=test=hang"]);
    assert_eq!(o.status.code(), Some(qemu::EXIT_TIMEOUT));
    assert!(stderr(&o).contains("rt0: timeout"), "{}", stderr(&o));
}

#[test]
fn a_qemu_that_refuses_its_arguments_is_a_qemu_failure() {
    let o = rt0(&["--quiet", "--qemu-arg=-no-such-qemu-flag"]);
    assert_eq!(o.status.code(), Some(qemu::EXIT_QEMU_FAILED));
    let err = stderr(&o);
    assert!(err.contains("rt0: qemu failed") && err.contains("no-such-qemu-flag"), "{err}");
}

#[test]
fn smp_and_memory_reach_the_machine() {
    let o = rt0(&["--smp", "2", "--memory", "512"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // 512 MiB of RAM: the usable total the kernel reports must exceed 400 MiB.
    let err = stderr(&o);
    let line = err.lines().find(|l| l.contains("handoff: bootloader api")).expect(&err);
    let kib: u64 = line.split("usable ").nth(1).and_then(|s| s.split(' ').next()).unwrap().parse().unwrap();
    assert!(kib > 400 * 1024, "{line}");
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [&["--smp", "0"][..], &["--no-such-flag"], &["--kernel-arg", "two words"]] {
        let o = rt0(args);
        assert_eq!(o.status.code(), Some(qemu::EXIT_USAGE), "{args:?}: {}", stderr(&o));
    }
    assert_eq!(rt0(&["--help"]).status.code(), Some(0));
}

#[test]
fn smp_beyond_the_kernels_range_is_refused_with_a_usage_error() {
    for n in ["0", "65", "many"] {
        let o = rt0(&["--smp", n]);
        assert_eq!(o.status.code(), Some(qemu::EXIT_USAGE), "--smp {n}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("--smp") && err.contains("the kernel runs on 1 to 64 CPUs"), "{err}");
        assert!(!err.contains("L0]"), "--smp {n} booted: {err}");
    }
}

#[test]
fn gdb_command_names_the_unstripped_kernel_and_its_load_offset() {
    let cmd = qemu::gdb_command();
    assert!(cmd.contains("target remote :1234") && cmd.contains("symbol-file -o 0xffffffff80000000"), "{cmd}");
    let sym = std::fs::metadata(boot::KERNEL_SYMBOLS).expect("symbol file");
    let elf = std::fs::metadata(boot::KERNEL_ELF).expect("stripped kernel");
    assert!(sym.len() > elf.len() * 2, "symbols {} vs stripped {}", sym.len(), elf.len());
}

#[test]
fn the_work_directory_is_removed_after_an_exit_and_after_a_timeout() {
    let runs: [&[&str]; 2] = [
        &["--quiet", "--kernel-arg=test=exit", "--kernel-arg=code=3"],
        &["--quiet", "--timeout", "1", "--kernel-arg=test=hang"],
    ];
    // The two at once, each with a TMPDIR of its own.
    std::thread::scope(|s| {
        for (args, code) in runs.into_iter().zip([3, qemu::EXIT_TIMEOUT]) {
            s.spawn(move || {
                let tmp = tempfile::tempdir().unwrap();
                let o = Command::new(env!("CARGO_BIN_EXE_rt0")).args(args).env("TMPDIR", tmp.path()).output().unwrap();
                assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
                let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().path()).collect();
                assert!(left.is_empty(), "{args:?} left {left:?}");
            });
        }
    });
}

#[test]
fn a_machine_without_vga_is_refused_with_the_reason_not_left_to_hang() {
    for args in [&["--qemu-arg=-vga", "--qemu-arg=none"][..], &["--qemu-arg=-vga=none"][..]] {
        let o = rt0(args);
        assert_eq!(o.status.code(), Some(qemu::EXIT_USAGE), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("without a VGA device"), "{}", stderr(&o));
    }
    // The runner's own `-vga std` stands against a user's `-nodefaults`: the run boots.
    let o = rt0(&["--quiet", "--qemu-arg=-nodefaults", "--kernel-arg=test=exit", "--kernel-arg=code=7"]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
}

/// `--timeline` draws every phase of the run from its log, each bar as wide as its cost on the
/// panel's scale; `--summary` prints the same phases as a table. The SVG is read back with the
/// `svg` crate's parser.
#[test]
fn timeline_and_summary_show_every_phase_in_proportion() {
    use svg::node::element::tag;
    use svg::parser::Event;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("run.svg");
    let o = rt0(&["--icount", "--summary", "--timeline", path.to_str().unwrap(), "--program", "demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let phases = ["firmware + bootloader", "kernel init", "exec", "L1", "L2", "L3", "L4", "L5 main", "exit"];
    for p in phases {
        assert!(err.lines().any(|l| l.trim_start().starts_with(p) && l.ends_with('%')), "summary lacks {p}\n{err}");
    }
    let text = std::fs::read_to_string(&path).expect("the timeline was written");
    let (mut panel, mut scale, mut phase, mut cost) = (String::new(), 0.0f64, String::new(), 0.0f64);
    let mut seen = Vec::new();
    for event in svg::read(&text).expect("a parsable SVG") {
        let Event::Tag(name, kind, attrs) = event else { continue };
        let num = |k: &str| attrs.get(k).and_then(|v| v.to_string().parse::<f64>().ok()).unwrap_or(f64::NAN);
        match (name, kind) {
            (tag::Group, tag::Type::Start) if attrs.contains_key("data-panel") => {
                panel = attrs["data-panel"].to_string();
                scale = num("data-scale");
            }
            (tag::Group, tag::Type::Start) if attrs.contains_key("data-phase") => {
                phase = attrs["data-phase"].to_string();
                cost = num("data-cost");
            }
            (tag::Rectangle, _) if attrs.get("class").is_some_and(|c| *c == "phase") => {
                let width = num("width");
                assert!(cost >= 0.0 && scale > 0.0, "{panel} {phase}: cost {cost} scale {scale}");
                assert!(
                    (width - (cost * scale).max(0.5)).abs() < 0.01,
                    "{panel} {phase}: width {width} for cost {cost}"
                );
                if panel == "run" {
                    seen.push(phase.clone());
                }
            }
            _ => {}
        }
    }
    assert_eq!(seen, phases, "the whole-run panel's bars");
    assert!(text.contains("data-panel=\"startup\""), "no start-up panel");
}
