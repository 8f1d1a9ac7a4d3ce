//! The read-only file tree as the process sees it (Linux fs/read_write.c, fs/readdir.c,
//! fs/stat.c over a read-only mount): the one [`Tree`] of the boot, the process's working
//! directory, and the two objects a descriptor of the tree names — a regular file (read,
//! pread, readv, lseek) and a directory (getdents64, lseek). Symbolic links are never opened
//! (O_NOFOLLOW on one is ELOOP, as Linux answers without O_PATH; with O_PATH the link itself is
//! opened, see [`open_path`]).
//!
//! Loading: the runner hands the archive over as the fw_cfg file `opt/rt0/tree`; [`load`] reads
//! it by DMA into fresh frames, maps them read-only at [`TREE_BASE`] (before the process's
//! address space is made, so its copy of the kernel half has the mapping) and indexes it. The
//! archive stays there for the kernel's life; file bytes are copied out of it by read.
//!
//! Lock order: a description's position lock → the process lock (user copies).
use super::tree::{FIRST_INO, Kind, ROOT, Tree};
use super::{File, OpenFile};
use crate::process::uaccess::{Errno, UserIter, UserSlice};
use abi::dirent::{DIRENT64_HEADER, dirent64_reclen, dt_of_mode};
use abi::epoll::{EPOLLIN, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM};
use abi::errno::{EFAULT, EINVAL, EISDIR, ENXIO};
use abi::fcntl::{SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET};
use abi::stat::{Stat, Statx, StatxTimestamp};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use spin::{Mutex, Once, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Where the archive is mapped: 1 TiB into the kernel's own mappings (the self-tests use the
/// start of that area).
pub const TREE_BASE: u64 = crate::config::KERNEL_VMAP_BASE + (1 << 40);
/// The tree's device number, st_dev (an anonymous block device's major 0, as tmpfs has).
pub const TREE_DEV: u64 = abi::stat::makedev(0, 0x20);

static TREE: Once<RwLock<Tree<'static>>> = Once::new();
/// The first process's working directory (`--cwd`), set before it exists; each process then
/// keeps its own (`process::ProcessCell::cwd`, shared by its threads as CLONE_FS does).
static CWD: AtomicUsize = AtomicUsize::new(ROOT);

/// The tree, for reading; an empty root before [`load`]. Lock order: a description's position
/// lock → the tree lock → the process lock.
pub fn tree() -> RwLockReadGuard<'static, Tree<'static>> {
    TREE.call_once(|| RwLock::new(Tree::empty())).read()
}

/// The tree, for a change (only under /tmp).
pub fn tree_mut() -> RwLockWriteGuard<'static, Tree<'static>> {
    TREE.call_once(|| RwLock::new(Tree::empty())).write()
}

/// The running process's working directory (the boot one before any process runs).
pub fn cwd() -> usize {
    crate::process::cwd().unwrap_or_else(|| CWD.load(Ordering::Relaxed))
}

/// Changes the running process's working directory (the boot one before any process runs).
pub fn set_cwd(node: usize) {
    match crate::process::cwd() {
        Some(_) => crate::process::set_cwd(node),
        None => CWD.store(node, Ordering::Relaxed),
    }
}

/// Reads, maps and indexes the archive the runner passed (if any), then sets the first working
/// directory. Everything that goes wrong leaves an empty tree and a log line: the program still
/// runs, and its paths are ENOENT.
pub fn load() {
    let Some((selector, size)) = crate::arch::fw_cfg::find(abi::rt0::FW_CFG_TREE) else {
        super::tmpfs::mount();
        return;
    };
    let start = crate::arch::tsc::read();
    let archive = match read_archive(selector, size) {
        Ok(a) => a,
        Err(why) => {
            log::warn!("tree: {size} bytes not loaded ({why}): the tree is empty");
            super::tmpfs::mount();
            return;
        }
    };
    let (parsed, entries) = Tree::parse(archive);
    let nodes = parsed.nodes.len();
    TREE.call_once(|| RwLock::new(parsed));
    super::tmpfs::mount();
    let mut name = [0u8; 4096];
    if let Some(len) = crate::arch::fw_cfg::read_file(abi::rt0::FW_CFG_CWD, &mut name) {
        let name = &name[..len.min(name.len())];
        let found = tree().walk(ROOT, name, true);
        match found {
            Ok(n) if tree().nodes[n].is_dir() => set_cwd(n),
            _ => log::warn!(
                "tree: working directory {:?} is not a directory of the tree: /",
                core::str::from_utf8(name).unwrap_or("?")
            ),
        }
    }
    log::info!(
        "tree: {size} bytes, {entries} entries, {nodes} inodes, mapped read-only at {TREE_BASE:#x} in {}; cwd {}",
        crate::time::Span(crate::arch::tsc::read() - start),
        core::str::from_utf8(&tree().path_of(cwd())).unwrap_or("?")
    );
}

/// The archive in fresh frames, mapped read-only and non-executable at [`TREE_BASE`].
fn read_archive(selector: u16, size: usize) -> Result<&'static [u8], &'static str> {
    // SAFETY: TREE_BASE's area is used by nothing else, and `load` runs once, before any process.
    unsafe { crate::mm::fwfile::load(selector, size, TREE_BASE, abi::rt0::MAX_TREE_BYTES) }
}

/// The inode of node `n` as fstat reports it.
pub fn stat_of(n: usize) -> Stat {
    let t = tree();
    let node = &t.nodes[n];
    let size = node.size();
    let time = node.mtime as i64;
    let nsec = i64::from(node.mtime_nsec);
    Stat {
        st_dev: if node.writable { super::tmpfs::TMPFS_DEV } else { TREE_DEV },
        st_ino: FIRST_INO + n as u64,
        st_nlink: node.nlink(&t),
        st_mode: node.mode,
        st_size: size as i64,
        st_blksize: 4096,
        st_blocks: (size.div_ceil(4096) * 8) as i64,
        st_atime: time,
        st_atime_nsec: nsec,
        st_mtime: time,
        st_mtime_nsec: nsec,
        st_ctime: time,
        st_ctime_nsec: nsec,
        ..Default::default()
    }
}

/// The same inode as statx reports it (every basic field; no birth time).
pub fn statx_of(st: &Stat) -> Statx {
    let ts = |sec: i64, nsec: i64| StatxTimestamp { tv_sec: sec, tv_nsec: nsec as u32, __reserved: 0 };
    let (dev_major, dev_minor) = abi::stat::major_minor(st.st_dev);
    let (rdev_major, rdev_minor) = abi::stat::major_minor(st.st_rdev);
    Statx {
        stx_mask: abi::stat::STATX_BASIC_STATS,
        stx_blksize: st.st_blksize as u32,
        stx_nlink: st.st_nlink as u32,
        stx_uid: st.st_uid,
        stx_gid: st.st_gid,
        stx_mode: st.st_mode as u16,
        stx_ino: st.st_ino,
        stx_size: st.st_size as u64,
        stx_blocks: st.st_blocks as u64,
        stx_atime: ts(st.st_atime, st.st_atime_nsec),
        stx_ctime: ts(st.st_ctime, st.st_ctime_nsec),
        stx_mtime: ts(st.st_mtime, st.st_mtime_nsec),
        stx_rdev_major: rdev_major,
        stx_rdev_minor: rdev_minor,
        stx_dev_major: dev_major,
        stx_dev_minor: dev_minor,
        ..Default::default()
    }
}

/// A new open description of node `n` (a regular file or a directory) with status flags
/// `flags`.
pub fn open(n: usize, flags: usize) -> Arc<OpenFile> {
    let is_dir = tree().nodes[n].is_dir();
    let file: Arc<dyn File> = if is_dir {
        Arc::new(Directory { node: n, pos: Mutex::new(0) })
    } else {
        super::tmpfs::opened(n);
        Arc::new(RegularFile { node: n, pos: Mutex::new(0), append: flags & abi::fcntl::O_APPEND != 0 })
    };
    OpenFile::new(file, flags)
}

/// An O_PATH description of node `n` (any kind, a symbolic link too), with status flags `flags`
/// (O_PATH and those O_PATH keeps).
pub fn open_path(n: usize, flags: usize) -> Arc<OpenFile> {
    super::tmpfs::opened(n);
    OpenFile::new(Arc::new(PathOnly { node: n }), flags)
}

/// What an O_PATH descriptor names (Linux's FMODE_PATH file, whose operations are `empty_fops`):
/// the node, for fstat, fchdir and the *at calls; `process::file` refuses the descriptor for
/// everything else (EBADF). It keeps an unlinked file of /tmp, as any open description does.
struct PathOnly {
    node: usize,
}

impl Drop for PathOnly {
    fn drop(&mut self) {
        super::tmpfs::closed(self.node);
    }
}

impl File for PathOnly {
    fn poll(&self) -> u32 {
        0
    }

    fn events_seen(&self) -> u64 {
        0
    }

    fn stat(&self) -> Stat {
        stat_of(self.node)
    }

    fn node(&self) -> Option<usize> {
        Some(self.node)
    }
}

/// lseek's arithmetic (Linux's generic_file_llseek_size with no holes): the new offset, EINVAL
/// for a negative one or an unknown whence, ENXIO for SEEK_DATA/SEEK_HOLE at or past the end.
fn new_offset(pos: u64, size: u64, offset: i64, whence: usize) -> Result<u64, Errno> {
    let base = match whence {
        SEEK_SET => 0,
        SEEK_CUR => pos as i64,
        SEEK_END => size as i64,
        SEEK_DATA | SEEK_HOLE => {
            if offset < 0 || offset as u64 >= size {
                return Err(ENXIO);
            }
            return Ok(if whence == SEEK_DATA { offset as u64 } else { size });
        }
        _ => return Err(EINVAL),
    };
    match base.checked_add(offset) {
        Some(p) if p >= 0 => Ok(p as u64),
        _ => Err(EINVAL),
    }
}

/// A regular file of the tree.
pub struct RegularFile {
    node: usize,
    /// The description's file position.
    pos: Mutex<u64>,
    /// O_APPEND as the file was opened: every write goes to the end.
    append: bool,
}

impl RegularFile {
    /// Copies the file's bytes from `at` into `segs`: the count, a short one at a fault after
    /// some bytes, EFAULT at a fault before any.
    fn copy_at(&self, segs: &[UserSlice], at: u64) -> Result<u64, Errno> {
        let t = tree();
        let Kind::File(data) = &t.nodes[self.node].kind else { return Ok(0) };
        let mut it = UserIter::new(segs);
        let (mut done, mut fault) = (0usize, false);
        data.read(usize::try_from(at).unwrap_or(usize::MAX), &mut |piece| {
            let want = (it.remaining() as usize).min(piece.len());
            let n = it.copy_to_user(&piece[..want]);
            done += n;
            fault = n < want;
            !fault && it.remaining() > 0
        });
        if done == 0 && fault { Err(EFAULT) } else { Ok(done as u64) }
    }

    fn size(&self) -> u64 {
        tree().nodes[self.node].size()
    }

    /// Writes `segs` at `at` (the end with O_APPEND when `at` is None), a chunk at a time: each
    /// is copied from the user, then spliced in under the tree lock. Returns (count, position
    /// after); a fault or a full mount after some bytes ends the write short, as Linux's does.
    fn write_at(&self, segs: &[UserSlice], mut at: Option<u64>) -> Result<(u64, u64), Errno> {
        const CHUNK: usize = 64 << 10;
        let mut it = UserIter::new(segs);
        let mut buf = alloc::vec![0u8; (it.remaining() as usize).min(CHUNK)];
        let (mut total, mut end) = (0u64, at.unwrap_or(0));
        loop {
            let want = (it.remaining() as usize).min(CHUNK);
            let n = it.copy_from_user(&mut buf[..want]);
            let r = if n == 0 && want > 0 { Err(EFAULT) } else { super::tmpfs::write(self.node, at, &buf[..n]) };
            match r {
                Ok((written, after)) => {
                    total += written;
                    end = after;
                    at = at.map(|_| after);
                    if written < want as u64 || it.remaining() == 0 {
                        return Ok((total, end));
                    }
                }
                Err(e) if total == 0 => return Err(e),
                Err(_) => return Ok((total, end)),
            }
        }
    }
}

impl Drop for RegularFile {
    fn drop(&mut self) {
        super::tmpfs::closed(self.node);
    }
}

impl File for RegularFile {
    fn read(&self, dst: UserSlice, nonblock: bool) -> Result<u64, Errno> {
        self.readv(&[dst], nonblock)
    }

    fn readv(&self, segs: &[UserSlice], _nonblock: bool) -> Result<u64, Errno> {
        let mut pos = self.pos.lock();
        let n = self.copy_at(segs, *pos)?;
        *pos += n;
        Ok(n)
    }

    fn pread(&self, segs: &[UserSlice], offset: u64) -> Result<u64, Errno> {
        self.copy_at(segs, offset)
    }

    fn write(&self, src: UserSlice, nonblock: bool) -> Result<u64, Errno> {
        self.writev(&[src], nonblock)
    }

    fn writev(&self, segs: &[UserSlice], _nonblock: bool) -> Result<u64, Errno> {
        let mut pos = self.pos.lock();
        let (n, end) = self.write_at(segs, if self.append { None } else { Some(*pos) })?;
        *pos = end;
        Ok(n)
    }

    fn pwrite(&self, segs: &[UserSlice], offset: u64) -> Result<u64, Errno> {
        // Linux: pwrite on an O_APPEND file appends, whatever the offset.
        self.write_at(segs, if self.append { None } else { Some(offset) }).map(|(n, _)| n)
    }

    fn truncate(&self, len: u64) -> Result<u64, Errno> {
        super::tmpfs::truncate(self.node, len).map(|()| 0)
    }

    fn poll(&self) -> u32 {
        EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM
    }

    fn events_seen(&self) -> u64 {
        0
    }

    fn seek(&self, offset: i64, whence: usize) -> Result<u64, Errno> {
        let mut pos = self.pos.lock();
        *pos = new_offset(*pos, self.size(), offset, whence)?;
        Ok(*pos)
    }

    fn stat(&self) -> Stat {
        stat_of(self.node)
    }

    fn node(&self) -> Option<usize> {
        Some(self.node)
    }

    fn map_bytes(&self, f: &mut dyn FnMut(&[u8])) -> bool {
        let t = tree();
        if let Kind::File(d) = &t.nodes[self.node].kind {
            d.read(0, &mut |piece| {
                f(piece);
                true
            });
        }
        true
    }
}

/// A directory of the tree: its position counts entries, "." and ".." first, then the names in
/// byte order (what getdents64 writes as d_off is the position after the entry).
pub struct Directory {
    node: usize,
    pos: Mutex<u64>,
}

impl Directory {
    /// Entry `i`: (inode, d_type, name); none past the end or once the directory is removed.
    fn entry(t: &Tree, dir: usize, i: u64) -> Option<(u64, u8, Vec<u8>)> {
        let node = &t.nodes[dir];
        let Kind::Dir(entries) = &node.kind else { return None };
        if node.unlinked {
            return None;
        }
        let of = |n: usize| (FIRST_INO + n as u64, dt_of_mode(t.nodes[n].mode));
        match i {
            0 => Some((of(dir).0, of(dir).1, b".".to_vec())),
            1 => Some((of(node.parent).0, of(node.parent).1, b"..".to_vec())),
            _ => entries.get(usize::try_from(i - 2).ok()?).map(|(name, n)| (of(*n).0, of(*n).1, name.bytes().to_vec())),
        }
    }
}

impl File for Directory {
    fn read(&self, _dst: UserSlice, _nonblock: bool) -> Result<u64, Errno> {
        Err(EISDIR)
    }

    fn pread(&self, _segs: &[UserSlice], _offset: u64) -> Result<u64, Errno> {
        Err(EISDIR)
    }

    fn poll(&self) -> u32 {
        EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM
    }

    fn events_seen(&self) -> u64 {
        0
    }

    fn seek(&self, offset: i64, whence: usize) -> Result<u64, Errno> {
        let mut pos = self.pos.lock();
        *pos = match whence {
            SEEK_SET | SEEK_CUR => new_offset(*pos, 0, offset, whence)?,
            _ => return Err(EINVAL),
        };
        Ok(*pos)
    }

    /// getdents64: as many whole records as fit; EINVAL when not even the next one does.
    fn getdents64(&self, dst: UserSlice) -> Result<u64, Errno> {
        let mut pos = self.pos.lock();
        let t = tree();
        let mut buf = Vec::new();
        while let Some((ino, dtype, name)) = Self::entry(&t, self.node, *pos) {
            let reclen = dirent64_reclen(name.len());
            if buf.len() + reclen > dst.len() as usize {
                break;
            }
            let next = *pos + 1;
            buf.extend_from_slice(&ino.to_ne_bytes());
            buf.extend_from_slice(&(next as i64).to_ne_bytes());
            buf.extend_from_slice(&(reclen as u16).to_ne_bytes());
            buf.push(dtype);
            buf.extend_from_slice(&name);
            buf.resize(buf.len() + reclen - DIRENT64_HEADER - name.len(), 0);
            *pos = next;
        }
        if buf.is_empty() && Self::entry(&t, self.node, *pos).is_some() {
            return Err(EINVAL);
        }
        drop(t);
        let mut it = UserIter::new(core::slice::from_ref(&dst));
        if it.copy_to_user(&buf) < buf.len() {
            return Err(EFAULT);
        }
        Ok(buf.len() as u64)
    }

    fn stat(&self) -> Stat {
        stat_of(self.node)
    }

    fn node(&self) -> Option<usize> {
        Some(self.node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lseek_arithmetic_is_linuxs() {
        assert_eq!(new_offset(5, 10, 3, SEEK_SET), Ok(3));
        assert_eq!(new_offset(5, 10, 3, SEEK_CUR), Ok(8));
        assert_eq!(new_offset(5, 10, -3, SEEK_END), Ok(7));
        assert_eq!(new_offset(5, 10, 20, SEEK_END), Ok(30));
        assert_eq!(new_offset(5, 10, -11, SEEK_END), Err(EINVAL));
        assert_eq!(new_offset(5, 10, -1, SEEK_SET), Err(EINVAL));
        assert_eq!(new_offset(5, 10, 0, 7), Err(EINVAL));
        assert_eq!(new_offset(0, 10, 4, SEEK_DATA), Ok(4));
        assert_eq!(new_offset(0, 10, 4, SEEK_HOLE), Ok(10));
        assert_eq!(new_offset(0, 10, 10, SEEK_DATA), Err(ENXIO));
        assert_eq!(new_offset(0, 10, i64::MAX, SEEK_CUR), Ok(i64::MAX as u64));
        assert_eq!(new_offset(1, 10, i64::MAX, SEEK_CUR), Err(EINVAL));
    }
}
