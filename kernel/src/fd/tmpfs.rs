//! The writable directory /tmp (Linux mm/shmem.c's tmpfs, much reduced): a directory of the tree
//! whose nodes may change — files made, written, truncated, renamed and removed, directories and
//! symbolic links made and removed, modes and times set. Everything else in the tree stays
//! read-only. It exists on every run, mode 1777 (what `--dir` serves under /tmp stays read-only
//! beside the new names), on a device of its own ([`TMPFS_DEV`]: a rename between it and the
//! read-only tree is EXDEV, as between two mounts).
//!
//! Size: a file's bytes live in whole pages from the frame allocator ([`Pages`], reached
//! through the direct map), [`MAX_BYTES`] of pages in all, as a tmpfs mounted with `size=64m`,
//! and never the last [`FRAMES_KEPT`] free frames (the program's own memory comes first): a
//! write past either is ENOSPC (short when some bytes fit), a file over [`MAX_FILE`] EFBIG.
//! A file or symbolic link may have several names (hard links, [`link`]); its bytes stay until
//! its last name is removed and its last descriptor closes.
use super::rofs::{tree, tree_mut};
use super::tree::{Data, Kind, Name};
use abi::errno::{EBADF, EFBIG, ENOSPC, EROFS};
use abi::stat::{S_IFDIR, S_IFLNK, S_IFREG, S_IFSOCK};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

pub type Errno = isize;

/// The mount's device number (after the read-only tree's 0:32).
pub const TMPFS_DEV: u64 = abi::stat::makedev(0, 0x21);
/// Bytes of pages all files may hold together.
pub const MAX_BYTES: u64 = 64 << 20;
/// The largest file (Linux's MAX_LFS_FILESIZE): EFBIG past it. A file is not sparse: a write
/// far past its end takes the pages of the gap, so the mount fills first.
pub const MAX_FILE: u64 = i64::MAX as u64;
/// Free frames a write never takes: they are the program's.
pub const FRAMES_KEPT: u64 = 8192;
const PAGE: usize = 4096;

/// Bytes of pages held by files now.
static USED: AtomicU64 = AtomicU64::new(0);
/// The process's umask (umask(2)); 022 as init starts.
static UMASK: AtomicU32 = AtomicU32::new(0o022);

/// A file's bytes in whole frames, reached through the direct map; the frames go back to the
/// allocator when it drops.
#[derive(Debug, Default)]
pub struct Pages {
    frames: Vec<x86_64::structures::paging::PhysFrame>,
    len: usize,
}

impl Pages {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn page(&self, i: usize) -> *mut u8 {
        (crate::config::PHYS_MAP_BASE + self.frames[i].start_address().as_u64()) as *mut u8
    }

    /// Hands `f` the bytes from `at` on, a page's worth at a time, until it returns false.
    pub fn read(&self, at: usize, f: &mut dyn FnMut(&[u8]) -> bool) {
        let mut at = at;
        while at < self.len {
            let (i, off) = (at / PAGE, at % PAGE);
            let n = (PAGE - off).min(self.len - at);
            // Frame `i` is this file's, mapped through the direct map, and only changed under the
            // tree's write lock, which the caller's read lock excludes.
            // SAFETY: so these `n` bytes are readable and not written meanwhile.
            let piece = unsafe { core::slice::from_raw_parts(self.page(i).add(off), n) };
            if !f(piece) {
                return;
            }
            at += n;
        }
    }

    /// Makes room for `len` bytes: new frames zeroed; ENOSPC when the mount or the machine has
    /// no more.
    fn grow_to(&mut self, len: usize) -> Result<(), Errno> {
        while self.frames.len() * PAGE < len {
            let used = USED.load(Ordering::Relaxed);
            if used + PAGE as u64 > MAX_BYTES || crate::mm::frame::free_count() <= FRAMES_KEPT {
                return Err(ENOSPC);
            }
            let frame = crate::mm::frame::alloc().ok_or(ENOSPC)?;
            self.frames.try_reserve(1).map_err(|_| ENOSPC)?;
            self.frames.push(frame);
            USED.fetch_add(PAGE as u64, Ordering::Relaxed);
            // SAFETY: a fresh frame, ours, zeroed through the direct map before any read.
            unsafe { core::ptr::write_bytes(self.page(self.frames.len() - 1), 0, PAGE) };
        }
        Ok(())
    }

    /// Writes `bytes` at `at`, growing the file (zeros in any gap); as many bytes as fit.
    fn write(&mut self, at: usize, bytes: &[u8]) -> usize {
        let want = at + bytes.len();
        let _ = self.grow_to(want);
        let end = want.min(self.frames.len() * PAGE);
        let mut pos = at;
        while pos < end {
            let (i, off) = (pos / PAGE, pos % PAGE);
            let n = (PAGE - off).min(end - pos);
            // SAFETY: frame `i` is this file's; the caller holds the tree's write lock.
            unsafe { core::ptr::copy_nonoverlapping(bytes[pos - at..].as_ptr(), self.page(i).add(off), n) };
            pos += n;
        }
        if end > self.len {
            self.len = end;
        }
        end.saturating_sub(at)
    }

    /// Sets the length: pages past it are freed and the tail of the last one zeroed (so a later
    /// growth reads zeros).
    fn set_len(&mut self, len: usize) -> Result<(), Errno> {
        if len > self.len {
            self.grow_to(len)?;
        } else {
            let keep = len.div_ceil(PAGE);
            for f in self.frames.drain(keep..) {
                USED.fetch_sub(PAGE as u64, Ordering::Relaxed);
                // SAFETY: the frame was this file's and nothing refers to it any more.
                unsafe { crate::mm::frame::free(f) };
            }
            if !len.is_multiple_of(PAGE) {
                // SAFETY: the last frame is this file's; the caller holds the write lock.
                unsafe { core::ptr::write_bytes(self.page(keep - 1).add(len % PAGE), 0, PAGE - len % PAGE) };
            }
        }
        self.len = len;
        Ok(())
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        let _ = self.set_len(0);
    }
}

/// Makes /tmp writable (mode 1777), making it if the tree has none. What `--dir` put under it
/// stays read-only: new names can be made beside it (as an overlay's upper layer would).
pub fn mount() {
    let mut t = tree_mut();
    let n = match t.child(super::tree::ROOT, b"tmp") {
        Some(n) if t.nodes[n].is_dir() => n,
        _ => t.insert(super::tree::ROOT, Name::Archive(b"tmp"), S_IFDIR | 0o1777, now().0, Kind::Dir(Vec::new())),
    };
    t.nodes[n].writable = true;
    t.nodes[n].mode = S_IFDIR | 0o1777;
}

/// The wall clock: (seconds, nanoseconds) since the epoch.
pub fn now() -> (u64, u32) {
    let ns = crate::syscall::time::realtime_ns();
    (ns / 1_000_000_000, (ns % 1_000_000_000) as u32)
}

/// umask: sets the mask, returns the old one.
pub fn umask(mask: u32) -> u32 {
    UMASK.swap(mask & 0o777, Ordering::Relaxed)
}

/// The permission bits `mode` leaves under the umask.
fn masked(mode: u32) -> u32 {
    mode & 0o7777 & !UMASK.load(Ordering::Relaxed)
}

/// Makes `name` in the writable directory `dir` (the caller checked it is free): a regular file,
/// a directory, a symbolic link to `target` or a socket. EROFS in the read-only tree.
pub fn create(dir: usize, name: &[u8], mode: u32, kind: u32, target: &[u8]) -> Result<usize, Errno> {
    let mut t = tree_mut();
    if !t.nodes[dir].writable {
        return Err(EROFS);
    }
    let (kind, mode) = match kind {
        S_IFDIR => (Kind::Dir(Vec::new()), S_IFDIR | masked(mode)),
        S_IFLNK => (Kind::Symlink(Data::Owned(target.to_vec())), S_IFLNK | 0o777),
        // A bound AF_UNIX socket's name: an inode without bytes (net::unix finds its socket).
        S_IFSOCK => (Kind::File(Data::Pages(Pages::default())), S_IFSOCK | masked(mode)),
        _ => (Kind::File(Data::Pages(Pages::default())), S_IFREG | masked(mode)),
    };
    let (secs, nsec) = now();
    let n = t.insert(dir, Name::Owned(name.to_vec()), mode, secs, kind);
    t.nodes[n].mtime_nsec = nsec;
    touch(&mut t.nodes[dir]);
    Ok(n)
}

fn touch(node: &mut super::tree::Node) {
    let (secs, nsec) = now();
    node.mtime = secs;
    node.mtime_nsec = nsec;
}

/// Writes `bytes` into file `n` at `at` (its end when None); returns (count, position after):
/// short when the mount fills, ENOSPC when nothing fits.
pub fn write(n: usize, at: Option<u64>, bytes: &[u8]) -> Result<(u64, u64), Errno> {
    let mut t = tree_mut();
    let node = &mut t.nodes[n];
    let writable = node.writable;
    let Kind::File(Data::Pages(data)) = &mut node.kind else { return Err(EBADF) };
    if !writable {
        return Err(EBADF);
    }
    let at = at.unwrap_or(data.len() as u64);
    if bytes.is_empty() {
        return Ok((0, at));
    }
    if at >= MAX_FILE {
        return Err(EFBIG);
    }
    let fit = bytes.len().min((MAX_FILE - at) as usize);
    let count = data.write(at as usize, &bytes[..fit]);
    if count == 0 {
        return Err(ENOSPC);
    }
    touch(node);
    Ok((count as u64, at + count as u64))
}

/// Sets file `n`'s length (zeros past the old end).
pub fn truncate(n: usize, len: u64) -> Result<(), Errno> {
    let mut t = tree_mut();
    let node = &mut t.nodes[n];
    if !node.writable {
        return Err(EROFS);
    }
    let Kind::File(Data::Pages(data)) = &mut node.kind else { return Err(EROFS) };
    if len > MAX_FILE {
        return Err(EFBIG);
    }
    data.set_len(len as usize)?;
    touch(node);
    Ok(())
}

/// Takes `name` (node `n`) out of the writable directory `dir`; once that was its last name, a
/// file's bytes go when no descriptor has it open.
pub fn remove(dir: usize, name: &[u8]) {
    let mut t = tree_mut();
    if let Some(n) = t.unlink(dir, name) {
        let node = &mut t.nodes[n];
        node.links = node.links.saturating_sub(1);
        if node.links == 0 || node.is_dir() {
            node.unlinked = true;
            if node.opens == 0 {
                free(node);
            }
        }
    }
    touch(&mut t.nodes[dir]);
}

/// Gives node `n` (a file or a symbolic link of /tmp) the further name `name` in the writable
/// directory `dir`, which the caller checked is free: a hard link (Linux's shmem_link).
pub fn link(n: usize, dir: usize, name: &[u8]) {
    let mut t = tree_mut();
    t.link(dir, Name::Owned(name.to_vec()), n);
    t.nodes[n].links += 1;
    touch(&mut t.nodes[dir]);
}

fn free(node: &mut super::tree::Node) {
    if let Kind::File(Data::Pages(data)) = &mut node.kind {
        let _ = data.set_len(0);
    }
}

/// Moves node `n` from `odir`/`oname` to `ndir`/`nname`, replacing what `nname` named (the
/// caller checked the kinds).
pub fn rename(odir: usize, oname: &[u8], ndir: usize, nname: &[u8]) {
    let replaced = tree().child(ndir, nname);
    let Some(n) = tree().child(odir, oname) else { return };
    if replaced == Some(n) {
        return;
    }
    if replaced.is_some() {
        remove(ndir, nname);
    }
    let mut t = tree_mut();
    t.unlink(odir, oname);
    let name = Name::Owned(nname.to_vec());
    t.nodes[n].name = name.clone();
    t.nodes[n].parent = ndir;
    t.link(ndir, name, n);
    touch(&mut t.nodes[odir]);
    touch(&mut t.nodes[ndir]);
}

/// Sets node `n`'s permission bits.
pub fn chmod(n: usize, mode: u32) -> Result<(), Errno> {
    let mut t = tree_mut();
    let node = &mut t.nodes[n];
    if !node.writable {
        return Err(EROFS);
    }
    node.mode = (node.mode & abi::stat::S_IFMT) | (mode & 0o7777);
    Ok(())
}

/// Sets node `n`'s modification time.
pub fn set_mtime(n: usize, secs: u64, nsec: u32) -> Result<(), Errno> {
    let mut t = tree_mut();
    let node = &mut t.nodes[n];
    if !node.writable {
        return Err(EROFS);
    }
    node.mtime = secs;
    node.mtime_nsec = nsec;
    Ok(())
}

/// A description of node `n` was opened.
pub fn opened(n: usize) {
    tree_mut().nodes[n].opens += 1;
}

/// A description of node `n` was closed: an unlinked file's bytes go with the last one.
pub fn closed(n: usize) {
    let mut t = tree_mut();
    let node = &mut t.nodes[n];
    node.opens = node.opens.saturating_sub(1);
    if node.opens == 0 && node.unlinked {
        free(node);
    }
}
