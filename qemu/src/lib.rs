//! rt0's runner library: everything `cargo run` does, callable from tests.
//!
//! [`run`] builds (or reuses) the disk image, starts `qemu-system-x86_64` under TCG, streams the
//! serial log (COM1) line by line, enforces the timeout, and turns QEMU's exit status plus the
//! kernel's control-channel line into an [`Outcome`].
pub mod floor;
pub mod framing;
pub mod gostd;
mod install;
mod native;
mod outcome;
pub mod program;
mod signals;
pub mod snapshot;
mod stream;
pub mod symbolize;
pub mod timeline;
pub mod trace;
pub mod tree;
pub mod untraced;

pub use outcome::*;
pub use signals::{die_of, terminated_by};

use abi::rt0::{
    CONTROL_PORT, DEBUG_EXIT_PORT, FW_CFG_ARGS, FW_CFG_CMDLINE, FW_CFG_CWD, FW_CFG_PROGRAM, FW_CFG_TRACE, FW_CFG_TREE,
    KERNEL_BASE,
};
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// QEMU flags every run gets: none of QEMU's default devices (`-nodefaults`: no floppy, IDE
/// CD-ROM, parallel port or default NIC, whose set-up every QEMU start paid for, about 5 ms of
/// CPU a run) but the standard VGA the bootloader needs, no window, the serial port on stdio,
/// stop instead of rebooting (a triple fault then exits with status 0), no NIC (its option ROM
/// costs boot time), and the CPU model (`CPU_MODEL`). The devices follow in [`devices`]; the disk image is added
/// as a virtio-blk drive, which SeaBIOS fills by virtqueue requests rather than the IDE
/// controller's word-at-a-time `insw` (a boot's QEMU CPU time 1.59 -> 1.41 s, BENCHMARKS.md).
pub const QEMU_FLAGS: &[&str] = &[
    "-nodefaults",
    "-vga",
    "std",
    "-cpu",
    CPU_MODEL,
    "-display",
    "none",
    "-monitor",
    "none",
    "-serial",
    "stdio",
    "-no-reboot",
    "-net",
    "none",
];

/// Refuses QEMU arguments that leave the machine without a VGA device, which bootloader 0.11's
/// BIOS stages need: stage 2 sets a VBE framebuffer mode, and with no VGA device (`-vga none`)
/// it waits for one forever, printing nothing — a run that could only end at the timeout. The
/// error says why and what to do instead. (A user's `-nodefaults` is harmless: the runner's own
/// `-vga std` stands.)
pub fn check_qemu_args(args: &[String]) -> Result<(), String> {
    let no_vga = args.windows(2).any(|w| w[0] == "-vga" && w[1] == "none") || args.iter().any(|a| a == "-vga=none");
    if no_vga {
        return Err("QEMU without a VGA device (`-vga none`): the bootloader's BIOS stage sets a \
                    VBE framebuffer mode and would wait forever without one; rt0 runs with `-display none` already, \
                    so no window opens — drop that argument"
            .to_string());
    }
    Ok(())
}

/// The guest CPU: QEMU's baseline `qemu64` with an Intel vendor string plus SMEP, SMAP, RDRAND
/// and FSGSBASE (all of which TCG implements; RDSEED it does not). The vendor matters for boot
/// time: with an AMD vendor (qemu64's default) QEMU reserves the HyperTransport hole below 1 TiB
/// in the e820 map, and the bootloader then direct-maps a full terabyte with 2 MiB pages —
/// measured at 89 million of the 113 million instructions from reset to the kernel.
pub const CPU_MODEL: &str = "qemu64,vendor=GenuineIntel,+smep,+smap,+rdrand,+fsgsbase";

/// gdb stub port opened by `--gdb` (QEMU's `-s`).
pub const GDB_PORT: u16 = 1234;

/// Everything that shapes one run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Hide the boot-layer logs: the bootloader's log is switched off in the image and the kernel
    /// is told `quiet` (it then prints only fault and panic reports).
    pub quiet: bool,
    pub smp: u32,
    pub memory_mib: u32,
    /// None = no limit (used with `--gdb`).
    pub timeout: Option<Duration>,
    /// Start QEMU's gdb stub and wait for gdb before the first instruction.
    pub gdb: bool,
    /// `-icount shift=0,sleep=off`: rdtsc counts guest instructions.
    pub icount: bool,
    /// The kernel word `strace`: the kernel logs every syscall of the program in strace's format.
    pub strace: bool,
    /// The kernel word `account`: each thread's user and kernel time, logged at exit.
    pub account: bool,
    pub uefi: bool,
    /// Extra words for the kernel command line (e.g. `test=breakpoint`).
    pub kernel_args: Vec<String>,
    /// Extra QEMU arguments, appended last.
    pub qemu_args: Vec<String>,
    /// The program to run (its ELF goes to the kernel as a fw_cfg file); None boots the kernel alone.
    pub program: Option<PathBuf>,
    /// argv[0]; defaults to the program's path.
    pub argv0: Option<OsString>,
    /// argv[1..].
    pub args: Vec<OsString>,
    /// The environment, `KEY=VALUE` entries (the program gets exactly these).
    pub env: Vec<OsString>,
    /// Run the same ELF directly on the host's Linux kernel instead of in QEMU.
    pub native: bool,
    /// Natively, pin the program to one CPU (`taskset`), as rt0's kernel runs every program on
    /// one CPU whatever `smp` says: a program that counts its CPUs (sched_getaffinity, Go's
    /// runtime.NumCPU) then sees the same number both ways.
    pub native_one_cpu: bool,
    /// Bytes for the program's stdin (fd 0); None: our stdin when `echo`, else nothing.
    pub stdin: Option<Vec<u8>>,
    /// Interactive: stream the program's stdout to ours and the serial log / its stderr to our
    /// stderr as they arrive, give it our stdin, and pass it our terminal's Ctrl-C and Ctrl-\
    /// (SIGINT, SIGQUIT; see `signals`).
    pub echo: bool,
    /// Something to do once the program has printed a given text: the tests' way to press
    /// Ctrl-C, or to type a line, at a chosen point of the run.
    pub cue: Option<Cue>,
    /// `--dir`: host paths packed into the read-only tree the kernel serves (natively the
    /// program sees the host's own files, so a comparison mounts each at its own path).
    pub dirs: Vec<tree::Mount>,
    /// `--cwd`: the program's working directory (in the tree; natively, on the host).
    pub cwd: Option<PathBuf>,
    /// `--trace-startup`: stop at each start-up function's first execution (see `trace`).
    pub trace_startup: bool,
    /// Start the run from a saved machine when it can (`snapshot`); `--no-snapshot` boots every
    /// run in full.
    pub snapshot: bool,
}

/// Once the program's stdout contains `after`, do `action`.
#[derive(Clone, Debug)]
pub struct Cue {
    pub after: String,
    pub action: CueAction,
}

#[derive(Clone, Debug)]
pub enum CueAction {
    /// Raise SIGINT or SIGQUIT as the terminal would: framed on the console in QEMU (the
    /// kernel sends it), kill(2) natively.
    Signal(i32),
    /// The program's input, then end of file (instead of `stdin`): it has none before.
    Input(Vec<u8>),
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            quiet: false,
            smp: 1,
            memory_mib: 256,
            timeout: Some(Duration::from_secs(60)),
            gdb: false,
            icount: false,
            strace: false,
            account: false,
            uefi: false,
            kernel_args: Vec::new(),
            qemu_args: Vec::new(),
            program: None,
            argv0: None,
            args: Vec::new(),
            env: Vec::new(),
            native: false,
            native_one_cpu: false,
            stdin: None,
            echo: false,
            cue: None,
            dirs: Vec::new(),
            cwd: None,
            trace_startup: false,
            snapshot: true,
        }
    }
}

/// What a run produced.
#[derive(Debug)]
pub struct RunResult {
    pub outcome: Outcome,
    /// Everything COM1 carried: the bootloader's and the kernel's log and the program's
    /// stderr (natively: the program's stderr).
    pub log: String,
    /// The program's stdout (the virtio console, or COM2 without one).
    pub stdout: Vec<u8>,
    /// Wall time from QEMU's start to its exit.
    pub elapsed: Duration,
    /// Whether the machine was restored from a snapshot rather than booted (`snapshot`).
    pub restored: bool,
}

impl RunResult {
    /// The kernel's log lines (`[<time> L<n>] <text>`), as (layer, text).
    pub fn kernel_lines(&self) -> Vec<(u8, &str)> {
        self.log.lines().filter_map(parse_log_line).collect()
    }
}

/// Splits a kernel log line into its layer and text; None for other lines.
pub fn parse_log_line(line: &str) -> Option<(u8, &str)> {
    let rest = line.strip_prefix('[')?;
    let (head, text) = rest.split_once("] ")?;
    let (stamp, layer) = head.trim_start().split_once(' ')?;
    let stamp_ok = match stamp.strip_suffix('i') {
        Some(n) => n.bytes().all(|b| b.is_ascii_digit()),
        None => stamp.strip_suffix('s').and_then(|s| s.split_once('.')).is_some_and(|(a, b)| {
            a.bytes().all(|c| c.is_ascii_digit()) && b.len() == 6 && b.bytes().all(|c| c.is_ascii_digit())
        }),
    };
    let layer = layer.strip_prefix('L')?.parse().ok()?;
    stamp_ok.then_some((layer, text))
}

/// Runs one program (or the bare kernel) to its end, in QEMU or natively.
pub fn run(opts: &RunOptions) -> RunResult {
    let start = Instant::now();
    let result = match argv(opts) {
        Err(why) => Err((Outcome::Refused(why), String::new(), Vec::new())),
        Ok(_) if let Err(why) = check_program(opts) => {
            let line = format!(
                "rt0: cannot execute {}: {why}\n",
                opts.program.as_ref().map_or("".into(), |p| p.display().to_string())
            );
            if opts.echo {
                eprint!("{line}");
            }
            Err((Outcome::BadProgram, line, Vec::new()))
        }
        Ok(argv) if opts.native => native::run(opts, &argv),
        Ok(argv) => start_and_wait(opts, &argv),
    };
    let (outcome, log, stdout) = result.unwrap_or_else(|e| e);
    RunResult { outcome, log, stdout, elapsed: start.elapsed(), restored: RESTORED.take() }
}

thread_local! {
    /// Set by [`start_and_wait`] when the run it ended came from a snapshot; [`run`] reads it
    /// into its result.
    static RESTORED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The snapshot file a run of `opts` starts from (whether or not it exists yet); `Err` says why
/// `opts` boots in full instead.
pub fn snapshot_file(opts: &RunOptions) -> Result<PathBuf, String> {
    if !snapshot::eligible(opts) {
        return Err("this run boots in full".into());
    }
    let image = image(opts)?;
    snapshot::file(&machine_args(opts, &image), &image)
}

/// What the runner checks of the program file before it boots anything (or runs it natively):
/// that it can be read and starts with the ELF magic. An empty file would otherwise reach the
/// bootloader as an empty ramdisk; the kernel (or the host's execve) checks the rest.
fn check_program(opts: &RunOptions) -> Result<(), String> {
    use std::io::Read;
    let Some(path) = &opts.program else { return Ok(()) };
    let mut magic = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(4).read_to_end(&mut magic)).map_err(|e| e.to_string())?;
    match magic.as_slice() {
        [] => Err("empty file (0 bytes)".into()),
        b"\x7fELF" => Ok(()),
        other => Err(format!("not an ELF file (starts with {:?})", String::from_utf8_lossy(other))),
    }
}

/// The program's environment: the `-e` entries, plus `RT0_LOG=0` under `--quiet`, which
/// silences the runtime's L1–L5 step log (in QEMU and natively alike).
pub fn environment(opts: &RunOptions) -> Vec<OsString> {
    let mut env = opts.env.clone();
    if opts.quiet {
        env.push("RT0_LOG=0".into());
    }
    env
}

/// The full argv (argv[0] first), checked against Linux's limits.
pub fn argv(opts: &RunOptions) -> Result<Vec<OsString>, String> {
    let mut argv = Vec::new();
    if let Some(p) = &opts.program {
        argv.push(opts.argv0.clone().unwrap_or_else(|| p.clone().into_os_string()));
    } else if opts.native {
        return Err("--native needs a program".into());
    }
    argv.extend(opts.args.iter().cloned());
    for e in &opts.env {
        program::check_env(e)?;
    }
    program::check_limits(&argv, &environment(opts))?;
    Ok(argv)
}

/// QEMU's `-seed` for traced (`--trace-startup`) and accounted (`--account`) runs under
/// `--icount`.
pub const MEASURE_SEED: &str = "1";

/// The kernel command line the runner passes for `opts`.
pub fn kernel_cmdline(opts: &RunOptions) -> String {
    let mut words: Vec<&str> = Vec::new();
    if opts.quiet {
        words.push("quiet");
    }
    if opts.icount {
        words.push("icount");
    }
    if opts.strace {
        words.push("strace");
    }
    if opts.account {
        words.push("account");
    }
    words.extend(opts.kernel_args.iter().map(String::as_str));
    words.join(" ")
}

/// The words of [`kernel_cmdline`] the kernel reads before its snapshot ready point
/// (kernel/src/snapshot.rs), so a snapshot-making boot for `opts` passes them too: `quiet` (the
/// logger's level, read again after a restore) and `icount` (the clock's unit, fixed at boot).
pub fn boot_cmdline(opts: &RunOptions) -> String {
    let words = [opts.quiet.then_some("quiet"), opts.icount.then_some("icount")];
    words.into_iter().flatten().collect::<Vec<_>>().join(" ")
}

/// The image for `opts` (built if needed): the bootloader and the kernel only. The program
/// travels as the fw_cfg file `opt/rt0/program`, which the kernel reads by DMA — not in the
/// image's ramdisk, which the bootloader's BIOS stage would read at about 1.1 MB/s — so every
/// program runs from the same few images (one per firmware and log setting).
pub fn image(opts: &RunOptions) -> Result<PathBuf, String> {
    let firmware = if opts.uefi { boot::Firmware::Uefi } else { boot::Firmware::Bios };
    boot::image(&boot::ImageSpec { firmware, ramdisk: None, bootloader_log: !opts.quiet })
}

/// The gdb command that attaches to a `--gdb` run with the kernel's symbols at its load address.
pub fn gdb_command() -> String {
    format!("gdb -ex 'symbol-file -o {:#x} {}' -ex 'target remote :{GDB_PORT}'", KERNEL_BASE, boot::KERNEL_SYMBOLS)
}

pub(crate) type Ended = (Outcome, String, Vec<u8>);

fn start_and_wait(opts: &RunOptions, argv: &[OsString]) -> Result<Ended, Ended> {
    let fail = |why: String| (Outcome::QemuFailed(why), String::new(), Vec::new());
    let qemu = install::qemu().map_err(fail)?;
    let image = image(opts).map_err(|why| (Outcome::Refused(why), String::new(), Vec::new()))?;
    // Removed when `work` drops, however this function ends.
    let work = tempfile::Builder::new()
        .prefix("rt0-run-")
        .tempdir()
        .map_err(|e| fail(format!("creating the work directory: {e}")))?;
    let control = work.path().join("control");
    let cmdline = work.path().join("cmdline");
    let stdout_file = work.path().join("stdout");
    let log_file = work.path().join("log");
    std::fs::write(&cmdline, kernel_cmdline(opts)).map_err(|e| fail(e.to_string()))?;
    std::fs::write(&stdout_file, b"").map_err(|e| fail(e.to_string()))?;
    std::fs::write(&log_file, b"").map_err(|e| fail(e.to_string()))?;

    let machine = machine_args(opts, &image);
    let restore = snapshot::eligible(opts).then(|| {
        let path = snapshot::get(&machine, &image, &boot_cmdline(opts))?;
        Ok::<_, String>((snapshot::replay(&path)?, path))
    });
    let (replay, saved) = match restore {
        Some(Ok((replay, path))) => (replay, Some(path)),
        Some(Err(why)) => {
            if opts.echo {
                eprintln!("rt0: booting in full, no machine snapshot: {why}");
            }
            (String::new(), None)
        }
        None => (String::new(), None),
    };
    let mut cmd = Command::new(qemu);
    cmd.args(&machine)
        .arg("-chardev")
        .arg(format!("file,id={STDOUT_CHARDEV},path={}", qemu_path(&stdout_file)))
        .arg("-chardev")
        .arg(format!("file,id={CONTROL_CHARDEV},path={}", qemu_path(&control)))
        .arg("-chardev")
        .arg(format!("file,id={LOG_CHARDEV},path={}", qemu_path(&log_file)))
        .arg("-fw_cfg")
        .arg(format!("name={FW_CFG_CMDLINE},file={}", qemu_path(&cmdline)));
    if let Some(program) = &opts.program {
        let loadable = symbolize::loadable_copy(program, work.path()).map_err(|e| fail(e.to_string()))?;
        cmd.arg("-fw_cfg").arg(format!("name={FW_CFG_PROGRAM},file={}", qemu_path(&loadable)));
        let args = work.path().join("args");
        std::fs::write(&args, program::encode(argv, &environment(opts))).map_err(|e| fail(e.to_string()))?;
        cmd.arg("-fw_cfg").arg(format!("name={FW_CFG_ARGS},file={}", qemu_path(&args)));
    }
    if !opts.dirs.is_empty() {
        let archive = work.path().join("tree.cpio");
        let max = abi::rt0::MAX_TREE_BYTES.min(u64::from(opts.memory_mib) << 19);
        tree::pack(&opts.dirs, &archive, max).map_err(|why| (Outcome::Refused(why), String::new(), Vec::new()))?;
        cmd.arg("-fw_cfg").arg(format!("name={FW_CFG_TREE},file={}", qemu_path(&archive)));
    }
    if let (true, Some(program)) = (opts.trace_startup, &opts.program) {
        let refused = |why: String| (Outcome::Refused(why), String::new(), Vec::new());
        let elf = std::fs::read(program).map_err(|e| refused(format!("{}: {e}", program.display())))?;
        let file = work.path().join("trace");
        std::fs::write(&file, trace::encode(&trace::stops(&elf).map_err(refused)?)).map_err(|e| fail(e.to_string()))?;
        cmd.arg("-fw_cfg").arg(format!("name={FW_CFG_TRACE},file={}", qemu_path(&file)));
    }
    if let Some(cwd) = &opts.cwd {
        let file = work.path().join("cwd");
        std::fs::write(&file, cwd.as_os_str().as_encoded_bytes()).map_err(|e| fail(e.to_string()))?;
        cmd.arg("-fw_cfg").arg(format!("name={FW_CFG_CWD},file={}", qemu_path(&file)));
    }
    if opts.icount && (opts.trace_startup || opts.account) {
        // The guest's RDRAND from a fixed seed: the program's random start-up (AT_RANDOM, Go's
        // hash seeds, which steer its map inserts) is then the same run to run, so a traced and
        // an untraced run's counts compare instruction for instruction.
        cmd.args(["-seed", MEASURE_SEED]);
    }
    if opts.gdb {
        cmd.args(["-s", "-S"]);
    }
    let incoming = saved.as_deref().map(snapshot::Incoming::open).transpose().map_err(fail)?;
    if let Some(file) = &incoming {
        cmd.arg("-incoming").arg(file.arg());
        let fd = file.fd();
        // SAFETY: the hook makes one async-signal-safe call (fcntl) on a descriptor it owns.
        unsafe { cmd.pre_exec(move || snapshot::Incoming::inherit(fd)) };
    }
    if opts.uefi {
        install::ovmf().map_err(fail)?;
        let vars = work.path().join("OVMF_VARS.fd");
        std::fs::copy(install::OVMF_VARS, &vars).map_err(|e| fail(format!("{}: {e}", install::OVMF_VARS)))?;
        cmd.arg("-drive").arg(format!("if=pflash,format=raw,readonly=on,file={}", install::OVMF_CODE));
        cmd.arg("-drive").arg(format!("if=pflash,format=raw,file={}", qemu_path(&vars)));
    }
    cmd.args(&opts.qemu_args);
    // Always a pipe: the runner frames the program's input, end of file and terminal signals.
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // Its own process group, so the terminal's Ctrl-C reaches the runner only, and killed with
    // the runner.
    cmd.process_group(0);
    let runner = std::process::id();
    // SAFETY: the hook makes only async-signal-safe calls (prctl, getppid, _exit).
    unsafe { cmd.pre_exec(move || signals::die_with_parent(runner)) };
    if opts.echo {
        signals::install();
    }

    let mut child = stream::Reaped(cmd.spawn().map_err(|e| fail(format!("starting qemu: {e}")))?);
    let feeder = stream::feed(&mut child, opts, Some(control.clone()));
    let _attached = signals::attach(child.id(), Some(feeder.input()));
    let watch = opts.cue.as_ref().map(|cue| {
        let (input, action) = (feeder.input(), cue.action.clone());
        stream::Watch::new(cue.after.as_bytes(), move || stream::cued(&input, action))
    });
    // A restored run: the boot's log as the snapshot's making boot printed it, then the log
    // console's lines at once (the hand-over is in the replay).
    let gate = if saved.is_some() { stream::Gate::open() } else { stream::Gate::closed() };
    if opts.echo {
        eprint!("{replay}");
    }
    let log = stream::lines(child.stdout.take().unwrap(), opts.echo, opts.program.clone(), gate.clone());
    let console = stream::Tail::start(log_file, stream::LogConsole::new(opts.echo, opts.program.clone(), gate));
    let qemu_stderr = stream::collect(child.stderr.take().unwrap(), opts.echo);
    let out = stream::Tail::start(stdout_file, stream::Stdout { echo: opts.echo, watch, out: Vec::new() });
    let status = stream::wait(&mut child, opts.timeout);
    feeder.stop();
    let mut lost = Vec::new();
    let out = stream::joined(out.finish(), "the program's stdout", &mut lost);
    let com1 = stream::joined(log, "the serial log (COM1)", &mut lost);
    let console = stream::joined(console.finish(), "the log console", &mut lost);
    let log = assemble_log(saved.is_some().then_some(replay.as_str()), &com1, &console);
    let qemu_stderr = stream::joined(qemu_stderr, "QEMU's stderr", &mut lost);
    let control_text = std::fs::read_to_string(&control).unwrap_or_default();
    let outcome = match status {
        _ if !lost.is_empty() => Outcome::QemuFailed(format!("the runner lost output: {}", lost.join("; "))),
        None => Outcome::Timeout,
        Some(s) => match Outcome::classify(s.code(), &control_text) {
            Outcome::QemuFailed(why) if !qemu_stderr.trim().is_empty() => {
                Outcome::QemuFailed(format!("{why}: {}", qemu_stderr.trim()))
            }
            o => o,
        },
    };
    if let (Some(path), Outcome::QemuFailed(_)) = (&saved, &outcome)
        && !control_text.contains(abi::rt0::CONTROL_START)
    {
        // The saved machine did not come back (QEMU refused the file): boot in full, and make
        // the snapshot anew next time.
        snapshot::discard(path);
        return start_and_wait(&RunOptions { snapshot: false, ..opts.clone() }, argv);
    }
    RESTORED.set(saved.is_some());
    Ok((outcome, log, out))
}

/// The chardev ids of the program's stdout (the virtio console), of the control channel and of
/// the log console.
pub const STDOUT_CHARDEV: &str = "rt0out";
pub const CONTROL_CHARDEV: &str = "rt0ctl";
pub const LOG_CHARDEV: &str = "rt0log";

/// A run's log in the order the kernel wrote it, from COM1's text and the log console's: COM1
/// up to the kernel's hand-over mark (`abi::rt0::LOG_HANDOVER`, dropped), the console's text,
/// then what COM1 carried after the mark (a crash's last words). A run restored from a snapshot
/// (`replay`: the making boot's log, already in this form) has no mark: its COM1 text comes last.
pub fn assemble_log(replay: Option<&str>, com1: &str, console: &str) -> String {
    let mark = format!("{}\n", abi::rt0::LOG_HANDOVER);
    let at = com1.match_indices(&mark).map(|(i, _)| i).find(|&i| i == 0 || com1.as_bytes()[i - 1] == b'\n');
    match (replay, at) {
        (_, Some(i)) => [replay.unwrap_or(""), &com1[..i], console, &com1[i + mark.len()..]].concat(),
        (Some(replay), None) => [replay, console, com1].concat(),
        (None, None) => [com1, console].concat(),
    }
}

/// The QEMU arguments that make the machine of `opts`, which a snapshot and every run restored
/// from it share: flags, CPUs, memory, the boot disk and the devices (their chardevs, files of
/// each run, are added apart).
fn machine_args(opts: &RunOptions, image: &std::path::Path) -> Vec<String> {
    let mut args: Vec<String> = QEMU_FLAGS.iter().map(|s| s.to_string()).collect();
    args.extend(["-m".into(), opts.memory_mib.to_string(), "-smp".into(), opts.smp.to_string()]);
    if opts.icount {
        // Part of the machine: a snapshot made under icount restores only under icount.
        args.extend(["-icount".into(), "shift=0,sleep=off".into()]);
    }
    args.extend(["-drive".into(), format!("if=virtio,format=raw,file={},readonly=on", qemu_path(image))]);
    args.extend(stdout_devices(STDOUT_CHARDEV));
    args.extend(devices(CONTROL_CHARDEV));
    args.extend(log_devices(LOG_CHARDEV));
    args
}

/// The log console: a second `virtio-serial-pci` in PCI slot `abi::rt0::LOG_CONSOLE_SLOT`, by
/// which the kernel tells it from stdout's, with a `virtconsole` on the chardev `log`. The kernel
/// moves its log and the program's stderr there from COM1 once it has found it
/// (kernel/src/arch/x86_64/serial.rs): a buffer per line rather than a port write, a host write
/// and QEMU's global lock per byte — 2 MB of stderr from four CPUs took 10 s on COM1.
pub fn log_devices(log: &str) -> [String; 4] {
    [
        "-device".into(),
        format!("virtio-serial-pci,ioeventfd=off,addr={:#x}", abi::rt0::LOG_CONSOLE_SLOT),
        "-device".into(),
        format!("virtconsole,chardev={log}"),
    ]
}

/// The two devices of rt0's stop protocol: isa-debug-exit, which the kernel stops the machine
/// with, and the control channel (an isa-debugcon writing to the chardev `control`).
pub fn devices(control: &str) -> [String; 4] {
    [
        "-device".into(),
        format!("isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04"),
        "-device".into(),
        format!("isa-debugcon,iobase={CONTROL_PORT:#x},chardev={control}"),
    ]
}

/// The program's stdout: a virtio console (`virtconsole` on a `virtio-serial-pci` device) on
/// the chardev `stdout`, which the kernel fills a buffer per request
/// (kernel/src/arch/x86_64/virtio_console.rs); a 16550 would take a port write and QEMU a host
/// write(2) per byte. The device is transitional, so the kernel drives its legacy I/O-port
/// interface. Without it the kernel writes stdout to COM2. `ioeventfd=off`: the kernel's notify
/// is then served in the vCPU's own port write, so the buffer is written and back in the used
/// ring when the write returns; with an eventfd QEMU's main thread serves it later, and the
/// guest's wait for it takes a varying number of instructions, which `--icount` runs must not.
pub fn stdout_devices(stdout: &str) -> [String; 4] {
    [
        "-device".into(),
        "virtio-serial-pci,ioeventfd=off".into(),
        "-device".into(),
        format!("virtconsole,chardev={stdout}"),
    ]
}

/// QEMU option values are comma-separated: a literal comma is written twice.
pub(crate) fn qemu_path(p: &std::path::Path) -> String {
    p.display().to_string().replace(',', ",,")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_parse_in_both_clock_units() {
        assert_eq!(parse_log_line("[    0.812345s L0] gdt: loaded"), Some((0, "gdt: loaded")));
        assert_eq!(parse_log_line("[     1234567i L3] schedinit"), Some((3, "schedinit")));
        assert_eq!(parse_log_line("INFO : Framebuffer info"), None);
        assert_eq!(parse_log_line("[0.8s L0] short fraction"), None);
        assert_eq!(parse_log_line("[x L0] bad stamp"), None);
    }

    #[test]
    fn cmdline_carries_flags_then_extra_words() {
        let opts =
            RunOptions { quiet: true, icount: true, kernel_args: vec!["test=heap".into()], ..Default::default() };
        assert_eq!(kernel_cmdline(&opts), "quiet icount test=heap");
        assert_eq!(kernel_cmdline(&RunOptions { strace: true, ..opts }), "quiet icount strace test=heap");
        assert_eq!(kernel_cmdline(&RunOptions::default()), "");
    }

    #[test]
    fn the_log_is_com1_up_to_the_hand_over_then_the_console_then_com1s_last_words() {
        let mark = abi::rt0::LOG_HANDOVER;
        let com1 = format!("boot 1\nboot 2\n{mark}\nlast words\n");
        assert_eq!(
            assemble_log(None, &com1, "console 1\nconsole 2\n"),
            "boot 1\nboot 2\nconsole 1\nconsole 2\nlast words\n"
        );
        // No hand-over (no log console, or a kernel that never got there): COM1 alone.
        assert_eq!(assemble_log(None, "boot 1\npanic\n", ""), "boot 1\npanic\n");
        // The mark counts only as a whole line.
        let quoted = format!("said \"{mark}\n");
        assert_eq!(assemble_log(None, &quoted, "c\n"), format!("{quoted}c\n"));
        // Restored: the replay (the making boot's log), the console, then COM1's last words.
        assert_eq!(assemble_log(Some("boot\n"), "last words\n", "console\n"), "boot\nconsole\nlast words\n");
    }

    #[test]
    fn commas_in_paths_are_escaped_for_qemu() {
        assert_eq!(qemu_path(std::path::Path::new("/tmp/a,b")), "/tmp/a,,b");
    }
}
