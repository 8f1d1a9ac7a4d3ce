//! The runner's own signals while an interactive run goes on. QEMU runs in a process group of
//! its own, so the terminal's Ctrl-C (SIGINT) and Ctrl-\ (SIGQUIT) reach only the runner, which
//! passes them to the program — framed on the console for the kernel to send, as Linux's tty
//! layer sends them; a native program, in the runner's group, gets them from the terminal
//! itself. SIGTERM and SIGHUP end the run: QEMU is killed, and the runner dies of the same
//! signal once it has cleaned up ([`die_of`]). Should the runner be killed outright (SIGKILL),
//! QEMU gets SIGKILL too: it is started with the parent-death signal set ([`die_with_parent`]).
//!
//! The handler only writes the signal's number to a pipe (async-signal-safe); a thread reads it
//! and does the work.
use crate::stream::Input;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, Once, mpsc};

static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);
/// The running child (QEMU or the native program), 0 if none.
static CHILD: AtomicI32 = AtomicI32::new(0);
/// The terminal signal's way into a QEMU run's console; None natively.
static CONSOLE: Mutex<Option<mpsc::Sender<Input>>> = Mutex::new(None);
/// The signal that ended the run (SIGTERM, SIGHUP), 0 if none.
static TERMINATED: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(signo: libc::c_int) {
    let b = signo as u8;
    // write(2) is async-signal-safe;
    // SAFETY: `b` lives for the call; a failed write (a full pipe) only loses a repeated signal.
    unsafe { libc::write(PIPE_WRITE.load(Ordering::Relaxed), (&raw const b).cast(), 1) };
}

/// Catches SIGINT, SIGQUIT, SIGTERM and SIGHUP for the rest of the runner's life (once).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 returns.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return;
        }
        PIPE_WRITE.store(fds[1], Ordering::Relaxed);
        std::thread::spawn(move || forward(fds[0]));
        for signo in [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGHUP] {
            // a zeroed sigaction is a valid empty one;
            // SAFETY: the handler is async-signal-safe and SA_RESTART keeps the runner's blocking reads going.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                sa.sa_flags = libc::SA_RESTART;
                libc::sigaction(signo, &sa, std::ptr::null_mut());
            }
        }
    });
}

/// The thread that acts on the signals the handler noted.
fn forward(read_end: i32) {
    let mut b = 0u8;
    // SAFETY: reads one byte into `b` from the pipe this thread owns.
    while unsafe { libc::read(read_end, (&raw mut b).cast(), 1) } == 1 {
        let signo = b as i32;
        if signo == libc::SIGINT || signo == libc::SIGQUIT {
            if let Some(console) = CONSOLE.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                let _ = console.send(Input::Signal(signo));
            }
            continue;
        }
        TERMINATED.store(signo, Ordering::Relaxed);
        let pid = CHILD.load(Ordering::Relaxed);
        if pid > 0 {
            // SAFETY: kill(2) on the child this run started (and has not yet reaped).
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

/// The run of `pid` is on: its terminal signals go to `console` (a QEMU run's feeder).
/// Cleared when the guard drops.
pub fn attach(pid: u32, console: Option<mpsc::Sender<Input>>) -> Attached {
    CHILD.store(pid as i32, Ordering::Relaxed);
    *CONSOLE.lock().unwrap_or_else(|e| e.into_inner()) = console;
    Attached
}

pub struct Attached;

impl Drop for Attached {
    fn drop(&mut self) {
        CHILD.store(0, Ordering::Relaxed);
        *CONSOLE.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The signal (SIGTERM, SIGHUP) that ended the runner's run, if one did.
pub fn terminated_by() -> Option<i32> {
    match TERMINATED.load(Ordering::Relaxed) {
        0 => None,
        s => Some(s),
    }
}

/// Dies of `signo`, as a program that did not catch it would (its shell then reports 128+n).
pub fn die_of(signo: i32) -> ! {
    // SAFETY: restoring the default action and raising the signal; the process ends here.
    unsafe {
        libc::signal(signo, libc::SIG_DFL);
        libc::raise(signo);
    }
    std::process::exit(128 + signo)
}

/// For `pre_exec` in a child the runner starts: SIGKILL when the runner's thread that started
/// it dies (PR_SET_PDEATHSIG), and exit at once if the runner (`parent`) is already gone.
/// Only async-signal-safe calls, as a pre_exec hook needs.
pub fn die_with_parent(parent: u32) -> std::io::Result<()> {
    // SAFETY: prctl(PR_SET_PDEATHSIG) and getppid only change or read this (child) process.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::getppid() != parent as i32 {
            libc::_exit(1);
        }
    }
    Ok(())
}
