//! The socket system calls (Linux net/socket.c): socket, socketpair, bind, listen, accept,
//! accept4, connect, getsockname, getpeername, sendto, recvfrom, sendmsg, recvmsg, shutdown,
//! setsockopt, getsockopt — each with Linux's checks in Linux's order: the descriptor (EBADF,
//! then ENOTSOCK), the flags, the address (move_addr_to_kernel), then the family's answer.
use super::addr::{self, SockAddr};
use super::sock::Socket;
use super::{sockopt, stream::Conn};
use crate::fd::OpenFile;
use crate::process::{
    self,
    uaccess::{Errno, UserPtr, UserSlice, import_iovec},
};
use crate::syscall::SysResult;
use abi::errno::*;
use abi::fcntl::{O_NONBLOCK, O_RDWR};
use abi::socket::*;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// The socket behind `fd`: EBADF if it is not open, ENOTSOCK if it is something else.
fn socket_of(fd: u64) -> Result<(Arc<OpenFile>, usize), Errno> {
    let f = process::file(fd)?;
    if f.file.as_socket().is_none() {
        return Err(ENOTSOCK);
    }
    Ok((f, 0))
}

fn sock(f: &Arc<OpenFile>) -> &Socket {
    f.file.as_socket().expect("checked by socket_of")
}

/// socket()'s checks of family, type and protocol in __sock_create's order (family range,
/// type range, then the family's own: inet_create, unix_create): the protocol number the
/// socket reports. Datagram and raw sockets are not served (ESOCKTNOSUPPORT, see README).
fn check(family: u64, ty: usize, protocol: u64) -> Result<usize, Errno> {
    if family as u32 as usize >= AF_MAX {
        return Err(EAFNOSUPPORT);
    }
    if ty >= SOCK_MAX {
        return Err(EINVAL);
    }
    let protocol = protocol as i32;
    match family as u16 {
        AF_INET | AF_INET6 => {
            if !(0..IPPROTO_MAX).contains(&protocol) {
                return Err(EINVAL);
            }
            match (ty, protocol as usize) {
                (SOCK_STREAM, IPPROTO_IP | IPPROTO_TCP) => Ok(IPPROTO_TCP),
                (SOCK_STREAM, _) => Err(EPROTONOSUPPORT),
                _ => Err(ESOCKTNOSUPPORT),
            }
        }
        AF_UNIX => match (ty, protocol) {
            (_, p) if p != 0 && p != AF_UNIX as i32 => Err(EPROTONOSUPPORT),
            (SOCK_STREAM, _) => Ok(0),
            _ => Err(ESOCKTNOSUPPORT),
        },
        _ => Err(EAFNOSUPPORT),
    }
}

/// The type argument split into the type and the SOCK_NONBLOCK/SOCK_CLOEXEC flags (EINVAL for
/// other bits).
fn split_type(ty: u64) -> Result<(usize, usize), Errno> {
    let ty = ty as u32 as usize;
    let flags = ty & !SOCK_TYPE_MASK;
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(EINVAL);
    }
    Ok((ty & SOCK_TYPE_MASK, flags))
}

fn install(sock: Socket, flags: usize) -> SysResult {
    let file = OpenFile::new(Arc::new(sock), O_RDWR | (flags & O_NONBLOCK));
    process::with(|p| p.fds.install(file, flags & SOCK_CLOEXEC != 0, 0))
}

pub fn socket(family: u64, ty: u64, protocol: u64) -> SysResult {
    let (ty, flags) = split_type(ty)?;
    let protocol = check(family, ty, protocol)?;
    install(Socket::new(family as u16, protocol), flags)
}

pub fn socketpair(family: u64, ty: u64, protocol: u64, sv: u64) -> SysResult {
    let (ty, flags) = split_type(ty)?;
    let protocol = check(family, ty, protocol)?;
    if family as u16 != AF_UNIX {
        // Linux's __sys_socketpair takes two descriptors and writes them to `sv` before it asks
        // the family, which has no socketpair (EOPNOTSUPP): the numbers stay written, the
        // descriptors are released.
        let file = || OpenFile::new(Arc::new(Socket::new(family as u16, protocol)), O_RDWR);
        let (taken, r) = process::with(|p| {
            let a = p.fds.install(file(), false, 0)?;
            let b = match p.fds.install(file(), false, 0) {
                Ok(b) => b,
                Err(e) => return Ok::<_, Errno>(((p.fds.remove(a).ok(), None), e)),
            };
            let r = UserPtr::<[i32; 2]>::new(sv).write(&[a as i32, b as i32]).err();
            Ok(((p.fds.remove(a).ok(), p.fds.remove(b).ok()), r.unwrap_or(EOPNOTSUPP)))
        })?;
        drop(taken); // outside the process lock
        return Err(r);
    }
    let conn = Conn::new(false, true);
    let (a, b) = (Socket::new(AF_UNIX, protocol), Socket::new(AF_UNIX, protocol));
    for (s, side) in [(&a, 0), (&b, 1)] {
        let mut i = s.inner.lock();
        i.state = super::sock::State::Connected(conn.clone(), side);
        i.peer = Some(SockAddr::Unix(Vec::new()));
    }
    let nb = flags & O_NONBLOCK;
    let a = OpenFile::new(Arc::new(a), O_RDWR | nb);
    let b = OpenFile::new(Arc::new(b), O_RDWR | nb);
    crate::syscall::install_pair(sv, (a, b), flags & SOCK_CLOEXEC != 0)
}

pub fn bind(fd: u64, uaddr: u64, len: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    let raw = addr::read(uaddr, len)?;
    sock(&f).bind(&raw).map(|()| 0)
}

pub fn listen(fd: u64, backlog: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    sock(&f).listen(backlog as u32).map(|()| 0)
}

pub fn connect(fd: u64, uaddr: u64, len: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    let raw = addr::read(uaddr, len)?;
    sock(&f).connect(&raw, f.nonblock()).map(|()| 0)
}

pub fn accept4(fd: u64, uaddr: u64, ulen: u64, flags: u64) -> SysResult {
    let flags = flags as u32 as usize;
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(EINVAL);
    }
    let (f, _) = socket_of(fd)?;
    let (child, peer) = sock(&f).accept(f.nonblock())?;
    if uaddr != 0 {
        // The connection is taken even when the address cannot be written (it is then closed).
        addr::write(&peer.encode(), uaddr, ulen)?;
    }
    install(child, flags)
}

pub fn getsockname(fd: u64, uaddr: u64, ulen: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    addr::write(&sock(&f).name().encode(), uaddr, ulen).map(|()| 0)
}

pub fn getpeername(fd: u64, uaddr: u64, ulen: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    let peer = sock(&f).peer_name()?;
    addr::write(&peer.encode(), uaddr, ulen).map(|()| 0)
}

/// A destination address on a stream socket: TCP ignores it, AF_UNIX says EISCONN when
/// connected and EOPNOTSUPP otherwise (unix_stream_sendmsg).
fn check_dest(s: &Socket, name: u64, namelen: u64) -> Result<(), Errno> {
    if name == 0 || namelen == 0 {
        return Ok(());
    }
    addr::read(name, namelen)?;
    if !s.tcp() {
        return Err(if s.conn().is_some() { EISCONN } else { EOPNOTSUPP });
    }
    Ok(())
}

pub fn sendto(fd: u64, buf: u64, len: u64, flags: u64, dest: u64, destlen: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    let len = len.min(i32::MAX as u64);
    let seg = UserSlice::new(buf, len)?;
    check_dest(sock(&f), dest, destlen)?;
    sock(&f).send(&[seg], flags as usize, f.nonblock())
}

pub fn recvfrom(fd: u64, buf: u64, len: u64, flags: u64, src: u64, srclen: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    let len = len.min(i32::MAX as u64);
    let seg = UserSlice::new(buf, len)?;
    let n = sock(&f).recv(&[seg], flags as usize, f.nonblock())?;
    if src != 0 {
        addr::write(&sock(&f).source(n), src, srclen)?;
    }
    Ok(n)
}

fn msghdr(msg: u64) -> Result<(Msghdr, Vec<UserSlice>), Errno> {
    let m = UserPtr::<Msghdr>::new(msg).read()?;
    let segs = import_iovec(m.msg_iov, m.msg_iovlen)?.iter().collect::<Result<Vec<_>, _>>()?;
    Ok((m, segs))
}

pub fn sendmsg(fd: u64, msg: u64, flags: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    let (m, segs) = msghdr(msg)?;
    check_dest(sock(&f), m.msg_name, m.msg_namelen as u64)?;
    if m.msg_controllen != 0 && !sock(&f).tcp() {
        // SCM_RIGHTS and SCM_CREDENTIALS are not served (README).
        return Err(EOPNOTSUPP);
    }
    sock(&f).send(&segs, flags as usize, f.nonblock())
}

pub fn recvmsg(fd: u64, msg: u64, flags: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    let (mut m, segs) = msghdr(msg)?;
    let n = sock(&f).recv(&segs, flags as usize, f.nonblock())?;
    let name = sock(&f).source(n);
    if m.msg_name != 0 && !name.is_empty() {
        // As recvmsg's move_addr_to_user: at most the caller's length, the full one reported.
        let len = (m.msg_namelen as usize).min(name.len());
        UserSlice::new(m.msg_name, len as u64)?.write(&name[..len])?;
    }
    if m.msg_name != 0 {
        m.msg_namelen = name.len() as u32;
    }
    m.msg_controllen = 0;
    m.msg_flags = 0;
    UserPtr::<Msghdr>::new(msg).write(&m)?;
    Ok(n)
}

pub fn shutdown(fd: u64, how: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    let how = how as u32 as usize;
    if how > SHUT_RDWR {
        return Err(EINVAL);
    }
    sock(&f).shutdown(how).map(|()| 0)
}

pub fn setsockopt(fd: u64, level: u64, name: u64, val: u64, len: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    let len = len as u32 as i32;
    if len < 0 {
        return Err(EINVAL);
    }
    let mut buf = alloc::vec![0u8; (len as usize).min(64)];
    UserSlice::new(val, buf.len() as u64)?.read_prefix(&mut buf)?;
    sockopt::set(sock(&f), level as u32 as usize, name as u32 as usize, &buf).map(|()| 0)
}

pub fn getsockopt(fd: u64, level: u64, name: u64, val: u64, lenp: u64) -> SysResult {
    let (f, _) = socket_of(fd)?;
    let len = UserPtr::<i32>::new(lenp).read()?;
    if len < 0 {
        return Err(EINVAL);
    }
    let v = sockopt::get(sock(&f), level as u32 as usize, name as u32 as usize)?;
    let n = (len as usize).min(v.len());
    UserSlice::new(val, n as u64)?.write(&v[..n])?;
    UserPtr::<i32>::new(lenp).write(&(n as i32)).map(|()| 0)
}
