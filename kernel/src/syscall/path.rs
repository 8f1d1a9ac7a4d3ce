//! Calls that name a path (Linux fs/namei.c, fs/open.c, fs/stat.c, fs/d_path.c): names resolve
//! in the read-only tree ([`crate::fd::tree`], mounted read-only at "/"), from the root for an
//! absolute name and from the working directory or `dirfd` for a relative one; `/dev/null` is
//! the null device, which every Linux has. Each call makes Linux's checks in Linux's order: the
//! path pointer (EFAULT), its length (ENAMETOOLONG), an empty name (ENOENT), the directory
//! descriptor of a relative name (EBADF, ENOTDIR), then the walk (ENOENT, ENOTDIR, ELOOP) and
//! what the call asks of the inode (EROFS for any write: the tree is a read-only mount).
use super::SysResult;
use crate::fd::rofs;
use crate::fd::tree::{Kind, ROOT};
use crate::fd::{File, null};
use crate::process::{self, uaccess::UserPtr, uaccess::UserSlice};
use abi::errno::*;
use abi::fcntl::*;
use abi::stat::{
    AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW, S_IFMT, S_IFREG, S_IFSOCK, Stat,
};
use alloc::vec::Vec;

/// PATH_MAX, the NUL included.
const PATH_MAX: usize = 4096;

/// What a name resolves to.
pub enum Found {
    DevNull,
    Node(usize),
}

/// Reads the NUL-terminated name at `path` (Linux's getname): EFAULT if it is not readable up to
/// its NUL, ENAMETOOLONG if that is PATH_MAX bytes away or more.
pub fn user_path(path: u64) -> Result<Vec<u8>, isize> {
    let mut name = Vec::new();
    let mut chunk = [0u8; 256];
    loop {
        let at = path.checked_add(name.len() as u64).ok_or(EFAULT)?;
        // Never past the page's end: the name may end just below the end of user space.
        let want = chunk.len().min((crate::mm::vma::PAGE - at % crate::mm::vma::PAGE) as usize);
        let got = process::mm(|p| p.aspace.copy_in_upto(at, &mut chunk[..want]));
        if let Some(nul) = chunk[..got].iter().position(|&b| b == 0) {
            name.extend_from_slice(&chunk[..nul]);
            return if name.len() >= PATH_MAX { Err(ENAMETOOLONG) } else { Ok(name) };
        }
        name.extend_from_slice(&chunk[..got]);
        if name.len() >= PATH_MAX {
            return Err(ENAMETOOLONG);
        }
        if got < want {
            return Err(EFAULT);
        }
    }
}

/// The directory a relative name starts from: the working directory for AT_FDCWD, else the
/// directory `dirfd` names (EBADF if it is not open, ENOTDIR if it is no directory).
pub(super) fn start_dir(dirfd: u64) -> Result<usize, isize> {
    if dirfd as i32 == AT_FDCWD as i32 {
        return Ok(rofs::cwd());
    }
    let f = process::file_raw(dirfd)?;
    match f.file.node() {
        Some(n) if rofs::tree().nodes[n].is_dir() => Ok(n),
        _ => Err(ENOTDIR),
    }
}

/// Resolves `name` relative to `dirfd`, following a final symbolic link when `follow`.
pub fn resolve_name(dirfd: u64, name: &[u8], follow: bool) -> Result<Found, isize> {
    if name.is_empty() {
        return Err(ENOENT);
    }
    match name {
        n if n == null::PATH => return Ok(Found::DevNull),
        // `/dev/null/…`: a path through a file that is not a directory.
        n if n.starts_with(null::PATH) && n.get(null::PATH.len()) == Some(&b'/') => return Err(ENOTDIR),
        _ => {}
    }
    let start = if name[0] == b'/' { ROOT } else { start_dir(dirfd)? };
    rofs::tree().walk(start, name, follow).map(Found::Node)
}

/// Reads the name at `path` and resolves it.
pub(super) fn resolve(dirfd: u64, path: u64, follow: bool) -> Result<Found, isize> {
    let name = user_path(path)?;
    resolve_name(dirfd, &name, follow)
}

/// The inode a name resolves to.
fn stat_of(found: Found) -> Stat {
    match found {
        Found::DevNull => null::stat(),
        Found::Node(n) => rofs::stat_of(n),
    }
}

/// fstat: what the descriptor's object says of itself.
pub fn fstat(fd: u64, buf: u64) -> SysResult {
    let st = process::file_raw(fd)?.file.stat();
    UserPtr::<Stat>::new(buf).write(&st)?;
    Ok(0)
}

/// The inode for fstatat and statx: `dirfd` itself for an empty name with AT_EMPTY_PATH (the
/// working directory for AT_FDCWD), else a lookup.
fn stat_at(dirfd: u64, path: u64, flags: usize) -> Result<Stat, isize> {
    let name = user_path(path)?;
    if name.is_empty() && flags & AT_EMPTY_PATH != 0 {
        if dirfd as i32 == AT_FDCWD as i32 {
            return Ok(rofs::stat_of(rofs::cwd()));
        }
        return Ok(process::file_raw(dirfd)?.file.stat());
    }
    Ok(stat_of(resolve_name(dirfd, &name, flags & AT_SYMLINK_NOFOLLOW == 0)?))
}

/// newfstatat (fstatat64).
pub fn newfstatat(dirfd: u64, path: u64, buf: u64, flags: u64) -> SysResult {
    let flags = flags as usize;
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) != 0 {
        return Err(EINVAL);
    }
    let st = stat_at(dirfd, path, flags)?;
    UserPtr::<Stat>::new(buf).write(&st)?;
    Ok(0)
}

/// stat: a lookup that follows a final link.
pub fn stat(path: u64, buf: u64) -> SysResult {
    newfstatat(AT_FDCWD as u64, path, buf, 0)
}

/// lstat: a lookup that does not.
pub fn lstat(path: u64, buf: u64) -> SysResult {
    newfstatat(AT_FDCWD as u64, path, buf, AT_SYMLINK_NOFOLLOW as u64)
}

/// statx: the same inode as newfstatat, every basic field filled whatever `mask` asks (Linux may
/// fill more than asked); EINVAL for unknown flags, both sync types at once, or the reserved
/// mask bit.
pub fn statx(dirfd: u64, path: u64, flags: u64, mask: u64, buf: u64) -> SysResult {
    let flags = flags as usize;
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
        || mask as u32 & abi::stat::STATX__RESERVED != 0
    {
        return Err(EINVAL);
    }
    let st = stat_at(dirfd, path, flags)?;
    UserPtr::<abi::stat::Statx>::new(buf).write(&rofs::statx_of(&st))?;
    Ok(0)
}

/// access, faccessat: a lookup relative to `dirfd`, then what root may do: anything but write
/// (EROFS on the read-only tree; /dev/null is writable) and execute a regular file with no
/// execute bit (EACCES).
pub fn faccessat(dirfd: u64, path: u64, mode: u64) -> SysResult {
    faccessat2(dirfd, path, mode, 0)
}

/// faccessat2: faccessat with flags (AT_EACCESS changes nothing for root, AT_SYMLINK_NOFOLLOW
/// checks a final link itself, AT_EMPTY_PATH checks `dirfd`).
pub fn faccessat2(dirfd: u64, path: u64, mode: u64, flags: u64) -> SysResult {
    let (mode, flags) = (mode as usize, flags as usize);
    if mode & !(R_OK | W_OK | X_OK) != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let st = stat_at(dirfd, path, flags)?;
    if st.st_dev != rofs::TREE_DEV && st.st_dev != crate::fd::tmpfs::TMPFS_DEV {
        return Ok(0);
    }
    if mode & W_OK != 0 && st.st_dev == rofs::TREE_DEV {
        return Err(EROFS);
    }
    if mode & X_OK != 0 && st.st_mode & S_IFMT == S_IFREG && st.st_mode & 0o111 == 0 {
        return Err(EACCES);
    }
    Ok(0)
}

/// readlinkat, readlink: a size of 0 or less is EINVAL before the path is looked at; a name
/// that is no symbolic link is EINVAL; the target is copied without a NUL, cut at `size`.
pub fn readlinkat(dirfd: u64, path: u64, buf: u64, size: u64) -> SysResult {
    if size as i32 <= 0 {
        return Err(EINVAL);
    }
    match resolve(dirfd, path, false)? {
        Found::Node(n) => match rofs::tree().nodes[n].kind {
            Kind::Symlink(ref target) => {
                let target = target.bytes();
                let len = target.len().min(size as usize);
                UserSlice::new(buf, len as u64)?.write(&target[..len])?;
                Ok(len as u64)
            }
            _ => Err(EINVAL),
        },
        Found::DevNull => Err(EINVAL),
    }
}

/// The last component of a name as Linux's filename_parentat types it.
#[derive(PartialEq, Eq)]
pub(super) enum Last {
    Normal,
    Dot,
    DotDot,
    Root,
}

/// Linux's filename_parentat: resolves the directory that holds `name`'s last component
/// (ENOENT for an empty name, the walk's errors, ENOTDIR if it is no directory); returns it, what
/// the last component is, and the component.
pub(super) fn parent_of(dirfd: u64, name: &[u8]) -> Result<(usize, Last, Vec<u8>), isize> {
    if name.is_empty() {
        return Err(ENOENT);
    }
    let mut trimmed = name;
    while trimmed.len() > 1 && trimmed.ends_with(b"/") {
        trimmed = &trimmed[..trimmed.len() - 1];
    }
    let (dir, last): (&[u8], &[u8]) = match trimmed.iter().rposition(|&c| c == b'/') {
        _ if trimmed == b"/" => (b"/", b""),
        Some(i) => (if i == 0 { b"/" } else { &trimmed[..i] }, &trimmed[i + 1..]),
        None => (b".", trimmed),
    };
    if last.len() > crate::fd::tree::NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    let dir = match resolve_name(dirfd, dir, true)? {
        Found::Node(n) if rofs::tree().nodes[n].is_dir() => n,
        _ => return Err(ENOTDIR),
    };
    let kind = match last {
        b"" => Last::Root,
        b"." => Last::Dot,
        b".." => Last::DotDot,
        _ => Last::Normal,
    };
    Ok((dir, kind, last.to_vec()))
}

/// openat: the read-only tree's regular files and directories open for reading (EROFS for write
/// access or O_TRUNC, EISDIR for a directory so opened); O_CREAT of a missing name makes a file in
/// /tmp and is EROFS elsewhere (ENOENT when its directory is missing, EISDIR for a name ending in
/// '/'); O_CREAT|O_EXCL of an existing name EEXIST; O_DIRECTORY of a non-directory ENOTDIR;
/// O_NOFOLLOW on a final symbolic link ELOOP. A file of /tmp opens for writing too, O_TRUNC
/// empties it. /dev/null opens with any access mode. With O_PATH every flag but O_DIRECTORY,
/// O_NOFOLLOW and O_CLOEXEC is dropped (Linux's build_open_how): no access is checked, and
/// O_NOFOLLOW opens a final symbolic link itself.
pub fn openat(dirfd: u64, path: u64, flags: u64, mode: u64) -> SysResult {
    let flags = flags as usize;
    if flags & O_PATH != 0 {
        return open_path(dirfd, path, flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    }
    let name = user_path(path)?;
    let excl = flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL;
    let mut created = false;
    let found = match resolve_name(dirfd, &name, flags & O_NOFOLLOW == 0 && !excl) {
        Err(ENOENT) if flags & O_CREAT != 0 && !name.is_empty() => {
            if name.ends_with(b"/") {
                return Err(EISDIR);
            }
            let (dir, last, base) = parent_of(dirfd, &name)?;
            if last != Last::Normal {
                return Err(EISDIR);
            }
            created = true;
            Found::Node(crate::fd::tmpfs::create(dir, &base, mode as u32, S_IFREG, b"")?)
        }
        r => r?,
    };
    if excl && !created {
        return Err(EEXIST);
    }
    let keep = O_ACCMODE | O_NONBLOCK | O_APPEND;
    let file = match found {
        Found::DevNull => {
            if flags & O_DIRECTORY != 0 {
                return Err(ENOTDIR);
            }
            null::open(flags & keep)
        }
        Found::Node(n) => {
            let (is_dir, is_link, writable, is_sock) = {
                let t = rofs::tree();
                let node = &t.nodes[n];
                (node.is_dir(), matches!(node.kind, Kind::Symlink(_)), node.writable, node.mode & S_IFMT == S_IFSOCK)
            };
            let writes = flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0;
            if is_dir && (flags & O_CREAT != 0 || writes) {
                return Err(EISDIR);
            }
            if is_link {
                return Err(ELOOP);
            }
            if !is_dir && flags & O_DIRECTORY != 0 {
                return Err(ENOTDIR);
            }
            if !is_dir && writes && !writable {
                return Err(EROFS);
            }
            if is_sock {
                // A socket's name cannot be opened (no_open): connect to it instead.
                return Err(ENXIO);
            }
            if !is_dir && !created && flags & O_TRUNC != 0 {
                crate::fd::tmpfs::truncate(n, 0)?;
            }
            rofs::open(n, flags & keep)
        }
    };
    process::with(|p| p.fds.install(file, flags & O_CLOEXEC != 0, 0))
}

/// openat with O_PATH: a descriptor that only names what `path` resolves to.
fn open_path(dirfd: u64, path: u64, flags: usize) -> SysResult {
    let name = user_path(path)?;
    let found = resolve_name(dirfd, &name, flags & O_NOFOLLOW == 0)?;
    let keep = O_PATH | O_DIRECTORY | O_NOFOLLOW;
    let file = match found {
        Found::DevNull if flags & O_DIRECTORY != 0 => return Err(ENOTDIR),
        Found::DevNull => null::open(flags & keep),
        Found::Node(n) => {
            if flags & O_DIRECTORY != 0 && !rofs::tree().nodes[n].is_dir() {
                return Err(ENOTDIR);
            }
            rofs::open_path(n, flags & keep)
        }
    };
    process::with(|p| p.fds.install(file, flags & O_CLOEXEC != 0, 0))
}

pub fn open(path: u64, flags: u64, mode: u64) -> SysResult {
    openat(AT_FDCWD as u64, path, flags, mode)
}

/// getcwd: the working directory's absolute name. Linux's result is the name's length with its
/// NUL; ERANGE when `size` cannot hold it; EFAULT for a bad buffer.
pub fn getcwd(buf: u64, size: u64) -> SysResult {
    let mut name = rofs::tree().path_of(rofs::cwd());
    name.push(0);
    if size < name.len() as u64 {
        return Err(ERANGE);
    }
    UserSlice::new(buf, name.len() as u64)?.write(&name)?;
    Ok(name.len() as u64)
}

/// chdir: the name must be a directory (ENOTDIR otherwise).
pub fn chdir(path: u64) -> SysResult {
    match resolve(AT_FDCWD as u64, path, true)? {
        Found::Node(n) if rofs::tree().nodes[n].is_dir() => {
            rofs::set_cwd(n);
            Ok(0)
        }
        _ => Err(ENOTDIR),
    }
}

/// fchdir: the descriptor must name a directory (EBADF if it is not open, ENOTDIR otherwise).
pub fn fchdir(fd: u64) -> SysResult {
    match process::file_raw(fd)?.file.node() {
        Some(n) if rofs::tree().nodes[n].is_dir() => {
            rofs::set_cwd(n);
            Ok(0)
        }
        _ => Err(ENOTDIR),
    }
}

/// getdents64: EBADF, ENOTDIR for a descriptor that is no directory, then the records.
pub fn getdents64(fd: u64, buf: u64, count: u64) -> SysResult {
    let f = process::file(fd)?;
    if !f.file.node().is_some_and(|n| rofs::tree().nodes[n].is_dir()) {
        return Err(ENOTDIR);
    }
    f.file.getdents64(UserSlice::new(buf, count)?)
}

/// The description's object, for the calls below that read at an offset, in Linux's order:
/// EINVAL for a negative offset, EBADF if `fd` is not open, ESPIPE for an object without a
/// position, EBADF if the description is not open for reading.
fn readable_at(fd: u64, offset: u64) -> Result<alloc::sync::Arc<dyn File>, isize> {
    if (offset as i64) < 0 {
        return Err(EINVAL);
    }
    let f = process::file(fd)?;
    if !f.readable() {
        // An empty read says whether the object has a position (ESPIPE) without moving data.
        return f.file.pread(&[], 0).and(Err(EBADF));
    }
    Ok(f.file.clone())
}

/// pread64: a read at `offset` that leaves the file position alone (ESPIPE for pipes and
/// consoles, EINVAL for a negative offset).
pub fn pread64(fd: u64, buf: u64, count: u64, offset: u64) -> SysResult {
    let f = readable_at(fd, offset)?;
    f.pread(&[UserSlice::new(buf, count)?], offset)
}

/// preadv: pread64 into an iovec array.
pub fn preadv(fd: u64, iov: u64, iovcnt: u64, offset: u64) -> SysResult {
    let f = readable_at(fd, offset)?;
    let segs: Vec<UserSlice> = crate::process::uaccess::import_iovec(iov, iovcnt)?.iter().collect::<Result<_, _>>()?;
    f.pread(&segs, offset)
}
