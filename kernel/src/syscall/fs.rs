//! Descriptor syscalls (Linux fs/open.c close, fs/file.c dup*, fs/fcntl.c, fs/pipe.c pipe2,
//! fs/eventfd.c, fs/read_write.c lseek, fs/ioctl.c): each with Linux's checks in Linux's order.
use super::SysResult;
use crate::fd::{self, Fd};
use crate::process::{self, uaccess::UserPtr};
use abi::errno::{EBADF, EINVAL};
use abi::eventfd::{EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE};
use abi::fcntl::*;
use abi::ioctl::{FIOCLEX, FIONBIO, FIONCLEX};

pub fn close(fd: u64) -> SysResult {
    let old = process::with(|p| p.fds.remove(fd))?;
    drop(old); // outside the process lock: the last reference may take an object's lock
    Ok(0)
}

pub fn dup(old: u64) -> SysResult {
    process::with(|p| {
        let f = p.fds.get(old)?;
        p.fds.install(f, false, 0)
    })
}

/// dup2 and dup3: `new` becomes a copy of `old`, closing what `new` named.
fn dup_to(old: u64, new: u64, cloexec: bool) -> SysResult {
    let replaced = process::with(|p| {
        // Linux checks the new number against RLIMIT_NOFILE before looking at `old`.
        if new >= p.fds.limit() as u64 {
            return Err(EBADF);
        }
        let file = p.fds.get(old)?;
        p.fds.room_for(new as usize)?;
        Ok::<_, isize>(p.fds.put(new as usize, Fd { file, cloexec }))
    })?;
    drop(replaced);
    Ok(new)
}

pub fn dup2(old: u64, new: u64) -> SysResult {
    if old == new {
        // Linux checks that `old` is open and returns it untouched.
        return process::with(|p| p.fds.get(old).map(|_| new));
    }
    dup_to(old, new, false)
}

pub fn dup3(old: u64, new: u64, flags: u64) -> SysResult {
    let flags = flags as usize;
    if flags & !O_CLOEXEC != 0 || old == new {
        return Err(EINVAL);
    }
    dup_to(old, new, flags & O_CLOEXEC != 0)
}

pub fn fcntl(fd: u64, cmd: u64, arg: u64) -> SysResult {
    process::with(|p| {
        let entry = p.fds.entry(fd)?.clone();
        match cmd as usize {
            F_DUPFD | F_DUPFD_CLOEXEC => {
                p.fds.install(entry.file, cmd as usize == F_DUPFD_CLOEXEC, usize::try_from(arg).unwrap_or(usize::MAX))
            }
            F_GETFD => Ok(if entry.cloexec { FD_CLOEXEC as u64 } else { 0 }),
            F_SETFD => {
                p.fds.entry_mut(fd)?.cloexec = arg as usize & FD_CLOEXEC != 0;
                Ok(0)
            }
            F_GETFL => Ok(entry.file.flags() as u64),
            F_SETFL => {
                entry.file.set_flags(arg as usize);
                Ok(0)
            }
            F_GETPIPE_SZ => entry.file.file.as_pipe().map(|pe| pe.capacity()).ok_or(EBADF),
            F_SETPIPE_SZ => entry.file.file.as_pipe().ok_or(EBADF)?.set_capacity(arg),
            _ => Err(EINVAL),
        }
    })
}

/// Installs a pair of descriptions at the two lowest free descriptors and writes them to
/// `fds` (an `int[2]`); nothing is left installed if the write faults.
pub(crate) fn install_pair(
    fds: u64,
    (r, w): (alloc::sync::Arc<fd::OpenFile>, alloc::sync::Arc<fd::OpenFile>),
    cloexec: bool,
) -> SysResult {
    let (a, b, undo) = process::with(|p| {
        let a = p.fds.install(r, cloexec, 0)?;
        let b = match p.fds.install(w, cloexec, 0) {
            Ok(b) => b,
            Err(e) => return Ok::<_, isize>((a, 0, Some((p.fds.remove(a).ok(), None, e)))),
        };
        match UserPtr::<[i32; 2]>::new(fds).write(&[a as i32, b as i32]) {
            Ok(()) => Ok((a, b, None)),
            Err(e) => Ok((a, b, Some((p.fds.remove(a).ok(), p.fds.remove(b).ok(), e)))),
        }
    })?;
    match undo {
        None => Ok(0),
        Some((x, y, e)) => {
            drop((x, y, a, b)); // outside the process lock
            Err(e)
        }
    }
}

pub fn pipe2(fds: u64, flags: u64) -> SysResult {
    let flags = flags as usize;
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(EINVAL);
    }
    install_pair(fds, fd::pipe::new(flags), flags & O_CLOEXEC != 0)
}

pub fn eventfd2(initval: u64, flags: u64) -> SysResult {
    let flags = flags as usize;
    if flags & !(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE) != 0 {
        return Err(EINVAL);
    }
    let file = fd::eventfd::new(initval as u32, flags);
    process::with(|p| p.fds.install(file, flags & EFD_CLOEXEC != 0, 0))
}

/// lseek: the object's answer (a file or directory of the tree moves its position; pipes and
/// consoles are ESPIPE, anonymous inodes 0, as Linux's no_llseek and noop_llseek); a whence past
/// SEEK_HOLE is EINVAL first.
pub fn lseek(fd: u64, offset: u64, whence: u64) -> SysResult {
    let f = process::file(fd)?;
    if whence > SEEK_HOLE as u64 {
        return Err(EINVAL);
    }
    f.file.seek(offset as i64, whence as usize)
}

pub fn ioctl(fd: u64, cmd: u64, arg: u64) -> SysResult {
    let f = process::file(fd)?;
    match cmd as usize {
        FIOCLEX | FIONCLEX => process::with(|p| {
            p.fds.entry_mut(fd)?.cloexec = cmd as usize == FIOCLEX;
            Ok(0)
        }),
        FIONBIO => {
            let on = UserPtr::<i32>::new(arg).read()? != 0;
            let flags = f.flags();
            f.set_flags(if on { flags | O_NONBLOCK } else { flags & !O_NONBLOCK });
            Ok(0)
        }
        c => f.file.ioctl(c, arg),
    }
}
