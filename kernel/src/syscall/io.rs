//! read, write, writev (Linux fs/read_write.c) on the three standard descriptors: fd 0 reads
//! the serial console, fd 1 goes to COM2 (the runner's stdout), fd 2 to COM1 (its stderr).
use super::{EBADF, EINVAL, SysResult, efault};
use crate::arch::serial;
use crate::mm::aspace::Access;
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

pub fn write(fd: u64, buf: u64, count: u64) -> SysResult {
    let out = sink(fd).ok_or(EBADF)?;
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
    let mut total = 0u64;
    for i in 0..iovcnt {
        let mut raw = [0u8; 16];
        process::with(|p| p.aspace.copy_in(iov.wrapping_add(i * 16), &mut raw)).map_err(efault)?;
        let base = u64::from_le_bytes(raw[..8].try_into().unwrap());
        let len = u64::from_le_bytes(raw[8..].try_into().unwrap());
        if len > isize::MAX as u64 {
            return Err(EINVAL);
        }
        match write(fd, base, len) {
            Ok(n) => total += n,
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

pub fn read(fd: u64, buf: u64, count: u64) -> SysResult {
    if fd != 0 {
        return Err(if fd <= 2 { EINVAL } else { EBADF });
    }
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
