//! Moving bytes out of QEMU (or a native program) while it runs: the serial log line by line,
//! the stdout file as it grows, input fed in, and waiting with a deadline. Every thread here
//! ends with the run (or, reading our own stdin, with the runner), and a reader that panics is
//! reported ([`joined`]), never taken for empty output.
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::ops::{Deref, DerefMut};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A child process that is killed and reaped when this drops, should the runner unwind (a
/// panic) before [`wait`] saw it end.
pub struct Reaped(pub Child);

impl Deref for Reaped {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The result of a reader thread; if it panicked, a line for `lost` naming `what` and why, and
/// the default (empty) value.
pub fn joined<T: Default>(thread: JoinHandle<T>, what: &str, lost: &mut Vec<String>) -> T {
    thread.join().unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        lost.push(format!("the thread reading {what} panicked: {why}"));
        T::default()
    })
}

/// Reads `r` line by line into a String, echoing each line to stderr when `echo`; traceback
/// markers become frame lines from `program`'s line tables (symbolize.rs). COM1's hand-over
/// mark (`abi::rt0::LOG_HANDOVER`) is kept in the text, for [`crate::assemble_log`], but not
/// shown; seeing it opens `gate`.
pub fn lines(r: impl Read + Send + 'static, echo: bool, program: Option<PathBuf>, gate: Gate) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut lines = Lines::new(echo, program, Gate::open());
        let mut reader = BufReader::new(r);
        let mut buf = Vec::new();
        let mark = format!("{}\n", abi::rt0::LOG_HANDOVER);
        while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
            if buf == mark.as_bytes() {
                lines.log.push_str(&mark);
                gate.set();
            } else {
                lines.line(&buf);
            }
            buf.clear();
        }
        lines.log
    })
}

/// Whether the log console's lines may be shown yet: a full boot's come after COM1's up to the
/// hand-over mark, so they wait for the COM1 reader to see it.
#[derive(Clone)]
pub struct Gate(Arc<AtomicBool>);

impl Gate {
    pub fn closed() -> Gate {
        Gate(Arc::new(AtomicBool::new(false)))
    }

    pub fn open() -> Gate {
        Gate(Arc::new(AtomicBool::new(true)))
    }

    fn set(&self) {
        self.0.store(true, Ordering::Release);
    }

    fn is_open(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Whole lines of a log stream: rewritten (symbolize.rs), kept, and echoed to stderr when
/// `echo` — held back while `gate` is closed.
struct Lines {
    echo: bool,
    frames: crate::symbolize::Rewriter,
    gate: Gate,
    held: Vec<u8>,
    log: String,
}

impl Lines {
    fn new(echo: bool, program: Option<PathBuf>, gate: Gate) -> Lines {
        Lines { echo, frames: crate::symbolize::Rewriter::new(program), gate, held: Vec::new(), log: String::new() }
    }

    fn line(&mut self, line: &[u8]) {
        let shown = self.frames.line(line);
        if self.echo {
            self.held.extend_from_slice(&shown);
            if self.gate.is_open() {
                self.show();
            }
        }
        self.log.push_str(&String::from_utf8_lossy(&shown));
    }

    fn show(&mut self) {
        let _ = std::io::stderr().write_all(&self.held);
        self.held.clear();
    }
}

/// What a followed file's bytes become: its consumer takes them as they arrive and gives its
/// result when the writer has ended.
pub trait Follow: Send + 'static {
    type Out: Send + 'static;
    fn take(&mut self, bytes: &[u8]);
    fn end(self) -> Self::Out;
}

/// The program's stdout as raw bytes, echoed to our stdout when `echo`, watched for a cue.
pub struct Stdout {
    pub echo: bool,
    pub watch: Option<Watch>,
    pub out: Vec<u8>,
}

impl Follow for Stdout {
    type Out = Vec<u8>;

    fn take(&mut self, bytes: &[u8]) {
        if self.echo {
            let _ = std::io::stdout().write_all(bytes);
            let _ = std::io::stdout().flush();
        }
        self.out.extend_from_slice(bytes);
        if let Some(w) = self.watch.as_mut() {
            w.saw(bytes);
        }
    }

    fn end(self) -> Vec<u8> {
        self.out
    }
}

/// The log console's text (the kernel's log and the program's stderr after the hand-over), line
/// by line as [`lines`] reads COM1's.
pub struct LogConsole {
    lines: Lines,
    partial: Vec<u8>,
}

impl LogConsole {
    pub fn new(echo: bool, program: Option<PathBuf>, gate: Gate) -> LogConsole {
        LogConsole { lines: Lines::new(echo, program, gate), partial: Vec::new() }
    }
}

impl Follow for LogConsole {
    type Out = String;

    fn take(&mut self, mut bytes: &[u8]) {
        while let Some(nl) = bytes.iter().position(|&b| b == b'\n') {
            self.partial.extend_from_slice(&bytes[..=nl]);
            let line = std::mem::take(&mut self.partial);
            self.lines.line(&line);
            bytes = &bytes[nl + 1..];
        }
        self.partial.extend_from_slice(bytes);
    }

    fn end(mut self) -> String {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.lines.line(&line);
        }
        if self.lines.echo {
            self.lines.show();
        }
        self.lines.log
    }
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

/// Calls its action once, the first time the output seen so far contains a needle: how a test
/// presses Ctrl-C at a chosen point of the program's output.
pub struct Watch {
    needle: Vec<u8>,
    seen: Vec<u8>,
    action: Option<Box<dyn FnOnce() + Send>>,
}

impl Watch {
    pub fn new(needle: &[u8], action: impl FnOnce() + Send + 'static) -> Watch {
        Watch { needle: needle.to_vec(), seen: Vec::new(), action: Some(Box::new(action)) }
    }

    /// More output arrived.
    fn saw(&mut self, bytes: &[u8]) {
        if self.action.is_none() {
            return;
        }
        self.seen.extend_from_slice(bytes);
        if self.seen.windows(self.needle.len().max(1)).any(|w| w == self.needle.as_slice())
            && let Some(action) = self.action.take()
        {
            action();
        }
    }
}

/// Reads raw bytes from `r` (a native program's stdout), echoing to stdout when `echo`.
pub fn bytes(mut r: impl Read + Send + 'static, echo: bool, mut watch: Option<Watch>) -> JoinHandle<Vec<u8>> {
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
            if let Some(w) = watch.as_mut() {
                w.saw(&buf[..n]);
            }
        }
        out
    })
}

/// Follows a file QEMU appends to (a console's chardev), like `tail -f`.
pub struct Tail<T> {
    done: Arc<AtomicBool>,
    thread: JoinHandle<T>,
}

impl<T: Send + 'static> Tail<T> {
    pub fn start<F: Follow<Out = T>>(path: PathBuf, mut follow: F) -> Tail<T> {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let thread = std::thread::spawn(move || {
            let Ok(mut f) = std::fs::File::open(&path) else { return follow.end() };
            let mut buf = [0u8; 4096];
            loop {
                let finished = flag.load(Ordering::Acquire);
                match f.read(&mut buf) {
                    Ok(0) | Err(_) if finished => break,
                    // Woken early by `finish`, so the last bytes are read at once.
                    Ok(0) | Err(_) => std::thread::park_timeout(Duration::from_millis(5)),
                    Ok(n) => follow.take(&buf[..n]),
                }
            }
            follow.end()
        });
        Tail { done, thread }
    }

    /// Tells the thread the writer exited: it reads what is left and ends (join the handle for
    /// everything it read).
    pub fn finish(self) -> JoinHandle<T> {
        self.done.store(true, Ordering::Release);
        self.thread.thread().unpark();
        self.thread
    }
}

/// Waits for `child`, killing it at the deadline (None = it was killed). The wait sleeps in
/// poll(2) on a pidfd (Linux 5.3), which wakes the moment the child exits; a poll every 5 ms
/// cost a run 2.5 ms on average after QEMU had already ended. Without pidfds (an older kernel,
/// or a child already reaped) it falls back to that poll.
pub fn wait(child: &mut Child, timeout: Option<Duration>) -> Option<ExitStatus> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let pidfd = pidfd_open(child.id());
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        let left = deadline.map_or(Duration::from_secs(1), |d| d - now).min(Duration::from_secs(1));
        match &pidfd {
            Some(fd) => {
                let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
                let ms = left.as_millis().max(1) as libc::c_int;
                // `p` is one valid pollfd on this stack for the call's length, and the
                // descriptor it names is open (owned by `pidfd`) until after the call.
                // SAFETY: so the block below is sound.
                unsafe { libc::poll(&mut p, 1, ms) };
            }
            None => std::thread::sleep(left.min(Duration::from_millis(5))),
        }
    }
}

/// A pidfd for process `pid`, readable once it exits; None where the kernel has none.
fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    // pidfd_open takes a pid and flags and returns a new descriptor or -1; no memory is
    // passed.
    // SAFETY: so the block below is sound.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    // A non-negative result is a descriptor this call just opened and nothing else
    // owns, so `OwnedFd` may close it.
    // SAFETY: so the block below is sound.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// How a native child's stdin is set up for `opts`. A terminal is handed over as it is (a
/// person types); a pipe or file is forwarded by [`feed`]; with neither, /dev/null (end of file
/// at once). QEMU's stdin is always a pipe from [`feed`]: the runner frames what it forwards.
pub fn stdin_mode(opts: &crate::RunOptions) -> Stdio {
    match (&opts.stdin, opts.echo) {
        (Some(_), _) => Stdio::piped(),
        (None, _) if cued_input(opts) => Stdio::piped(),
        (None, true) if std::io::stdin().is_terminal() => Stdio::inherit(),
        (None, true) => Stdio::piped(),
        (None, false) => Stdio::null(),
    }
}

/// What goes to the program's stdin, in order.
#[derive(Debug)]
pub enum Input {
    Data(Vec<u8>),
    /// The input ended.
    Eof,
    /// A terminal signal (SIGINT, SIGQUIT) for the program: framed for the kernel in QEMU.
    Signal(i32),
}

/// The stdin feeder of one run: [`Feeder::stop`] when the child has ended.
pub struct Feeder {
    stop: Arc<AtomicBool>,
    input: mpsc::Sender<Input>,
    /// Joined only by the tests (the runner detaches it, see [`Feeder::stop`]).
    #[cfg_attr(not(test), expect(dead_code))]
    thread: Option<JoinHandle<()>>,
}

impl Feeder {
    /// Where more input (a terminal signal) for the program goes.
    pub fn input(&self) -> mpsc::Sender<Input> {
        self.input.clone()
    }

    /// Ends the feeder's wait for the start line (a run that ended before it never sees one)
    /// and for more input. A write in progress ends by itself: the child's end of the pipe is
    /// closed. The thread is not joined: forwarding our stdin may block on it until the runner
    /// exits.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// Writes the program's input to the child's stdin from a thread (the pipe may fill up before
/// the program reads): `opts.stdin`, else our own stdin when `opts.echo`, else nothing — then
/// end of file — and any [`Input`] sent to [`Feeder::input`] meanwhile.
///
/// For QEMU, `control` is the kernel's control-channel file: the input waits for its `start`
/// line, since serial input that arrives while the bootloader and kernel reset the UART is lost,
/// and goes framed ([`crate::framing`]), end of file and signals included; the feeder keeps
/// running after end of file, for signals. Natively the bytes go as they are, end of file
/// closes the pipe, and signals are not this feeder's (the runner sends them with kill).
/// The wait gives up at the run's timeout or when the run ends ([`Feeder::stop`]); the writing
/// ends when the child does (the pipe breaks). Forwarding our own stdin blocks on reading it,
/// which only the runner binary does, and it exits after the run.
pub fn feed(child: &mut Child, opts: &crate::RunOptions, control: Option<PathBuf>) -> Feeder {
    let stopped = Arc::new(AtomicBool::new(false));
    let (input, queue) = mpsc::channel();
    let Some(mut pipe) = child.stdin.take() else { return Feeder { stop: stopped, input, thread: None } };
    match &opts.stdin {
        Some(bytes) => {
            let _ = input.send(Input::Data(bytes.clone()));
            let _ = input.send(Input::Eof);
        }
        None if cued_input(opts) => {} // the cue brings it
        None if opts.echo => forward_our_stdin(input.clone()),
        None => drop(input.send(Input::Eof)),
    }
    let deadline = opts.timeout.map(|t| Instant::now() + t);
    let stop = stopped.clone();
    let thread = std::thread::spawn(move || {
        let framed = control.is_some();
        if let Some(control) = control {
            let started =
                || std::fs::read_to_string(&control).is_ok_and(|c| c.lines().any(|l| l == abi::rt0::CONTROL_START));
            while !started() {
                if stop.load(Ordering::Acquire) || deadline.is_some_and(|d| Instant::now() > d) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        loop {
            let wire = match queue.recv_timeout(Duration::from_millis(20)) {
                Ok(Input::Data(bytes)) if framed => crate::framing::data(&bytes),
                Ok(Input::Data(bytes)) => bytes,
                Ok(Input::Eof) if framed => crate::framing::END_OF_INPUT.to_vec(),
                Ok(Input::Eof) => return, // closes the pipe
                Ok(Input::Signal(signo)) => crate::framing::signal(signo).filter(|_| framed).map_or(vec![], Vec::from),
                Err(mpsc::RecvTimeoutError::Timeout) if !stop.load(Ordering::Acquire) => continue,
                Err(_) => return,
            };
            if pipe.write_all(&wire).and_then(|()| pipe.flush()).is_err() {
                return;
            }
        }
    });
    Feeder { stop: stopped, input, thread: Some(thread) }
}

/// Whether the program's input comes from a cue.
fn cued_input(opts: &crate::RunOptions) -> bool {
    opts.cue.as_ref().is_some_and(|c| matches!(c.action, crate::CueAction::Input(_)))
}

/// Does a cue's action through the feeder's `input`: a signal for the console, or the input
/// and its end.
pub fn cued(input: &mpsc::Sender<Input>, action: crate::CueAction) {
    match action {
        crate::CueAction::Signal(signo) => drop(input.send(Input::Signal(signo))),
        crate::CueAction::Input(bytes) => {
            let _ = input.send(Input::Data(bytes));
            let _ = input.send(Input::Eof);
        }
    }
}

/// Reads our own stdin (a terminal gives a line at a time, and Ctrl-D ends it) into `input`,
/// then end of file, from a thread that may block on it until the runner exits.
fn forward_our_stdin(input: mpsc::Sender<Input>) {
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 || input.send(Input::Data(buf[..n].to_vec())).is_err() {
                break;
            }
        }
        let _ = input.send(Input::Eof);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn a_reader_that_panics_is_reported_not_taken_for_empty_output() {
        let mut lost = Vec::new();
        let ok = joined(std::thread::spawn(|| "log".to_string()), "the log", &mut lost);
        assert_eq!((ok.as_str(), lost.len()), ("log", 0));
        let thread = std::thread::spawn(|| -> String { panic!("reader broke") });
        assert_eq!(joined(thread, "the serial log", &mut lost), "");
        assert_eq!(lost, ["the thread reading the serial log panicked: reader broke"]);
    }

    #[test]
    fn the_feeder_gives_up_waiting_for_start_at_the_runs_timeout() {
        let mut child = Reaped(Command::new("sleep").arg("30").stdin(Stdio::piped()).spawn().unwrap());
        let opts = crate::RunOptions {
            stdin: Some(b"x".to_vec()),
            timeout: Some(Duration::from_millis(100)),
            ..Default::default()
        };
        let started = Instant::now();
        let feeder = feed(&mut child, &opts, Some(PathBuf::from("/nonexistent/rt0-control")));
        feeder.thread.unwrap().join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    }

    #[test]
    fn a_reaped_child_does_not_outlive_its_guard() {
        let child = Reaped(Command::new("sleep").arg("30").spawn().unwrap());
        let pid = child.id();
        drop(child);
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists(), "sleep {pid} still there");
    }
}
