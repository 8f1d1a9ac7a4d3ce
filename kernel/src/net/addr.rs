//! Socket addresses across the user boundary (Linux net/socket.c move_addr_to_kernel and
//! move_addr_to_user, and the `sockaddr_in`, `sockaddr_in6` and `sockaddr_un` layouts).
use crate::process::uaccess::{Errno, UserPtr, UserSlice};
use abi::errno::{EFAULT, EINVAL};
use abi::socket::{AF_INET, AF_INET6, AF_UNIX, SOCKADDR_STORAGE, SockaddrIn, SockaddrIn6};
use alloc::vec::Vec;

/// An address a socket is bound or connected to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    In {
        ip: [u8; 4],
        port: u16,
    },
    In6 {
        ip: [u8; 16],
        port: u16,
        flowinfo: u32,
        scope: u32,
    },
    /// AF_UNIX: the bytes after `sun_family` as bound (empty: unnamed; a leading NUL: abstract).
    Unix(Vec<u8>),
}

impl SockAddr {
    pub fn port(&self) -> u16 {
        match self {
            SockAddr::In { port, .. } | SockAddr::In6 { port, .. } => *port,
            SockAddr::Unix(_) => 0,
        }
    }

    /// The bytes of the C struct.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            SockAddr::In { ip, port } => {
                let sa = SockaddrIn {
                    sin_family: AF_INET,
                    sin_port: port.to_be(),
                    sin_addr: u32::from_ne_bytes(*ip),
                    sin_zero: [0; 8],
                };
                as_bytes(&sa)
            }
            SockAddr::In6 { ip, port, flowinfo, scope } => {
                let sa = SockaddrIn6 {
                    sin6_family: AF_INET6,
                    sin6_port: port.to_be(),
                    sin6_flowinfo: *flowinfo,
                    sin6_addr: *ip,
                    sin6_scope_id: *scope,
                };
                as_bytes(&sa)
            }
            SockAddr::Unix(path) => {
                let mut v = Vec::from(AF_UNIX.to_ne_bytes());
                v.extend_from_slice(path);
                v
            }
        }
    }
}

fn as_bytes<T: Copy>(v: &T) -> Vec<u8> {
    // SAFETY: T is one of abi's repr(C) address structs, integers without padding.
    let bytes = unsafe { core::slice::from_raw_parts(v as *const T as *const u8, size_of::<T>()) };
    Vec::from(bytes)
}

/// move_addr_to_kernel: the user's address bytes; a length above `sockaddr_storage` (or
/// negative) is EINVAL, a bad pointer EFAULT.
pub fn read(addr: u64, len: u64) -> Result<Vec<u8>, Errno> {
    let len = len as u32 as i32;
    if len < 0 || len as usize > SOCKADDR_STORAGE {
        return Err(EINVAL);
    }
    let mut buf = alloc::vec![0u8; len as usize];
    if len > 0 {
        UserSlice::new(addr, len as u64)?.read_prefix(&mut buf)?;
    }
    Ok(buf)
}

/// The family field of raw address bytes (AF_UNSPEC if too short to hold one).
pub fn family(raw: &[u8]) -> u16 {
    match raw {
        [a, b, ..] => u16::from_ne_bytes([*a, *b]),
        _ => abi::socket::AF_UNSPEC,
    }
}

/// An AF_INET address from raw bytes (the caller checked the length).
pub fn inet(raw: &[u8]) -> SockAddr {
    SockAddr::In { ip: [raw[4], raw[5], raw[6], raw[7]], port: u16::from_be_bytes([raw[2], raw[3]]) }
}

/// An AF_INET6 address from raw bytes: at least the 24 bytes of RFC 2133's struct (the caller
/// checked), the scope id when present.
pub fn inet6(raw: &[u8]) -> SockAddr {
    let mut ip = [0u8; 16];
    ip.copy_from_slice(&raw[8..24]);
    let word = |at: usize| raw.get(at..at + 4).map_or(0, |b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
    SockAddr::In6 { ip, port: u16::from_be_bytes([raw[2], raw[3]]), flowinfo: word(4), scope: word(24) }
}

/// move_addr_to_user: reads the caller's buffer length at `lenp` (EFAULT; EINVAL if
/// negative), copies as much of `sa` as fits to `addr`, and writes the full length back.
pub fn write(bytes: &[u8], addr: u64, lenp: u64) -> Result<(), Errno> {
    let len = UserPtr::<i32>::new(lenp).read()?;
    if len < 0 {
        return Err(EINVAL);
    }
    let n = (len as usize).min(bytes.len());
    if n > 0 {
        UserSlice::new(addr, n as u64).map_err(|_| EFAULT)?.write(&bytes[..n])?;
    }
    UserPtr::<i32>::new(lenp).write(&(bytes.len() as i32))
}
