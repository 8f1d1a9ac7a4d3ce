//! read, write and writev (Linux fs/read_write.c, lib/iov_iter.c). The successful writes write their own `ok`
//! line to stdout; no check reads stdin successfully (natively it is /dev/null or a terminal, in QEMU the serial
//! console), only its error paths, which Linux takes before looking at the file.

use crate::check::{Checklist, expect_errno};
use crate::sys::{self, Iovec, KERNEL_ADDR, UNMAPPED_ADDR};
use runtime::print::STDOUT;
use runtime::sys_linux_amd64::{self as os_linux, EBADF, EFAULT, EINVAL, SYS_READ, syscall3};

/// A descriptor no test runner leaves open.
const CLOSED_FD: i32 = 99;
/// Linux's `UIO_MAXIOV`: the most iovecs one call takes.
const UIO_MAXIOV: usize = 1024;

pub fn checks(c: &mut Checklist) {
    c.report_written("write returns len", |line| os_linux::write(STDOUT, line));
    c.report("write fd 99 EBADF", expect_errno(os_linux::write(CLOSED_FD, b"x"), EBADF));
    c.report("write kernel buffer EFAULT", expect_errno(sys::write_raw(STDOUT, KERNEL_ADDR, 16), EFAULT));
    c.report("write unmapped buffer EFAULT", expect_errno(sys::write_raw(STDOUT, UNMAPPED_ADDR, 16), EFAULT));
    // vfs_write checks access_ok(buf, count) before anything else, even for 0 bytes.
    c.report("write kernel buffer 0 bytes EFAULT", expect_errno(sys::write_raw(STDOUT, KERNEL_ADDR, 0), EFAULT));

    c.report_written("writev 2 iovecs returns sum", |line| {
        let (a, b) = line.split_at(line.len() / 2);
        let iov = [Iovec { base: a.as_ptr(), len: a.len() }, Iovec { base: b.as_ptr(), len: b.len() }];
        sys::writev(STDOUT, &iov, iov.len())
    });
    // Linux refuses the count before reading any iovec, so one real iovec is enough.
    let iov = [Iovec { base: b"x".as_ptr(), len: 1 }];
    c.report("writev iovcnt 1025 EINVAL", expect_errno(sys::writev(STDOUT, &iov, UIO_MAXIOV + 1), EINVAL));
    // SAFETY: the iovec array is unmapped; the kernel reads nothing and writes nothing.
    let ret = unsafe { syscall3(os_linux::SYS_WRITEV, STDOUT as usize, UNMAPPED_ADDR, 1) };
    c.report("writev unmapped iovec array EFAULT", expect_errno(ret, EFAULT));
    // Linux validates every iovec (import_iovec) before writing any: a bad one later in the array fails the call
    // with nothing written. Each first iovec is a FAILED line that shows up if a kernel writes it anyway.
    let name = "writev iovec at kernel address EFAULT, nothing written";
    c.report(name, expect_errno(bad_second_iovec(name, KERNEL_ADDR, 16), EFAULT));
    let name = "writev negative iov_len EINVAL, nothing written";
    c.report(name, expect_errno(bad_second_iovec(name, b"x".as_ptr() as usize, usize::MAX), EINVAL));

    c.report("read fd 99 EBADF", expect_errno(read_raw(CLOSED_FD, KERNEL_ADDR, 16), EBADF));
    // vfs_read checks access_ok before the file is read, so this never waits for input.
    c.report("read kernel buffer EFAULT", expect_errno(read_raw(STDIN, KERNEL_ADDR, 16), EFAULT));
    c.report("read kernel buffer 0 bytes EFAULT", expect_errno(read_raw(STDIN, KERNEL_ADDR, 0), EFAULT));
}

const STDIN: i32 = 0;

/// `read(fd, addr, len)` into an address the kernel must refuse (or an fd it must refuse first).
fn read_raw(fd: i32, addr: usize, len: usize) -> isize {
    assert!(addr >= KERNEL_ADDR, "only for reads that must fail");
    // SAFETY: `addr` is in the kernel half, which a read from user space can never write.
    unsafe { syscall3(SYS_READ, fd as usize, addr, len) }
}

/// writev of a good iovec holding a `<name> FAILED` line, then the bad iovec `(base, len)`.
fn bad_second_iovec(name: &str, base: usize, len: usize) -> isize {
    let tripwire = crate::check::Line::new(format_args!("syscalls: {name} FAILED (first iovec was written)\n"));
    let line = tripwire.as_bytes();
    let iov = [Iovec { base: line.as_ptr(), len: line.len() }, Iovec { base: base as *const u8, len }];
    sys::writev(STDOUT, &iov, iov.len())
}
