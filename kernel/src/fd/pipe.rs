//! Pipes (Linux fs/pipe.c): a byte ring shared by a read end and a write end. Reads take what
//! is there, block while it is empty and writers remain, and return 0 (end of file) once every
//! writer is gone. Writes of at most PIPE_BUF bytes are atomic; longer ones may be split. A write
//! with no reader left fails with EPIPE and raises SIGPIPE on the writer.
use super::wait::{WaitQueue, notify_pollers, wait_event};
use super::{File, OpenFile};
use crate::process::uaccess::{Errno, UserPtr, UserSlice};
use abi::epoll::{EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM};
use abi::errno::{EBUSY, EPERM, EPIPE};
use abi::fcntl::{O_NONBLOCK, O_RDONLY, O_WRONLY, PIPE_BUF, PIPE_DEF_SIZE};
use abi::ioctl::FIONREAD;
use abi::mman::PAGE_SIZE;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use spin::Mutex;

/// The largest capacity F_SETPIPE_SZ grants an unprivileged program (/proc/sys/fs/pipe-max-size).
const PIPE_MAX_SIZE: usize = 1 << 20;

struct State {
    buf: VecDeque<u8>,
    capacity: usize,
    readers: usize,
    writers: usize,
    /// Threads waiting for data (readers) and for space (writers).
    readable: WaitQueue,
    writable: WaitQueue,
    /// Moves on every transfer: edge-triggered epoll's change counter.
    events: u64,
}

pub struct Pipe(Mutex<State>);

/// One end of a pipe.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    write: bool,
}

/// pipe2: the read and the write end's descriptions; `flags` may carry O_NONBLOCK (O_CLOEXEC
/// is the descriptors' business).
pub fn new(flags: usize) -> (Arc<OpenFile>, Arc<OpenFile>) {
    let pipe = Arc::new(Pipe(Mutex::new(State {
        buf: VecDeque::new(),
        capacity: PIPE_DEF_SIZE,
        readers: 1,
        writers: 1,
        readable: WaitQueue::new(),
        writable: WaitQueue::new(),
        events: 0,
    })));
    let nonblock = flags & O_NONBLOCK;
    let r = OpenFile::new(Arc::new(PipeEnd { pipe: pipe.clone(), write: false }), O_RDONLY | nonblock);
    let w = OpenFile::new(Arc::new(PipeEnd { pipe, write: true }), O_WRONLY | nonblock);
    (r, w)
}

impl PipeEnd {
    /// F_GETPIPE_SZ.
    pub fn capacity(&self) -> u64 {
        self.pipe.0.lock().capacity as u64
    }

    /// F_SETPIPE_SZ: rounded up to a power-of-two number of pages; EPERM above the maximum,
    /// EBUSY if the data already in the pipe would not fit.
    pub fn set_capacity(&self, size: u64) -> Result<u64, Errno> {
        if size > PIPE_MAX_SIZE as u64 {
            return Err(EPERM);
        }
        let cap = (size as usize).max(PAGE_SIZE).next_power_of_two();
        let mut s = self.pipe.0.lock();
        if s.buf.len() > cap {
            return Err(EBUSY);
        }
        s.capacity = cap;
        s.writable.wake_all();
        drop(s);
        notify_pollers();
        Ok(cap as u64)
    }
}

impl File for PipeEnd {
    fn read(&self, dst: UserSlice, nonblock: bool) -> Result<u64, Errno> {
        if dst.is_empty() {
            return Ok(0);
        }
        wait_event(
            &self.pipe.0,
            |s| &mut s.readable,
            nonblock,
            None,
            |s| {
                if s.buf.is_empty() {
                    return if s.writers == 0 { Some(Ok(0)) } else { None };
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
                s.events = s.events.wrapping_add(1);
                s.writable.wake_all();
                notify_pollers();
                Some(Ok(n as u64))
            },
        )
    }

    fn write(&self, src: UserSlice, nonblock: bool) -> Result<u64, Errno> {
        let total = src.len() as usize;
        let mut done = 0usize;
        let result = wait_event(
            &self.pipe.0,
            |s| &mut s.writable,
            nonblock,
            None,
            |s| {
                if s.readers == 0 {
                    return Some(Err(EPIPE));
                }
                let free = s.capacity - s.buf.len();
                let left = total - done;
                // At most PIPE_BUF bytes go in whole or not at all.
                if free == 0 || (left <= PIPE_BUF && free < left) {
                    return None;
                }
                let n = left.min(free);
                let mut chunk = [0u8; 512];
                let mut moved = 0;
                while moved < n {
                    let k = (n - moved).min(chunk.len());
                    let at = UserSlice::new(src.addr() + (done + moved) as u64, k as u64)
                        .and_then(|u| u.read_prefix(&mut chunk[..k]));
                    match at {
                        Ok(_) => s.buf.extend(&chunk[..k]),
                        Err(e) => {
                            done += moved;
                            return Some(if done > 0 { Ok(()) } else { Err(e) });
                        }
                    }
                    moved += k;
                }
                done += n;
                s.events = s.events.wrapping_add(1);
                s.readable.wake_all();
                notify_pollers();
                if done == total { Some(Ok(())) } else { None }
            },
        );
        if result == Err(EPIPE) {
            // Linux's pipe_write raises SIGPIPE whenever it finds no reader, even after a part
            // of the data went in.
            crate::process::signal::raise_sigpipe();
        }
        match result {
            Ok(()) => Ok(done as u64),
            // A partial write stands; EPIPE and EAGAIN only when nothing was written.
            Err(_) if done > 0 => Ok(done as u64),
            Err(e) => Err(e),
        }
    }

    fn poll(&self) -> u32 {
        let s = self.pipe.0.lock();
        if self.write {
            let mut m = if s.capacity - s.buf.len() >= PIPE_BUF.min(s.capacity) { EPOLLOUT | EPOLLWRNORM } else { 0 };
            if s.readers == 0 {
                m |= EPOLLERR;
            }
            m
        } else {
            let mut m = if s.buf.is_empty() { 0 } else { EPOLLIN | EPOLLRDNORM };
            if s.writers == 0 {
                m |= EPOLLHUP;
            }
            m
        }
    }

    fn events_seen(&self) -> u64 {
        self.pipe.0.lock().events
    }

    fn ioctl(&self, cmd: usize, arg: u64) -> Result<u64, Errno> {
        match cmd {
            FIONREAD => {
                let n = self.pipe.0.lock().buf.len() as i32;
                UserPtr::<i32>::new(arg).write(&n).map(|()| 0)
            }
            _ => Err(abi::errno::ENOTTY),
        }
    }

    fn stat(&self) -> abi::stat::Stat {
        abi::stat::Stat {
            st_mode: abi::stat::S_IFIFO | 0o600,
            st_nlink: 1,
            // Both ends name one inode, as in pipefs.
            st_ino: Arc::as_ptr(&self.pipe) as u64,
            st_blksize: PAGE_SIZE as i64,
            ..Default::default()
        }
    }

    fn as_pipe(&self) -> Option<&PipeEnd> {
        Some(self)
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let mut s = self.pipe.0.lock();
        if self.write {
            s.writers -= 1;
            s.readable.wake_all(); // readers see end of file
        } else {
            s.readers -= 1;
            s.writable.wake_all(); // writers see EPIPE
        }
        s.events = s.events.wrapping_add(1);
        drop(s);
        notify_pollers();
    }
}
