//! /dev/null (Linux drivers/char/mem.c, `null_fops`): reads are at end of file, writes vanish
//! whole, seeks stay at 0, and it is always ready (no poll method: DEFAULT_POLLMASK).
use super::{File, OpenFile};
use crate::process::uaccess::{Errno, UserSlice};
use abi::epoll::{EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM};
use alloc::sync::Arc;

/// The path that names it.
pub const PATH: &[u8] = b"/dev/null";

pub struct Null;

/// A new open description of /dev/null with status flags `flags` (access mode, O_NONBLOCK, …).
pub fn open(flags: usize) -> Arc<OpenFile> {
    OpenFile::new(Arc::new(Null), flags)
}

/// Its inode: the character device 1:3, mode 0666.
pub fn stat() -> abi::stat::Stat {
    abi::stat::Stat {
        st_mode: abi::stat::S_IFCHR | 0o666,
        st_nlink: 1,
        st_rdev: abi::stat::makedev(1, 3),
        st_blksize: abi::mman::PAGE_SIZE as i64,
        ..Default::default()
    }
}

impl File for Null {
    fn read(&self, _dst: UserSlice, _nonblock: bool) -> Result<u64, Errno> {
        Ok(0)
    }

    fn write(&self, src: UserSlice, _nonblock: bool) -> Result<u64, Errno> {
        Ok(src.len())
    }

    fn poll(&self) -> u32 {
        EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM
    }

    fn events_seen(&self) -> u64 {
        0
    }

    fn seek(&self, _offset: i64, _whence: usize) -> Result<u64, Errno> {
        Ok(0)
    }

    fn pread(&self, _segs: &[UserSlice], _offset: u64) -> Result<u64, Errno> {
        Ok(0)
    }

    fn pwrite(&self, segs: &[UserSlice], _offset: u64) -> Result<u64, Errno> {
        Ok(segs.iter().map(UserSlice::len).sum())
    }

    fn stat(&self) -> abi::stat::Stat {
        stat()
    }
}
