//! Calls that name a path (Linux fs/namei.c, fs/open.c): rt0 has no filesystem, so every path
//! resolves to nothing — ENOENT — after Linux's checks of the path pointer (EFAULT), its length
//! (ENAMETOOLONG) and, for a relative path, the directory descriptor (EBADF if it is not open,
//! ENOTDIR because no descriptor rt0 has is a directory).
use super::SysResult;
use crate::process::{self, uaccess::UserPtr};
use abi::errno::EINVAL;
use abi::errno::{EBADF, EFAULT, ENAMETOOLONG, ENOENT, ENOTDIR};
use abi::fcntl::AT_FDCWD;
use abi::stat::{AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW, Stat};

/// PATH_MAX, the NUL included.
const PATH_MAX: usize = 4096;

/// Resolves `path` relative to `dirfd`: always an error, the right one. The whole name is read
/// first (Linux's getname), then the directory descriptor is looked at for a relative name.
fn resolve(dirfd: u64, path: u64) -> SysResult {
    let byte = |i: usize| UserPtr::<u8>::new(path.checked_add(i as u64).ok_or(EFAULT)?).read();
    let mut len = 0;
    while byte(len)? != 0 {
        len += 1;
        if len == PATH_MAX {
            return Err(ENAMETOOLONG);
        }
    }
    if len == 0 {
        return Err(ENOENT); // the empty name
    }
    if byte(0)? != b'/' && dirfd as i32 != AT_FDCWD as i32 {
        process::with(|p| p.fds.get(dirfd)).map_err(|_| EBADF)?;
        return Err(ENOTDIR);
    }
    Err(ENOENT)
}

/// fstat: what the descriptor's object says of itself.
pub fn fstat(fd: u64, buf: u64) -> SysResult {
    let st = process::file(fd)?.file.stat();
    UserPtr::<Stat>::new(buf).write(&st)?;
    Ok(0)
}

/// newfstatat: fstat of `dirfd` for an empty path with AT_EMPTY_PATH, else a path lookup.
pub fn newfstatat(dirfd: u64, path: u64, buf: u64, flags: u64) -> SysResult {
    let flags = flags as usize;
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) != 0 {
        return Err(EINVAL);
    }
    if flags & AT_EMPTY_PATH != 0 && UserPtr::<u8>::new(path).read()? == 0 && dirfd as i32 != AT_FDCWD as i32 {
        return fstat(dirfd, buf);
    }
    resolve(dirfd, path)
}

/// stat, lstat, access: a path lookup, so ENOENT after the path's checks.
pub fn stat(path: u64, _buf: u64) -> SysResult {
    resolve(AT_FDCWD as u64, path)
}

/// faccessat: a lookup relative to `dirfd`.
pub fn at(dirfd: u64, path: u64) -> SysResult {
    resolve(dirfd, path)
}

/// readlinkat, readlink: a size of 0 or less is EINVAL before the path is looked at.
pub fn readlinkat(dirfd: u64, path: u64, _buf: u64, size: u64) -> SysResult {
    if size as i32 <= 0 {
        return Err(EINVAL);
    }
    resolve(dirfd, path)
}

pub fn openat(dirfd: u64, path: u64, _flags: u64, _mode: u64) -> SysResult {
    resolve(dirfd, path)
}

pub fn open(path: u64, flags: u64, mode: u64) -> SysResult {
    openat(AT_FDCWD as u64, path, flags, mode)
}
