//! futex operations (`include/uapi/linux/futex.h`).

pub const FUTEX_WAIT: usize = 0;
pub const FUTEX_WAKE: usize = 1;
pub const FUTEX_REQUEUE: usize = 3;
pub const FUTEX_CMP_REQUEUE: usize = 4;
pub const FUTEX_WAKE_OP: usize = 5;
pub const FUTEX_WAIT_BITSET: usize = 9;
pub const FUTEX_WAKE_BITSET: usize = 10;
pub const FUTEX_PRIVATE_FLAG: usize = 128;
pub const FUTEX_CLOCK_REALTIME: usize = 256;
/// The operation without its modifier bits.
pub const FUTEX_CMD_MASK: usize = !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
pub const FUTEX_WAIT_PRIVATE: usize = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
pub const FUTEX_WAKE_PRIVATE: usize = FUTEX_WAKE | FUTEX_PRIVATE_FLAG;
/// The bitset that matches every waiter (FUTEX_WAIT/WAKE are the BITSET forms with this).
pub const FUTEX_BITSET_MATCH_ANY: u32 = 0xffff_ffff;

/// The futex word of a robust (or PI) mutex: the owner's tid in the low bits, and two flags.
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// At most this many robust-list entries are walked when a thread dies (a loop in the list
/// cannot keep the kernel busy).
pub const ROBUST_LIST_LIMIT: usize = 2048;

/// `struct robust_list_head`: the list of robust mutexes a thread holds (its `next` pointers
/// point at each mutex's list node), where a node's futex word lies relative to it, and the
/// node of a lock being taken or released right now.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct RobustListHead {
    pub next: u64,
    pub futex_offset: i64,
    pub list_op_pending: u64,
}

const _: () = assert!(size_of::<RobustListHead>() == 24);

/// FUTEX_WAKE_OP's operations on the second word (`op >> 28 & 7`; bit 31 makes the operand
/// `1 << oparg`) and its comparisons of the old value (`op >> 24 & 15`).
pub const FUTEX_OP_SET: u32 = 0;
pub const FUTEX_OP_ADD: u32 = 1;
pub const FUTEX_OP_OR: u32 = 2;
pub const FUTEX_OP_ANDN: u32 = 3;
pub const FUTEX_OP_XOR: u32 = 4;
pub const FUTEX_OP_CMP_EQ: u32 = 0;
pub const FUTEX_OP_CMP_NE: u32 = 1;
pub const FUTEX_OP_CMP_LT: u32 = 2;
pub const FUTEX_OP_CMP_LE: u32 = 3;
pub const FUTEX_OP_CMP_GT: u32 = 4;
pub const FUTEX_OP_CMP_GE: u32 = 5;
