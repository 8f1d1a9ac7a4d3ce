//! A socket (Linux's `struct socket` + `struct sock`, net/ipv4/af_inet.c inet_bind,
//! inet_listen, __inet_stream_connect, inet_accept, inet_getname, inet_shutdown, and
//! net/unix/af_unix.c's stream counterparts): its state, its names, its options, and the
//! descriptor operations (read, write, poll) through its connection.
//!
//! `connecting` is Linux's SS_CONNECTING: a non-blocking connect said EINPROGRESS and no
//! connect has seen the result yet (the next one says 0 once established, EALREADY before);
//! connect itself is in [`super::connect`].
use super::addr::{self, SockAddr};
use super::inet::{self, Ip};
use super::listen::Listener;
use super::sockopt::Options;
use super::stream::{Conn, RecvFlags};
use super::unix;
use crate::fd::File;
use crate::process::uaccess::{Errno, UserIter, UserPtr, UserSlice};
use abi::epoll::{EPOLLHUP, EPOLLOUT, EPOLLWRBAND, EPOLLWRNORM};
use abi::errno::*;
use abi::socket::*;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;

pub enum State {
    Unconnected,
    Listening(Arc<Listener>),
    /// One side of a connection (0: the connecting end, 1: the accepted one).
    Connected(Arc<Conn>, usize),
}

pub struct Inner {
    pub state: State,
    pub connecting: bool,
    /// getsockname's answer once bound or connected.
    pub name: Option<SockAddr>,
    pub peer: Option<SockAddr>,
    pub port: Option<inet::Bound>,
    /// The port was taken by connect, not bind: a failed connect gives it back.
    pub autobound: bool,
    pub unix_name: Option<unix::Name>,
    pub opts: Options,
}

pub struct Socket {
    pub family: u16,
    /// IPPROTO_TCP for AF_INET and AF_INET6, 0 for AF_UNIX.
    pub protocol: usize,
    /// Moves when the state changes (edge-triggered epoll).
    generation: AtomicU64,
    pub inner: Mutex<Inner>,
}

impl Socket {
    pub fn new(family: u16, protocol: usize) -> Socket {
        Socket {
            family,
            protocol,
            generation: AtomicU64::new(0),
            inner: Mutex::new(Inner {
                state: State::Unconnected,
                connecting: false,
                name: None,
                peer: None,
                port: None,
                autobound: false,
                unix_name: None,
                opts: Options::new(family),
            }),
        }
    }

    pub fn tcp(&self) -> bool {
        self.family != AF_UNIX
    }

    pub(super) fn moved(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
        crate::fd::wait::notify_pollers();
    }

    /// The connection of a connected socket.
    pub fn conn(&self) -> Option<(Arc<Conn>, usize)> {
        match &self.inner.lock().state {
            State::Connected(c, side) => Some((c.clone(), *side)),
            _ => None,
        }
    }

    /// The wildcard name of a socket that is not bound (getsockname's answer then).
    pub(super) fn unbound_name(&self) -> SockAddr {
        match self.family {
            AF_INET => SockAddr::In { ip: inet::V4_ANY, port: 0 },
            AF_INET6 => SockAddr::In6 { ip: inet::V6_ANY, port: 0, flowinfo: 0, scope: 0 },
            _ => SockAddr::Unix(Vec::new()),
        }
    }

    /// An inet address from raw bytes with inet_bind's and tcp_v4/v6_connect's checks of
    /// length and family (`unspec_any`: bind accepts AF_UNSPEC with INADDR_ANY).
    pub(super) fn inet_addr(&self, raw: &[u8], unspec_any: bool) -> Result<SockAddr, Errno> {
        if self.family == AF_INET {
            if raw.len() < size_of::<SockaddrIn>() {
                return Err(EINVAL);
            }
            let a = addr::inet(raw);
            match addr::family(raw) {
                AF_INET => Ok(a),
                AF_UNSPEC if unspec_any && matches!(a, SockAddr::In { ip: inet::V4_ANY, .. }) => Ok(a),
                _ => Err(EAFNOSUPPORT),
            }
        } else {
            // SIN6_LEN_RFC2133: the struct without sin6_scope_id.
            if raw.len() < 24 {
                return Err(EINVAL);
            }
            if addr::family(raw) != AF_INET6 {
                return Err(EAFNOSUPPORT);
            }
            Ok(addr::inet6(raw))
        }
    }

    /// bind(2).
    pub fn bind(&self, raw: &[u8]) -> Result<(), Errno> {
        if !self.tcp() {
            let path = unix::path(raw)?;
            let mut s = self.inner.lock();
            if s.unix_name.is_some() {
                return Err(EINVAL);
            }
            let name = unix::bind(path)?;
            s.name = Some(SockAddr::Unix(name.path.clone()));
            s.unix_name = Some(name);
            return Ok(());
        }
        let a = self.inet_addr(raw, true)?;
        let mut s = self.inner.lock();
        let ip = match &a {
            SockAddr::In { ip, .. } => {
                if !inet::is_local_v4(*ip) {
                    return Err(EADDRNOTAVAIL);
                }
                Ip::V4(*ip)
            }
            SockAddr::In6 { ip, .. } => {
                if inet::v4_mapped(ip).is_some() && s.opts.v6only {
                    return Err(EINVAL);
                }
                if !inet::is_local_v6(ip) {
                    return Err(EADDRNOTAVAIL);
                }
                Ip::V6(*ip)
            }
            SockAddr::Unix(_) => return Err(EINVAL),
        };
        if s.port.is_some() || !matches!(s.state, State::Unconnected) {
            return Err(EINVAL);
        }
        let bound = inet::bind(ip, a.port(), s.opts.v6only, s.opts.reuseaddr)?;
        let name = match a {
            SockAddr::In { ip, .. } => SockAddr::In { ip, port: bound.port },
            SockAddr::In6 { ip, scope, .. } => SockAddr::In6 { ip, port: bound.port, flowinfo: 0, scope },
            u => u,
        };
        s.name = Some(name);
        s.port = Some(bound);
        s.autobound = false;
        Ok(())
    }

    /// listen(2); `backlog` as the caller passed it (clamped to SOMAXCONN as an unsigned).
    pub fn listen(&self, backlog: u32) -> Result<(), Errno> {
        let backlog = (backlog as usize).min(SOMAXCONN);
        let mut s = self.inner.lock();
        match &s.state {
            State::Listening(l) => {
                l.set_backlog(backlog);
                return Ok(());
            }
            State::Connected(..) => return Err(EINVAL),
            State::Unconnected if s.connecting => return Err(EINVAL),
            State::Unconnected => {}
        }
        let l = Listener::new(self.tcp(), backlog);
        if self.tcp() {
            if s.port.is_none() {
                // inet_autobind: a wildcard address and an ephemeral port.
                let (ip, any) = match self.family {
                    AF_INET => (Ip::V4(inet::V4_ANY), self.unbound_name()),
                    _ => (Ip::V6(inet::V6_ANY), self.unbound_name()),
                };
                let b = inet::bind(ip, 0, s.opts.v6only, s.opts.reuseaddr)?;
                s.name = Some(match any {
                    SockAddr::In { ip, .. } => SockAddr::In { ip, port: b.port },
                    SockAddr::In6 { ip, .. } => SockAddr::In6 { ip, port: b.port, flowinfo: 0, scope: 0 },
                    u => u,
                });
                s.port = Some(b);
            }
            inet::listen(s.port.as_ref().expect("bound above"), &l)?;
        } else {
            let Some(name) = &s.unix_name else { return Err(EINVAL) };
            unix::listen(name, &l);
        }
        s.state = State::Listening(l);
        s.autobound = false;
        drop(s);
        self.moved();
        Ok(())
    }

    /// accept(2): the new socket and its peer's name.
    pub fn accept(&self, nonblock: bool) -> Result<(Socket, SockAddr), Errno> {
        let (l, opts, port_ip) = {
            let s = self.inner.lock();
            let State::Listening(l) = &s.state else { return Err(EINVAL) };
            let ip = match &s.name {
                Some(SockAddr::In { ip, .. }) => Some(Ip::V4(*ip)),
                Some(SockAddr::In6 { ip, .. }) => Some(Ip::V6(*ip)),
                _ => None,
            };
            (l.clone(), s.opts, ip)
        };
        let p = l.accept(nonblock)?;
        self.moved();
        let child = Socket::new(self.family, self.protocol);
        let (local, peer) = if self.family == AF_INET6 { (as_v6(p.local), as_v6(p.peer)) } else { (p.local, p.peer) };
        {
            let mut c = child.inner.lock();
            c.opts = opts;
            if let Some(ip) = port_ip {
                c.port = Some(inet::inherit(ip, local.port(), opts.v6only, opts.reuseaddr));
            }
            c.state = State::Connected(p.conn, 1);
            c.name = Some(local);
            c.peer = Some(peer.clone());
        }
        Ok((child, peer))
    }

    /// getsockname's address.
    pub fn name(&self) -> SockAddr {
        self.inner.lock().name.clone().unwrap_or_else(|| self.unbound_name())
    }

    /// getpeername's address: ENOTCONN unless connected.
    pub fn peer_name(&self) -> Result<SockAddr, Errno> {
        let s = self.inner.lock();
        match &s.state {
            State::Connected(c, side) if c.connected(*side) || !self.tcp() => s.peer.clone().ok_or(ENOTCONN),
            _ => Err(ENOTCONN),
        }
    }

    /// The sender's address recvfrom and recvmsg report after reading `n` bytes: none for TCP
    /// (the length comes back 0), the peer's name for AF_UNIX when it has one (unix_copy_addr:
    /// a client's peer is named as its listener).
    pub fn source(&self, n: u64) -> Vec<u8> {
        if self.tcp() || n == 0 {
            return Vec::new();
        }
        match &self.inner.lock().peer {
            Some(a @ SockAddr::Unix(path)) if !path.is_empty() => a.encode(),
            _ => Vec::new(),
        }
    }

    /// recvmsg's transfer into `segs` with MSG_* `flags`.
    pub fn recv(&self, segs: &[UserSlice], flags: usize, nonblock: bool) -> Result<u64, Errno> {
        let (conn, timeo) = {
            let s = self.inner.lock();
            match &s.state {
                State::Connected(c, side) => (Some((c.clone(), *side)), s.opts.rcvtimeo),
                _ => (None, 0),
            }
        };
        let Some((conn, side)) = conn else {
            return Err(if self.tcp() { ENOTCONN } else { EINVAL });
        };
        if flags & MSG_OOB != 0 {
            return Err(if self.tcp() { EINVAL } else { EOPNOTSUPP });
        }
        let f = RecvFlags {
            nonblock: nonblock || flags & MSG_DONTWAIT != 0,
            peek: flags & MSG_PEEK != 0,
            waitall: flags & MSG_WAITALL != 0,
        };
        conn.recv(side, &mut UserIter::new(segs), f, super::sockopt::deadline(timeo))
    }

    /// sendmsg's transfer from `segs`; EPIPE raises SIGPIPE unless MSG_NOSIGNAL.
    pub fn send(&self, segs: &[UserSlice], flags: usize, nonblock: bool) -> Result<u64, Errno> {
        let (conn, timeo) = {
            let s = self.inner.lock();
            match &s.state {
                State::Connected(c, side) => (Some((c.clone(), *side)), s.opts.sndtimeo),
                _ => (None, 0),
            }
        };
        let r = match conn {
            Some((c, side)) => c.send(
                side,
                &mut UserIter::new(segs),
                nonblock || flags & MSG_DONTWAIT != 0,
                super::sockopt::deadline(timeo),
            ),
            None if self.tcp() => Err(EPIPE),
            None => Err(ENOTCONN),
        };
        if r == Err(EPIPE) && flags & MSG_NOSIGNAL == 0 {
            crate::process::signal::raise_sigpipe();
        }
        r
    }

    /// shutdown(2) with `how` already checked (SHUT_RD, SHUT_WR or SHUT_RDWR).
    pub fn shutdown(&self, how: usize) -> Result<(), Errno> {
        let rd = how != SHUT_WR;
        let wr = how != SHUT_RD;
        let mut s = self.inner.lock();
        let r = match &s.state {
            State::Connected(c, side) => {
                c.shutdown(*side, rd, wr);
                Ok(())
            }
            State::Listening(l) if rd => {
                l.close();
                s.state = State::Unconnected;
                Ok(())
            }
            State::Listening(_) => Ok(()),
            State::Unconnected if self.tcp() => Err(ENOTCONN),
            State::Unconnected => Ok(()),
        };
        drop(s);
        self.moved();
        r
    }
}

/// IPv4 traffic as an AF_INET6 socket names it: v4-mapped.
fn as_v6(a: SockAddr) -> SockAddr {
    match a {
        SockAddr::In { ip, port } => SockAddr::In6 { ip: inet::map_v4(ip), port, flowinfo: 0, scope: 0 },
        a => a,
    }
}

impl File for Socket {
    fn read(&self, dst: UserSlice, nonblock: bool) -> Result<u64, Errno> {
        self.recv(&[dst], 0, nonblock)
    }

    fn write(&self, src: UserSlice, nonblock: bool) -> Result<u64, Errno> {
        self.send(&[src], 0, nonblock)
    }

    fn readv(&self, segs: &[UserSlice], nonblock: bool) -> Result<u64, Errno> {
        self.recv(segs, 0, nonblock)
    }

    fn writev(&self, segs: &[UserSlice], nonblock: bool) -> Result<u64, Errno> {
        self.send(segs, 0, nonblock)
    }

    fn poll(&self) -> u32 {
        let s = self.inner.lock();
        match &s.state {
            State::Connected(c, side) => c.poll(*side),
            State::Listening(l) => l.poll(),
            State::Unconnected if self.tcp() => EPOLLOUT | EPOLLWRNORM | EPOLLHUP,
            State::Unconnected => EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND | EPOLLHUP,
        }
    }

    fn events_seen(&self) -> u64 {
        let s = self.inner.lock();
        let inner = match &s.state {
            State::Connected(c, _) => c.events(),
            State::Listening(l) => l.events(),
            State::Unconnected => 0,
        };
        (self.generation.load(Ordering::Relaxed) << 40).wrapping_add(inner)
    }

    fn ioctl(&self, cmd: usize, arg: u64) -> Result<u64, Errno> {
        match cmd {
            abi::ioctl::FIONREAD => {
                let n = match &self.inner.lock().state {
                    State::Connected(c, side) => c.unread(*side) as i32,
                    State::Listening(_) if self.tcp() => return Err(EINVAL),
                    _ => 0,
                };
                UserPtr::<i32>::new(arg).write(&n).map(|()| 0)
            }
            _ => Err(ENOTTY),
        }
    }

    fn stat(&self) -> abi::stat::Stat {
        abi::stat::Stat {
            st_mode: abi::stat::S_IFSOCK | 0o777,
            st_nlink: 1,
            st_ino: self as *const Socket as u64,
            st_blksize: abi::mman::PAGE_SIZE as i64,
            ..Default::default()
        }
    }

    fn as_socket(&self) -> Option<&Socket> {
        Some(self)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        let s = self.inner.get_mut();
        let abort = s.opts.linger.l_onoff != 0 && s.opts.linger.l_linger == 0;
        match core::mem::replace(&mut s.state, State::Unconnected) {
            State::Listening(l) => l.close(),
            State::Connected(c, side) => c.close(side, abort),
            State::Unconnected => {}
        }
    }
}
