//! User memory as types (Linux's `copy_from_user`/`copy_to_user`, `access_ok`, `import_iovec`):
//! a [`UserPtr<T>`] reads or writes one `T`, a [`UserSlice`] a byte range, [`import_iovec`] an
//! iovec array, each checked against the process's address space and copied through the kernel's
//! direct map. Any bad byte is `EFAULT`, never a kernel fault, and SMAP stays on because the
//! kernel never touches a user address directly. Handlers use these instead of hand-written
//! copies and `from_le_bytes`.
use crate::mm::aspace::{Access, AddressSpace, USER_END};
use abi::errno::{EFAULT, EINVAL};
use abi::uio::{Iovec, UIO_MAXIOV};
use core::marker::PhantomData;

/// A syscall's failure: a positive errno.
pub type Errno = isize;

/// Plain data: every bit pattern is a valid value, and the type has no padding a copy could
/// leak. Only such types cross the user boundary.
///
/// # Safety
/// Implement only for `repr(C)` integer aggregates without padding bytes the kernel would copy
/// out uninitialised (the abi structs spell their padding as fields).
pub unsafe trait Pod: Copy + 'static {}

macro_rules! pod {
    ($($t:ty),* $(,)?) => { $(
        // SAFETY: an integer or an abi `repr(C)` struct of integers with explicit padding.
        unsafe impl Pod for $t {}
    )* };
}
pod!(u8, u16, u32, u64, i32, i64, usize);
pod!(abi::time::Timespec, abi::time::Timeval, abi::uio::Iovec, abi::resource::Rlimit, abi::utsname::Utsname);
pod!(abi::signal::KernelSigaction, abi::signal::StackT, abi::signal::Siginfo, abi::signal::RtSigframe);
pod!(abi::signal::Ucontext, abi::signal::Sigcontext);
pod!(abi::epoll::EpollEvent, abi::poll::Pollfd, abi::stat::Stat, abi::stat::Statx, abi::resource::Sysinfo);
pod!(abi::futex::RobustListHead, abi::socket::Msghdr, abi::wait::Rusage);
// SAFETY: arrays of plain data are plain data.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {}

fn bytes<T: Pod>(v: &T) -> &[u8] {
    // SAFETY: T is Pod: all of its bytes are initialised integers.
    unsafe { core::slice::from_raw_parts(v as *const T as *const u8, size_of::<T>()) }
}

fn bytes_mut<T: Pod>(v: &mut T) -> &mut [u8] {
    // SAFETY: T is Pod: any bytes written form a valid T.
    unsafe { core::slice::from_raw_parts_mut(v as *mut T as *mut u8, size_of::<T>()) }
}

/// The address of one `T` in user memory (C's `T __user *`).
pub struct UserPtr<T> {
    addr: u64,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T: Pod> UserPtr<T> {
    pub const fn new(addr: u64) -> Self {
        UserPtr { addr, _t: PhantomData }
    }

    pub const fn addr(self) -> u64 {
        self.addr
    }

    pub const fn is_null(self) -> bool {
        self.addr == 0
    }

    /// The `T` at this address, through an address space the caller already holds.
    pub fn read_in(self, aspace: &mut AddressSpace) -> Result<T, Errno> {
        // SAFETY: T is Pod, so the all-zero pattern is a valid T to start from.
        let mut v: T = unsafe { core::mem::zeroed() };
        aspace.copy_in(self.addr, bytes_mut(&mut v)).map_err(|_| EFAULT)?;
        Ok(v)
    }

    /// Writes `v` here, through an address space the caller already holds.
    pub fn write_in(self, aspace: &mut AddressSpace, v: &T) -> Result<(), Errno> {
        aspace.copy_out(self.addr, bytes(v)).map_err(|_| EFAULT)
    }

    /// The `T` at this address in the current process.
    pub fn read(self) -> Result<T, Errno> {
        super::mm(|p| self.read_in(&mut p.aspace))
    }

    /// Writes `v` here in the current process.
    pub fn write(self, v: &T) -> Result<(), Errno> {
        super::mm(|p| self.write_in(&mut p.aspace, v))
    }

    /// Reads the `T` unless the pointer is NULL (optional input arguments).
    pub fn read_opt(self) -> Result<Option<T>, Errno> {
        if self.is_null() { Ok(None) } else { self.read().map(Some) }
    }
}

impl UserPtr<u32> {
    /// Atomically replaces the word with `new` if it holds `old`; returns the value it held.
    pub fn cmpxchg(self, old: u32, new: u32) -> Result<u32, Errno> {
        super::mm(|p| p.aspace.cmpxchg_u32(self.addr, old, new)).map_err(|_| EFAULT)
    }
}

/// A user byte range `[addr, addr + len)` (C's `void __user *buf, size_t count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserSlice {
    addr: u64,
    len: u64,
}

/// Bytes copied per step: large enough to amortise the lookups, small enough for the stack.
pub const CHUNK: usize = 512;

impl UserSlice {
    /// Linux's `access_ok(buf, count)`: the range must lie in user space, even when empty
    /// (vfs_read and vfs_write check it first, so `write(1, kernel_addr, 0)` is EFAULT, not 0).
    pub fn new(addr: u64, len: u64) -> Result<UserSlice, Errno> {
        match addr.checked_add(len) {
            Some(end) if end <= USER_END => Ok(UserSlice { addr, len }),
            _ => Err(EFAULT),
        }
    }

    pub fn addr(&self) -> u64 {
        self.addr
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Checks that the whole range allows `access` without touching it.
    pub fn check(&self, access: Access) -> Result<(), Errno> {
        super::mm(|p| p.aspace.check(self.addr, self.len, access)).map_err(|_| EFAULT)
    }

    /// Feeds the range to `sink` in chunks; returns the bytes fed. Linux's partial-transfer
    /// rule: a fault after some bytes ends the transfer short; a fault before any is EFAULT.
    pub fn read_chunks(&self, mut sink: impl FnMut(&[u8])) -> Result<u64, Errno> {
        let mut chunk = [0u8; CHUNK];
        let mut done = 0u64;
        while done < self.len {
            let n = (self.len - done).min(CHUNK as u64) as usize;
            match super::mm(|p| p.aspace.copy_in(self.addr + done, &mut chunk[..n])) {
                Ok(()) => sink(&chunk[..n]),
                Err(_) if done == 0 => return Err(EFAULT),
                Err(_) => break,
            }
            done += n as u64;
        }
        Ok(done)
    }

    /// Copies up to `buf.len()` bytes from the start of the range into `buf`.
    pub fn read_prefix(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let n = buf.len().min(self.len as usize);
        super::mm(|p| p.aspace.copy_in(self.addr, &mut buf[..n])).map_err(|_| EFAULT)?;
        Ok(n)
    }

    /// Copies `data` to the start of the range (at most its length).
    pub fn write(&self, data: &[u8]) -> Result<(), Errno> {
        let n = data.len().min(self.len as usize);
        super::mm(|p| p.aspace.copy_out(self.addr, &data[..n])).map_err(|_| EFAULT)
    }
}

/// A validated iovec array (Linux's `import_iovec`).
pub struct Iovecs {
    at: UserPtr<[Iovec; 1]>,
    count: u64,
}

/// Validates the iovec array at `iov` the way Linux does before any transfer: more than
/// UIO_MAXIOV entries is EINVAL; then every entry is read (EFAULT if the array itself is bad),
/// a length above `isize::MAX` anywhere is EINVAL, and only then a segment outside user space
/// anywhere is EFAULT.
pub fn import_iovec(iov: u64, count: u64) -> Result<Iovecs, Errno> {
    if count > UIO_MAXIOV as u64 {
        return Err(EINVAL);
    }
    let v = Iovecs { at: UserPtr::new(iov), count };
    let mut outside = false;
    for i in 0..count {
        let e = v.entry(i)?;
        if e.iov_len > isize::MAX as u64 {
            return Err(EINVAL);
        }
        outside |= UserSlice::new(e.iov_base, e.iov_len).is_err();
    }
    if outside {
        return Err(EFAULT);
    }
    Ok(v)
}

impl Iovecs {
    fn entry(&self, i: u64) -> Result<Iovec, Errno> {
        let at = self.at.addr().checked_add(i * size_of::<Iovec>() as u64).ok_or(EFAULT)?;
        UserPtr::<Iovec>::new(at).read()
    }

    /// The segments in order.
    pub fn iter(&self) -> impl Iterator<Item = Result<UserSlice, Errno>> + '_ {
        (0..self.count).map(|i| self.entry(i).and_then(|e| UserSlice::new(e.iov_base, e.iov_len)))
    }
}

/// A cursor over user buffers consumed front to back (Linux's `iov_iter`): the one buffer of a
/// read or write, or the segments of a readv or writev, so that an object sees a vector as one
/// transfer, as Linux's read_iter/write_iter do. Copies stop at the first byte that faults and
/// say how far they got; the caller decides what a short copy means.
pub struct UserIter<'a> {
    segs: &'a [UserSlice],
    /// The current segment and the offset in it.
    seg: usize,
    off: u64,
}

impl<'a> UserIter<'a> {
    pub fn new(segs: &'a [UserSlice]) -> Self {
        let mut it = UserIter { segs, seg: 0, off: 0 };
        it.skip_empty();
        it
    }

    fn skip_empty(&mut self) {
        while self.seg < self.segs.len() && self.off == self.segs[self.seg].len {
            self.seg += 1;
            self.off = 0;
        }
    }

    /// Bytes not yet consumed.
    pub fn remaining(&self) -> u64 {
        self.segs.iter().skip(self.seg).map(|s| s.len).sum::<u64>() - self.off
    }

    /// Runs `copy` on successive pieces (user address, offset in the kernel buffer, length)
    /// until `len` bytes are done or a piece comes up short; advances past what was copied.
    fn step(&mut self, len: usize, mut copy: impl FnMut(u64, usize, usize) -> usize) -> usize {
        let mut done = 0;
        while done < len && self.seg < self.segs.len() {
            let s = self.segs[self.seg];
            let n = ((s.len - self.off) as usize).min(len - done);
            let got = copy(s.addr + self.off, done, n);
            done += got;
            self.off += got as u64;
            self.skip_empty();
            if got < n {
                break;
            }
        }
        done
    }

    /// Copies user bytes into `dst`; returns how many (fewer than asked at a fault or the end).
    pub fn copy_from_user(&mut self, dst: &mut [u8]) -> usize {
        let len = dst.len();
        super::mm(|p| self.step(len, |addr, at, n| p.aspace.copy_in_upto(addr, &mut dst[at..at + n])))
    }

    /// Copies `src` to user memory; returns how many bytes (fewer at a fault or the end).
    pub fn copy_to_user(&mut self, src: &[u8]) -> usize {
        super::mm(|p| self.step(src.len(), |addr, at, n| p.aspace.copy_out_upto(addr, &src[at..at + n])))
    }
}
