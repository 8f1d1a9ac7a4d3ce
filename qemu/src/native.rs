//! `--native`: the same ELF run directly on the host's Linux kernel, with the same argv
//! (argv[0] included) and exactly the same environment, in the same order, duplicates included
//! (as execve passes them; the guest gets the same list) — the other half of every differential
//! test. A death by signal reads as 128 + signo, as a shell (and rt0's kernel) report it.
//!
//! The child calls execve(2) on the file itself: no `env`, no PATH search and no shell, so a
//! file the kernel will not execute (ENOEXEC) is reported as "cannot execute" — execvp would
//! have run it as a shell script.
use crate::{CueAction, Outcome};
use crate::{signals, stream};
use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};

/// A NULL-terminated array of C strings for execve, built before the fork (the child may not
/// allocate).
struct CArray {
    _strings: Vec<CString>,
    ptrs: Vec<*const libc::c_char>,
}

// the pointers point into `_strings`, which the array owns and never changes;
// SAFETY: moving the array to another thread (std runs pre_exec hooks in the child only) moves them together.
unsafe impl Send for CArray {}
// SAFETY: as above; nothing mutates the strings or pointers after construction.
unsafe impl Sync for CArray {}

impl CArray {
    fn new<S: AsRef<std::ffi::OsStr>>(items: &[S]) -> Result<CArray, String> {
        let strings = items
            .iter()
            .map(|s| CString::new(s.as_ref().as_bytes()).map_err(|_| "an argument holds a NUL byte".to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let ptrs = strings.iter().map(|s| s.as_ptr()).chain([std::ptr::null()]).collect();
        Ok(CArray { _strings: strings, ptrs })
    }
}

pub fn run(opts: &crate::RunOptions, argv: &[OsString]) -> Result<crate::Ended, crate::Ended> {
    let program = opts.program.as_ref().expect("checked by argv()");
    if argv[0] != program.as_os_str() {
        return Err((
            Outcome::Refused("--native runs the program with argv[0] = its path".into()),
            String::new(),
            Vec::new(),
        ));
    }
    let refused = |why: String| (Outcome::Refused(why), String::new(), Vec::new());
    let path = CString::new(program.as_os_str().as_bytes()).map_err(|_| refused("the path holds a NUL byte".into()))?;
    let (c_argv, c_envp) =
        (CArray::new(argv).map_err(refused)?, CArray::new(&crate::environment(opts)).map_err(refused)?);
    let cpu = opts.native_one_cpu.then(first_allowed_cpu).flatten();
    // std's Command would sort and dedupe the environment and search PATH; the hooks below run
    // in the child after its stdio is set up, and the last one replaces it with the program.
    let mounts = Mounts::new(opts).map_err(refused)?;
    let mut cmd = Command::new(program);
    cmd.stdin(stream::stdin_mode(opts)).stdout(Stdio::piped()).stderr(Stdio::piped());
    let runner = std::process::id();
    // SAFETY: the hook makes only async-signal-safe calls (prctl, getppid, _exit).
    unsafe { cmd.pre_exec(move || signals::die_with_parent(runner)) };
    // sched_setaffinity and execve are async-signal-safe system calls;
    // SAFETY: every pointer was made before the fork and stays valid in the child's copy of this memory.
    unsafe {
        cmd.pre_exec(move || {
            let (argv, envp): (&CArray, &CArray) = (&c_argv, &c_envp); // the arrays, not their fields
            mounts.enter()?;
            if let Some(cpu) = cpu {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(cpu as usize, &mut set);
                if libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            only_standard_descriptors()?;
            default_signals();
            libc::execve(path.as_ptr(), argv.ptrs.as_ptr(), envp.ptrs.as_ptr());
            Err(std::io::Error::last_os_error())
        })
    };
    if opts.echo {
        // The program shares our terminal and process group: it gets Ctrl-C from the terminal
        // itself; the runner only has to outlive it.
        signals::install();
    }
    let child = cmd.spawn().map_err(|e| {
        let why = format!("rt0: cannot execute {}: {e}\n", program.display());
        if opts.echo {
            eprint!("{why}");
        }
        (Outcome::BadProgram, why, Vec::new())
    })?;
    let mut child = stream::Reaped(child);
    let _attached = signals::attach(child.id(), None);
    let feeder = stream::feed(&mut child, opts, None);
    let watch = opts.cue.as_ref().map(|cue| {
        let (pid, input, action) = (child.id() as i32, feeder.input(), cue.action.clone());
        stream::Watch::new(cue.after.as_bytes(), move || match action {
            CueAction::Signal(signo) => {
                // kill(2) only sends a signal. The child may have exited and been reaped by then:
                // pids are handed out in increasing order,
                // SAFETY: so the number is not reused in the moment, and the signal finds no process.
                let _ = unsafe { libc::kill(pid, signo) };
            }
            input_cue => stream::cued(&input, input_cue),
        })
    });
    let out = stream::bytes(child.stdout.take().unwrap(), opts.echo, watch);
    let err = stream::lines(child.stderr.take().unwrap(), opts.echo, opts.program.clone(), stream::Gate::open());
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

/// The program starts with every signal's default action and none blocked, as on rt0 (whose
/// kernel starts each program so): an ignored SIGINT or SIGQUIT survives execve, and a shell
/// ignores both in what it starts in the background, where a Go program then keeps them
/// ignored and a Ctrl-C the test sends would not end it. Called in the child between fork and
/// execve; sigaction and sigprocmask are async-signal-safe, and SIGKILL's and SIGSTOP's
/// EINVAL, like a number past SIGRTMAX, changes nothing.
fn default_signals() {
    // SAFETY: both calls read only the local structures passed; a refused number is EINVAL.
    unsafe {
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        for signo in 1..=64 {
            libc::sigaction(signo, &dfl, std::ptr::null_mut());
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
    }
}

/// In the child, before execve: every descriptor above 2 closes at the exec, so the program
/// starts with only stdin, stdout and stderr — as rt0's kernel starts it. Without this it would
/// inherit whatever the runner's parent left open without FD_CLOEXEC (a CI harness may leave many),
/// and a test that names an unopened descriptor, such as 99 for EBADF, would see an open one.
/// close_range(2) with CLOSE_RANGE_CLOEXEC (Linux 5.11) marks them rather than closing them, so
/// std's own close-on-exec pipe, which reports a failed execve, keeps working.
fn only_standard_descriptors() -> std::io::Result<()> {
    // SAFETY: close_range only changes this process's descriptor flags; no memory is passed.
    let r = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC) };
    if r == 0 {
        return Ok(());
    }
    // An older kernel: mark them one by one, up to the descriptor limit.
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes only `limit`, a local of the right type.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    for fd in 3..limit.rlim_cur.min(1 << 20) as libc::c_int {
        // SAFETY: F_SETFD on a descriptor number; an unopened one is EBADF and changes nothing.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    Ok(())
}

/// `--dir` and `--cwd` natively: the program runs in a mount namespace of its own where each
/// HOST is bind-mounted read-only over GUEST (which must exist on the host; a comparison mounts
/// each directory at its own path), so it meets the same read-only tree as in QEMU (EROFS for
/// writes) while the host's other files stay as they are. Needs root (CAP_SYS_ADMIN), as CI runs;
/// without, the run fails with the mount's error. Then the working directory is `--cwd`.
struct Mounts {
    binds: Vec<(CString, CString)>,
    cwd: Option<CString>,
}

impl Mounts {
    fn new(opts: &crate::RunOptions) -> Result<Mounts, String> {
        let c = |p: &std::path::Path| {
            CString::new(p.as_os_str().as_bytes()).map_err(|_| format!("{}: a NUL byte", p.display()))
        };
        let mut binds = Vec::new();
        for m in &opts.dirs {
            if !m.guest.exists() {
                return Err(format!("--native --dir: {} does not exist on the host to mount over", m.guest.display()));
            }
            binds.push((c(&m.host)?, c(&m.guest)?));
        }
        Ok(Mounts { binds, cwd: opts.cwd.as_deref().map(c).transpose()? })
    }

    /// In the child, before execve: unshare, mount, chdir (all async-signal-safe system calls).
    fn enter(&self) -> std::io::Result<()> {
        let check = |r: libc::c_int| if r == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) };
        if !self.binds.is_empty() {
            // SAFETY: plain system calls on NUL-terminated strings made before the fork.
            unsafe {
                check(libc::unshare(libc::CLONE_NEWNS))?;
                check(libc::mount(
                    c"none".as_ptr(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ))?;
                for (host, guest) in &self.binds {
                    check(libc::mount(
                        host.as_ptr(),
                        guest.as_ptr(),
                        std::ptr::null(),
                        libc::MS_BIND | libc::MS_REC,
                        std::ptr::null(),
                    ))?;
                    let ro = libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY;
                    check(libc::mount(std::ptr::null(), guest.as_ptr(), std::ptr::null(), ro, std::ptr::null()))?;
                }
            }
        }
        if let Some(cwd) = &self.cwd {
            // SAFETY: as above.
            check(unsafe { libc::chdir(cwd.as_ptr()) })?;
        }
        Ok(())
    }
}

/// The first CPU this process may run on (`Cpus_allowed_list` in /proc/self/status, e.g. `0-1`
/// or `2,5`), which is the one a pinned program gets.
fn first_allowed_cpu() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let list = status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?.trim();
    list.split([',', '-']).next()?.parse().ok()
}
