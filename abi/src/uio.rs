//! Vectored I/O (`include/uapi/linux/uio.h`).

/// The most iovecs one readv/writev takes (UIO_MAXIOV, IOV_MAX).
pub const UIO_MAXIOV: usize = 1024;

/// The most bytes one read, write or getrandom moves (Linux's MAX_RW_COUNT, `INT_MAX &
/// PAGE_MASK`, include/linux/fs.h): a longer request is cut to it.
pub const MAX_RW_COUNT: u64 = 0x7fff_f000;

/// `struct iovec`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Iovec {
    pub iov_base: u64,
    pub iov_len: u64,
}

const _: () = assert!(size_of::<Iovec>() == 16);
