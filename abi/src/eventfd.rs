//! eventfd2 flags (`include/uapi/linux/eventfd.h`).

pub const EFD_SEMAPHORE: usize = 1;
pub const EFD_CLOEXEC: usize = crate::fcntl::O_CLOEXEC;
pub const EFD_NONBLOCK: usize = crate::fcntl::O_NONBLOCK;
