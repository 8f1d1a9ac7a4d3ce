//! read, write, readv, writev (Linux fs/read_write.c) through the descriptor table: EBADF for a
//! descriptor that is not open or not open for the direction, EFAULT for a buffer outside user
//! space (checked first, even for 0 bytes), then the object's own answer; readv and writev hand
//! the object the whole vector.
use super::SysResult;
use crate::fd::OpenFile;
use crate::process;
use crate::process::uaccess::{Errno, UserSlice, import_iovec};
use abi::errno::EBADF;
use alloc::sync::Arc;
use alloc::vec::Vec;

fn readable(fd: u64) -> Result<Arc<OpenFile>, Errno> {
    let f = process::file(fd)?;
    if f.readable() { Ok(f) } else { Err(EBADF) }
}

fn writable(fd: u64) -> Result<Arc<OpenFile>, Errno> {
    let f = process::file(fd)?;
    if f.writable() { Ok(f) } else { Err(EBADF) }
}

pub fn read(fd: u64, buf: u64, count: u64) -> SysResult {
    let f = readable(fd)?;
    f.file.read(UserSlice::new(buf, count)?, f.nonblock())
}

pub fn write(fd: u64, buf: u64, count: u64) -> SysResult {
    let f = writable(fd)?;
    f.file.write(UserSlice::new(buf, count)?, f.nonblock())
}

/// The validated segments of an iovec array (EINVAL, EFAULT as Linux's import_iovec).
fn segments(iov: u64, iovcnt: u64) -> Result<Vec<UserSlice>, Errno> {
    import_iovec(iov, iovcnt)?.iter().collect()
}

pub fn readv(fd: u64, iov: u64, iovcnt: u64) -> SysResult {
    let f = readable(fd)?;
    f.file.readv(&segments(iov, iovcnt)?, f.nonblock())
}

pub fn writev(fd: u64, iov: u64, iovcnt: u64) -> SysResult {
    let f = writable(fd)?;
    f.file.writev(&segments(iov, iovcnt)?, f.nonblock())
}
