//! epoll (`include/uapi/linux/eventpoll.h`): the control operations, event bits and the packed
//! `struct epoll_event` of x86-64.

pub const EPOLL_CTL_ADD: usize = 1;
pub const EPOLL_CTL_DEL: usize = 2;
pub const EPOLL_CTL_MOD: usize = 3;
/// epoll_create1's flag: same value as O_CLOEXEC.
pub const EPOLL_CLOEXEC: usize = crate::fcntl::O_CLOEXEC;

pub const EPOLLIN: u32 = 0x001;
pub const EPOLLPRI: u32 = 0x002;
pub const EPOLLOUT: u32 = 0x004;
pub const EPOLLERR: u32 = 0x008;
pub const EPOLLHUP: u32 = 0x010;
pub const EPOLLNVAL: u32 = 0x020;
pub const EPOLLRDNORM: u32 = 0x040;
pub const EPOLLRDBAND: u32 = 0x080;
pub const EPOLLWRNORM: u32 = 0x100;
pub const EPOLLWRBAND: u32 = 0x200;
pub const EPOLLMSG: u32 = 0x400;
pub const EPOLLRDHUP: u32 = 0x2000;
pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
pub const EPOLLWAKEUP: u32 = 1 << 29;
pub const EPOLLONESHOT: u32 = 1 << 30;
pub const EPOLLET: u32 = 1 << 31;

/// `struct epoll_event`: packed on x86-64 (`__EPOLL_PACKED`), 12 bytes.
#[repr(C, packed)]
#[derive(Clone, Copy, Default, Debug)]
pub struct EpollEvent {
    pub events: u32,
    pub data: u64,
}

const _: () = assert!(size_of::<EpollEvent>() == 12);
const _: () = assert!(core::mem::offset_of!(EpollEvent, data) == 4);
