//! The standard descriptors as console objects: fd 0 reads the serial console (COM1), fd 1
//! writes the stdout console (COM2 without it; the runner's stdout), fd 2 writes the log's sink
//! (the log console once the kernel has found it, COM1 before; the runner's stderr, with the
//! kernel log).
//!
//! fd 0 is the input half of a terminal line discipline, much reduced (Linux's
//! drivers/tty/n_tty.c with ICANON and ECHO off, ISIG on): COM1's receive interrupt drains the
//! UART into a 4096-byte buffer (N_TTY_BUF_SIZE) and wakes the readers, who sleep on a wait
//! queue as pipe readers do. The bytes are framed by the runner ([`super::framing`]): end of file
//! makes read(0) return 0 after the data, and ever after, as a pipe whose writers are gone does;
//! Ctrl-C and Ctrl-\ at the runner's terminal become SIGINT and SIGQUIT for the process, sent as
//! the tty layer sends them (SI_KERNEL, no sender). When the buffer is full the UART is left to
//! fill, and then QEMU stops taking the runner's bytes: nothing is dropped.
//!
//! Lock order: `INPUT` → COM1's port lock, and `INPUT` → pollers → scheduler (wake-ups, signals).
//! The interrupt takes `INPUT`; the kernel runs with interrupts off, so it never lands on a CPU
//! that holds it.
use super::framing::{Decoder, Event};
use super::wait::{WaitQueue, notify_pollers, wait_event};
use super::{File, OpenFile};
use crate::arch::serial;
use crate::process::sched;
use crate::process::signal::Sender;
use crate::process::uaccess::{Errno, UserPtr, UserSlice};
use crate::time::monotonic_ns;
use abi::epoll::{EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM};
use abi::fcntl::{O_RDONLY, O_WRONLY};
use abi::ioctl::FIONREAD;
use abi::signal::SI_KERNEL;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use spin::Mutex;

/// Bytes a console write sends between two looks at signals and the time slice (Linux's
/// `tty_write` chunk).
const WRITE_CHUNK: u64 = 2048;

/// The input buffer's size (Linux's N_TTY_BUF_SIZE).
const INPUT_MAX: usize = 4096;

/// The console's input side: decoded bytes not yet read, and whether the input has ended.
struct Input {
    buf: VecDeque<u8>,
    eof: bool,
    decoder: Decoder,
    /// Threads blocked in read(0).
    readable: WaitQueue,
    /// Moves whenever input arrives: edge-triggered epoll's change counter.
    events: u64,
}

static INPUT: Mutex<Input> = Mutex::new(Input {
    buf: VecDeque::new(),
    eof: false,
    decoder: Decoder::new(),
    readable: WaitQueue::new(),
    events: 0,
});

/// COM1 received something (its interrupt, through the entry layer): take it in.
pub fn input_interrupt() {
    pump(&mut INPUT.lock());
}

/// Moves what COM1 holds into the buffer, decoding the framing, while there is room; wakes the
/// readers and pollers if data or end of file arrived, and sends the terminal's signals.
fn pump(s: &mut Input) {
    let mut arrived = false;
    while s.buf.len() < INPUT_MAX {
        let Some(b) = serial::receive() else { break };
        match s.decoder.push(b) {
            Some(Event::Data(b)) => {
                s.buf.push_back(b);
                arrived = true;
            }
            Some(Event::Eof) => {
                s.eof = true;
                arrived = true;
            }
            // Linux's n_tty isig → kill_pgrp(…, SEND_SIG_PRIV): si_code SI_KERNEL, pid and uid 0.
            Some(Event::Signal(signo)) => {
                sched::signal_process(crate::process::PID, signo, Sender::kill(SI_KERNEL, 0, 0));
            }
            None => {}
        }
    }
    if arrived {
        s.events = s.events.wrapping_add(1);
        s.readable.wake_all();
        notify_pollers();
    }
}

struct Stdin;
struct Output(fn(&[u8]), u32);

/// The serial line a console is: COM1 is /dev/ttyS0 (4, 64), COM2 /dev/ttyS1 (4, 65).
fn tty(minor: u32) -> abi::stat::Stat {
    abi::stat::Stat {
        st_mode: abi::stat::S_IFCHR | 0o620,
        st_nlink: 1,
        st_rdev: abi::stat::makedev(4, minor),
        st_blksize: 1024,
        ..Default::default()
    }
}

impl File for Stdin {
    /// What is buffered, up to `dst.len()`; blocks while nothing is and the input has not
    /// ended (EAGAIN with O_NONBLOCK); 0 at end of file. A bad buffer is EFAULT once there is
    /// data to copy, as Linux's n_tty_read finds it.
    fn read(&self, dst: UserSlice, nonblock: bool) -> Result<u64, Errno> {
        if dst.is_empty() {
            return Ok(0);
        }
        wait_event(
            &INPUT,
            |s| &mut s.readable,
            nonblock,
            None,
            |s| {
                pump(s);
                if s.buf.is_empty() {
                    return s.eof.then_some(Ok(0));
                }
                let n = (dst.len() as usize).min(s.buf.len());
                let (a, b) = s.buf.as_slices();
                let first = n.min(a.len());
                let copied = dst.write(&a[..first]).and_then(|()| {
                    UserSlice::new(dst.addr() + first as u64, (n - first) as u64)?.write(&b[..n - first])
                });
                if let Err(e) = copied {
                    return Some(Err(e));
                }
                s.buf.drain(..n);
                pump(s); // there is room again: take in what the UART held back
                Some(Ok(n as u64))
            },
        )
    }

    fn poll(&self) -> u32 {
        let mut s = INPUT.lock();
        pump(&mut s);
        if !s.buf.is_empty() || s.eof { EPOLLIN | EPOLLRDNORM } else { 0 }
    }

    fn stat(&self) -> abi::stat::Stat {
        tty(64)
    }

    fn events_seen(&self) -> u64 {
        INPUT.lock().events
    }

    fn ioctl(&self, cmd: usize, arg: u64) -> Result<u64, Errno> {
        match cmd {
            FIONREAD => {
                let n = INPUT.lock().buf.len() as i32;
                UserPtr::<i32>::new(arg).write(&n).map(|()| 0)
            }
            _ => Err(abi::errno::ENOTTY),
        }
    }
}

impl File for Output {
    /// Linux's `tty_write`: the bytes go out chunk by chunk; a signal pending between chunks ends
    /// the write with what went out (partial count), and a long write lets the other threads
    /// run each time slice (`cond_resched`): a console sends some hundreds of megabytes a second
    /// at best (COM1 under a megabyte), and the kernel runs a system call with interrupts off.
    fn write(&self, src: UserSlice, _nonblock: bool) -> Result<u64, Errno> {
        let mut done = 0;
        let mut since = monotonic_ns();
        // Each chunk goes to the port in one piece, under one hold of its lock, so a line
        // written with one write() is never cut by another CPU's output (Linux holds the tty's
        // atomic_write_lock for the whole call; a chunk is the most the kernel holds a spin lock
        // for here). A chunk that cannot be read whole goes out up to the fault.
        // Not cleared: only what the copy wrote is read.
        let mut buf = [core::mem::MaybeUninit::<u8>::uninit(); WRITE_CHUNK as usize];
        while done < src.len() {
            let n = (src.len() - done).min(WRITE_CHUNK);
            let part = UserSlice::new(src.addr() + done, n);
            let whole = part
                .is_ok()
                .then(|| crate::process::mm(|p| p.aspace.copy_in_uninit(src.addr() + done, &mut buf, n as usize).ok()));
            let sent = match whole.flatten() {
                Some(bytes) => {
                    (self.0)(bytes);
                    Ok(bytes.len() as u64)
                }
                None => part.and_then(|part| part.read_chunks(self.0)),
            };
            let sent = match sent {
                Ok(sent) => sent,
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            };
            done += sent;
            if sent < n || done == src.len() || crate::process::signal::pending_unblocked() {
                break;
            }
            if monotonic_ns() - since >= sched::TIME_SLICE_NS {
                sched::schedule();
                since = monotonic_ns();
            }
        }
        Ok(done)
    }

    fn poll(&self) -> u32 {
        EPOLLOUT | EPOLLWRNORM
    }

    fn stat(&self) -> abi::stat::Stat {
        tty(self.1)
    }

    fn events_seen(&self) -> u64 {
        0
    }
}

/// Descriptions for fds 0, 1 and 2: stdin read-only, stdout and stderr write-only (as when a
/// shell redirects them to files or pipes).
pub fn standard() -> [Arc<OpenFile>; 3] {
    [
        OpenFile::new(Arc::new(Stdin), O_RDONLY),
        OpenFile::new(Arc::new(Output(serial::write_stdout, 65)), O_WRONLY),
        OpenFile::new(Arc::new(Output(serial::write_bytes, 64)), O_WRONLY),
    ]
}
