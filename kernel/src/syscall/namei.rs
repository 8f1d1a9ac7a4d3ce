//! Calls that change names, inodes or bytes (Linux fs/namei.c mkdir/unlink/rmdir/rename/link/
//! symlink, fs/open.c truncate/chmod, fs/utimes.c, fs/sync.c, fs/read_write.c pwrite): they act
//! in /tmp ([`crate::fd::tmpfs`]) and answer as a read-only mount everywhere else, with Linux's
//! checks in Linux's order — the directory's walk, then the kind of name, then EROFS (or EXDEV
//! between /tmp and the rest, two mounts).
use super::SysResult;
use super::path::{Found, Last, parent_of, resolve, resolve_name, user_path};
use crate::fd::tree::Kind;
use crate::fd::{rofs, tmpfs};
use crate::process::{self, uaccess::UserPtr, uaccess::UserSlice};
use abi::errno::*;
use abi::fcntl::{AT_FDCWD, AT_REMOVEDIR};
use abi::stat::{AT_EMPTY_PATH, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, S_IFDIR, S_IFLNK, S_IFMT, S_IFSOCK};
use abi::time::Timespec;
use alloc::vec::Vec;

/// utimensat's special tv_nsec values.
const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;

fn writable(n: usize) -> bool {
    rofs::tree().nodes[n].writable
}

/// Linux's filename_create for `name`: the directory that will hold it and the last component;
/// EEXIST if the name exists (whatever it is), EROFS outside /tmp.
fn create_at(dirfd: u64, name: &[u8]) -> Result<(usize, Vec<u8>), isize> {
    let (dir, last, base) = parent_of(dirfd, name)?;
    if last != Last::Normal {
        return Err(EEXIST);
    }
    if resolve_name(dirfd, name, false).is_ok() {
        return Err(EEXIST);
    }
    if !writable(dir) {
        return Err(EROFS);
    }
    Ok((dir, base))
}

/// mkdirat, mkdir.
pub fn mkdirat(dirfd: u64, path: u64, mode: u64) -> SysResult {
    let (dir, base) = create_at(dirfd, &user_path(path)?)?;
    tmpfs::create(dir, &base, mode as u32, S_IFDIR, b"").map(|_| 0)
}

/// An AF_UNIX bind's inode (Linux's unix_bind_bsd): `name` made as a socket with mode 0777
/// under the umask; EADDRINUSE where a name exists, the walk's and EROFS's answers otherwise.
pub(crate) fn mksock(name: &[u8]) -> Result<usize, isize> {
    let (dir, base) = create_at(AT_FDCWD as u64, name).map_err(|e| if e == EEXIST { EADDRINUSE } else { e })?;
    tmpfs::create(dir, &base, 0o777, S_IFSOCK, b"")
}

/// The socket inode an AF_UNIX connect names (Linux's unix_find_bsd): the walk's errors, and
/// ECONNREFUSED for what is not a socket.
pub(crate) fn find_sock(name: &[u8]) -> Result<usize, isize> {
    match resolve_name(AT_FDCWD as u64, name, true)? {
        Found::Node(n) if rofs::tree().nodes[n].mode & S_IFMT == S_IFSOCK => Ok(n),
        _ => Err(ECONNREFUSED),
    }
}

/// symlinkat, symlink: an empty target is ENOENT.
pub fn symlinkat(target: u64, dirfd: u64, path: u64) -> SysResult {
    let target = user_path(target)?;
    if target.is_empty() {
        return Err(ENOENT);
    }
    let (dir, base) = create_at(dirfd, &user_path(path)?)?;
    tmpfs::create(dir, &base, 0o777, S_IFLNK, &target).map(|_| 0)
}

/// link, linkat (Linux's do_linkat): flags other than AT_SYMLINK_FOLLOW (follow a final
/// symbolic link of the old name; by default the link itself gets the new name) and
/// AT_EMPTY_PATH (the old descriptor's own file) are EINVAL; the old name must resolve and the
/// new one be free (EEXIST); the read-only tree is EROFS, and between it and /tmp EXDEV; a
/// directory cannot be linked (EPERM). In /tmp the file gets a second name (st_nlink 2, one
/// inode).
pub fn linkat(olddirfd: u64, oldpath: u64, newdirfd: u64, newpath: u64, flags: u64) -> SysResult {
    let flags = flags as usize;
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let oldname = user_path(oldpath)?;
    let old = if oldname.is_empty() && flags & AT_EMPTY_PATH != 0 {
        // The process is root (CAP_DAC_READ_SEARCH): the descriptor's own file, O_PATH or not.
        process::file_raw(olddirfd)?.file.node().ok_or(EXDEV)?
    } else {
        match resolve_name(olddirfd, &oldname, flags & AT_SYMLINK_FOLLOW != 0)? {
            Found::Node(n) => n,
            Found::DevNull => return Err(EXDEV),
        }
    };
    let (dir, base) = match create_at(newdirfd, &user_path(newpath)?) {
        Err(EROFS) if writable(old) => return Err(EXDEV),
        r => r?,
    };
    if writable(old) != writable(dir) {
        return Err(EXDEV);
    }
    if rofs::tree().nodes[old].is_dir() {
        return Err(EPERM);
    }
    tmpfs::link(old, dir, &base);
    Ok(0)
}

/// unlinkat, unlink, rmdir (Linux's do_unlinkat, do_rmdir): the directory that holds the name
/// must resolve; rmdir of "." is EINVAL, of ".." ENOTEMPTY, of "/" EBUSY; unlink of any of them
/// EISDIR; outside /tmp then EROFS, before the name itself is looked up. In /tmp: ENOENT,
/// EISDIR (unlink of a directory), ENOTDIR (rmdir of anything else), ENOTEMPTY.
pub fn unlinkat(dirfd: u64, path: u64, flags: u64) -> SysResult {
    let flags = flags as usize;
    if flags & !AT_REMOVEDIR != 0 {
        return Err(EINVAL);
    }
    let rmdir = flags & AT_REMOVEDIR != 0;
    let (dir, last, base) = parent_of(dirfd, &user_path(path)?)?;
    match (last, rmdir) {
        (Last::Normal, _) => {}
        (_, false) => return Err(EISDIR),
        (Last::Dot, true) => return Err(EINVAL),
        (Last::DotDot, true) => return Err(ENOTEMPTY),
        (Last::Root, true) => return Err(EBUSY),
    }
    if !writable(dir) {
        return Err(EROFS);
    }
    let n = rofs::tree().child(dir, &base).ok_or(ENOENT)?;
    {
        let t = rofs::tree();
        match (&t.nodes[n].kind, rmdir) {
            (Kind::Dir(_), false) => return Err(EISDIR),
            (Kind::Dir(e), true) if !e.is_empty() => return Err(ENOTEMPTY),
            (Kind::Dir(_), true) => {}
            (_, true) => return Err(ENOTDIR),
            _ => {}
        }
    }
    tmpfs::remove(dir, &base);
    Ok(0)
}

/// rename, renameat, renameat2 (flags 0 only: RENAME_NOREPLACE and the rest are EINVAL): both
/// directories must resolve; between /tmp and the rest EXDEV, outside /tmp EROFS; in /tmp the
/// kinds are checked as Linux does (ENOENT, EISDIR, ENOTDIR, ENOTEMPTY, EINVAL for a directory
/// moved below itself, EBUSY for "." or "..").
pub fn renameat2(olddirfd: u64, oldpath: u64, newdirfd: u64, newpath: u64, flags: u64) -> SysResult {
    if flags != 0 {
        return Err(EINVAL);
    }
    let (old, new) = (user_path(oldpath)?, user_path(newpath)?);
    let (odir, olast, oname) = parent_of(olddirfd, &old)?;
    let (ndir, nlast, nname) = parent_of(newdirfd, &new)?;
    if olast != Last::Normal || nlast != Last::Normal {
        return Err(EBUSY);
    }
    match (writable(odir), writable(ndir)) {
        (true, true) => {}
        (false, false) => return Err(EROFS),
        _ => return Err(EXDEV),
    }
    let src = rofs::tree().child(odir, &oname).ok_or(ENOENT)?;
    {
        let t = rofs::tree();
        let src_dir = t.nodes[src].is_dir();
        if let Some(dst) = t.child(ndir, &nname) {
            match (src_dir, &t.nodes[dst].kind) {
                _ if dst == src => return Ok(0),
                (true, Kind::Dir(e)) if !e.is_empty() => return Err(ENOTEMPTY),
                (true, Kind::Dir(_)) => {}
                (true, _) => return Err(ENOTDIR),
                (false, Kind::Dir(_)) => return Err(EISDIR),
                _ => {}
            }
        }
        // A directory cannot move below itself.
        let mut at = ndir;
        while src_dir && at != crate::fd::tree::ROOT {
            if at == src {
                return Err(EINVAL);
            }
            at = t.nodes[at].parent;
        }
    }
    tmpfs::rename(odir, &oname, ndir, &nname);
    Ok(0)
}

pub fn renameat(olddirfd: u64, oldpath: u64, newdirfd: u64, newpath: u64) -> SysResult {
    renameat2(olddirfd, oldpath, newdirfd, newpath, 0)
}

/// The node a name resolves to, for the calls that change an inode (/dev/null is none: those
/// calls succeed on it, as on a writable /dev).
fn node_of(dirfd: u64, path: u64, follow: bool) -> Result<Option<usize>, isize> {
    Ok(match resolve(dirfd, path, follow)? {
        Found::Node(n) => Some(n),
        Found::DevNull => None,
    })
}

/// fchmodat, chmod: EROFS outside /tmp.
pub fn fchmodat(dirfd: u64, path: u64, mode: u64) -> SysResult {
    match node_of(dirfd, path, true)? {
        Some(n) => tmpfs::chmod(n, mode as u32).map(|()| 0),
        None => Ok(0),
    }
}

/// fchmod: the descriptor's inode.
pub fn fchmod(fd: u64, mode: u64) -> SysResult {
    match process::file(fd)?.file.node() {
        Some(n) => tmpfs::chmod(n, mode as u32).map(|()| 0),
        None => Ok(0),
    }
}

/// truncate: a negative length is EINVAL; a directory EISDIR, anything but a regular file
/// EINVAL; EROFS outside /tmp.
pub fn truncate(path: u64, len: u64) -> SysResult {
    if (len as i64) < 0 {
        return Err(EINVAL);
    }
    let Some(n) = node_of(AT_FDCWD as u64, path, true)? else { return Err(EINVAL) };
    let (is_dir, is_file) = {
        let t = rofs::tree();
        (t.nodes[n].is_dir(), matches!(t.nodes[n].kind, Kind::File(_)))
    };
    match (is_dir, is_file) {
        (true, _) => Err(EISDIR),
        (_, false) => Err(EINVAL),
        _ => tmpfs::truncate(n, len).map(|()| 0),
    }
}

/// ftruncate: EBADF, then EINVAL for a negative length or a description not open for writing
/// or not a regular file.
pub fn ftruncate(fd: u64, len: u64) -> SysResult {
    let f = process::file(fd)?;
    if (len as i64) < 0 || !f.writable() {
        return Err(EINVAL);
    }
    f.file.truncate(len)
}

/// utimensat, with a name or (a NULL name) the descriptor itself: NULL times set both to now;
/// UTIME_NOW and UTIME_OMIT as Linux; rt0 keeps one time per inode (the modification time,
/// which stat reports as all three).
pub fn utimensat(dirfd: u64, path: u64, times: u64, flags: u64) -> SysResult {
    let flags = flags as usize;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let mtime = if times == 0 {
        None
    } else {
        let t = UserPtr::<[Timespec; 2]>::new(times).read()?;
        for ts in &t {
            if ts.tv_nsec != UTIME_NOW && ts.tv_nsec != UTIME_OMIT && !(0..1_000_000_000).contains(&ts.tv_nsec) {
                return Err(EINVAL);
            }
        }
        match t[1].tv_nsec {
            UTIME_OMIT => return Ok(0),
            UTIME_NOW => None,
            _ => Some((t[1].tv_sec as u64, t[1].tv_nsec as u32)),
        }
    };
    let n = if path == 0 {
        if dirfd as i32 == AT_FDCWD as i32 {
            return Err(EFAULT);
        }
        process::file(dirfd)?.file.node()
    } else {
        node_of(dirfd, path, flags & AT_SYMLINK_NOFOLLOW == 0)?
    };
    let Some(n) = n else { return Ok(0) };
    let (secs, nsec) = mtime.unwrap_or_else(tmpfs::now);
    tmpfs::set_mtime(n, secs, nsec).map(|()| 0)
}

/// umask: the new mask, the old one back.
pub fn umask(mask: u64) -> SysResult {
    Ok(u64::from(tmpfs::umask(mask as u32)))
}

/// fsync, fdatasync: nothing to write back for a file of the tree; EINVAL for what cannot be
/// synced (pipes, consoles, /dev/null), as Linux.
pub fn fsync(fd: u64) -> SysResult {
    match process::file(fd)?.file.node() {
        Some(_) => Ok(0),
        None => Err(EINVAL),
    }
}

/// The description for a write at an offset, in Linux's order: EINVAL for a negative offset,
/// EBADF if not open, ESPIPE for an object without a position, EBADF if not open for writing.
fn writable_at(fd: u64, offset: u64) -> Result<alloc::sync::Arc<dyn crate::fd::File>, isize> {
    if (offset as i64) < 0 {
        return Err(EINVAL);
    }
    let f = process::file(fd)?;
    if !f.writable() {
        return f.file.pwrite(&[], 0).and(Err(EBADF));
    }
    Ok(f.file.clone())
}

/// pwrite64: a write at `offset` that leaves the file position alone.
pub fn pwrite64(fd: u64, buf: u64, count: u64, offset: u64) -> SysResult {
    let f = writable_at(fd, offset)?;
    f.pwrite(&[UserSlice::new(buf, count)?], offset)
}

/// pwritev: pwrite64 from an iovec array.
pub fn pwritev(fd: u64, iov: u64, iovcnt: u64, offset: u64) -> SysResult {
    let f = writable_at(fd, offset)?;
    let segs: Vec<UserSlice> = crate::process::uaccess::import_iovec(iov, iovcnt)?.iter().collect::<Result<_, _>>()?;
    f.pwrite(&segs, offset)
}
