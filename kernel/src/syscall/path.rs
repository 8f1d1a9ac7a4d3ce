//! Calls that name a path (Linux fs/namei.c, fs/open.c, fs/stat.c): rt0 has no filesystem; the
//! one name that resolves is `/dev/null` (the null device, which every Linux has); every other
//! path resolves to nothing — ENOENT — after Linux's checks of the path pointer (EFAULT), its
//! length (ENAMETOOLONG) and, for a relative path, the directory descriptor (EBADF if it is not
//! open, ENOTDIR because no descriptor rt0 has is a directory).
use super::SysResult;
use crate::fd::null;
use crate::process::{self, uaccess::UserPtr, uaccess::UserSlice};
use abi::errno::{EBADF, EEXIST, EFAULT, EINVAL, ENAMETOOLONG, ENOENT, ENOTDIR, ERANGE};
use abi::fcntl::{AT_FDCWD, O_ACCMODE, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NONBLOCK};
use abi::stat::{AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW, Stat};

/// PATH_MAX, the NUL included.
const PATH_MAX: usize = 4096;

/// What a name resolves to.
enum Found {
    DevNull,
}

/// Resolves `path` relative to `dirfd`. The whole name is read first (Linux's getname), then
/// the directory descriptor is looked at for a relative name.
fn resolve(dirfd: u64, path: u64) -> Result<Found, isize> {
    let byte = |i: usize| UserPtr::<u8>::new(path.checked_add(i as u64).ok_or(EFAULT)?).read();
    let mut start = [0u8; null::PATH.len() + 1];
    let mut len = 0;
    loop {
        let b = byte(len)?;
        if let Some(s) = start.get_mut(len) {
            *s = b;
        }
        if b == 0 {
            break;
        }
        len += 1;
        if len == PATH_MAX {
            return Err(ENAMETOOLONG);
        }
    }
    if len == 0 {
        return Err(ENOENT); // the empty name
    }
    if start[0] != b'/' && dirfd as i32 != AT_FDCWD as i32 {
        process::with(|p| p.fds.get(dirfd)).map_err(|_| EBADF)?;
        return Err(ENOTDIR);
    }
    match &start[..len.min(start.len())] {
        name if name == null::PATH => return Ok(Found::DevNull),
        // `/dev/null/…`: a path through a file that is not a directory.
        [dir @ .., b'/'] if dir == null::PATH => return Err(ENOTDIR),
        _ => {}
    }
    Err(ENOENT)
}

/// The inode a name resolves to.
fn stat_of(found: Found) -> Stat {
    match found {
        Found::DevNull => null::stat(),
    }
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
    let st = stat_of(resolve(dirfd, path)?);
    UserPtr::<Stat>::new(buf).write(&st)?;
    Ok(0)
}

/// stat, lstat: a path lookup, then the inode copied out.
pub fn stat(path: u64, buf: u64) -> SysResult {
    newfstatat(AT_FDCWD as u64, path, buf, 0)
}

/// access, faccessat: a lookup relative to `dirfd` (root may do anything with what exists).
pub fn at(dirfd: u64, path: u64) -> SysResult {
    resolve(dirfd, path).map(|_| 0)
}

/// readlinkat, readlink: a size of 0 or less is EINVAL before the path is looked at; what
/// exists is not a symbolic link (EINVAL).
pub fn readlinkat(dirfd: u64, path: u64, _buf: u64, size: u64) -> SysResult {
    if size as i32 <= 0 {
        return Err(EINVAL);
    }
    resolve(dirfd, path).and(Err(EINVAL))
}

/// openat: /dev/null opens with the access mode and status flags asked for (O_CREAT finds it
/// there, O_CREAT|O_EXCL is EEXIST, O_DIRECTORY ENOTDIR); anything else is ENOENT.
pub fn openat(dirfd: u64, path: u64, flags: u64, _mode: u64) -> SysResult {
    let flags = flags as usize;
    match resolve(dirfd, path)? {
        Found::DevNull => {
            if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL {
                return Err(EEXIST);
            }
            if flags & O_DIRECTORY != 0 {
                return Err(ENOTDIR);
            }
            let file = null::open(flags & (O_ACCMODE | O_NONBLOCK | O_APPEND));
            process::with(|p| p.fds.install(file, flags & O_CLOEXEC != 0, 0))
        }
    }
}

/// getcwd: the working directory is the root, "/" (rt0 has no other directory). Linux's result
/// is the name's length with its NUL; ERANGE when `size` cannot hold it; EFAULT for a bad buffer.
pub fn getcwd(buf: u64, size: u64) -> SysResult {
    const ROOT: &[u8] = b"/\0";
    if size < ROOT.len() as u64 {
        return Err(ERANGE);
    }
    UserSlice::new(buf, ROOT.len() as u64)?.write(ROOT)?;
    Ok(ROOT.len() as u64)
}

pub fn open(path: u64, flags: u64, mode: u64) -> SysResult {
    openat(AT_FDCWD as u64, path, flags, mode)
}
