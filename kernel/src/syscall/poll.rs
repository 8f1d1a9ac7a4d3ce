//! epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, poll, ppoll (Linux fs/eventpoll.c,
//! fs/select.c): the syscall halves — argument checks in Linux's order, timeouts, the signal mask
//! of the p- forms — over `fd::epoll` and the objects' poll.
use super::SysResult;
use crate::fd;
use crate::fd::epoll::MAX_EVENTS;
use crate::process::restart::Restart;
use crate::process::thread::Wake;
use crate::process::uaccess::{Errno, UserPtr, UserSlice};
use crate::process::{self, sched};
use crate::time::monotonic_ns;
use abi::epoll::{EPOLL_CLOEXEC, EPOLL_CTL_DEL, EpollEvent};
use abi::errno::{EBADF, EINTR, EINVAL, ERESTART_RESTARTBLOCK, ERESTARTNOHAND};
use abi::poll::{POLLERR, POLLHUP, POLLNVAL, Pollfd};
use abi::signal::{SIGSET_SIZE, Sigset};
use abi::time::Timespec;

pub fn epoll_create(size: u64) -> SysResult {
    if size as i32 <= 0 {
        return Err(EINVAL);
    }
    epoll_create1(0)
}

pub fn epoll_create1(flags: u64) -> SysResult {
    let flags = flags as usize;
    if flags & !EPOLL_CLOEXEC != 0 {
        return Err(EINVAL);
    }
    let file = fd::epoll::new();
    process::with(|p| p.fds.install(file, flags & EPOLL_CLOEXEC != 0, 0))
}

pub fn epoll_ctl(epfd: u64, op: u64, fd: u64, event: u64) -> SysResult {
    // Linux reads the event (EFAULT) before looking at the descriptors, except for DEL.
    let ev = if op as usize == EPOLL_CTL_DEL { None } else { Some(UserPtr::<EpollEvent>::new(event).read()?) };
    let (ep, target) = process::with(|p| Ok::<_, Errno>((p.fds.get(epfd)?, p.fds.get(fd)?)))?;
    if ep.is_path() || target.is_path() {
        return Err(EBADF); // Linux's fdget refuses O_PATH descriptors
    }
    let instance = ep.file.as_epoll().ok_or(EINVAL)?;
    if epfd == fd {
        return Err(EINVAL);
    }
    instance.ctl(op as usize, fd, &target, ev)
}

/// A timeout in milliseconds (negative: none) as a deadline; Some(0) means "do not wait".
fn deadline_ms(timeout: i32) -> Option<Option<u64>> {
    match timeout {
        t if t < 0 => None,
        0 => Some(Some(0)),
        t => Some(Some(monotonic_ns().saturating_add(t as u64 * 1_000_000))),
    }
}

/// epoll_wait, with Linux's (6.16 and later) order of checks: the descriptor (EBADF), the
/// count (EINVAL), the buffer lies in user space (EFAULT), the descriptor is an epoll (EINVAL).
pub fn epoll_wait(epfd: u64, events: u64, max: u64, timeout: u64) -> SysResult {
    let ep = process::file(epfd)?;
    let max = max as i32;
    if max <= 0 || max > MAX_EVENTS {
        return Err(EINVAL);
    }
    let dst = UserSlice::new(events, max as u64 * size_of::<EpollEvent>() as u64)?;
    let instance = ep.file.as_epoll().ok_or(EINVAL)?;
    let until = deadline_ms(timeout as i32).flatten();
    instance.wait(dst, max as usize, until, until == Some(0))
}

/// Runs `f` with the thread's signal mask replaced by `mask` for the call, if given (the p-
/// forms; Linux's set_user_sigmask: no mask, no checks; then the size (EINVAL) before the copy
/// (EFAULT)). When `f` ends with `interrupted` a signal cut it short: the caller's mask then
/// stays saved, to be put back once the signal is delivered (into the handler's frame), so the
/// signal is taken under the call's mask; otherwise it is put back now.
pub(super) fn with_mask(mask: u64, size: u64, interrupted: isize, f: impl FnOnce() -> SysResult) -> SysResult {
    if mask == 0 {
        return f();
    }
    if size != SIGSET_SIZE as u64 {
        return Err(EINVAL);
    }
    let old = sched::set_sigmask_for_call(UserPtr::<Sigset>::new(mask).read()?);
    let r = f();
    if r != Err(interrupted) {
        sched::with_current(|t| t.saved_sigmask = None);
        sched::set_sigmask(old);
    }
    r
}

pub fn epoll_pwait(epfd: u64, events: u64, max: u64, timeout: u64, mask: u64, size: u64) -> SysResult {
    with_mask(mask, size, EINTR, || epoll_wait(epfd, events, max, timeout))
}

/// poll's scan: fills each entry's revents; returns how many are non-zero.
fn scan(fds: &mut [Pollfd]) -> u64 {
    let mut n = 0;
    for pfd in fds.iter_mut() {
        pfd.revents = if pfd.fd < 0 {
            0
        } else {
            match process::file(pfd.fd as u64) {
                Ok(f) => (f.file.poll() as i16) & (pfd.events | POLLERR | POLLHUP),
                Err(_) => POLLNVAL,
            }
        };
        n += (pfd.revents != 0) as u64;
    }
    n
}

/// poll and ppoll: the array is read once, scanned until something is ready, the deadline
/// passes or a signal comes (Err(None)), and written back.
fn do_poll(ufds: u64, nfds: u64, until: Option<u64>) -> Result<u64, Option<Errno>> {
    if nfds > process::with(|p| p.fds.limit()) as u64 {
        return Err(Some(EINVAL)); // more entries than RLIMIT_NOFILE
    }
    let dst = UserSlice::new(ufds, nfds * size_of::<Pollfd>() as u64)?;
    let mut fds = alloc::vec![Pollfd::default(); nfds as usize];
    for (i, pfd) in fds.iter_mut().enumerate() {
        *pfd = UserPtr::new(dst.addr() + (i * size_of::<Pollfd>()) as u64).read()?;
    }
    let n = loop {
        let generation = fd::wait::poll_generation();
        let n = scan(&mut fds);
        if n > 0 || until == Some(0) {
            break n;
        }
        match fd::wait::poll_sleep(generation, until) {
            Wake::Woken => {}
            Wake::TimedOut => break 0,
            Wake::Interrupted => return Err(None),
        }
    };
    for (i, pfd) in fds.iter().enumerate() {
        UserPtr::new(dst.addr() + (i * size_of::<Pollfd>()) as u64).write(pfd)?;
    }
    Ok(n)
}

/// poll, and its way on after restart_syscall: a signal gives ERESTART_RESTARTBLOCK (EINTR for
/// a handler; restart_syscall goes on with the same deadline), as Linux's sys_poll.
pub fn restart_poll(ufds: u64, nfds: u64, until: Option<u64>) -> SysResult {
    do_poll(ufds, nfds, until).map_err(|e| {
        e.unwrap_or_else(|| {
            sched::with_current(|t| t.restart = Some(Restart::Poll { ufds, nfds, deadline: until }));
            ERESTART_RESTARTBLOCK
        })
    })
}

pub fn poll(ufds: u64, nfds: u64, timeout: u64) -> SysResult {
    restart_poll(ufds, nfds, deadline_ms(timeout as i32).flatten())
}

/// ppoll: a signal gives ERESTARTNOHAND (EINTR for a handler), with the caller's mask put back
/// after the handler, as Linux's.
pub fn ppoll(ufds: u64, nfds: u64, tsp: u64, mask: u64, size: u64) -> SysResult {
    let until = match UserPtr::<Timespec>::new(tsp).read_opt()? {
        None => None,
        Some(t) => match t.to_ns().ok_or(EINVAL)? {
            0 => Some(0),
            ns => Some(monotonic_ns().saturating_add(ns)),
        },
    };
    with_mask(mask, size, ERESTARTNOHAND, || do_poll(ufds, nfds, until).map_err(|e| e.unwrap_or(ERESTARTNOHAND)))
}
