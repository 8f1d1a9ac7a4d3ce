//! arch_prctl codes (`arch/x86/include/uapi/asm/prctl.h`).

pub const ARCH_SET_GS: usize = 0x1001;
pub const ARCH_SET_FS: usize = 0x1002;
pub const ARCH_GET_FS: usize = 0x1003;
pub const ARCH_GET_GS: usize = 0x1004;

/// prctl options.
pub const PR_SET_NAME: usize = 15;
pub const PR_GET_NAME: usize = 16;
/// A thread's name: 16 bytes, NUL included (TASK_COMM_LEN).
pub const TASK_COMM_LEN: usize = 16;
