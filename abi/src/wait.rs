//! wait4/waitid (include/uapi/linux/wait.h, include/uapi/asm-generic/siginfo.h): options, id
//! types, the SIGCHLD si_code values, and `struct rusage`.

pub const WNOHANG: usize = 0x0000_0001;
pub const WUNTRACED: usize = 0x0000_0002;
pub const WSTOPPED: usize = WUNTRACED;
pub const WEXITED: usize = 0x0000_0004;
pub const WCONTINUED: usize = 0x0000_0008;
pub const WNOWAIT: usize = 0x0100_0000;
pub const __WNOTHREAD: usize = 0x2000_0000;
pub const __WALL: usize = 0x4000_0000;
pub const __WCLONE: usize = 0x8000_0000;

/// waitid's id types.
pub const P_ALL: usize = 0;
pub const P_PID: usize = 1;
pub const P_PGID: usize = 2;
pub const P_PIDFD: usize = 3;

/// SIGCHLD's si_code: how the child changed.
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_DUMPED: i32 = 3;

/// A wait status's core-dump flag (WCOREDUMP).
pub const WCOREFLAG: i32 = 0x80;

/// `struct rusage` (x86-64): two timevals and fourteen longs.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Rusage {
    pub ru_utime: [i64; 2],
    pub ru_stime: [i64; 2],
    pub rest: [i64; 14],
}

const _: () = assert!(core::mem::size_of::<Rusage>() == 144);
