//! clone flags (`include/uapi/linux/sched.h`) and the thread-creation set Go and glibc use.

pub const CSIGNAL: usize = 0x0000_00ff;
pub const CLONE_VM: usize = 0x0000_0100;
pub const CLONE_FS: usize = 0x0000_0200;
pub const CLONE_FILES: usize = 0x0000_0400;
pub const CLONE_SIGHAND: usize = 0x0000_0800;
pub const CLONE_PIDFD: usize = 0x0000_1000;
pub const CLONE_PTRACE: usize = 0x0000_2000;
pub const CLONE_VFORK: usize = 0x0000_4000;
pub const CLONE_PARENT: usize = 0x0000_8000;
pub const CLONE_THREAD: usize = 0x0001_0000;
pub const CLONE_NEWNS: usize = 0x0002_0000;
pub const CLONE_SYSVSEM: usize = 0x0004_0000;
pub const CLONE_SETTLS: usize = 0x0008_0000;
pub const CLONE_PARENT_SETTID: usize = 0x0010_0000;
pub const CLONE_CHILD_CLEARTID: usize = 0x0020_0000;
pub const CLONE_DETACHED: usize = 0x0040_0000;
pub const CLONE_UNTRACED: usize = 0x0080_0000;
pub const CLONE_CHILD_SETTID: usize = 0x0100_0000;
pub const CLONE_IO: usize = 0x8000_0000;

/// A thread in the same process: what Go's newosproc passes (`cloneFlags` in os_linux.go).
pub const CLONE_THREAD_FLAGS: usize = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_SYSVSEM | CLONE_THREAD;
