//! Formatted output on fd 1 and fd 2 without an allocator: `print!`, `println!`, `eprint!`, `eprintln!`.
//!
//! Mirrors Go's `runtime/print.go` (the runtime's own `print`/`println`, which write straight to fd 2 with
//! `write(2)`), adapted to Rust's `core::fmt`. Output is gathered in a fixed stack buffer and written when the buffer
//! fills and at the end of each macro call, so a short line costs one `write` system call. Short writes are
//! continued and `EINTR` is retried; any other error drops the rest of that output, as Go's runtime does.

use crate::sys_linux_amd64 as sys;
use abi::errno::EINTR;
use core::fmt;

/// Standard output and standard error.
pub const STDOUT: i32 = 1;
pub const STDERR: i32 = 2;

/// Size of the stack buffer a [`Writer`] gathers output in.
pub const BUF_SIZE: usize = 512;

/// Writes all of `bytes` to `fd`, continuing after short writes and retrying on `EINTR`.
///
/// Returns `Err(-errno)` on any other failure (or `Err(0)` if the kernel wrote nothing).
pub fn write_bytes(fd: i32, mut bytes: &[u8]) -> Result<(), isize> {
    while !bytes.is_empty() {
        match sys::write(fd, bytes) {
            n if n > 0 => bytes = &bytes[n as usize..],
            n if n == -EINTR => continue,
            n => return Err(n),
        }
    }
    Ok(())
}

/// A buffered writer to one file descriptor, for output that mixes formatting with raw bytes (such as non-UTF-8
/// arguments). Flushes when its buffer fills, on [`Writer::flush`], and when dropped.
pub struct Writer {
    fd: i32,
    len: usize,
    failed: bool,
    buf: [u8; BUF_SIZE],
}

impl Writer {
    pub const fn new(fd: i32) -> Self {
        Writer { fd, len: 0, failed: false, buf: [0; BUF_SIZE] }
    }

    /// Appends raw bytes, writing the buffer out whenever it fills.
    pub fn write_bytes(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.len == BUF_SIZE {
                self.flush();
            }
            let n = bytes.len().min(BUF_SIZE - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
            self.len += n;
            bytes = &bytes[n..];
        }
    }

    /// Writes out what is buffered. After a write error, later output to this writer is discarded.
    pub fn flush(&mut self) {
        if !self.failed && write_bytes(self.fd, &self.buf[..self.len]).is_err() {
            self.failed = true;
        }
        self.len = 0;
    }
}

impl fmt::Write for Writer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.write_bytes(s.as_bytes());
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Formats `args` (plus a newline if `newline`) to `fd`. Used by the print macros.
#[doc(hidden)]
pub fn _print(fd: i32, args: fmt::Arguments<'_>, newline: bool) {
    let mut w = Writer::new(fd);
    // Writer::write_str never fails; an error here could only come from a Display impl, and is ignored like a
    // failed write.
    let _ = fmt::Write::write_fmt(&mut w, args);
    if newline {
        w.write_bytes(b"\n");
    }
}

/// Prints to standard output (fd 1).
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::print::_print($crate::print::STDOUT, format_args!($($arg)*), false) };
}

/// Prints to standard output (fd 1), with a newline.
#[macro_export]
macro_rules! println {
    () => { $crate::print::_print($crate::print::STDOUT, format_args!(""), true) };
    ($($arg:tt)*) => { $crate::print::_print($crate::print::STDOUT, format_args!($($arg)*), true) };
}

/// Prints to standard error (fd 2).
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::print::_print($crate::print::STDERR, format_args!($($arg)*), false) };
}

/// Prints to standard error (fd 2), with a newline.
#[macro_export]
macro_rules! eprintln {
    () => { $crate::print::_print($crate::print::STDERR, format_args!(""), true) };
    ($($arg:tt)*) => { $crate::print::_print($crate::print::STDERR, format_args!($($arg)*), true) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::AsRawFd;

    #[test]
    fn writer_buffers_and_flushes_everything() {
        let (mut reader, writer) = std::io::pipe().unwrap();
        let data: Vec<u8> = (0..3 * BUF_SIZE + 17).map(|i| i as u8).collect();
        {
            let mut w = Writer::new(writer.as_raw_fd());
            w.write_bytes(&data[..10]);
            fmt::Write::write_str(&mut w, "").unwrap();
            w.write_bytes(&data[10..]);
        }
        drop(writer);
        let mut got = Vec::new();
        reader.read_to_end(&mut got).unwrap();
        assert_eq!(got, data);
    }

    #[test]
    fn write_bytes_reports_errors() {
        assert_eq!(write_bytes(-1, b"x"), Err(-abi::errno::EBADF));
        assert_eq!(write_bytes(-1, b""), Ok(()));
    }
}
