//! read, write, writev (Linux fs/read_write.c) on the three standard descriptors: fd 0 reads
//! the serial console, fd 1 goes to COM2 (the runner's stdout), fd 2 to COM1 (its stderr).
use super::{EBADF, EFAULT, EINVAL, SysResult, efault};
use crate::arch::serial;
use crate::mm::aspace::{Access, USER_END};
use crate::process;

/// Bytes copied from user memory per step.
const CHUNK: usize = 512;
/// Linux's UIO_MAXIOV.
const IOV_MAX: u64 = 1024;

fn sink(fd: u64) -> Option<fn(&[u8])> {
    match fd {
        1 => Some(serial::write_stdout),
        2 => Some(serial::write_bytes),
        _ => None,
    }
}

/// Linux's `access_ok(buf, count)`: the range must lie in user space, even when empty. vfs_read and
/// vfs_write check it before touching the file, so `write(1, kernel_addr, 0)` is EFAULT, not 0.
fn access_ok(buf: u64, count: u64) -> Result<(), i64> {
    match buf.checked_add(count) {
        Some(end) if end <= USER_END => Ok(()),
        _ => Err(EFAULT),
    }
}

pub fn write(fd: u64, buf: u64, count: u64) -> SysResult {
    let out = sink(fd).ok_or(EBADF)?;
    access_ok(buf, count)?;
    let mut chunk = [0u8; CHUNK];
    let mut done = 0u64;
    while done < count {
        let n = (count - done).min(CHUNK as u64) as usize;
        match process::with(|p| p.aspace.copy_in(buf.wrapping_add(done), &mut chunk[..n])) {
            Ok(()) => out(&chunk[..n]),
            // Linux reports a fault only when nothing was written.
            Err(e) if done == 0 => return Err(efault(e)),
            Err(_) => break,
        }
        done += n as u64;
    }
    Ok(done)
}

pub fn writev(fd: u64, iov: u64, iovcnt: u64) -> SysResult {
    sink(fd).ok_or(EBADF)?;
    if iovcnt > IOV_MAX {
        return Err(EINVAL);
    }
    // Linux's import_iovec validates the whole array before writing anything: a negative length
    // anywhere is EINVAL, then a segment outside user space (access_ok) is EFAULT.
    let mut outside = false;
    for i in 0..iovcnt {
        let (base, len) = iovec(iov, i)?;
        if len > isize::MAX as u64 {
            return Err(EINVAL);
        }
        outside |= access_ok(base, len).is_err();
    }
    if outside {
        return Err(EFAULT);
    }
    let mut total = 0u64;
    for i in 0..iovcnt {
        let (base, len) = iovec(iov, i)?;
        match write(fd, base, len) {
            Ok(n) => total += n,
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

/// Entry `i` of the iovec array at `iov`: (base, len).
fn iovec(iov: u64, i: u64) -> Result<(u64, u64), i64> {
    let mut raw = [0u8; 16];
    process::with(|p| p.aspace.copy_in(iov.wrapping_add(i * 16), &mut raw)).map_err(efault)?;
    Ok((u64::from_le_bytes(raw[..8].try_into().unwrap()), u64::from_le_bytes(raw[8..].try_into().unwrap())))
}

pub fn read(fd: u64, buf: u64, count: u64) -> SysResult {
    if fd != 0 {
        return Err(if fd <= 2 { EINVAL } else { EBADF });
    }
    access_ok(buf, count)?;
    if count == 0 {
        return Ok(0);
    }
    // Check the whole buffer before blocking, so a bad pointer fails at once.
    process::with(|p| p.aspace.check(buf, count, Access::Write)).map_err(efault)?;
    let mut chunk = [0u8; CHUNK];
    let n = serial::read_stdin(&mut chunk[..(count as usize).min(CHUNK)]);
    process::with(|p| p.aspace.copy_out(buf, &chunk[..n])).map_err(efault)?;
    Ok(n as u64)
}
