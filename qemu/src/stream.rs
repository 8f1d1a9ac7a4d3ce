//! Moving bytes out of QEMU (or a native program) while it runs: the serial log line by line,
//! the stdout file as it grows, and waiting with a deadline.
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Reads `r` line by line into a String, echoing each line to stderr when `echo`.
pub fn lines(r: impl Read + Send + 'static, echo: bool) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut log = String::new();
        let mut reader = BufReader::new(r);
        let mut buf = Vec::new();
        while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
            if echo {
                let _ = std::io::stderr().write_all(&buf);
            }
            log.push_str(&String::from_utf8_lossy(&buf));
            buf.clear();
        }
        log
    })
}

/// Reads all of `r` into a String, echoing it to stderr when `echo`.
pub fn collect(mut r: impl Read + Send + 'static, echo: bool) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        if echo {
            eprint!("{s}");
        }
        s
    })
}

/// Reads raw bytes from `r` (a native program's stdout), echoing to stdout when `echo`.
pub fn bytes(mut r: impl Read + Send + 'static, echo: bool) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            if echo {
                let _ = std::io::stdout().write_all(&buf[..n]);
                let _ = std::io::stdout().flush();
            }
            out.extend_from_slice(&buf[..n]);
        }
        out
    })
}

/// Follows a file QEMU appends to (the COM2 chardev), like `tail -f`.
pub struct Tail {
    done: Arc<AtomicBool>,
    thread: JoinHandle<Vec<u8>>,
}

impl Tail {
    pub fn start(path: PathBuf, echo: bool) -> Tail {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let thread = std::thread::spawn(move || {
            let mut out = Vec::new();
            let Ok(mut f) = std::fs::File::open(&path) else { return out };
            let mut buf = [0u8; 4096];
            loop {
                let finished = flag.load(Ordering::Acquire);
                match f.read(&mut buf) {
                    Ok(0) | Err(_) if finished => break,
                    Ok(0) | Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    Ok(n) => {
                        if echo {
                            let _ = std::io::stdout().write_all(&buf[..n]);
                            let _ = std::io::stdout().flush();
                        }
                        out.extend_from_slice(&buf[..n]);
                    }
                }
            }
            out
        });
        Tail { done, thread }
    }

    /// Reads what is left after the writer exited and returns everything.
    pub fn finish(self) -> Vec<u8> {
        self.done.store(true, Ordering::Release);
        self.thread.join().unwrap_or_default()
    }
}

/// Waits for `child`, killing it at the deadline (None = it was killed).
pub fn wait(child: &mut Child, timeout: Option<Duration>) -> Option<ExitStatus> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// How the child's stdin is set up for `opts`.
/// A terminal is handed over as it is (a person types after the boot); a pipe or file is
/// forwarded by [`feed`], after the program starts.
pub fn stdin_mode(opts: &crate::RunOptions) -> Stdio {
    match (&opts.stdin, opts.echo) {
        (Some(_), _) => Stdio::piped(),
        (None, true) if std::io::stdin().is_terminal() => Stdio::inherit(),
        (None, true) => Stdio::piped(),
        (None, false) => Stdio::null(),
    }
}

/// Writes `opts.stdin` to the child's stdin from a thread (the pipe may fill up before the
/// program reads), then closes it. For QEMU, `control` is the kernel's control-channel file:
/// the data waits for its `start` line, since serial input that arrives while the bootloader and
/// kernel reset the UART is lost.
pub fn feed(child: &mut Child, opts: &crate::RunOptions, control: Option<PathBuf>) {
    let Some(mut pipe) = child.stdin.take() else { return };
    let data = opts.stdin.clone();
    {
        std::thread::spawn(move || {
            if let Some(control) = control {
                let deadline = Instant::now() + Duration::from_secs(300);
                while !std::fs::read_to_string(&control).is_ok_and(|c| c.lines().any(|l| l == abi::rt0::CONTROL_START))
                {
                    if Instant::now() > deadline {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
            match data {
                Some(bytes) => drop(pipe.write_all(&bytes)),
                None => drop(std::io::copy(&mut std::io::stdin().lock(), &mut pipe)),
            }
        });
    }
}
