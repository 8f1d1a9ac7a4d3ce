//! `--native`: the same ELF run directly on the host's Linux kernel, with the same argv
//! (argv[0] included) and exactly the same environment, in the same order — the other half of every differential
//! test. A death by signal reads as 128 + signo, as a shell (and rt0's kernel) report it.
use crate::Outcome;
use crate::stream;
use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
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
    let child = cmd
        .spawn()
        .map_err(|e| (Outcome::BadProgram, format!("rt0: cannot execute {}: {e}\n", program.display()), Vec::new()))?;
    let mut child = stream::Reaped(child);
    let feeder = stream::feed(&mut child, opts, None);
    let out = stream::bytes(child.stdout.take().unwrap(), opts.echo);
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
