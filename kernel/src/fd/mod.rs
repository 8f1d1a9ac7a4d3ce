//! File descriptors (Linux fs/file.c, fs/fcntl.c, include/linux/fs.h, much reduced): a
//! per-process table of descriptors, each naming an open file description ([`OpenFile`]: the
//! object plus its status flags, shared by dup'ed descriptors) and carrying its own close-on-exec
//! flag. Objects implement [`File`] — read, write, poll, ioctl — and block on wait queues
//! ([`wait`]): consoles, pipes, eventfds, epoll instances, /dev/null and the files and
//! directories of the read-only tree ([`tree`], [`rofs`]).
//!
//! Lock order: an object's own lock (a file's position) → the tree lock (`rofs::tree`) → the
//! process's state (the descriptor table) → its address space (user copies) → the pollers' lock
//! → the scheduler. The last reference to an object is never dropped with the process lock held
//! (close takes the descriptor out, releases the lock, then drops it), because dropping a pipe
//! end takes the pipe's lock.
pub mod console;
pub mod epoll;
pub mod eventfd;
pub mod framing;
pub mod null;
pub mod pipe;
pub mod rofs;
pub mod tmpfs;
pub mod tree;
pub mod wait;

use crate::process::uaccess::{Errno, UserSlice};
use abi::errno::{EBADF, EINVAL, EMFILE, ENOMEM, ENOTDIR, ENOTTY, ESPIPE};
use abi::fcntl::{O_ACCMODE, O_APPEND, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

/// An object a descriptor can name.
pub trait File: Send + Sync {
    /// Reads into `dst`; `nonblock` is the description's O_NONBLOCK. Called only when the
    /// description is readable.
    fn read(&self, _dst: UserSlice, _nonblock: bool) -> Result<u64, Errno> {
        Err(EINVAL)
    }

    /// Writes from `src`. Called only when the description is writable.
    fn write(&self, _src: UserSlice, _nonblock: bool) -> Result<u64, Errno> {
        Err(EINVAL)
    }

    /// readv: the segments as one transfer where the object has Linux's read_iter (pipes,
    /// eventfd); this default, for objects with only a plain read, is Linux's
    /// do_loop_readv_writev: one read per segment, a short one ends the call, and an error
    /// counts only when nothing was transferred.
    fn readv(&self, segs: &[UserSlice], nonblock: bool) -> Result<u64, Errno> {
        each_segment(segs, |s| self.read(s, nonblock))
    }

    /// writev: as readv, for writes.
    fn writev(&self, segs: &[UserSlice], nonblock: bool) -> Result<u64, Errno> {
        each_segment(segs, |s| self.write(s, nonblock))
    }

    /// The EPOLL*/POLL* bits that hold now.
    fn poll(&self) -> u32;

    /// A counter that moves whenever the object may have become more ready (data arrived, space
    /// was freed): what edge-triggered epoll compares.
    fn events_seen(&self) -> u64;

    /// Type-specific ioctls (the generic ones are answered before this); ENOTTY as Linux.
    fn ioctl(&self, _cmd: usize, _arg: u64) -> Result<u64, Errno> {
        Err(ENOTTY)
    }

    /// lseek to `offset` from `whence`: ESPIPE for pipes and consoles; anonymous inodes
    /// (eventfd, epoll) answer 0.
    fn seek(&self, _offset: i64, _whence: usize) -> Result<u64, Errno> {
        Err(ESPIPE)
    }

    /// pread64/preadv at `offset`, the file position untouched: ESPIPE for what has no position.
    fn pread(&self, _segs: &[UserSlice], _offset: u64) -> Result<u64, Errno> {
        Err(ESPIPE)
    }

    /// getdents64: ENOTDIR for everything but a directory.
    fn getdents64(&self, _dst: UserSlice) -> Result<u64, Errno> {
        Err(ENOTDIR)
    }

    /// The node of the read-only tree the object is, if it is one (a directory descriptor for
    /// openat and fchdir).
    fn node(&self) -> Option<usize> {
        None
    }

    /// pwrite64/pwritev at `offset`: ESPIPE for what has no position.
    fn pwrite(&self, _segs: &[UserSlice], _offset: u64) -> Result<u64, Errno> {
        Err(ESPIPE)
    }

    /// ftruncate: EINVAL for what is not a regular file (Linux's answer for pipes and sockets).
    fn truncate(&self, _len: u64) -> Result<u64, Errno> {
        Err(EINVAL)
    }

    /// Calls `f` with the bytes a mapping of the object copies and says true, if it can be
    /// mapped (false: ENODEV, as Linux answers for a file without mmap).
    fn map_bytes(&self, _f: &mut dyn FnMut(&[u8])) -> bool {
        false
    }

    /// fstat's answer: an anonymous inode (mode 0600, no file type) unless the object says more.
    fn stat(&self) -> abi::stat::Stat {
        abi::stat::Stat { st_mode: 0o600, st_nlink: 1, st_blksize: abi::mman::PAGE_SIZE as i64, ..Default::default() }
    }

    /// The object as an epoll instance, if it is one.
    fn as_epoll(&self) -> Option<&epoll::Epoll> {
        None
    }

    /// The object as a pipe end, if it is one (F_GETPIPE_SZ, F_SETPIPE_SZ).
    fn as_pipe(&self) -> Option<&pipe::PipeEnd> {
        None
    }

    /// The object as a socket, if it is one (ENOTSOCK otherwise).
    fn as_socket(&self) -> Option<&crate::net::sock::Socket> {
        None
    }
}

/// One transfer per segment (Linux's do_loop_readv_writev).
fn each_segment(segs: &[UserSlice], mut one: impl FnMut(UserSlice) -> Result<u64, Errno>) -> Result<u64, Errno> {
    let mut total = 0u64;
    for &seg in segs {
        match one(seg) {
            Ok(n) => {
                total += n;
                if n < seg.len() {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

/// An open file description: the object and its status flags (access mode, O_NONBLOCK,
/// O_APPEND), shared by every descriptor dup'ed from it.
pub struct OpenFile {
    pub file: Arc<dyn File>,
    flags: AtomicUsize,
}

/// The status flags F_SETFL may change (Linux's SETFL_MASK, those rt0 has).
const SETFL_MASK: usize = O_APPEND | O_NONBLOCK;

impl OpenFile {
    pub fn new(file: Arc<dyn File>, flags: usize) -> Arc<OpenFile> {
        Arc::new(OpenFile { file, flags: AtomicUsize::new(flags) })
    }

    /// The status flags, F_GETFL's answer.
    pub fn flags(&self) -> usize {
        self.flags.load(Ordering::Relaxed)
    }

    /// F_SETFL: only the changeable bits move.
    pub fn set_flags(&self, new: usize) {
        let old = self.flags();
        self.flags.store((old & !SETFL_MASK) | (new & SETFL_MASK), Ordering::Relaxed);
    }

    /// Whether the description was opened with O_PATH: it names a file and does no I/O.
    pub fn is_path(&self) -> bool {
        self.flags() & abi::fcntl::O_PATH != 0
    }

    pub fn nonblock(&self) -> bool {
        self.flags() & O_NONBLOCK != 0
    }

    pub fn readable(&self) -> bool {
        matches!(self.flags() & O_ACCMODE, O_RDONLY | O_RDWR)
    }

    pub fn writable(&self) -> bool {
        matches!(self.flags() & O_ACCMODE, O_WRONLY | O_RDWR)
    }
}

/// One descriptor: its description and its close-on-exec flag.
#[derive(Clone)]
pub struct Fd {
    pub file: Arc<OpenFile>,
    pub cloexec: bool,
}

/// Heap bytes an open file may take beyond its descriptor: what [`FdTable::install`] keeps
/// out of the kernel heap's reserve.
const FILE_HEAP_BYTES: usize = 1024;

/// The process's descriptor table.
#[derive(Clone)]
pub struct FdTable {
    slots: Vec<Option<Fd>>,
    /// RLIMIT_NOFILE's soft limit: descriptors are 0..limit (prlimit64 keeps it in step with the
    /// process's limits; Linux reads `rlimit(RLIMIT_NOFILE)` at each allocation).
    limit: usize,
    /// No descriptor below this one is free (Linux's `files->next_fd`): allocation starts here.
    next: usize,
    /// The table's size (Linux's `fdtable->max_fds`), which only select can see: it ignores
    /// the bits of its sets at or past it. It grows with the descriptors placed ([`slots_for`]),
    /// never shrinks, and a fork's copy is only as big as the open descriptors need.
    size: usize,
}

/// The size of a table that must hold descriptor `fd` (Linux's `alloc_fdtable`): the embedded
/// 64 slots, then powers of two, at most `fs.nr_open`. On Linux 6.18 descriptor 64 makes a
/// table of 128, 128 one of 256, 1024 one of 2048 (`FDSize` in /proc/self/status).
pub fn slots_for(fd: usize) -> usize {
    let nr_open = abi::resource::SYSCTL_NR_OPEN as usize;
    let first = abi::resource::NR_OPEN_DEFAULT as usize;
    if fd < first { first } else { fd.saturating_add(1).checked_next_power_of_two().unwrap_or(nr_open).min(nr_open) }
}

impl Default for FdTable {
    fn default() -> Self {
        FdTable {
            slots: Vec::new(),
            limit: abi::resource::INR_OPEN_CUR as usize,
            next: 0,
            size: abi::resource::NR_OPEN_DEFAULT as usize,
        }
    }
}

impl FdTable {
    /// The table a process starts with: the consoles as 0, 1 and 2.
    pub fn with_consoles() -> FdTable {
        let mut t = FdTable::default();
        for (fd, file) in console::standard().into_iter().enumerate() {
            t.put(fd, Fd { file, cloexec: false });
        }
        t
    }

    /// The description behind `fd`; EBADF if it is not open.
    pub fn get(&self, fd: u64) -> Result<Arc<OpenFile>, Errno> {
        self.entry(fd).map(|e| e.file.clone())
    }

    /// The descriptor `fd`; EBADF if it is not open.
    pub fn entry(&self, fd: u64) -> Result<&Fd, Errno> {
        self.slots.get(usize::try_from(fd).map_err(|_| EBADF)?).and_then(Option::as_ref).ok_or(EBADF)
    }

    /// Mutable access to descriptor `fd`.
    pub fn entry_mut(&mut self, fd: u64) -> Result<&mut Fd, Errno> {
        self.slots.get_mut(usize::try_from(fd).map_err(|_| EBADF)?).and_then(Option::as_mut).ok_or(EBADF)
    }

    /// A fork's copy (Linux's `dup_fd`): the same descriptors in a table sized for the highest
    /// open one, however big this table once grew.
    pub fn fork_copy(&self) -> FdTable {
        let mut copy = self.clone();
        let highest = self.slots.iter().rposition(Option::is_some).unwrap_or(0);
        copy.size = slots_for(highest);
        copy
    }

    /// The table's size, Linux's `max_fds`: select looks at no descriptor at or past it.
    pub fn size(&self) -> usize {
        self.size
    }

    /// RLIMIT_NOFILE's soft limit: the first descriptor number that cannot be used.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A new soft RLIMIT_NOFILE (open descriptors above it stay open, as in Linux).
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = usize::try_from(limit).unwrap_or(usize::MAX);
    }

    /// Installs `file` at the lowest free descriptor ≥ `min`; EMFILE when there is none below
    /// the limit (EINVAL for `min` at or above it, as F_DUPFD answers).
    pub fn install(&mut self, file: Arc<OpenFile>, cloexec: bool, min: usize) -> Result<u64, Errno> {
        if min >= self.limit {
            return Err(EINVAL);
        }
        let start = min.max(self.next);
        let free = (start..self.limit).find(|&i| self.slots.get(i).is_none_or(Option::is_none)).ok_or(EMFILE)?;
        // A new descriptor's file (its object, buffers' bookkeeping, wait queues) lives on the
        // kernel heap: ENOMEM once that would take the heap's reserve.
        if !crate::mm::heap::may_take(FILE_HEAP_BYTES) {
            return Err(ENOMEM);
        }
        self.room_for(free)?;
        if start == self.next {
            self.next = free + 1;
        }
        self.put(free, Fd { file, cloexec });
        Ok(free as u64)
    }

    /// ENOMEM, as Linux's `expand_files` when its allocation fails, if growing the table to hold
    /// descriptor `at` would take the kernel heap's reserve.
    pub fn room_for(&self, at: usize) -> Result<(), Errno> {
        let cap = self.slots.capacity();
        if at < cap {
            return Ok(());
        }
        // A Vec grows to the larger of twice its capacity and what is asked.
        let bytes = (at + 1).max(cap * 2).saturating_mul(size_of::<Option<Fd>>());
        if crate::mm::heap::may_take(bytes) { Ok(()) } else { Err(ENOMEM) }
    }

    /// Puts `fd` at `at` (dup2/dup3), returning what was there (for the caller to drop after
    /// releasing the process lock).
    pub fn put(&mut self, at: usize, fd: Fd) -> Option<Fd> {
        if self.slots.len() <= at {
            self.slots.resize(at + 1, None);
        }
        self.size = self.size.max(slots_for(at));
        self.slots[at].replace(fd)
    }

    /// Takes descriptor `fd` out (close); EBADF if it is not open.
    pub fn remove(&mut self, fd: u64) -> Result<Fd, Errno> {
        let at = usize::try_from(fd).map_err(|_| EBADF)?;
        let taken = self.slots.get_mut(at).and_then(Option::take).ok_or(EBADF)?;
        self.next = self.next.min(at);
        Ok(taken)
    }

    /// execve's close-on-exec pass (Linux's `do_close_on_exec`): takes every descriptor with the
    /// flag out, for the caller to drop once the process lock is released.
    pub fn take_cloexec(&mut self) -> Vec<Fd> {
        let mut out = Vec::new();
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if slot.as_ref().is_some_and(|f| f.cloexec) {
                out.extend(slot.take());
                self.next = self.next.min(i);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::slots_for;

    #[test]
    fn a_table_grows_as_linux_6_18_reports_its_fdsize() {
        // (descriptor placed in a fresh table, FDSize after), measured with dup2 on the host.
        for (fd, size) in [
            (0, 64),
            (63, 64),
            (64, 128),
            (127, 128),
            (128, 256),
            (255, 256),
            (256, 512),
            (1023, 1024),
            (1024, 2048),
            (5000, 8192),
        ] {
            assert_eq!(slots_for(fd), size, "descriptor {fd}");
        }
        assert_eq!(slots_for(usize::MAX), 1 << 20);
        assert_eq!(slots_for(1 << 20), 1 << 20);
    }
}
