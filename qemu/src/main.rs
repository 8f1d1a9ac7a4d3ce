//! `cargo run` — boot rt0 in QEMU and exit with the guest's exit code.
//!
//! Usage: `cargo run -- [FLAGS] [-- ARGS...]`; see `--help` and README.md for the flags and the
//! exit-code table.
use clap::Parser;
use qemu::{EXIT_USAGE, RunOptions};
use std::ffi::OsString;
use std::time::Duration;

/// Boot rt0 in QEMU (TCG) and exit with the guest's exit code.
#[derive(Parser, Debug)]
#[command(name = "rt0", version)]
struct Cli {
    /// The program to run: a built-in name (demo, stackcheck, exitcode, ...) or a path to a
    /// static x86-64 Linux ELF.
    #[arg(long, default_value = "demo", value_name = "NAME|PATH")]
    program: String,
    /// Run the same ELF directly on this Linux host, with identical argv and env (the
    /// differential mode); the QEMU flags do not apply.
    #[arg(long)]
    native: bool,
    /// Set an environment variable for the program (repeatable); the program gets exactly these.
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    env: Vec<OsString>,
    /// Hide the boot-layer logs (bootloader and kernel); fault and panic reports still print.
    #[arg(long)]
    quiet: bool,
    /// Number of virtual CPUs (1-64): the kernel starts them all; threads run on the first.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = parse_smp)]
    smp: u32,
    /// Guest memory in MiB.
    #[arg(long, default_value_t = 256, value_name = "MIB", value_parser = clap::value_parser!(u32).range(64..=65536))]
    memory: u32,
    /// Kill QEMU after this many seconds (0 = never; --gdb implies never).
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    timeout: u64,
    /// Start QEMU's gdb stub on :1234, stopped before the first instruction, and print the gdb command.
    #[arg(long)]
    gdb: bool,
    /// Deterministic instruction counting: QEMU -icount shift=0,sleep=off (rdtsc counts instructions).
    #[arg(long)]
    icount: bool,
    /// Print every syscall of the program in strace's format to stderr (the kernel's log; adds the
    /// kernel command-line word `strace`; no effect with --native).
    #[arg(long)]
    strace: bool,
    /// Boot through UEFI (Debian's OVMF) instead of BIOS.
    #[arg(long)]
    uefi: bool,
    /// Add a word to the kernel command line (repeatable), e.g. --kernel-arg test=breakpoint.
    #[arg(long = "kernel-arg", value_name = "WORD")]
    kernel_args: Vec<String>,
    /// Pass an argument through to qemu-system-x86_64 (repeatable), e.g. --qemu-arg=-d --qemu-arg=int.
    #[arg(long = "qemu-arg", value_name = "ARG", allow_hyphen_values = true)]
    qemu_args: Vec<String>,
    /// Serve a host directory or file read-only to the program, as GUEST (default: its own
    /// absolute path); repeatable. Natively the program sees the host's files.
    #[arg(long = "dir", value_name = "HOST[:GUEST]")]
    dirs: Vec<String>,
    /// The program's working directory: a directory of the tree (natively, of the host).
    #[arg(long, value_name = "GUEST")]
    cwd: Option<std::path::PathBuf>,
    /// Stop the program at each start-up function's first execution (from its symbol table),
    /// log each stop with its layer, and print a per-layer table at the end (not with --native);
    /// with --icount, also run it untraced with --account and print the first thread's own
    /// count beside the traced one, layer by layer.
    #[arg(long)]
    trace_startup: bool,
    /// Count each thread's user-mode and kernel time at every ring transition (instructions with
    /// --icount) and log them at exit (adds the kernel word `account`; --trace-startup does this
    /// by itself).
    #[arg(long)]
    account: bool,
    /// Write the run as a timeline to FILE (SVG): firmware and bootloader, kernel init, exec,
    /// each runtime layer L1-L5 with its steps, main, exit — seconds, or instructions with --icount.
    #[arg(long, value_name = "FILE.svg")]
    timeline: Option<std::path::PathBuf>,
    /// Print a per-phase table (cost and share of the run) at the end.
    #[arg(long)]
    summary: bool,
    /// Trace the start-up of the program (--program, default the demo) and of the static ELF
    /// GO_ELF, both under --icount, and print the two per-layer tables side by side.
    #[arg(long, value_name = "GO_ELF")]
    compare: Option<std::path::PathBuf>,
    /// Boot every run in full: a quiet run otherwise starts from a machine saved at the kernel's
    /// ready point (made by the first quiet run of each machine shape; RT0_SNAPSHOT=0 also
    /// turns this off).
    #[arg(long)]
    no_snapshot: bool,
    /// Arguments for the program: argv[1..] (argv[0] is the program's path).
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<OsString>,
}

/// `--smp N`: a CPU count the kernel supports, or a message that says what it supports.
fn parse_smp(s: &str) -> Result<u32, String> {
    let max = abi::rt0::MAX_CPUS as u32;
    match s.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("the kernel runs on 1 to {max} CPUs")),
    }
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help / --version: exit 0
        Err(e) => {
            let _ = e.print();
            std::process::exit(EXIT_USAGE);
        }
    };
    if cli.kernel_args.iter().any(|w| w.is_empty() || w.contains(char::is_whitespace)) {
        eprintln!("rt0: --kernel-arg takes one word without spaces");
        std::process::exit(EXIT_USAGE);
    }
    let program = match qemu::program::resolve(&cli.program) {
        Ok(p) => p,
        Err(why) => {
            eprintln!("rt0: {why}");
            std::process::exit(EXIT_USAGE);
        }
    };
    if let Err(why) = qemu::check_qemu_args(&cli.qemu_args) {
        eprintln!("rt0: {why}");
        std::process::exit(EXIT_USAGE);
    }
    let mut dirs = Vec::new();
    for spec in &cli.dirs {
        match qemu::tree::Mount::parse(spec) {
            Ok(m) => dirs.push(m),
            Err(why) => {
                eprintln!("rt0: {why}");
                std::process::exit(EXIT_USAGE);
            }
        }
    }
    let opts = RunOptions {
        program: Some(program),
        argv0: None,
        args: cli.args,
        env: cli.env,
        native: cli.native,
        native_one_cpu: false,
        stdin: None,
        quiet: cli.quiet,
        smp: cli.smp,
        memory_mib: cli.memory,
        timeout: (cli.timeout > 0 && !cli.gdb).then(|| Duration::from_secs(cli.timeout)),
        gdb: cli.gdb,
        icount: cli.icount,
        strace: cli.strace,
        account: cli.account,
        uefi: cli.uefi,
        kernel_args: cli.kernel_args,
        qemu_args: cli.qemu_args,
        echo: true,
        cue: None,
        dirs,
        cwd: cli.cwd,
        trace_startup: cli.trace_startup,
        // A timeline or summary pictures the run's own boot, so that run boots.
        snapshot: !cli.no_snapshot && !cli.summary && cli.timeline.is_none(),
    };
    if let Some(other) = &cli.compare {
        compare(opts, other);
    }
    if opts.gdb {
        eprintln!("rt0: waiting for gdb on :{}; attach with:\n  {}", qemu::GDB_PORT, qemu::gdb_command());
    }
    let result = qemu::run(&opts);
    if let Some(signo) = qemu::terminated_by() {
        eprintln!("rt0: signal {signo}: QEMU killed");
        qemu::die_of(signo);
    }
    if opts.trace_startup && !opts.native {
        eprint!("{}", qemu::trace::table(&result.log));
        if opts.icount {
            // The same program untraced, counted the same way: did the stops change its work?
            let plain = RunOptions { trace_startup: false, account: true, echo: false, ..opts.clone() };
            eprint!("{}", qemu::untraced::table(&result.log, &qemu::run(&plain).log));
        }
    }
    if (cli.summary || cli.timeline.is_some()) && !opts.native {
        match qemu::timeline::Timeline::from_log(&result.log) {
            Some(t) => {
                if cli.summary {
                    eprint!("{}", qemu::timeline::summary(&t));
                }
                if let Some(path) = &cli.timeline
                    && let Err(e) = std::fs::write(path, qemu::timeline::svg(&t))
                {
                    eprintln!("rt0: writing {}: {e}", path.display());
                }
            }
            None => eprintln!("rt0: no timeline: the run logged no kernel line (--quiet hides them)"),
        }
    }
    if let Some(msg) = result.outcome.message() {
        eprintln!("{msg}");
    }
    std::process::exit(result.outcome.exit_code());
}

/// `--compare`: the program of `opts` and `other`, each traced under icount, and their layers
/// side by side. Exits 0 when both ran to an exit of their own.
fn compare(opts: RunOptions, other: &std::path::Path) -> ! {
    let traced = |program: std::path::PathBuf| RunOptions {
        program: Some(program),
        trace_startup: true,
        icount: true,
        quiet: false,
        echo: false,
        native: false,
        ..opts.clone()
    };
    let ours = opts.program.clone().expect("a program");
    let a = qemu::run(&traced(ours.clone()));
    let b = qemu::run(&RunOptions { args: Vec::new(), ..traced(other.to_path_buf()) });
    for (what, r) in [(&ours, &a), (&other.to_path_buf(), &b)] {
        if let Some(msg) = r.outcome.message() {
            eprintln!("rt0: {}: {msg}", what.display());
        }
    }
    let (an, bn) = (ours.display().to_string(), other.display().to_string());
    print!("{}", qemu::trace::compare((&an, &a.log), (&bn, &b.log)));
    let ran = |r: &qemu::RunResult| matches!(r.outcome, qemu::Outcome::Exited(_));
    std::process::exit(if ran(&a) && ran(&b) { 0 } else { 1 })
}
