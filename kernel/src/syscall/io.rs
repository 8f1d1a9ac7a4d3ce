//! read, write, writev (Linux fs/read_write.c) on the three standard descriptors: fd 0 reads
//! the serial console, fd 1 goes to COM2 (the runner's stdout), fd 2 to COM1 (its stderr).
use super::SysResult;
use crate::arch::serial;
use crate::mm::aspace::Access;
use crate::process::uaccess::{CHUNK, UserSlice, import_iovec};
use abi::errno::{EBADF, EINVAL};
use abi::fcntl::{STDERR_FILENO, STDIN_FILENO, STDOUT_FILENO};

fn sink(fd: u64) -> Option<fn(&[u8])> {
    match fd as usize {
        STDOUT_FILENO => Some(serial::write_stdout),
        STDERR_FILENO => Some(serial::write_bytes),
        _ => None,
    }
}

pub fn write(fd: u64, buf: u64, count: u64) -> SysResult {
    let out = sink(fd).ok_or(EBADF)?;
    UserSlice::new(buf, count)?.read_chunks(out)
}

pub fn writev(fd: u64, iov: u64, iovcnt: u64) -> SysResult {
    let out = sink(fd).ok_or(EBADF)?;
    let iovs = import_iovec(iov, iovcnt)?;
    let mut total = 0u64;
    for seg in iovs.iter() {
        match seg.and_then(|s| s.read_chunks(out).map(|n| (n, s.len()))) {
            Ok((n, len)) => {
                total += n;
                if n < len {
                    break; // a short segment ends the transfer, as in Linux
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

pub fn read(fd: u64, buf: u64, count: u64) -> SysResult {
    if fd as usize != STDIN_FILENO {
        return Err(if fd <= 2 { EINVAL } else { EBADF });
    }
    let dst = UserSlice::new(buf, count)?;
    if dst.is_empty() {
        return Ok(0);
    }
    // Check the whole buffer before blocking, so a bad pointer fails at once.
    dst.check(Access::Write)?;
    let mut chunk = [0u8; CHUNK];
    let n = serial::read_stdin(&mut chunk[..(count as usize).min(CHUNK)]);
    dst.write(&chunk[..n])?;
    Ok(n as u64)
}
