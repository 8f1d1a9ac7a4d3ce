//! Sockets (`include/linux/socket.h`, `include/uapi/linux/in.h`, `in6.h`, `tcp.h`, `un.h`,
//! `asm-generic/socket.h`): address families, socket types, levels and options, message flags,
//! shutdown modes and the address and message structs, each checked against Linux's layout.

pub const AF_UNSPEC: u16 = 0;
pub const AF_UNIX: u16 = 1;
pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;
/// One past the highest family Linux knows (AF_MAX): socket() answers EAFNOSUPPORT from here.
pub const AF_MAX: usize = 46;

pub const SOCK_STREAM: usize = 1;
pub const SOCK_DGRAM: usize = 2;
pub const SOCK_RAW: usize = 3;
pub const SOCK_SEQPACKET: usize = 5;
/// One past the highest type (SOCK_PACKET + 1): socket() answers EINVAL from here.
pub const SOCK_MAX: usize = 11;
/// The type bits of socket()'s type argument; the rest are SOCK_NONBLOCK and SOCK_CLOEXEC.
pub const SOCK_TYPE_MASK: usize = 0xf;
pub const SOCK_NONBLOCK: usize = 0o4000;
pub const SOCK_CLOEXEC: usize = 0o2000000;

pub const IPPROTO_IP: usize = 0;
pub const IPPROTO_TCP: usize = 6;
pub const IPPROTO_UDP: usize = 17;
pub const IPPROTO_IPV6: usize = 41;
/// One past the highest protocol number an inet socket accepts.
pub const IPPROTO_MAX: i32 = 263;

pub const SOL_SOCKET: usize = 1;
pub const SO_DEBUG: usize = 1;
pub const SO_REUSEADDR: usize = 2;
pub const SO_TYPE: usize = 3;
pub const SO_ERROR: usize = 4;
pub const SO_DONTROUTE: usize = 5;
pub const SO_BROADCAST: usize = 6;
pub const SO_SNDBUF: usize = 7;
pub const SO_RCVBUF: usize = 8;
pub const SO_KEEPALIVE: usize = 9;
pub const SO_OOBINLINE: usize = 10;
pub const SO_LINGER: usize = 13;
pub const SO_REUSEPORT: usize = 15;
pub const SO_RCVLOWAT: usize = 18;
pub const SO_RCVTIMEO_OLD: usize = 20;
pub const SO_SNDTIMEO_OLD: usize = 21;
pub const SO_ACCEPTCONN: usize = 30;
pub const SO_PROTOCOL: usize = 38;
pub const SO_DOMAIN: usize = 39;

pub const TCP_NODELAY: usize = 1;
pub const TCP_MAXSEG: usize = 2;
pub const TCP_KEEPIDLE: usize = 4;
pub const TCP_KEEPINTVL: usize = 5;
pub const TCP_KEEPCNT: usize = 6;

pub const IPV6_V6ONLY: usize = 26;

pub const MSG_OOB: usize = 0x1;
pub const MSG_PEEK: usize = 0x2;
pub const MSG_DONTROUTE: usize = 0x4;
pub const MSG_TRUNC: usize = 0x20;
pub const MSG_DONTWAIT: usize = 0x40;
pub const MSG_EOR: usize = 0x80;
pub const MSG_WAITALL: usize = 0x100;
pub const MSG_NOSIGNAL: usize = 0x4000;
pub const MSG_MORE: usize = 0x8000;
pub const MSG_CMSG_CLOEXEC: usize = 0x4000_0000;

pub const SHUT_RD: usize = 0;
pub const SHUT_WR: usize = 1;
pub const SHUT_RDWR: usize = 2;

/// The backlog listen() is clamped to (/proc/sys/net/core/somaxconn's default since Linux 5.4).
pub const SOMAXCONN: usize = 4096;

/// The ephemeral ports (/proc/sys/net/ipv4/ip_local_port_range's default).
pub const EPHEMERAL_LOW: u16 = 32768;
pub const EPHEMERAL_HIGH: u16 = 60999;

/// Linux's `SOCK_MIN_SNDBUF` and `SOCK_MIN_RCVBUF` (for an skb of 2048 bytes of data) and the
/// `wmem_max`/`rmem_max` defaults: what SO_SNDBUF and SO_RCVBUF clamp to before doubling.
pub const SOCK_MIN_SNDBUF: i32 = 4608;
pub const SOCK_MIN_RCVBUF: i32 = 2304;
pub const WMEM_MAX: i32 = 212_992;
pub const RMEM_MAX: i32 = 212_992;

/// `struct sockaddr_in`: the port and address in network byte order.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct SockaddrIn {
    pub sin_family: u16,
    pub sin_port: u16,
    pub sin_addr: u32,
    pub sin_zero: [u8; 8],
}

/// `struct sockaddr_in6`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct SockaddrIn6 {
    pub sin6_family: u16,
    pub sin6_port: u16,
    pub sin6_flowinfo: u32,
    pub sin6_addr: [u8; 16],
    pub sin6_scope_id: u32,
}

/// `struct sockaddr_un`'s path length.
pub const UNIX_PATH_MAX: usize = 108;
/// The largest address any family takes (`struct sockaddr_storage`).
pub const SOCKADDR_STORAGE: usize = 128;

/// `struct msghdr` (user's).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Msghdr {
    pub msg_name: u64,
    pub msg_namelen: u32,
    pub _pad1: u32,
    pub msg_iov: u64,
    pub msg_iovlen: u64,
    pub msg_control: u64,
    pub msg_controllen: u64,
    pub msg_flags: u32,
    pub _pad2: u32,
}

/// `struct linger`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Linger {
    pub l_onoff: i32,
    pub l_linger: i32,
}

const _: () = assert!(size_of::<SockaddrIn>() == 16);
const _: () = assert!(size_of::<SockaddrIn6>() == 28);
const _: () = assert!(size_of::<Msghdr>() == 56);
const _: () = assert!(core::mem::offset_of!(Msghdr, msg_flags) == 48);
const _: () = assert!(size_of::<Linger>() == 8);
