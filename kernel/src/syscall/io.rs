//! read, write, readv, writev (Linux fs/read_write.c) through the descriptor table: EBADF for a
//! descriptor that is not open or not open for the direction, EFAULT for a buffer outside user
//! space (checked first, even for 0 bytes), then the object's own answer.
use super::SysResult;
use crate::fd::OpenFile;
use crate::process;
use crate::process::uaccess::{Errno, UserSlice, import_iovec};
use abi::errno::EBADF;
use alloc::sync::Arc;

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

/// One transfer per segment; a short segment ends the call (Linux's do_loop_readv_writev), and
/// an error counts only when nothing was transferred.
fn vectored(iov: u64, iovcnt: u64, mut one: impl FnMut(UserSlice) -> Result<u64, Errno>) -> SysResult {
    let iovs = import_iovec(iov, iovcnt)?;
    let mut total = 0u64;
    for seg in iovs.iter() {
        match seg.and_then(|s| one(s).map(|n| (n, s.len()))) {
            Ok((n, len)) => {
                total += n;
                if n < len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

pub fn readv(fd: u64, iov: u64, iovcnt: u64) -> SysResult {
    let f = readable(fd)?;
    vectored(iov, iovcnt, |s| f.file.read(s, f.nonblock()))
}

pub fn writev(fd: u64, iov: u64, iovcnt: u64) -> SysResult {
    let f = writable(fd)?;
    vectored(iov, iovcnt, |s| f.file.write(s, f.nonblock()))
}
