//! `struct linux_dirent64` (include/linux/dirent.h) as getdents64 writes it, and the d_type
//! values (include/linux/fs_types.h, `DT_*`).

/// The fixed part of a `linux_dirent64`: d_ino (u64), d_off (s64), d_reclen (u16), d_type (u8);
/// the NUL-terminated name follows, and the record is padded to a multiple of 8.
pub const DIRENT64_HEADER: usize = 19;
/// A record's alignment.
pub const DIRENT64_ALIGN: usize = 8;

pub const DT_UNKNOWN: u8 = 0;
pub const DT_FIFO: u8 = 1;
pub const DT_CHR: u8 = 2;
pub const DT_DIR: u8 = 4;
pub const DT_BLK: u8 = 6;
pub const DT_REG: u8 = 8;
pub const DT_LNK: u8 = 10;
pub const DT_SOCK: u8 = 12;

/// The length of the record for a name of `name_len` bytes.
pub const fn dirent64_reclen(name_len: usize) -> usize {
    (DIRENT64_HEADER + name_len + 1).div_ceil(DIRENT64_ALIGN) * DIRENT64_ALIGN
}

/// d_type for an st_mode.
pub const fn dt_of_mode(mode: u32) -> u8 {
    ((mode & crate::stat::S_IFMT) >> 12) as u8
}

const _: () = assert!(dirent64_reclen(1) == 24);
const _: () = assert!(dirent64_reclen(4) == 24);
const _: () = assert!(dirent64_reclen(5) == 32);
const _: () = assert!(dt_of_mode(crate::stat::S_IFDIR) == DT_DIR);
const _: () = assert!(dt_of_mode(crate::stat::S_IFLNK) == DT_LNK);
const _: () = assert!(dt_of_mode(crate::stat::S_IFREG) == DT_REG);
