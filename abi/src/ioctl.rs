//! The ioctl requests rt0 answers (`include/uapi/asm-generic/ioctls.h`): the terminal queries a
//! program makes to learn it is not on a terminal, and the generic file ones.

pub const TCGETS: usize = 0x5401;
pub const TCSETS: usize = 0x5402;
pub const TIOCGPGRP: usize = 0x540f;
pub const TIOCGWINSZ: usize = 0x5413;
pub const FIONREAD: usize = 0x541b;
pub const FIONBIO: usize = 0x5421;
pub const FIONCLEX: usize = 0x5450;
pub const FIOCLEX: usize = 0x5451;
