//! Descriptors and the objects behind them (Linux fs/pipe.c, fs/eventfd.c, fs/eventpoll.c,
//! fs/select.c, fs/fcntl.c, fs/file.c): pipes, eventfds, epoll, poll, dup/fcntl/close/lseek/ioctl,
//! success and error paths, and a thread blocked in read or epoll_wait woken by another. Every
//! descriptor a check opens it closes again.

use crate::check::{Checklist, Outcome, expect_eq, expect_errno, fail, succeeded};
use crate::sys::{self, UNMAPPED_ADDR};
use abi::epoll::*;
use abi::errno::*;
use abi::eventfd::{EFD_NONBLOCK, EFD_SEMAPHORE};
use abi::fcntl::*;
use abi::ioctl::{FIONBIO, FIONREAD, TCGETS};
use abi::nr::*;
use abi::poll::{POLLHUP, POLLIN, POLLNVAL, POLLOUT, Pollfd};
use abi::resource::{RLIMIT_NOFILE, Rlimit};
use abi::sched::{CLONE_CHILD_CLEARTID, CLONE_PARENT_SETTID, CLONE_THREAD_FLAGS};
use abi::signal::{KernelSigaction, SIG_DFL, SIG_IGN, SIGPIPE, SIGSET_SIZE};
use abi::time::Timespec;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering::SeqCst};
use programs::{clone_thread, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

fn close(fd: usize) -> isize {
    // SAFETY: closing a descriptor touches no memory.
    unsafe { syscall1(SYS_CLOSE, fd) }
}

/// pipe2 into (read, write).
fn pipe(flags: usize) -> Result<(usize, usize), crate::check::Detail> {
    let mut fds = [0i32; 2];
    // SAFETY: the kernel writes two ints into `fds`.
    let r = unsafe { syscall2(SYS_PIPE2, fds.as_mut_ptr() as usize, flags) };
    succeeded(r)?;
    Ok((fds[0] as usize, fds[1] as usize))
}

fn read(fd: usize, buf: &mut [u8]) -> isize {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe { syscall3(SYS_READ, fd, buf.as_mut_ptr() as usize, buf.len()) }
}

fn write(fd: usize, buf: &[u8]) -> isize {
    // SAFETY: the kernel only reads `buf`.
    unsafe { syscall3(SYS_WRITE, fd, buf.as_ptr() as usize, buf.len()) }
}

fn fcntl(fd: usize, cmd: usize, arg: usize) -> isize {
    // SAFETY: none of the commands used here touch memory.
    unsafe { syscall3(SYS_FCNTL, fd, cmd, arg) }
}

fn eventfd(init: u32, flags: usize) -> isize {
    // SAFETY: no memory is passed.
    unsafe { syscall2(SYS_EVENTFD2, init as usize, flags) }
}

fn epoll_ctl(ep: usize, op: usize, fd: usize, events: u32, data: u64) -> isize {
    let ev = EpollEvent { events, data };
    // SAFETY: the kernel reads one epoll_event.
    unsafe { syscall4(SYS_EPOLL_CTL, ep, op, fd, &ev as *const EpollEvent as usize) }
}

fn epoll_wait(ep: usize, out: &mut [EpollEvent], timeout_ms: i32) -> isize {
    // SAFETY: the kernel writes at most `out.len()` events into `out`.
    unsafe { syscall4(SYS_EPOLL_WAIT, ep, out.as_mut_ptr() as usize, out.len(), timeout_ms as usize) }
}

fn poll(fds: &mut [Pollfd], timeout_ms: i32) -> isize {
    // SAFETY: the kernel reads and writes back `fds`.
    unsafe { syscall3(SYS_POLL, fds.as_mut_ptr() as usize, fds.len(), timeout_ms as usize) }
}

/// Closes every descriptor given when dropped.
struct Closing<const N: usize>([usize; N]);

impl<const N: usize> Drop for Closing<N> {
    fn drop(&mut self) {
        for &fd in &self.0 {
            close(fd);
        }
    }
}

pub fn checks(c: &mut Checklist) {
    c.report("pipe2 gives the two lowest free descriptors", pipe_numbers());
    c.report("pipe write, FIONREAD, partial reads", pipe_data());
    c.report("pipe read end at EOF after the writer closes", pipe_eof());
    c.report("pipe O_NONBLOCK read EAGAIN", pipe_nonblock());
    c.report("pipe write without reader EPIPE (SIGPIPE ignored)", pipe_epipe());
    c.report("pipe read end not writable, write end not readable EBADF", pipe_directions());
    c.report("pipe2 bad flags EINVAL", pipe_flags());
    c.report("pipe2 bad pointer EFAULT", expect_errno(unsafe_pipe2(UNMAPPED_ADDR), EFAULT));
    c.report("fcntl F_GETFL F_SETFL F_GETFD F_SETFD", fcntl_flags());
    c.report("fcntl F_DUPFD F_DUPFD_CLOEXEC", fcntl_dupfd());
    c.report("fcntl F_GETPIPE_SZ default 65536", fcntl_pipe_size());
    c.report("dup dup2 dup3", dups());
    c.report("close twice EBADF, fd 99 EBADF", closes());
    c.report("lseek pipe ESPIPE, eventfd 0", seeks());
    c.report("ioctl TCGETS ENOTTY, FIONBIO", ioctls());
    c.report("eventfd counter, semaphore, limits", eventfds());
    c.report("epoll_create1, epoll_ctl errors", epoll_errors());
    c.report("epoll level-triggered, edge-triggered, oneshot", epoll_modes());
    c.report("epoll item goes with its last descriptor", epoll_close());
    c.report("epoll_wait 20 ms timeout", epoll_timeout());
    c.report("poll POLLIN POLLOUT POLLHUP POLLNVAL", polls());
    c.report("ppoll zero timeout", ppoll_zero());
    c.report("read blocked on a pipe, woken by another thread", blocked_read());
    c.report("epoll_wait woken by an eventfd write from another thread", blocked_epoll());
    c.report("dup until EMFILE at RLIMIT_NOFILE", emfile());
    c.report("fstat: a pipe is a FIFO, an eventfd an anonymous inode; bad fd EBADF", fstats());
    c.report("openat/newfstatat: ENOENT, ENOTDIR, EBADF, EFAULT as Linux orders them", paths());
}

fn fstat(fd: usize, st: &mut abi::stat::Stat) -> isize {
    // SAFETY: the kernel writes one struct stat.
    unsafe { syscall2(SYS_FSTAT, fd, st as *mut abi::stat::Stat as usize) }
}

fn fstats() -> Outcome {
    use abi::stat::{S_IFIFO, S_IFMT, Stat};
    let (r, w) = pipe(0)?;
    let e = succeeded(eventfd(0, 0))?;
    let _c = Closing([r, w, e]);
    let (mut a, mut b, mut c) = (Stat::default(), Stat::default(), Stat::default());
    succeeded(fstat(r, &mut a))?;
    succeeded(fstat(w, &mut b))?;
    expect_eq((a.st_mode & S_IFMT) as usize, S_IFIFO as usize)?;
    expect_eq((a.st_ino == b.st_ino) as usize, 1)?;
    succeeded(fstat(e, &mut c))?;
    expect_eq(c.st_mode as usize, 0o600)?;
    expect_errno(fstat(99, &mut c), EBADF)?;
    // SAFETY: the buffer is unmapped: the kernel must refuse to write it.
    expect_errno(unsafe { syscall2(SYS_FSTAT, r, UNMAPPED_ADDR) }, EFAULT)?;
    let mut d = Stat::default();
    // SAFETY: newfstatat with AT_EMPTY_PATH on a descriptor writes one struct stat.
    let n = unsafe {
        syscall4(SYS_NEWFSTATAT, r, c"".as_ptr() as usize, &mut d as *mut Stat as usize, abi::stat::AT_EMPTY_PATH)
    };
    succeeded(n)?;
    expect_eq((d.st_ino == a.st_ino) as usize, 1)
}

fn openat(dirfd: isize, path: &core::ffi::CStr) -> isize {
    // SAFETY: the kernel reads the NUL-terminated path.
    unsafe { syscall4(SYS_OPENAT, dirfd as usize, path.as_ptr() as usize, O_RDONLY, 0) }
}

fn paths() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r, w]);
    expect_errno(openat(AT_FDCWD, c"/rt0-no-such-file"), ENOENT)?;
    expect_errno(openat(AT_FDCWD, c""), ENOENT)?;
    expect_errno(openat(r as isize, c"relative"), ENOTDIR)?;
    expect_errno(openat(99, c"relative"), EBADF)?;
    expect_errno(openat(99, c"/absolute/ignores/dirfd"), ENOENT)?;
    // SAFETY: the path is unmapped: the kernel must refuse to read it.
    expect_errno(unsafe { syscall4(SYS_OPENAT, AT_FDCWD as usize, UNMAPPED_ADDR, 0, 0) }, EFAULT)?;
    let mut name = [b'a'; 5001];
    name[5000] = 0;
    let name = core::ffi::CStr::from_bytes_with_nul(&name).map_err(|_| crate::check::detail!("bad name"))?;
    expect_errno(openat(AT_FDCWD, name), ENAMETOOLONG)
}

fn unsafe_pipe2(addr: usize) -> isize {
    // SAFETY: the address is unmapped: the kernel must refuse to write it.
    unsafe { syscall2(SYS_PIPE2, addr, 0) }
}

fn pipe_numbers() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r, w]);
    expect_eq(w, r + 1)
}

fn pipe_data() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r, w]);
    expect_eq(succeeded(write(w, b"hello"))?, 5)?;
    let mut n = 0i32;
    // SAFETY: FIONREAD writes one int.
    succeeded(unsafe { syscall3(SYS_IOCTL, r, FIONREAD, &mut n as *mut i32 as usize) })?;
    expect_eq(n as usize, 5)?;
    let mut buf = [0u8; 10];
    expect_eq(succeeded(read(r, &mut buf[..3]))?, 3)?;
    expect_eq(succeeded(read(r, &mut buf[3..]))?, 2)?;
    if &buf[..5] != b"hello" {
        return fail!("read back other bytes");
    }
    expect_eq(succeeded(read(r, &mut []))?, 0)
}

fn pipe_eof() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r]);
    write(w, b"x");
    close(w);
    let mut buf = [0u8; 4];
    expect_eq(succeeded(read(r, &mut buf))?, 1)?;
    expect_eq(succeeded(read(r, &mut buf))?, 0)
}

fn pipe_nonblock() -> Outcome {
    let (r, w) = pipe(O_NONBLOCK)?;
    let _c = Closing([r, w]);
    expect_errno(read(r, &mut [0u8; 4]), EAGAIN)
}

fn sigaction(sig: i32, handler: u64) -> isize {
    let act = KernelSigaction { sa_handler: handler, ..KernelSigaction::default() };
    sys::rt_sigaction(sig, Some(&act), None, SIGSET_SIZE)
}

fn pipe_epipe() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([w]);
    close(r);
    succeeded(sigaction(SIGPIPE, SIG_IGN))?;
    let ret = write(w, b"x");
    succeeded(sigaction(SIGPIPE, SIG_DFL))?;
    expect_errno(ret, EPIPE)
}

fn pipe_directions() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r, w]);
    expect_errno(write(r, b"x"), EBADF)?;
    expect_errno(read(w, &mut [0u8; 1]), EBADF)
}

fn pipe_flags() -> Outcome {
    let mut fds = [0i32; 2];
    // SAFETY: the kernel refuses the flags before writing anything.
    expect_errno(unsafe { syscall2(SYS_PIPE2, fds.as_mut_ptr() as usize, 0x1) }, EINVAL)
}

fn fcntl_flags() -> Outcome {
    let (r, w) = pipe(O_CLOEXEC)?;
    let _c = Closing([r, w]);
    expect_eq(succeeded(fcntl(r, F_GETFL, 0))?, O_RDONLY)?;
    expect_eq(succeeded(fcntl(w, F_GETFL, 0))?, O_WRONLY)?;
    succeeded(fcntl(r, F_SETFL, O_NONBLOCK))?;
    expect_eq(succeeded(fcntl(r, F_GETFL, 0))?, O_RDONLY | O_NONBLOCK)?;
    expect_errno(read(r, &mut [0u8; 1]), EAGAIN)?;
    expect_eq(succeeded(fcntl(r, F_GETFD, 0))?, FD_CLOEXEC)?;
    succeeded(fcntl(r, F_SETFD, 0))?;
    expect_eq(succeeded(fcntl(r, F_GETFD, 0))?, 0)?;
    expect_errno(fcntl(r, 9999, 0), EINVAL)
}

fn fcntl_dupfd() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r, w]);
    let d = succeeded(fcntl(r, F_DUPFD, 100))?;
    let _d = Closing([d]);
    expect_eq(d, 100)?;
    let e = succeeded(fcntl(r, F_DUPFD_CLOEXEC, 100))?;
    let _e = Closing([e]);
    expect_eq(e, 101)?;
    expect_eq(succeeded(fcntl(e, F_GETFD, 0))?, FD_CLOEXEC)?;
    expect_eq(succeeded(fcntl(d, F_GETFD, 0))?, 0)
}

fn fcntl_pipe_size() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r, w]);
    expect_eq(succeeded(fcntl(r, F_GETPIPE_SZ, 0))?, PIPE_DEF_SIZE)?;
    expect_eq(succeeded(fcntl(w, F_SETPIPE_SZ, 5000))?, 8192)
}

fn dups() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r, w]);
    // SAFETY: dup, dup2 and dup3 touch no memory.
    let (d, same, bad, self3, flags3) = unsafe {
        (
            syscall1(SYS_DUP, r),
            syscall2(SYS_DUP2, r, r),
            syscall2(SYS_DUP2, 99, 120),
            syscall3(SYS_DUP3, r, r, 0),
            syscall3(SYS_DUP3, r, 120, 1),
        )
    };
    let d = succeeded(d)?;
    let _d = Closing([d]);
    expect_eq(d, w + 1)?;
    expect_eq(succeeded(same)?, r)?;
    expect_errno(bad, EBADF)?;
    expect_errno(self3, EINVAL)?;
    expect_errno(flags3, EINVAL)?;
    // dup2 onto an open descriptor closes it first: writing through the copy reaches r's pipe.
    let (r2, w2) = pipe(0)?;
    let _c2 = Closing([r2, w2]);
    // SAFETY: as above.
    expect_eq(succeeded(unsafe { syscall2(SYS_DUP2, w, w2) })?, w2)?;
    write(w2, b"z");
    let mut b = [0u8; 1];
    expect_eq(succeeded(read(r, &mut b))?, 1)?;
    // SAFETY: dup3 with O_CLOEXEC touches no memory.
    let e = succeeded(unsafe { syscall3(SYS_DUP3, r, 120, O_CLOEXEC) })?;
    let _e = Closing([e]);
    expect_eq(succeeded(fcntl(e, F_GETFD, 0))?, FD_CLOEXEC)
}

fn closes() -> Outcome {
    let (r, w) = pipe(0)?;
    expect_eq(succeeded(close(r))?, 0)?;
    expect_errno(close(r), EBADF)?;
    close(w);
    expect_errno(close(99), EBADF)
}

fn seeks() -> Outcome {
    let (r, w) = pipe(0)?;
    let e = succeeded(eventfd(0, 0))?;
    let _c = Closing([r, w, e]);
    // SAFETY: lseek touches no memory.
    let (p, q, bad) = unsafe {
        (syscall3(SYS_LSEEK, r, 0, SEEK_SET), syscall3(SYS_LSEEK, e, 0, SEEK_CUR), syscall3(SYS_LSEEK, 99, 0, 0))
    };
    expect_errno(p, ESPIPE)?;
    expect_eq(succeeded(q)?, 0)?;
    expect_errno(bad, EBADF)
}

fn ioctls() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r, w]);
    let mut termios = [0u8; 64];
    // SAFETY: TCGETS would write a termios into the buffer; a pipe refuses it.
    expect_errno(unsafe { syscall3(SYS_IOCTL, r, TCGETS, termios.as_mut_ptr() as usize) }, ENOTTY)?;
    let on = 1i32;
    // SAFETY: FIONBIO reads one int.
    succeeded(unsafe { syscall3(SYS_IOCTL, r, FIONBIO, &on as *const i32 as usize) })?;
    expect_eq(succeeded(fcntl(r, F_GETFL, 0))? & O_NONBLOCK, O_NONBLOCK)?;
    // SAFETY: ioctl on a closed descriptor touches no memory.
    expect_errno(unsafe { syscall3(SYS_IOCTL, 99, FIONBIO, &on as *const i32 as usize) }, EBADF)
}

fn eventfds() -> Outcome {
    let e = succeeded(eventfd(0, EFD_NONBLOCK))?;
    let s = succeeded(eventfd(2, EFD_NONBLOCK | EFD_SEMAPHORE))?;
    let _c = Closing([e, s]);
    write(e, &3u64.to_ne_bytes());
    write(e, &4u64.to_ne_bytes());
    let mut v = [0u8; 8];
    expect_eq(succeeded(read(e, &mut v))?, 8)?;
    expect_eq(u64::from_ne_bytes(v) as usize, 7)?;
    expect_errno(read(e, &mut v), EAGAIN)?;
    expect_eq(succeeded(read(s, &mut v))?, 8)?;
    expect_eq(u64::from_ne_bytes(v) as usize, 1)?;
    succeeded(read(s, &mut v))?;
    expect_errno(read(s, &mut v), EAGAIN)?;
    expect_errno(read(e, &mut v[..4]), EINVAL)?;
    expect_errno(write(e, &u64::MAX.to_ne_bytes()), EINVAL)?;
    write(e, &(u64::MAX - 1).to_ne_bytes());
    expect_errno(write(e, &1u64.to_ne_bytes()), EAGAIN)?;
    expect_errno(eventfd(0, 0x10), EINVAL)
}

fn epoll_errors() -> Outcome {
    // SAFETY: epoll_create touches no memory.
    expect_errno(unsafe { syscall1(SYS_EPOLL_CREATE, 0) }, EINVAL)?;
    // SAFETY: as above.
    expect_errno(unsafe { syscall1(SYS_EPOLL_CREATE1, 1) }, EINVAL)?;
    // SAFETY: as above.
    let ep = succeeded(unsafe { syscall1(SYS_EPOLL_CREATE1, O_CLOEXEC) })?;
    let (r, w) = pipe(0)?;
    let _c = Closing([ep, r, w]);
    expect_eq(succeeded(fcntl(ep, F_GETFD, 0))?, FD_CLOEXEC)?;
    succeeded(epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 7))?;
    expect_errno(epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 7), EEXIST)?;
    expect_errno(epoll_ctl(ep, EPOLL_CTL_MOD, w, EPOLLOUT, 0), ENOENT)?;
    expect_errno(epoll_ctl(ep, EPOLL_CTL_DEL, w, 0, 0), ENOENT)?;
    expect_errno(epoll_ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), EINVAL)?;
    expect_errno(epoll_ctl(r, EPOLL_CTL_ADD, w, EPOLLOUT, 0), EINVAL)?;
    expect_errno(epoll_ctl(ep, EPOLL_CTL_ADD, 99, EPOLLIN, 0), EBADF)?;
    expect_errno(epoll_ctl(ep, 9, w, EPOLLIN, 0), EINVAL)?;
    // SAFETY: the event pointer is unmapped: the kernel must refuse to read it.
    expect_errno(unsafe { syscall4(SYS_EPOLL_CTL, ep, EPOLL_CTL_ADD, w, UNMAPPED_ADDR) }, EFAULT)?;
    expect_errno(epoll_wait(ep, &mut [], 0), EINVAL)?;
    write(w, b"x");
    // SAFETY: the events buffer is unmapped; with an item ready the kernel must refuse it.
    expect_errno(unsafe { syscall4(SYS_EPOLL_WAIT, ep, UNMAPPED_ADDR, 1, 0) }, EFAULT)?;
    expect_eq(succeeded(epoll_ctl(ep, EPOLL_CTL_DEL, r, 0, 0))?, 0)
}

fn epoll_modes() -> Outcome {
    // SAFETY: epoll_create1 touches no memory.
    let ep = succeeded(unsafe { syscall1(SYS_EPOLL_CREATE1, 0) })?;
    let (r, w) = pipe(0)?;
    let _c = Closing([ep, r, w]);
    let mut out = [EpollEvent::default(); 4];
    succeeded(epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 42))?;
    expect_eq(succeeded(epoll_wait(ep, &mut out, 0))?, 0)?;
    write(w, b"a");
    expect_eq(succeeded(epoll_wait(ep, &mut out, 0))?, 1)?;
    let (events, data) = (out[0].events, out[0].data);
    expect_eq(events as usize, EPOLLIN as usize)?;
    expect_eq(data as usize, 42)?;
    // Level-triggered: still ready.
    expect_eq(succeeded(epoll_wait(ep, &mut out, 0))?, 1)?;
    // Edge-triggered: reported once per change.
    succeeded(epoll_ctl(ep, EPOLL_CTL_MOD, r, EPOLLIN | EPOLLET, 43))?;
    expect_eq(succeeded(epoll_wait(ep, &mut out, 0))?, 1)?;
    expect_eq(succeeded(epoll_wait(ep, &mut out, 0))?, 0)?;
    write(w, b"b");
    expect_eq(succeeded(epoll_wait(ep, &mut out, 0))?, 1)?;
    // One-shot: disarmed after one report until EPOLL_CTL_MOD.
    succeeded(epoll_ctl(ep, EPOLL_CTL_MOD, r, EPOLLIN | EPOLLONESHOT, 44))?;
    expect_eq(succeeded(epoll_wait(ep, &mut out, 0))?, 1)?;
    expect_eq(succeeded(epoll_wait(ep, &mut out, 0))?, 0)?;
    succeeded(epoll_ctl(ep, EPOLL_CTL_MOD, r, EPOLLIN, 45))?;
    expect_eq(succeeded(epoll_wait(ep, &mut out, 0))?, 1)?;
    // The write end: writable, and EPOLLERR once the reader is gone.
    succeeded(epoll_ctl(ep, EPOLL_CTL_ADD, w, EPOLLOUT, 46))?;
    expect_eq(succeeded(epoll_wait(ep, &mut out, 0))?, 2)
}

fn epoll_close() -> Outcome {
    // SAFETY: epoll_create1 touches no memory.
    let ep = succeeded(unsafe { syscall1(SYS_EPOLL_CREATE1, 0) })?;
    let (r, w) = pipe(0)?;
    let _c = Closing([ep, w]);
    succeeded(epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 1))?;
    write(w, b"x");
    close(r);
    let mut out = [EpollEvent::default(); 2];
    expect_eq(succeeded(epoll_wait(ep, &mut out, 0))?, 0)
}

fn epoll_timeout() -> Outcome {
    // SAFETY: epoll_create1 touches no memory.
    let ep = succeeded(unsafe { syscall1(SYS_EPOLL_CREATE1, 0) })?;
    let (r, w) = pipe(0)?;
    let _c = Closing([ep, r, w]);
    succeeded(epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 1))?;
    let start = sys::monotonic_ns();
    let mut out = [EpollEvent::default(); 1];
    expect_eq(succeeded(epoll_wait(ep, &mut out, 20))?, 0)?;
    let took = sys::monotonic_ns() - start;
    if took < 20_000_000 {
        return fail!("returned after {took} ns");
    }
    Ok(())
}

fn polls() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r]);
    let mut fds = [
        Pollfd { fd: r as i32, events: POLLIN, revents: 0 },
        Pollfd { fd: w as i32, events: POLLOUT, revents: 0 },
        Pollfd { fd: 99, events: POLLIN, revents: 0 },
        Pollfd { fd: -1, events: POLLIN, revents: 0 },
    ];
    expect_eq(succeeded(poll(&mut fds, 0))?, 2)?;
    expect_eq(fds[0].revents as usize, 0)?;
    expect_eq(fds[1].revents as usize, POLLOUT as usize)?;
    expect_eq(fds[2].revents as usize, POLLNVAL as usize)?;
    expect_eq(fds[3].revents as usize, 0)?;
    write(w, b"x");
    close(w);
    let mut one = [Pollfd { fd: r as i32, events: POLLIN, revents: 0 }];
    expect_eq(succeeded(poll(&mut one, -1))?, 1)?;
    expect_eq(one[0].revents as usize, (POLLIN | POLLHUP) as usize)?;
    // SAFETY: the array is unmapped: the kernel must refuse to read it.
    expect_errno(unsafe { syscall3(SYS_POLL, UNMAPPED_ADDR, 1, 0) }, EFAULT)
}

fn ppoll_zero() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r, w]);
    let mut fds = [Pollfd { fd: r as i32, events: POLLIN, revents: 0 }];
    let zero = Timespec::default();
    // SAFETY: the kernel reads the timespec and reads/writes `fds`; no mask is passed.
    let n = unsafe { syscall5(SYS_PPOLL, fds.as_mut_ptr() as usize, 1, &zero as *const Timespec as usize, 0, 8) };
    expect_eq(succeeded(n)?, 0)
}

/// The child thread's work: sleep 10 ms, then write 8 bytes to the descriptor in `TARGET`.
static TARGET: AtomicUsize = AtomicUsize::new(0);
static JOIN: AtomicU32 = AtomicU32::new(0);

extern "C" fn wake_later(_: usize) {
    sys::nanosleep(&Timespec { tv_sec: 0, tv_nsec: 10_000_000 });
    write(TARGET.load(SeqCst), &1u64.to_ne_bytes());
}

/// Runs `wake_later` on a new thread (a fresh 16 KiB stack) and returns once `wait` returned and
/// the thread has exited.
fn with_waker(fd: usize, wait: impl FnOnce() -> Outcome) -> Outcome {
    const STACK: usize = 16 * 1024;
    TARGET.store(fd, SeqCst);
    let stack = sys::mmap(
        0,
        STACK,
        abi::mman::PROT_READ | abi::mman::PROT_WRITE,
        abi::mman::MAP_PRIVATE | abi::mman::MAP_ANONYMOUS,
        -1,
    );
    let stack = succeeded(stack)?;
    let flags = CLONE_THREAD_FLAGS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    // SAFETY: the stack is fresh and unused; JOIN is a static word for both tid fields.
    let tid = unsafe { clone_thread(flags as _, stack + STACK, JOIN.as_ptr(), JOIN.as_ptr(), 0, wake_later, 0) };
    succeeded(tid)?;
    let result = wait();
    while JOIN.load(SeqCst) != 0 {
        // SAFETY: a futex wait on a static word (the kernel zeroes it and wakes it at thread exit).
        unsafe { syscall4(SYS_FUTEX, JOIN.as_ptr() as usize, abi::futex::FUTEX_WAIT, JOIN.load(SeqCst) as usize, 0) };
    }
    // SAFETY: the thread has exited; nothing uses its stack.
    unsafe { syscall2(SYS_MUNMAP, stack, STACK) };
    result
}

fn blocked_read() -> Outcome {
    let (r, w) = pipe(0)?;
    let _c = Closing([r, w]);
    with_waker(w, || {
        let mut buf = [0u8; 8];
        expect_eq(succeeded(read(r, &mut buf))?, 8)
    })
}

fn blocked_epoll() -> Outcome {
    let e = succeeded(eventfd(0, 0))?;
    // SAFETY: epoll_create1 touches no memory.
    let ep = succeeded(unsafe { syscall1(SYS_EPOLL_CREATE1, 0) })?;
    let _c = Closing([e, ep]);
    succeeded(epoll_ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, 9))?;
    with_waker(e, || {
        let mut out = [EpollEvent::default(); 1];
        expect_eq(succeeded(epoll_wait(ep, &mut out, -1))?, 1)?;
        let data = out[0].data;
        expect_eq(data as usize, 9)
    })
}

fn emfile() -> Outcome {
    // Lower the soft limit to rt0's, so both kernels stop at the same count.
    let mut old = Rlimit::default();
    // SAFETY: prlimit64 reads and writes one rlimit each.
    succeeded(unsafe { syscall4(SYS_PRLIMIT64, 0, RLIMIT_NOFILE, 0, &mut old as *mut Rlimit as usize) })?;
    let new = Rlimit { rlim_cur: 1024.min(old.rlim_cur), rlim_max: old.rlim_max };
    // SAFETY: as above.
    succeeded(unsafe { syscall4(SYS_PRLIMIT64, 0, RLIMIT_NOFILE, &new as *const Rlimit as usize, 0) })?;
    let (r, w) = pipe(0)?;
    let mut opened = [0u16; 1024];
    let mut n = 0;
    let last = loop {
        // SAFETY: dup touches no memory.
        let d = unsafe { syscall1(SYS_DUP, r) };
        if d < 0 || n == opened.len() {
            break d;
        }
        opened[n] = d as u16;
        n += 1;
    };
    let highest = opened[..n].iter().copied().max().unwrap_or(0) as u64;
    for &fd in &opened[..n] {
        close(fd as usize);
    }
    close(r);
    close(w);
    // SAFETY: restores the limit read above.
    unsafe { syscall6(SYS_PRLIMIT64, 0, RLIMIT_NOFILE, &old as *const Rlimit as usize, 0, 0, 0) };
    expect_errno(last, EMFILE)?;
    expect_eq(highest as usize, new.rlim_cur as usize - 1)
}
