//! `--native`: the same ELF run directly on the host's Linux kernel, with the same argv
//! (argv[0] included) and exactly the same environment, in the same order — the other half of every differential
//! test. A death by signal reads as 128 + signo, as a shell (and rt0's kernel) report it.
use crate::{CueAction, Outcome};
use crate::{signals, stream};
use std::ffi::OsString;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};

pub fn run(opts: &crate::RunOptions, argv: &[OsString]) -> Result<crate::Ended, crate::Ended> {
    let program = opts.program.as_ref().expect("checked by argv()");
    if argv[0] != program.as_os_str() {
        return Err((
            Outcome::Refused("--native runs the program with argv[0] = its path".into()),
            String::new(),
            Vec::new(),
        ));
    }
    // `env -i K=V … PROGRAM ARGS`: the environment in exactly the given order (std's Command
    // would sort it), and env execs PROGRAM with argv[0] = the path, as the guest gets it.
    let mut cmd = match opts.native_one_cpu.then(first_allowed_cpu).flatten() {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &cpu.to_string(), "env"]);
            c
        }
        None => Command::new("env"),
    };
    cmd.arg("-i").args(crate::environment(opts)).arg(program).args(&argv[1..]);
    cmd.stdin(stream::stdin_mode(opts)).stdout(Stdio::piped()).stderr(Stdio::piped());
    let runner = std::process::id();
    // SAFETY: the hook makes only async-signal-safe calls (prctl, getppid, _exit).
    unsafe { cmd.pre_exec(move || signals::die_with_parent(runner)) };
    if opts.echo {
        // The program shares our terminal and process group: it gets Ctrl-C from the terminal
        // itself; the runner only has to outlive it.
        signals::install();
    }
    let child = cmd
        .spawn()
        .map_err(|e| (Outcome::BadProgram, format!("rt0: cannot execute {}: {e}\n", program.display()), Vec::new()))?;
    let mut child = stream::Reaped(child);
    let _attached = signals::attach(child.id(), None);
    let feeder = stream::feed(&mut child, opts, None);
    let watch = opts.cue.as_ref().map(|cue| {
        let (pid, input, action) = (child.id() as i32, feeder.input(), cue.action.clone());
        stream::Watch::new(cue.after.as_bytes(), move || match action {
            CueAction::Signal(signo) => {
                // SAFETY: kill(2) only sends a signal. The child may have exited and been reaped
                // by then: pids are handed out in increasing order, so the number is not reused
                // in the moment, and the signal finds no process.
                let _ = unsafe { libc::kill(pid, signo) };
            }
            input_cue => stream::cued(&input, input_cue),
        })
    });
    let out = stream::bytes(child.stdout.take().unwrap(), opts.echo, watch);
    let err = stream::lines(child.stderr.take().unwrap(), opts.echo);
    let status = stream::wait(&mut child, opts.timeout);
    feeder.stop();
    let mut lost = Vec::new();
    let out = stream::joined(out, "the program's stdout", &mut lost);
    let err = stream::joined(err, "the program's stderr", &mut lost);
    let outcome = match status {
        _ if !lost.is_empty() => Outcome::QemuFailed(format!("the runner lost output: {}", lost.join("; "))),
        None => Outcome::Timeout,
        Some(s) => match (s.code(), s.signal()) {
            (Some(c), _) => Outcome::Exited(c as u8),
            (None, Some(sig)) => Outcome::Exited(128 + sig as u8),
            _ => Outcome::QemuFailed(format!("unknown status {s:?}")),
        },
    };
    Ok((outcome, err, out))
}

/// The first CPU this process may run on (`Cpus_allowed_list` in /proc/self/status, e.g. `0-1`
/// or `2,5`), which is the one a pinned program gets.
fn first_allowed_cpu() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let list = status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?.trim();
    list.split([',', '-']).next()?.parse().ok()
}
