//! Pipes (Linux fs/pipe.c): a ring of page-sized buffers shared by a read end and a write end,
//! as Linux's `pipe_buffer` ring (16 slots by default). Reads take what is there, block while it
//! is empty and writers remain, and return 0 (end of file) once every writer is gone. A write
//! first tops up the last buffer with its sub-page tail (`len % PAGE_SIZE` bytes, if they fit),
//! then fills fresh pages; so writes of at most PIPE_BUF bytes are atomic and longer ones may be
//! split. A write with no reader left fails with EPIPE and raises SIGPIPE on the writer.
//!
//! Faults follow the buffers, as in Linux: a page that cannot be filled whole from the caller's
//! memory is dropped and the write ends there (EFAULT if nothing went in); a read stops at the
//! first buffer it cannot copy out whole, leaving that buffer in the pipe.
use super::wait::{WaitQueue, notify_pollers, wait_event};
use super::{File, OpenFile};
use crate::process::uaccess::{Errno, UserIter, UserPtr, UserSlice};
use abi::epoll::{EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM};
use abi::errno::{EBUSY, EFAULT, EPERM, EPIPE};
use abi::fcntl::{O_NONBLOCK, O_RDONLY, O_WRONLY, PIPE_DEF_SIZE};
use abi::ioctl::FIONREAD;
use abi::mman::PAGE_SIZE;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use spin::Mutex;

/// The largest capacity F_SETPIPE_SZ grants an unprivileged program (/proc/sys/fs/pipe-max-size).
const PIPE_MAX_SIZE: usize = 1 << 20;

/// One slot of the ring: a page and the bytes of it not yet read.
struct Buf {
    page: Box<[u8; PAGE_SIZE]>,
    off: usize,
    len: usize,
}

struct State {
    bufs: VecDeque<Buf>,
    /// Slots in the ring (F_SETPIPE_SZ / PAGE_SIZE, a power of two).
    slots: usize,
    readers: usize,
    writers: usize,
    /// Threads waiting for data (readers) and for space (writers).
    readable: WaitQueue,
    writable: WaitQueue,
    /// Moves on every transfer: edge-triggered epoll's change counter.
    events: u64,
    /// The last page a read emptied, kept for the next write (Linux's `pipe->tmp_page`): a
    /// ping-pong of small writes and reads then allocates and zeroes nothing.
    spare: Option<Box<[u8; PAGE_SIZE]>>,
}

impl State {
    /// A page for a new buffer: the spare, or a fresh zeroed one.
    fn page(&mut self) -> Box<[u8; PAGE_SIZE]> {
        self.spare.take().unwrap_or_else(|| Box::new([0u8; PAGE_SIZE]))
    }

    /// The front buffer was read empty: drop it, keeping its page as the spare.
    fn pop_empty(&mut self) {
        if let Some(b) = self.bufs.pop_front()
            && self.spare.is_none()
        {
            self.spare = Some(b.page);
        }
    }

    fn full(&self) -> bool {
        self.bufs.len() >= self.slots
    }

    /// Bytes waiting to be read (FIONREAD).
    fn bytes(&self) -> usize {
        self.bufs.iter().map(|b| b.len).sum()
    }

    /// Data went in or out: wake the other side and the pollers.
    fn moved(&mut self, wrote: bool) {
        self.events = self.events.wrapping_add(1);
        if wrote {
            self.readable.wake_all()
        } else {
            self.writable.wake_all()
        }
        notify_pollers();
    }
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
        bufs: VecDeque::new(),
        slots: PIPE_DEF_SIZE / PAGE_SIZE,
        readers: 1,
        writers: 1,
        readable: WaitQueue::new(),
        writable: WaitQueue::new(),
        events: 0,
        spare: None,
    })));
    let nonblock = flags & O_NONBLOCK;
    let r = OpenFile::new(Arc::new(PipeEnd { pipe: pipe.clone(), write: false }), O_RDONLY | nonblock);
    let w = OpenFile::new(Arc::new(PipeEnd { pipe, write: true }), O_WRONLY | nonblock);
    (r, w)
}

impl PipeEnd {
    /// F_GETPIPE_SZ.
    pub fn capacity(&self) -> u64 {
        (self.pipe.0.lock().slots * PAGE_SIZE) as u64
    }

    /// F_SETPIPE_SZ: rounded up to a power-of-two number of pages; EPERM above the maximum,
    /// EBUSY if the buffers already in the pipe would not fit.
    pub fn set_capacity(&self, size: u64) -> Result<u64, Errno> {
        if size > PIPE_MAX_SIZE as u64 {
            return Err(EPERM);
        }
        let cap = (size as usize).max(PAGE_SIZE).next_power_of_two();
        let mut s = self.pipe.0.lock();
        if s.bufs.len() > cap / PAGE_SIZE {
            return Err(EBUSY);
        }
        s.slots = cap / PAGE_SIZE;
        s.writable.wake_all();
        drop(s);
        notify_pollers();
        Ok(cap as u64)
    }

    /// Linux's pipe_read over `dst`.
    fn read_iter(&self, dst: &mut UserIter, nonblock: bool) -> Result<u64, Errno> {
        if dst.remaining() == 0 {
            return Ok(0);
        }
        let mut done = 0u64;
        wait_event(
            &self.pipe.0,
            |s| &mut s.readable,
            nonblock,
            None,
            |s| {
                while let Some(b) = s.bufs.front_mut() {
                    let n = b.len.min(dst.remaining() as usize);
                    if dst.copy_to_user(&b.page[b.off..b.off + n]) < n {
                        // The buffer stays whole in the pipe.
                        if done == 0 {
                            return Some(Err(EFAULT));
                        }
                        s.moved(false);
                        return Some(Ok(()));
                    }
                    done += n as u64;
                    b.off += n;
                    b.len -= n;
                    if b.len == 0 {
                        s.pop_empty();
                    }
                    if dst.remaining() == 0 {
                        break;
                    }
                }
                if done > 0 {
                    s.moved(false);
                    return Some(Ok(()));
                }
                if s.writers == 0 { Some(Ok(())) } else { None }
            },
        )?;
        Ok(done)
    }

    /// Linux's pipe_write from `src`.
    fn write_iter(&self, src: &mut UserIter, nonblock: bool) -> Result<u64, Errno> {
        let total = src.remaining() as usize;
        if total == 0 {
            return Ok(0);
        }
        let mut done = 0usize;
        let mut merged = false;
        let result = wait_event(
            &self.pipe.0,
            |s| &mut s.writable,
            nonblock,
            None,
            |s| {
                if s.readers == 0 {
                    return Some(Err(EPIPE));
                }
                // The sub-page tail goes into the last buffer if it fits there (once, at the start).
                let tail = total & (PAGE_SIZE - 1);
                if !merged && tail > 0 {
                    merged = true;
                    if let Some(b) = s.bufs.back_mut()
                        && b.off + b.len + tail <= PAGE_SIZE
                    {
                        let at = b.off + b.len;
                        if src.copy_from_user(&mut b.page[at..at + tail]) < tail {
                            return Some(Err(EFAULT));
                        }
                        b.len += tail;
                        done += tail;
                        s.moved(true);
                        if done == total {
                            return Some(Ok(()));
                        }
                    }
                }
                while !s.full() {
                    let mut page = s.page();
                    let want = (total - done).min(PAGE_SIZE);
                    let got = src.copy_from_user(&mut page[..want]);
                    if got < want {
                        // A page that cannot be filled is not queued, and the write ends here.
                        s.spare = Some(page);
                        return Some(if done > 0 { Ok(()) } else { Err(EFAULT) });
                    }
                    s.bufs.push_back(Buf { page, off: 0, len: got });
                    done += got;
                    s.moved(true);
                    if done == total {
                        return Some(Ok(()));
                    }
                }
                None
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
}

impl File for PipeEnd {
    fn read(&self, dst: UserSlice, nonblock: bool) -> Result<u64, Errno> {
        self.read_iter(&mut UserIter::new(&[dst]), nonblock)
    }

    fn write(&self, src: UserSlice, nonblock: bool) -> Result<u64, Errno> {
        self.write_iter(&mut UserIter::new(&[src]), nonblock)
    }

    fn readv(&self, segs: &[UserSlice], nonblock: bool) -> Result<u64, Errno> {
        self.read_iter(&mut UserIter::new(segs), nonblock)
    }

    fn writev(&self, segs: &[UserSlice], nonblock: bool) -> Result<u64, Errno> {
        self.write_iter(&mut UserIter::new(segs), nonblock)
    }

    fn poll(&self) -> u32 {
        let s = self.pipe.0.lock();
        if self.write {
            let mut m = if s.full() { 0 } else { EPOLLOUT | EPOLLWRNORM };
            if s.readers == 0 {
                m |= EPOLLERR;
            }
            m
        } else {
            let mut m = if s.bufs.is_empty() { 0 } else { EPOLLIN | EPOLLRDNORM };
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
                let n = self.pipe.0.lock().bytes() as i32;
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
