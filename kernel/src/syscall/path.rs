//! Calls that name a path (Linux fs/namei.c, fs/open.c): rt0 has no filesystem, so every path
//! resolves to nothing — ENOENT — after Linux's checks of the path pointer (EFAULT), its length
//! (ENAMETOOLONG) and, for a relative path, the directory descriptor (EBADF if it is not open,
//! ENOTDIR because no descriptor rt0 has is a directory).
use super::SysResult;
use crate::process::{self, uaccess::UserPtr};
use abi::errno::{EBADF, EFAULT, ENAMETOOLONG, ENOENT, ENOTDIR};
use abi::fcntl::AT_FDCWD;

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

pub fn openat(dirfd: u64, path: u64, _flags: u64, _mode: u64) -> SysResult {
    resolve(dirfd, path)
}

pub fn open(path: u64, flags: u64, mode: u64) -> SysResult {
    openat(AT_FDCWD as u64, path, flags, mode)
}
