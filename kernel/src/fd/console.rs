//! The standard descriptors as console objects: fd 0 reads the serial console (COM1), fd 1
//! writes COM2 (the runner's stdout), fd 2 writes COM1 (its stderr and the kernel log).
use super::{File, OpenFile};
use crate::arch::serial;
use crate::mm::aspace::Access;
use crate::process::uaccess::{CHUNK, Errno, UserSlice};
use abi::epoll::{EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM};
use abi::fcntl::{O_RDONLY, O_WRONLY};
use alloc::sync::Arc;

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
    fn read(&self, dst: UserSlice, _nonblock: bool) -> Result<u64, Errno> {
        if dst.is_empty() {
            return Ok(0);
        }
        // Check the whole buffer before blocking, so a bad pointer fails at once.
        dst.check(Access::Write)?;
        let mut chunk = [0u8; CHUNK];
        let n = serial::read_stdin(&mut chunk[..(dst.len() as usize).min(CHUNK)]);
        dst.write(&chunk[..n])?;
        Ok(n as u64)
    }

    fn poll(&self) -> u32 {
        if serial::stdin_ready() { EPOLLIN | EPOLLRDNORM } else { 0 }
    }

    fn stat(&self) -> abi::stat::Stat {
        tty(64)
    }

    fn events_seen(&self) -> u64 {
        0
    }
}

impl File for Output {
    fn write(&self, src: UserSlice, _nonblock: bool) -> Result<u64, Errno> {
        src.read_chunks(self.0)
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
