//! File flags and fcntl commands (`include/uapi/asm-generic/fcntl.h`; x86-64 uses the generic
//! values).

pub const O_RDONLY: usize = 0o0;
pub const O_WRONLY: usize = 0o1;
pub const O_RDWR: usize = 0o2;
pub const O_ACCMODE: usize = 0o3;
pub const O_CREAT: usize = 0o100;
pub const O_EXCL: usize = 0o200;
pub const O_NOCTTY: usize = 0o400;
pub const O_TRUNC: usize = 0o1000;
pub const O_APPEND: usize = 0o2000;
pub const O_NONBLOCK: usize = 0o4000;
pub const O_DSYNC: usize = 0o10000;
pub const O_DIRECT: usize = 0o40000;
pub const O_LARGEFILE: usize = 0o100000;
pub const O_DIRECTORY: usize = 0o200000;
pub const O_NOFOLLOW: usize = 0o400000;
pub const O_NOATIME: usize = 0o1000000;
pub const O_CLOEXEC: usize = 0o2000000;
pub const O_PATH: usize = 0o10000000;

pub const F_DUPFD: usize = 0;
pub const F_GETFD: usize = 1;
pub const F_SETFD: usize = 2;
pub const F_GETFL: usize = 3;
pub const F_SETFL: usize = 4;
pub const F_SETPIPE_SZ: usize = 1031;
pub const F_GETPIPE_SZ: usize = 1032;
pub const F_DUPFD_CLOEXEC: usize = 1030;
/// The one file-descriptor flag (F_GETFD/F_SETFD).
pub const FD_CLOEXEC: usize = 1;

/// `*at` calls: the current directory as the base.
pub const AT_FDCWD: isize = -100;

pub const STDIN_FILENO: usize = 0;
pub const STDOUT_FILENO: usize = 1;
pub const STDERR_FILENO: usize = 2;

/// lseek's whence.
pub const SEEK_SET: usize = 0;
pub const SEEK_CUR: usize = 1;
pub const SEEK_END: usize = 2;
/// The next data at or after the offset (a file without holes: the offset itself, ENXIO at or past its end).
pub const SEEK_DATA: usize = 3;
/// The next hole at or after the offset (a file without holes: its end).
pub const SEEK_HOLE: usize = 4;

/// access/faccessat modes.
pub const F_OK: usize = 0;
pub const X_OK: usize = 1;
pub const W_OK: usize = 2;
pub const R_OK: usize = 4;
/// faccessat2's flags.
pub const AT_EACCESS: usize = 0x200;
/// unlinkat's flag.
pub const AT_REMOVEDIR: usize = 0x200;

/// Writes of at most this many bytes to a pipe are atomic (`include/uapi/linux/limits.h`).
pub const PIPE_BUF: usize = 4096;
/// A pipe's default capacity: 16 pages.
pub const PIPE_DEF_SIZE: usize = 16 * crate::mman::PAGE_SIZE;
