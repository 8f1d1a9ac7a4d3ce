//! `cargo run --bin bench` — rt0's benchmarks. Prints every figure as one line
//! `bench <name> <value> <unit>` (BENCHMARKS.md keeps the table and the commands):
//!
//! 1. instructions per boot phase under `-icount shift=0,sleep=off` (deterministic), from the
//!    plugin in `qemu/plugins/phases.c` with marks at each stage's first instruction, plus the
//!    kernel's own "init done" count (kernel entry → end of kernel init), `log_line` (what a
//!    100-byte line of the kernel's and runtime's log costs: the same boot logged and `--quiet`),
//!    and the APs' bring-up under `--smp 4`;
//! 2. wall time and the guest-CPU thread's CPU time per phase (medians of runs, without icount);
//! 3. the process paths: kernel entry → first program instruction, and the `sysbench` program's
//!    per-operation counts (getpid, first touch of a page, mmap+touch+munmap, futex handoff);
//! 4. wall time of a whole warm `rt0` run and of `cargo run --quiet`, side by side with a bare
//!    SeaBIOS start and the floor (qboot booting the smallest `-kernel`, `qemu::floor`), alternating.
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
        // Each phase ends at the first instruction of the next: QEMU start → reset vector; SeaBIOS
        // (POST, boot-device search); stage 1 (boot sector); stage 2 (real mode: FAT, loads
        // stage 3/4 + kernel, VESA); stage 3 (protected → long mode); stage 4 (ELF load, page
        // tables, boot info) → the kernel's entry.
        ("qemu_start", 0xffff_fff0),
        ("seabios", 0x7c00),
        ("boot_stage1", 0x7e00),
        ("boot_stage2", 0x10_0000),
        ("boot_stage3", 0x13_0000),
        ("boot_stage4", kernel_entry()),
    ];

    let (phases, init, total, log_bytes, _) = probe(&plugin, &work, &marks, true, false);
    for i in 1..marks.len() {
        bench(marks[i].0, phases[i].0 - phases[i - 1].0, "instructions");
    }
    bench("kernel_entry_to_exit", total - phases[marks.len() - 1].0, "instructions");
    bench("reset_to_exit", total, "instructions");
    let init = init.unwrap_or_default();
    let init_n = init.split("init done, ").nth(1).and_then(|t| t.split(' ').next()).unwrap_or("?");
    bench("kernel_init", init_n, "instructions");
    // What logging costs: the same boot with the kernel's and the runtime's log on and off
    // (`--quiet`), the difference spread over the log's bytes, per 100-byte line.
    // Counted from the kernel's entry: the BIOS stages before it vary by ±1 M instructions
    // between boots (UART and disk timing against the host).
    let (quiet_phases, _, quiet_total, _, _) = probe(&plugin, &work, &marks, true, true);
    let logged = total - phases[marks.len() - 1].0;
    let quiet = quiet_total - quiet_phases[marks.len() - 1].0;
    let per_line = logged.saturating_sub(quiet) as f64 * 100.0 / log_bytes.max(1) as f64;
    bench("log_line", format!("{per_line:.0}"), "instructions");
    ap_bringup();

    let mut walls: Vec<Vec<f64>> = vec![Vec::new(); marks.len()];
    let mut cpus: Vec<Vec<f64>> = vec![Vec::new(); marks.len()];
    // The run's time outside the phases, quiet as `cargo run --quiet` runs: the runner's start
    // and QEMU's own start-up up to the reset vector; the kernel and the program, from the
    // kernel's entry to QEMU's exit; and from there until the runner has returned.
    let (mut before, mut kernel, mut after) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let (p, _, _, _, _) = probe(&plugin, &work, &marks, false, false);
        for (i, (_, w, c, _)) in p.iter().enumerate() {
            walls[i].push(*w);
            cpus[i].push(*c);
        }
        let (p, _, _, _, e) = probe(&plugin, &work, &marks, false, true);
        before.push(p[0].3 - e.started);
        kernel.push(e.exited - p[marks.len() - 1].3);
        after.push(e.returned - e.exited);
    }
    bench("wall_quiet_runner_to_reset", format!("{:.3}", median(&mut before)), "s");
    bench("wall_quiet_kernel_entry_to_qemu_exit", format!("{:.3}", median(&mut kernel)), "s");
    bench("wall_quiet_qemu_exit_to_runner_return", format!("{:.3}", median(&mut after)), "s");
    let med: Vec<f64> = walls.iter_mut().map(|w| median(w)).collect();
    bench("wall_qemu_start", format!("{:.3}", med[0]), "s");
    for i in 1..marks.len() {
        bench(&format!("wall_{}", marks[i].0), format!("{:.3}", med[i] - med[i - 1]), "s");
    }
    // The CPU time of QEMU's guest-CPU thread per phase: what a phase costs QEMU, which a busy
    // host sways less than wall time.
    let med: Vec<f64> = cpus.iter_mut().map(|c| median(c)).collect();
    for i in 1..marks.len() {
        bench(&format!("cpu_{}", marks[i].0), format!("{:.3}", med[i] - med[i - 1]), "s");
    }

    // Booted in full: the figure spans the boot's ready point, where a snapshot's machine waited.
    let r = run(&RunOptions {
        icount: true,
        snapshot: false,
        program: Some(program::EXITCODE.path()),
        ..Default::default()
    });
    let entry =
        r.kernel_lines().iter().find_map(|(_, t)| t.split("kernel entry to ring 3 ").nth(1).map(str::to_string));
    bench("kernel_entry_to_program", entry.unwrap_or_default().trim_end_matches(" instructions"), "instructions");
    let r =
        run(&RunOptions { icount: true, quiet: true, program: Some(program::SYSBENCH.path()), ..Default::default() });
    let line = String::from_utf8_lossy(&r.stdout).into_owned();
    for field in line.split_whitespace().skip(1) {
        let (k, v) = field.split_once('=').unwrap_or((field, "?"));
        bench(k, v, "instructions");
    }

    // Between CPUs: `smpbench` on two CPUs (instructions of every CPU per operation).
    let r = run(&RunOptions {
        icount: true,
        quiet: true,
        smp: 2,
        program: Some(program::SMPBENCH.path()),
        ..Default::default()
    });
    let line = String::from_utf8_lossy(&r.stdout).into_owned();
    for field in line.split_whitespace().skip(1) {
        let (k, v) = field.split_once('=').unwrap_or((field, "?"));
        bench(k, v, "instructions");
    }
    scaling();
    go_scaling();

    // The runtime's locks and parking (`parking bench`), channels and select (`chans bench`),
    // sync.Mutex (`syncs bench`) and timers (`timers bench`): instructions per operation.
    for (prog, prefix) in [
        (program::PARKING, "parking: "),
        (program::CHANS, "chans: "),
        (program::SYNCS, "syncs: "),
        (program::TIMERS, "timers: "),
    ] {
        let r = run(&RunOptions {
            icount: true,
            quiet: true,
            program: Some(prog.path()),
            args: vec!["bench".into()],
            ..Default::default()
        });
        let out = String::from_utf8_lossy(&r.stdout).into_owned();
        let line = out.lines().find(|l| l.starts_with(prefix)).unwrap_or_default();
        for field in line.split_whitespace().skip(1) {
            let (k, v) = field.split_once('=').unwrap_or((field, "?"));
            bench(k, v, "insns/op");
        }
    }

    // Spawn: `go` + Gosched + the goroutine's run and exit (`gofeatures bench`).
    let r = run(&RunOptions {
        icount: true,
        quiet: true,
        program: Some(program::GOFEATURES.path()),
        args: vec!["bench".into()],
        ..Default::default()
    });
    let out = String::from_utf8_lossy(&r.stdout).into_owned();
    let spawn = out.split_whitespace().find_map(|f| f.strip_prefix("insns=")).unwrap_or("?");
    bench("spawn", spawn, "insns/op");

    runtime_table(&plugin, &work);

    wall_floors(&work);
}

/// Wall time of whole runs, side by side in one loop (alternating, medians of RUNS): rt0's
/// runner (`rt0 --quiet`, the warm image, restored from the warm machine snapshot), the README's
/// `cargo run --quiet` (cargo's check of a built workspace included; cargo's `--quiet`, so a
/// logged run, which boots in full), a bare SeaBIOS start, and the floor: qboot booting the
/// smallest `-kernel` image (`qemu::floor`), which stops at its first instruction.
fn wall_floors(work: &Path) {
    let rt0 = std::env::current_exe().unwrap().with_file_name("rt0");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let kernel = work.join("floor.bin");
    std::fs::write(&kernel, qemu::floor::image()).unwrap();
    let floor_args = qemu::floor::qemu_args(&kernel);
    let (mut a, mut b, mut c, mut d) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        a.push(time(Command::new(&rt0).arg("--quiet")));
        b.push(time(Command::new(&cargo).args(["run", "--quiet"]).current_dir(&root)));
        c.push(time(Command::new("qemu-system-x86_64").args(bare_seabios())));
        d.push(time_status(Command::new("qemu-system-x86_64").args(&floor_args), 1));
    }
    let (ma, mb, mc, md) = (median(&mut a), median(&mut b), median(&mut c), median(&mut d));
    bench("wall_rt0_quiet", format!("{ma:.3}"), "s");
    bench("wall_cargo_run_quiet", format!("{mb:.3}"), "s");
    bench("wall_bare_seabios", format!("{mc:.3}"), "s");
    bench("wall_floor_qboot_kernel", format!("{md:.3}"), "s");
    bench("wall_ratio_rt0_to_seabios", format!("{:.2}", ma / mc), "x");
    bench("wall_ratio_cargo_run_to_floor", format!("{:.2}", mb / md), "x");
}

/// Two CPU-bound threads (`smpbench spin`) on `--smp 2` against the same on `--smp 1`: the
/// guest's own monotonic time for the work (wall time: no icount), runs alternating, medians;
/// `scaling_2cpu_ratio` is the two-CPU time over the one-CPU time (1.0: no gain, 0.5: perfect).
/// Measured twice: with QEMU scheduled as any process (on this 2-core machine its two vCPU
/// threads then compete with whatever else runs, and a run often gets one core), and alone —
/// QEMU under SCHED_FIFO (`chrt -f`, when the bench may use it), so that its vCPUs have the two
/// cores: what the guest does with two CPUs, without the host's other work (`_alone` figures).
fn scaling() {
    let spin = |smp: u32, alone: bool| -> f64 {
        let smp = smp.to_string();
        let out = rt0_output(
            alone,
            &["--smp", &smp, "--program", &program::SMPBENCH.path().display().to_string(), "--", "spin"],
        );
        let ns = out.split_whitespace().find_map(|f| f.strip_prefix("spin_ns=")).and_then(|v| v.parse::<f64>().ok());
        ns.unwrap_or(f64::NAN) / 1e9
    };
    shared_and_alone(["spin_2threads_smp1", "spin_2threads_smp2", "scaling_2cpu_ratio"], (1, 2), spin);
}

/// Four CPU-bound goroutines (`procs spin time`) on `--smp 2` with GOMAXPROCS=2 against
/// GOMAXPROCS=1: the guest's own monotonic time for the work, runs alternating, medians;
/// `go_scaling_gomaxprocs2_ratio` is the two-P time over the one-P time (target ≤ 0.65), shared
/// and alone as in [`scaling`].
fn go_scaling() {
    let spin = |procs: u32, alone: bool| -> f64 {
        let env = format!("GOMAXPROCS={procs}");
        let path = program::PROCS.path().display().to_string();
        let out = rt0_output(alone, &["--smp", "2", "-e", &env, "--program", &path, "--", "spin", "time"]);
        let ns =
            out.lines().find_map(|l| l.strip_prefix("procs: elapsed_ns ")).and_then(|v| v.trim().parse::<f64>().ok());
        ns.unwrap_or(f64::NAN) / 1e9
    };
    shared_and_alone(["go_spin_gomaxprocs1", "go_spin_gomaxprocs2", "go_scaling_gomaxprocs2_ratio"], (1, 2), spin);
}

/// [`side_by_side`] of `spin(a, _)` and `spin(b, _)` as any process, then — when `chrt -f` works
/// here — alone, under the same names with `_alone` appended.
fn shared_and_alone(names: [&str; 3], (a, b): (u32, u32), spin: impl Fn(u32, bool) -> f64) {
    side_by_side(names, || spin(a, false), || spin(b, false));
    if realtime_available() {
        let alone = names.map(|n| format!("{n}_alone"));
        side_by_side([&alone[0], &alone[1], &alone[2]], || spin(a, true), || spin(b, true));
    }
}

/// Whether `chrt -f` works here (root, or CAP_SYS_NICE); says so on stderr when it does not.
fn realtime_available() -> bool {
    let ok = Command::new("chrt").args(["-f", "10", "true"]).status().is_ok_and(|s| s.success());
    if !ok {
        eprintln!("bench: chrt -f is not available here, so the *_alone figures are not measured");
    }
    ok
}

/// `rt0 --quiet --timeout 60 ARGS…` — under `chrt -f 10` (SCHED_FIFO, inherited by QEMU and its
/// threads) if `alone` — and its stdout and stderr together.
fn rt0_output(alone: bool, args: &[&str]) -> String {
    let rt0 = std::env::current_exe().unwrap().with_file_name("rt0");
    let mut cmd = if alone {
        let mut c = Command::new("chrt");
        c.args(["-f", "10"]).arg(&rt0);
        c
    } else {
        Command::new(&rt0)
    };
    let o = cmd.args(["--quiet", "--timeout", "60"]).args(args).output().expect("run rt0");
    assert!(o.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// Runs `one` and `two` alternately RUNS times and prints their medians (seconds) and the ratio
/// two / one under `names`.
fn side_by_side(names: [&str; 3], one: impl Fn() -> f64, two: impl Fn() -> f64) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        a.push(one());
        b.push(two());
    }
    let (a, b) = (median(&mut a), median(&mut b));
    bench(names[0], format!("{a:.3}"), "s");
    bench(names[1], format!("{b:.3}"), "s");
    bench(names[2], format!("{:.2}", b / a), "x");
}

/// `rt0 --icount --smp 4`: the most instructions an AP's bring-up took, from its first
/// instruction in the trampoline to "up" (`ap_bringup`), and from the boot CPU's INIT
/// (`ap_bringup_from_init`, which under icount includes the wait for QEMU's round-robin to run
/// the AP: see BENCHMARKS.md).
fn ap_bringup() {
    // Booted in full: a restored machine's log shows the bring-up of the boot that made it.
    let r = run(&RunOptions { icount: true, smp: 4, snapshot: false, ..Default::default() });
    let (mut own, mut init) = (Vec::new(), Vec::new());
    for (_, t) in r.kernel_lines() {
        let Some(rest) = t.strip_prefix("smp: cpu ").and_then(|t| t.split(") up in ").nth(1)) else { continue };
        let n: Vec<u64> = rest.split(' ').filter_map(|w| w.parse().ok()).collect();
        if let [a, b] = n[..] {
            own.push(a);
            init.push(b);
        }
    }
    let max = |v: &[u64]| v.iter().max().map_or("?".to_string(), u64::to_string);
    bench("ap_bringup", max(&own), "instructions");
    bench("ap_bringup_from_init", max(&init), "instructions");
}

/// One figure, in the one format every figure has.
fn bench(name: &str, value: impl std::fmt::Display, unit: &str) {
    println!("bench {name} {value} {unit}");
}

/// SeaBIOS alone: no disk, so it searches, finds nothing bootable and reboots at once, which
/// `-no-reboot` turns into an exit.
fn bare_seabios() -> Vec<&'static str> {
    let mut args = qemu::floor::HEADLESS.to_vec();
    args.extend(["-boot", "strict=on,reboot-timeout=0"]);
    args
}

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

/// One boot of the bare kernel with the phase plugin: the phases' (instructions, wall, guest-CPU
/// thread's CPU time, CLOCK_MONOTONIC), the kernel's "init done" line, the run's total
/// instructions, the bytes of its log lines, and the run's [`Edges`].
#[allow(clippy::type_complexity)]
fn probe(
    plugin: &Path,
    work: &Path,
    marks: &[(&str, u64)],
    icount: bool,
    quiet: bool,
) -> (Vec<(u64, f64, f64, f64)>, Option<String>, u64, usize, Edges) {
    let log = work.join("plugin.log");
    let _ = std::fs::remove_file(&log);
    let spec: Vec<String> = marks.iter().map(|(_, a)| format!("mark={a:#x}")).collect();
    let opts = RunOptions {
        icount,
        quiet,
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
    let started = monotonic();
    let r = run(&opts);
    let returned = monotonic();
    assert_eq!(r.outcome, qemu::Outcome::Exited(0), "{}", r.log);
    let text = std::fs::read_to_string(&log).unwrap();
    let phases = marks
        .iter()
        .map(|(_, addr)| {
            let line = text.lines().find(|l| l.starts_with(&format!("phase {addr:#x} "))).expect(&text);
            let field = |k: &str| line.split(k).nth(1).unwrap().split(' ').next().unwrap().to_string();
            let number = |k: &str| field(k).parse().unwrap();
            (field("insns=").parse().unwrap(), number("wall="), number("cpu="), number("at="))
        })
        .collect();
    let last = text.lines().find_map(|l| l.strip_prefix("insns_total=")).unwrap();
    let total = last.split(' ').next().unwrap().parse().unwrap();
    let exited = last.split("exit_at=").nth(1).unwrap().trim().parse().unwrap();
    let init = r.kernel_lines().iter().find(|(_, t)| t.starts_with("kernel: init done")).map(|(_, t)| t.to_string());
    let log_bytes = r.log.lines().filter(|l| qemu::parse_log_line(l).is_some()).map(|l| l.len() + 1).sum();
    (phases, init, total, log_bytes, Edges { started, exited, returned })
}

/// A probed run's ends on CLOCK_MONOTONIC (the clock the plugin's `at=` reads): the runner
/// called, QEMU exiting (the plugin's exit callback), the runner returned.
struct Edges {
    started: f64,
    exited: f64,
    returned: f64,
}

fn monotonic() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only `t`, a local of the right type.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// The wall time of `cmd`, which must exit with `status` (isa-debug-exit's 1 for the floor).
fn time_status(cmd: &mut Command, status: i32) -> f64 {
    let t = Instant::now();
    let s = cmd.output().expect("run");
    assert_eq!(s.status.code(), Some(status), "{cmd:?}: {}", String::from_utf8_lossy(&s.stderr));
    t.elapsed().as_secs_f64()
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
        // Booted in full: kernel_to_program spans the ready point, where a snapshot's machine
        // waited while it was saved.
        snapshot: false,
        program: Some(p.path()),
        args: args.iter().map(Into::into).collect(),
        ..Default::default()
    };
    let r = run(&opts(program::GOFEATURES, &["defer"]));
    if let Some(line) = r.log.lines().find(|l| l.starts_with("icount ")) {
        for field in line.split_whitespace().skip(1) {
            let (k, v) = field.split_once('=').unwrap();
            bench(k, v, "instructions"); // QEMU, kernel work included; `gofeatures defer`
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
            bench("program_to_main_qemu_user", at, "instructions");
        }
        _ => eprintln!("bench: program_to_main_qemu_user skipped: qemu-user or nm missing"),
    }
    let r = run(&opts(program::MALLOCBENCH, &[]));
    let line = String::from_utf8_lossy(&r.stdout).into_owned();
    let mut it = line.split_whitespace().skip(1);
    while let (Some(live), Some(n)) = (it.next(), it.next()) {
        let live = live.split('=').nth(1).unwrap_or("?");
        bench(&format!("malloc_free_32b_live_{live}"), n.split('=').nth(1).unwrap_or("?"), "instructions");
    }
    let r = run(&opts(program::GOFEATURES, &["bench"]));
    let out = String::from_utf8_lossy(&r.stdout).into_owned();
    let n = out.split("insns=").nth(1).map(str::trim).unwrap_or("?");
    bench("goroutine_spawn", n, "instructions");
}
