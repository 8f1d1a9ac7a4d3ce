//! The writable directory /tmp (Linux mm/shmem.c's tmpfs, much reduced): a directory of the tree
//! whose nodes may change — files made, written, truncated, renamed and removed, directories and
//! symbolic links made and removed, modes and times set. Everything else in the tree stays
//! read-only. It exists on every run, mode 1777 (what `--dir` serves under /tmp stays read-only
//! beside the new names), on a device of its own ([`TMPFS_DEV`]: a rename between it and the
//! read-only tree is EXDEV, as between two mounts).
//!
//! Size: file bytes live in the kernel heap, so the mount is small — [`MAX_BYTES`] in all, as a
//! tmpfs mounted with `size=8m`; a write past it is ENOSPC (short when some bytes fit), a file
//! over [`MAX_FILE`] EFBIG. Hard links are not supported (EPERM). An unlinked file's bytes stay
//! until its last descriptor closes.
use super::rofs::{tree, tree_mut};
use super::tree::{Data, Kind, Name};
use abi::errno::{EBADF, EFBIG, ENOSPC, EROFS};
use abi::stat::{S_IFDIR, S_IFLNK, S_IFREG};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

pub type Errno = isize;

/// The mount's device number (after the read-only tree's 0:32).
pub const TMPFS_DEV: u64 = abi::stat::makedev(0, 0x21);
/// Bytes all files may hold together.
pub const MAX_BYTES: u64 = 8 << 20;
/// The largest file.
pub const MAX_FILE: u64 = MAX_BYTES;

/// Bytes held by files now.
static USED: AtomicU64 = AtomicU64::new(0);
/// The process's umask (umask(2)); 022 as init starts.
static UMASK: AtomicU32 = AtomicU32::new(0o022);

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
/// a directory or a symbolic link to `target`. EROFS in the read-only tree.
pub fn create(dir: usize, name: &[u8], mode: u32, kind: u32, target: &[u8]) -> Result<usize, Errno> {
    let mut t = tree_mut();
    if !t.nodes[dir].writable {
        return Err(EROFS);
    }
    let (kind, mode) = match kind {
        S_IFDIR => (Kind::Dir(Vec::new()), S_IFDIR | masked(mode)),
        S_IFLNK => (Kind::Symlink(Data::Owned(target.to_vec())), S_IFLNK | 0o777),
        _ => (Kind::File(Data::Owned(Vec::new())), S_IFREG | masked(mode)),
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

/// Writes `bytes` into file `n` at `at` (its end when None); returns (count, position after).
pub fn write(n: usize, at: Option<u64>, bytes: &[u8]) -> Result<(u64, u64), Errno> {
    let mut t = tree_mut();
    let node = &mut t.nodes[n];
    let writable = node.writable;
    let Kind::File(Data::Owned(data)) = &mut node.kind else { return Err(EBADF) };
    if !writable {
        return Err(EBADF);
    }
    let at = at.unwrap_or(data.len() as u64);
    if at >= MAX_FILE && !bytes.is_empty() {
        return Err(EFBIG);
    }
    let end = (at + bytes.len() as u64).min(MAX_FILE);
    let grow = end.saturating_sub(data.len() as u64);
    let room = MAX_BYTES - USED.load(Ordering::Relaxed).min(MAX_BYTES);
    let end = if grow > room { data.len() as u64 + room } else { end };
    if end <= at {
        return if bytes.is_empty() { Ok((0, at)) } else { Err(ENOSPC) };
    }
    let grow = end.saturating_sub(data.len() as u64) as usize;
    reserve(data, end as usize)?;
    if data.len() < end as usize {
        USED.fetch_add(grow as u64, Ordering::Relaxed);
        data.resize(end as usize, 0);
    }
    let count = (end - at) as usize;
    data[at as usize..end as usize].copy_from_slice(&bytes[..count]);
    touch(node);
    Ok((count as u64, end))
}

/// Makes room for `len` bytes in `data`: capacity grows by at most 1 MiB past what is needed
/// (appends stay amortized, the heap's slack stays bounded); ENOSPC if the heap has no room.
fn reserve(data: &mut Vec<u8>, len: usize) -> Result<(), Errno> {
    if len <= data.capacity() {
        return Ok(());
    }
    let cap = len.max(data.len() * 2).min(len + (1 << 20)).next_multiple_of(4096);
    data.try_reserve_exact(cap - data.len()).map_err(|_| ENOSPC)
}

/// Sets file `n`'s length (zeros past the old end).
pub fn truncate(n: usize, len: u64) -> Result<(), Errno> {
    let mut t = tree_mut();
    let node = &mut t.nodes[n];
    if !node.writable {
        return Err(EROFS);
    }
    let Kind::File(Data::Owned(data)) = &mut node.kind else { return Err(EROFS) };
    if len > MAX_FILE {
        return Err(EFBIG);
    }
    let old = data.len() as u64;
    if len > old {
        if len - old > MAX_BYTES - USED.load(Ordering::Relaxed).min(MAX_BYTES) {
            return Err(ENOSPC);
        }
        reserve(data, len as usize)?;
        USED.fetch_add(len - old, Ordering::Relaxed);
    } else {
        USED.fetch_sub(old - len, Ordering::Relaxed);
    }
    data.resize(len as usize, 0);
    touch(node);
    Ok(())
}

/// Takes `name` (node `n`) out of the writable directory `dir`; a file's bytes go once no
/// descriptor has it open.
pub fn remove(dir: usize, name: &[u8]) {
    let mut t = tree_mut();
    if let Some(n) = t.unlink(dir, name) {
        t.nodes[n].unlinked = true;
        if t.nodes[n].opens == 0 {
            free(&mut t.nodes[n]);
        }
    }
    touch(&mut t.nodes[dir]);
}

fn free(node: &mut super::tree::Node) {
    if let Kind::File(Data::Owned(data)) = &mut node.kind {
        USED.fetch_sub(data.len() as u64, Ordering::Relaxed);
        *data = Vec::new();
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
