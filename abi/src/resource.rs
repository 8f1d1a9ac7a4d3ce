//! Resource limits (`include/uapi/asm-generic/resource.h`).

pub const RLIMIT_CPU: usize = 0;
pub const RLIMIT_FSIZE: usize = 1;
pub const RLIMIT_DATA: usize = 2;
pub const RLIMIT_STACK: usize = 3;
pub const RLIMIT_CORE: usize = 4;
pub const RLIMIT_RSS: usize = 5;
pub const RLIMIT_NPROC: usize = 6;
pub const RLIMIT_NOFILE: usize = 7;
pub const RLIMIT_MEMLOCK: usize = 8;
pub const RLIMIT_AS: usize = 9;
pub const RLIMIT_LOCKS: usize = 10;
pub const RLIMIT_SIGPENDING: usize = 11;
pub const RLIMIT_MSGQUEUE: usize = 12;
pub const RLIMIT_NICE: usize = 13;
pub const RLIMIT_RTPRIO: usize = 14;
pub const RLIMIT_RTTIME: usize = 15;
/// Number of limits (RLIM_NLIMITS).
pub const RLIM_NLIMITS: usize = 16;
pub const RLIM_INFINITY: u64 = u64::MAX;

/// RLIMIT_NOFILE's soft and hard limits as init starts with them (`include/uapi/linux/fs.h`
/// INR_OPEN_CUR, INR_OPEN_MAX).
pub const INR_OPEN_CUR: u64 = 1024;
pub const INR_OPEN_MAX: u64 = 4096;
/// The highest hard RLIMIT_NOFILE even a privileged process may set: `fs.nr_open`'s default
/// (fs/file.c `sysctl_nr_open`); also the most slots a descriptor table grows to.
pub const SYSCTL_NR_OPEN: u64 = 1024 * 1024;
/// The slots of a descriptor table before it first grows (`include/linux/fdtable.h`
/// NR_OPEN_DEFAULT, BITS_PER_LONG): select ignores bits at or past a table's size.
pub const NR_OPEN_DEFAULT: u64 = 64;

/// `struct rlimit64` (prlimit64), also `struct rlimit` on x86-64.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Rlimit {
    pub rlim_cur: u64,
    pub rlim_max: u64,
}

const _: () = assert!(size_of::<Rlimit>() == 16);

/// `struct sysinfo` (`include/uapi/linux/sysinfo.h`, x86-64 layout).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Sysinfo {
    pub uptime: i64,
    pub loads: [u64; 3],
    pub totalram: u64,
    pub freeram: u64,
    pub sharedram: u64,
    pub bufferram: u64,
    pub totalswap: u64,
    pub freeswap: u64,
    pub procs: u16,
    pub pad: u16,
    pub _pad2: u32,
    pub totalhigh: u64,
    pub freehigh: u64,
    pub mem_unit: u32,
    pub _f: [u8; 4],
}

const _: () = assert!(size_of::<Sysinfo>() == 112);
const _: () = assert!(core::mem::offset_of!(Sysinfo, procs) == 80);
const _: () = assert!(core::mem::offset_of!(Sysinfo, mem_unit) == 104);
