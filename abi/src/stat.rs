//! `struct stat` of x86-64 (`arch/x86/include/uapi/asm/stat.h`) and the file-type bits
//! (`include/uapi/linux/stat.h`), plus `AT_EMPTY_PATH` for fstatat on a descriptor.

pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;

/// fstatat/newfstatat flags.
pub const AT_SYMLINK_NOFOLLOW: usize = 0x100;
/// linkat: follow a final symbolic link of the old name.
pub const AT_SYMLINK_FOLLOW: usize = 0x400;
pub const AT_NO_AUTOMOUNT: usize = 0x800;
pub const AT_EMPTY_PATH: usize = 0x1000;

/// `struct stat` (x86-64's, which is also `struct stat64`).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_nlink: u64,
    pub st_mode: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub __pad0: i32,
    pub st_rdev: u64,
    pub st_size: i64,
    pub st_blksize: i64,
    pub st_blocks: i64,
    pub st_atime: i64,
    pub st_atime_nsec: i64,
    pub st_mtime: i64,
    pub st_mtime_nsec: i64,
    pub st_ctime: i64,
    pub st_ctime_nsec: i64,
    pub __unused: [i64; 3],
}

const _: () = assert!(size_of::<Stat>() == 144);
const _: () = assert!(core::mem::offset_of!(Stat, st_mode) == 24);
const _: () = assert!(core::mem::offset_of!(Stat, st_rdev) == 40);
const _: () = assert!(core::mem::offset_of!(Stat, st_blksize) == 56);

/// A device number as the kernel's `new_encode_dev` packs it for `st_rdev`.
pub const fn makedev(major: u32, minor: u32) -> u64 {
    ((minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)) as u64
}

/// statx's flags beyond the AT_* above: the sync type bits (any value is accepted; a read-only
/// tree is always in sync).
pub const AT_STATX_SYNC_TYPE: usize = 0x6000;
/// statx's mask bits (include/uapi/linux/stat.h).
pub const STATX_TYPE: u32 = 0x1;
pub const STATX_MODE: u32 = 0x2;
pub const STATX_NLINK: u32 = 0x4;
pub const STATX_UID: u32 = 0x8;
pub const STATX_GID: u32 = 0x10;
pub const STATX_ATIME: u32 = 0x20;
pub const STATX_MTIME: u32 = 0x40;
pub const STATX_CTIME: u32 = 0x80;
pub const STATX_INO: u32 = 0x100;
pub const STATX_SIZE: u32 = 0x200;
pub const STATX_BLOCKS: u32 = 0x400;
/// Everything `struct stat` has.
pub const STATX_BASIC_STATS: u32 = 0x7ff;
/// A mask bit reserved for a future struct: EINVAL.
pub const STATX__RESERVED: u32 = 0x8000_0000;

/// `struct statx_timestamp`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct StatxTimestamp {
    pub tv_sec: i64,
    pub tv_nsec: u32,
    pub __reserved: i32,
}

/// `struct statx` (256 bytes; the fields after the device numbers are newer than rt0's answers
/// and stay zero, their mask bits unset).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Statx {
    pub stx_mask: u32,
    pub stx_blksize: u32,
    pub stx_attributes: u64,
    pub stx_nlink: u32,
    pub stx_uid: u32,
    pub stx_gid: u32,
    pub stx_mode: u16,
    pub __spare0: u16,
    pub stx_ino: u64,
    pub stx_size: u64,
    pub stx_blocks: u64,
    pub stx_attributes_mask: u64,
    pub stx_atime: StatxTimestamp,
    pub stx_btime: StatxTimestamp,
    pub stx_ctime: StatxTimestamp,
    pub stx_mtime: StatxTimestamp,
    pub stx_rdev_major: u32,
    pub stx_rdev_minor: u32,
    pub stx_dev_major: u32,
    pub stx_dev_minor: u32,
    pub __spare: [u64; 14],
}

const _: () = assert!(size_of::<Statx>() == 256);
const _: () = assert!(core::mem::offset_of!(Statx, stx_ino) == 32);
const _: () = assert!(core::mem::offset_of!(Statx, stx_atime) == 64);
const _: () = assert!(core::mem::offset_of!(Statx, stx_mtime) == 112);
const _: () = assert!(core::mem::offset_of!(Statx, stx_rdev_major) == 128);
const _: () = assert!(core::mem::offset_of!(Statx, stx_dev_minor) == 140);

/// The major and minor numbers of a device number packed by [`makedev`].
pub const fn major_minor(dev: u64) -> (u32, u32) {
    (((dev >> 8) & 0xfff) as u32, ((dev & 0xff) | ((dev >> 12) & !0xff)) as u32)
}
