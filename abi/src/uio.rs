//! Vectored I/O (`include/uapi/linux/uio.h`).

/// The most iovecs one readv/writev takes (UIO_MAXIOV, IOV_MAX).
pub const UIO_MAXIOV: usize = 1024;

/// `struct iovec`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Iovec {
    pub iov_base: u64,
    pub iov_len: u64,
}

const _: () = assert!(size_of::<Iovec>() == 16);
