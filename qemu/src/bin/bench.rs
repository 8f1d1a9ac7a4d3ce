//! `cargo run --bin bench` — rt0's boot benchmark. Prints markdown tables for BENCHMARKS.md:
//!
//! 1. instructions per boot phase under `-icount shift=0,sleep=off` (deterministic), from the
//!    plugin in `qemu/plugins/phases.c` with marks at each stage's first instruction, plus the
//!    kernel's own "init done" count (kernel entry → end of kernel init);
//! 2. wall time per phase (median of runs, without icount);
//! 3. the process paths: kernel entry → first program instruction, and the `sysbench` program's
//!    per-operation counts (getpid, first touch of a page, mmap+touch+munmap, futex handoff);
//! 4. wall time of a whole warm `rt0` run side by side with a bare SeaBIOS start, alternating.
use qemu::program::{self, Program};
use qemu::{RunOptions, run};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const RUNS: usize = 5;

fn main() {
    // Removed when it drops, also when a step below panics.
    let work_dir = tempfile::Builder::new().prefix("rt0-bench-").tempdir().unwrap();
    let work = work_dir.path().to_path_buf();
    let plugin = build_plugin(&work);
    let marks: [(&str, u64); 6] = [
        ("QEMU start → reset vector", 0xffff_fff0),
        ("SeaBIOS (POST, boot-device search)", 0x7c00),
        ("bootloader stage 1 (boot sector)", 0x7e00),
        ("bootloader stage 2 (real mode: FAT, loads stage 3/4 + kernel, VESA)", 0x10_0000),
        ("bootloader stage 3 (protected mode → long mode)", 0x13_0000),
        ("bootloader stage 4 (ELF load, page tables, boot info)", kernel_entry()),
    ];

    let (phases, init, total) = probe(&plugin, &work, &marks, true);
    println!("## Instructions per phase (--icount)\n");
    println!("| phase | instructions |\n| --- | ---: |");
    for i in 1..marks.len() {
        println!("| {} | {} |", marks[i].0, phases[i].0 - phases[i - 1].0);
    }
    println!("| kernel (entry → exit) | {} |", total - phases[marks.len() - 1].0);
    println!("| **total, reset → exit** | {total} |");
    println!("\nkernel log: `{}`\n", init.unwrap_or_default());

    println!("## Wall time per phase (median of {RUNS}, no icount)\n");
    println!("| phase | seconds |\n| --- | ---: |");
    let mut walls: Vec<Vec<f64>> = vec![Vec::new(); marks.len()];
    for _ in 0..RUNS {
        let (p, _, _) = probe(&plugin, &work, &marks, false);
        for (i, (_, w)) in p.iter().enumerate() {
            walls[i].push(*w);
        }
    }
    let med: Vec<f64> = walls.iter_mut().map(|w| median(w)).collect();
    println!("| {} | {:.3} |", marks[0].0, med[0]);
    for i in 1..marks.len() {
        println!("| {} | {:.3} |", marks[i].0, med[i] - med[i - 1]);
    }

    println!("\n## Process and syscall paths (--icount, instructions)\n");
    let r = run(&RunOptions { icount: true, program: Some(program::EXITCODE.path()), ..Default::default() });
    let entry =
        r.kernel_lines().iter().find_map(|(_, t)| t.split("kernel entry to ring 3 ").nth(1).map(str::to_string));
    println!("| path | instructions |\n| --- | ---: |");
    println!(
        "| kernel entry → first instruction of the program | {} |",
        entry.unwrap_or_default().trim_end_matches(" instructions")
    );
    let r =
        run(&RunOptions { icount: true, quiet: true, program: Some(program::SYSBENCH.path()), ..Default::default() });
    let line = String::from_utf8_lossy(&r.stdout).into_owned();
    for field in line.split_whitespace().skip(1) {
        let (k, v) = field.split_once('=').unwrap_or((field, "?"));
        println!("| {k} (per operation, from ring 3) | {v} |");
    }

    runtime_table(&plugin, &work);

    println!("\n## Whole run, side by side (median of {RUNS} alternating pairs)\n");
    let rt0 = std::env::current_exe().unwrap().with_file_name("rt0");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        a.push(time(Command::new(&rt0).arg("--quiet")));
        b.push(time(Command::new("qemu-system-x86_64").args(BARE_SEABIOS)));
    }
    let (ma, mb) = (median(&mut a), median(&mut b));
    println!("| command | wall s (median) |\n| --- | ---: |");
    println!("| `rt0 --quiet` (warm image, boot to exit 0) | {ma:.3} |");
    println!("| `qemu-system-x86_64 {}` | {mb:.3} |", BARE_SEABIOS.join(" "));
    println!("| ratio | {:.2} |", ma / mb);
}

/// SeaBIOS alone: no disk, so it searches, finds nothing bootable and reboots at once, which
/// `-no-reboot` turns into an exit.
const BARE_SEABIOS: &[&str] = &[
    "-cpu",
    qemu::CPU_MODEL,
    "-display",
    "none",
    "-monitor",
    "none",
    "-serial",
    "null",
    "-no-reboot",
    "-net",
    "none",
    "-boot",
    "strict=on,reboot-timeout=0",
];

fn build_plugin(work: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/phases.c");
    let out = work.join("libphases.so");
    let ok = Command::new("cc").args(["-shared", "-fPIC", "-O2", "-o"]).arg(&out).arg(&src).status();
    assert!(ok.is_ok_and(|s| s.success()), "cc failed to build {}", src.display());
    out
}

/// The kernel's entry address: the ELF's e_entry plus the fixed load base.
fn kernel_entry() -> u64 {
    let elf = std::fs::read(boot::KERNEL_ELF).expect("kernel ELF");
    abi::rt0::KERNEL_BASE + u64::from_le_bytes(elf[24..32].try_into().unwrap())
}

/// One boot with the phase plugin: (instructions, wall) at each mark, the kernel's "init done"
/// line, and the total instruction count.
fn probe(plugin: &Path, work: &Path, marks: &[(&str, u64)], icount: bool) -> (Vec<(u64, f64)>, Option<String>, u64) {
    let log = work.join("plugin.log");
    let _ = std::fs::remove_file(&log);
    let spec: Vec<String> = marks.iter().map(|(_, a)| format!("mark={a:#x}")).collect();
    let opts = RunOptions {
        icount,
        qemu_args: vec![
            "-d".into(),
            "plugin".into(),
            "-D".into(),
            log.display().to_string(),
            "-plugin".into(),
            format!("{},{}", plugin.display(), spec.join(",")),
        ],
        ..Default::default()
    };
    let r = run(&opts);
    assert_eq!(r.outcome, qemu::Outcome::Exited(0), "{}", r.log);
    let text = std::fs::read_to_string(&log).unwrap();
    let phases = marks
        .iter()
        .map(|(_, addr)| {
            let line = text.lines().find(|l| l.starts_with(&format!("phase {addr:#x} "))).expect(&text);
            let field = |k: &str| line.split(k).nth(1).unwrap().split(' ').next().unwrap().to_string();
            (field("insns=").parse().unwrap(), field("wall=").parse().unwrap())
        })
        .collect();
    let total = text.lines().find_map(|l| l.strip_prefix("insns_total=")).unwrap().parse().unwrap();
    let init = r.kernel_lines().iter().find(|(_, t)| t.starts_with("kernel: init done")).map(|(_, t)| t.to_string());
    (phases, init, total)
}

fn time(cmd: &mut Command) -> f64 {
    let t = Instant::now();
    let s = cmd.output().expect("run");
    assert!(s.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&s.stderr));
    t.elapsed().as_secs_f64()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Issue 4's figures: Go start-up cost (program entry → main.main) in QEMU (kernel work
/// included, from the runtime's icount summary) and under qemu-user (user instructions only,
/// the phase plugin marking `rt0_main`), and the runtime's micro-benchmarks.
fn runtime_table(plugin: &Path, work: &Path) {
    let opts = |p: Program, args: &[&str]| RunOptions {
        icount: true,
        quiet: true,
        program: Some(p.path()),
        args: args.iter().map(Into::into).collect(),
        ..Default::default()
    };
    println!("\n## Runtime (instructions)\n");
    println!("| measure | instructions |\n| --- | ---: |");
    let r = run(&opts(program::GOFEATURES, &["defer"]));
    if let Some(line) = r.log.lines().find(|l| l.starts_with("icount ")) {
        for field in line.split_whitespace().skip(1) {
            let (k, v) = field.split_once('=').unwrap();
            println!("| {k} (QEMU, kernel work included; `gofeatures defer`) | {v} |");
        }
    }
    let elf = program::GOFEATURES.path();
    let nm = Command::new("nm").arg(&elf).output().ok();
    let main_addr = nm.and_then(|o| {
        String::from_utf8_lossy(&o.stdout).lines().find(|l| l.ends_with(" rt0_main")).map(|l| l[..16].to_string())
    });
    match (main_addr, Command::new("qemu-x86_64").arg("--version").output()) {
        (Some(addr), Ok(_)) => {
            let log = work.join("user.log");
            let _ = Command::new("qemu-x86_64")
                .args(["-d", "plugin", "-D"])
                .arg(&log)
                .arg("-plugin")
                .arg(format!("{},mark=0x{addr}", plugin.display()))
                .arg(&elf)
                .arg("defer")
                .env_clear()
                .env("RT0_LOG", "0")
                .output();
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let at =
                text.lines().find_map(|l| l.split("insns=").nth(1)).and_then(|v| v.split(' ').next()).unwrap_or("?");
            println!("| program entry → main.main under qemu-user (user instructions only) | {at} |");
        }
        _ => println!("| program entry → main.main under qemu-user | (qemu-user or nm not installed) |"),
    }
    let r = run(&opts(program::MALLOCBENCH, &[]));
    let line = String::from_utf8_lossy(&r.stdout).into_owned();
    let mut it = line.split_whitespace().skip(1);
    while let (Some(live), Some(n)) = (it.next(), it.next()) {
        println!("| malloc+free of 32 B, {} | {} |", live.replace('=', " "), n.split('=').nth(1).unwrap_or("?"));
    }
    let r = run(&opts(program::GOFEATURES, &["bench"]));
    let out = String::from_utf8_lossy(&r.stdout).into_owned();
    let n = out.split("insns=").nth(1).map(str::trim).unwrap_or("?");
    println!("| goroutine spawn + run + exit (steady state, free-g reuse) | {n} |");
}
