//! getrandom flags (`include/uapi/linux/random.h`).

pub const GRND_NONBLOCK: usize = 0x0001;
pub const GRND_RANDOM: usize = 0x0002;
pub const GRND_INSECURE: usize = 0x0004;
