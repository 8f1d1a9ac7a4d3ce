//! Auxiliary-vector keys (`include/uapi/linux/auxvec.h`, `arch/x86/include/uapi/asm/auxvec.h`):
//! the (key, value) pairs execve puts above envp. rt0's own keys are in [`crate::rt0`].

pub const AT_NULL: usize = 0;
pub const AT_IGNORE: usize = 1;
pub const AT_EXECFD: usize = 2;
pub const AT_PHDR: usize = 3;
pub const AT_PHENT: usize = 4;
pub const AT_PHNUM: usize = 5;
pub const AT_PAGESZ: usize = 6;
pub const AT_BASE: usize = 7;
pub const AT_FLAGS: usize = 8;
pub const AT_ENTRY: usize = 9;
pub const AT_NOTELF: usize = 10;
pub const AT_UID: usize = 11;
pub const AT_EUID: usize = 12;
pub const AT_GID: usize = 13;
pub const AT_EGID: usize = 14;
pub const AT_PLATFORM: usize = 15;
pub const AT_HWCAP: usize = 16;
pub const AT_CLKTCK: usize = 17;
pub const AT_SECURE: usize = 23;
pub const AT_BASE_PLATFORM: usize = 24;
pub const AT_RANDOM: usize = 25;
pub const AT_HWCAP2: usize = 26;
pub const AT_RSEQ_FEATURE_SIZE: usize = 27;
pub const AT_RSEQ_ALIGN: usize = 28;
pub const AT_HWCAP3: usize = 29;
pub const AT_HWCAP4: usize = 30;
pub const AT_EXECFN: usize = 31;
pub const AT_SYSINFO_EHDR: usize = 33;
pub const AT_MINSIGSTKSZ: usize = 51;
