//! eventfd (Linux fs/eventfd.c): a 64-bit counter as a file. A write adds its 8-byte value
//! (blocking while the sum would pass 0xffff_ffff_ffff_fffe); a read takes the whole count, or one
//! in semaphore mode, blocking while it is zero.
use super::wait::{WaitQueue, notify_pollers, wait_event};
use super::{File, OpenFile};
use crate::process::uaccess::{Errno, UserIter, UserPtr, UserSlice};
use abi::epoll::{EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM};
use abi::errno::{EFAULT, EINVAL};
use abi::eventfd::{EFD_NONBLOCK, EFD_SEMAPHORE};
use abi::fcntl::O_RDWR;
use alloc::sync::Arc;
use spin::Mutex;

/// The largest count (ULLONG_MAX − 1).
const MAX: u64 = u64::MAX - 1;

struct State {
    count: u64,
    readable: WaitQueue,
    writable: WaitQueue,
    events: u64,
}

pub struct EventFd {
    state: Mutex<State>,
    semaphore: bool,
}

/// eventfd2(initval, flags): the description (read-write, O_NONBLOCK from EFD_NONBLOCK).
pub fn new(initval: u32, flags: usize) -> Arc<OpenFile> {
    let state = State { count: initval as u64, readable: WaitQueue::new(), writable: WaitQueue::new(), events: 0 };
    let file = EventFd { state: Mutex::new(state), semaphore: flags & EFD_SEMAPHORE != 0 };
    OpenFile::new(Arc::new(file), O_RDWR | (flags & EFD_NONBLOCK))
}

impl File for EventFd {
    fn read(&self, dst: UserSlice, nonblock: bool) -> Result<u64, Errno> {
        self.readv(&[dst], nonblock)
    }

    /// Linux's eventfd_read (a read_iter): at least 8 bytes in all (EINVAL); the count is taken
    /// first and then copied out, so a copy that faults (EFAULT) has still consumed it.
    fn readv(&self, segs: &[UserSlice], nonblock: bool) -> Result<u64, Errno> {
        let mut dst = UserIter::new(segs);
        if dst.remaining() < 8 {
            return Err(EINVAL);
        }
        let v = wait_event(
            &self.state,
            |s| &mut s.readable,
            nonblock,
            None,
            |s| {
                if s.count == 0 {
                    return None;
                }
                let v = if self.semaphore { 1 } else { s.count };
                s.count -= v;
                s.events = s.events.wrapping_add(1);
                s.writable.wake_all();
                notify_pollers();
                Some(Ok(v))
            },
        )?;
        if dst.copy_to_user(&v.to_le_bytes()) < 8 {
            return Err(EFAULT);
        }
        Ok(8)
    }

    fn write(&self, src: UserSlice, nonblock: bool) -> Result<u64, Errno> {
        if src.len() < 8 {
            return Err(EINVAL);
        }
        let v = UserPtr::<u64>::new(src.addr()).read()?;
        if v == u64::MAX {
            return Err(EINVAL);
        }
        wait_event(
            &self.state,
            |s| &mut s.writable,
            nonblock,
            None,
            |s| {
                if MAX - s.count < v {
                    return None;
                }
                s.count += v;
                s.events = s.events.wrapping_add(1);
                s.readable.wake_all();
                notify_pollers();
                Some(Ok(8))
            },
        )
    }

    fn poll(&self) -> u32 {
        let s = self.state.lock();
        let mut m = 0;
        if s.count > 0 {
            m |= EPOLLIN | EPOLLRDNORM;
        }
        if s.count < MAX {
            m |= EPOLLOUT | EPOLLWRNORM;
        }
        m
    }

    fn events_seen(&self) -> u64 {
        self.state.lock().events
    }

    fn seek(&self, _offset: i64, _whence: usize) -> Result<u64, Errno> {
        Ok(0)
    }
}
