//! Moving bytes out of QEMU (or a native program) while it runs: the serial log line by line,
//! the stdout file as it grows, and waiting with a deadline.
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ExitStatus};
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
