//! connect(2) (Linux net/ipv4/af_inet.c __inet_stream_connect, tcp_ipv4.c tcp_v4_connect,
//! net/ipv6/tcp_ipv6.c tcp_v6_connect, net/unix/af_unix.c unix_stream_connect): where an
//! address leads, the source address and port a socket gets, the handshake with the listener's
//! queue, and what a repeated connect says.
use super::addr::{self, SockAddr};
use super::inet::{self, Ip};
use super::listen::{Listener, Pending};
use super::sock::{Inner, Socket, State};
use super::stream::Conn;
use super::unix;
use crate::process::uaccess::Errno;
use abi::epoll::EPOLLHUP;
use abi::errno::*;
use abi::socket::AF_UNSPEC;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// What an address names for a connect: the listener to reach and the peer's name.
struct Target {
    listener: Option<Arc<Listener>>,
    peer: SockAddr,
}

impl Socket {
    /// connect(2); `nonblock` is O_NONBLOCK.
    pub fn connect(&self, raw: &[u8], nonblock: bool) -> Result<(), Errno> {
        if raw.len() < 2 {
            return Err(EINVAL);
        }
        if self.tcp() { self.inet_connect(raw, nonblock) } else { self.unix_connect(raw, nonblock) }
    }

    /// Where a TCP connect goes: the destination's checks (tcp_v4_connect, tcp_v6_connect),
    /// the listener there if any, and the source address this socket gets.
    fn inet_target(&self, raw: &[u8], v6only: bool) -> Result<(Target, Ip, SockAddr), Errno> {
        let a = self.inet_addr(raw, false)?;
        match a {
            SockAddr::In { ip, port } => {
                let ip = if ip == inet::V4_ANY { inet::V4_LOOPBACK } else { ip };
                if ip[0] != 127 {
                    return Err(ENETUNREACH);
                }
                let peer = SockAddr::In { ip, port };
                let src = SockAddr::In { ip: inet::V4_LOOPBACK, port: 0 };
                Ok((Target { listener: inet::lookup(Ip::V4(ip), port), peer }, Ip::V4(inet::V4_LOOPBACK), src))
            }
            SockAddr::In6 { ip, port, .. } => {
                if let Some(v4) = inet::v4_mapped(&ip) {
                    if v6only {
                        return Err(ENETUNREACH);
                    }
                    let v4 = if v4 == inet::V4_ANY { inet::V4_LOOPBACK } else { v4 };
                    if v4[0] != 127 {
                        return Err(ENETUNREACH);
                    }
                    let peer = SockAddr::In6 { ip: inet::map_v4(v4), port, flowinfo: 0, scope: 0 };
                    let src_ip = inet::map_v4(inet::V4_LOOPBACK);
                    let src = SockAddr::In6 { ip: src_ip, port: 0, flowinfo: 0, scope: 0 };
                    return Ok((Target { listener: inet::lookup(Ip::V4(v4), port), peer }, Ip::V6(src_ip), src));
                }
                let ip = if ip == inet::V6_ANY { inet::V6_LOOPBACK } else { ip };
                if ip != inet::V6_LOOPBACK {
                    return Err(ENETUNREACH);
                }
                let peer = SockAddr::In6 { ip, port, flowinfo: 0, scope: 0 };
                let src = SockAddr::In6 { ip: inet::V6_LOOPBACK, port: 0, flowinfo: 0, scope: 0 };
                Ok((Target { listener: inet::lookup(Ip::V6(ip), port), peer }, Ip::V6(inet::V6_LOOPBACK), src))
            }
            SockAddr::Unix(_) => Err(EAFNOSUPPORT),
        }
    }

    fn inet_connect(&self, raw: &[u8], nonblock: bool) -> Result<(), Errno> {
        let mut s = self.inner.lock();
        if addr::family(raw) == AF_UNSPEC {
            // tcp_disconnect: the connection is dropped (reset) and the socket starts over.
            if let State::Connected(c, side) = core::mem::replace(&mut s.state, State::Unconnected) {
                c.close(side, true);
            }
            s.connecting = false;
            s.peer = None;
            drop(s);
            self.moved();
            return Ok(());
        }
        match &s.state {
            State::Listening(_) => return Err(EISCONN),
            State::Connected(c, _) if s.connecting => {
                let c = c.clone();
                if c.connected(0) {
                    s.connecting = false;
                    return Ok(());
                }
                let err = c.take_error(0);
                if err == 0 && !c.connected(0) && c.poll(0) & EPOLLHUP == 0 {
                    return Err(EALREADY);
                }
                self.disconnect(&mut s);
                return Err(if err != 0 { err } else { ECONNABORTED });
            }
            State::Connected(..) => return Err(EISCONN),
            State::Unconnected => {}
        }
        let (target, src_ip, mut src) = self.inet_target(raw, s.opts.v6only)?;
        if s.port.is_none() {
            let b = inet::bind(src_ip, 0, s.opts.v6only, s.opts.reuseaddr).map_err(|_| EADDRNOTAVAIL)?;
            s.port = Some(b);
            s.autobound = true;
        }
        // A socket bound to a specific address keeps it as the source.
        let port = s.port.as_ref().map_or(0, |b| b.port);
        match (&mut src, &s.name) {
            (SockAddr::In { ip, port: p }, Some(SockAddr::In { ip: bip, .. })) => {
                if *bip != inet::V4_ANY {
                    *ip = *bip;
                }
                *p = port;
            }
            (SockAddr::In6 { ip, port: p, .. }, Some(SockAddr::In6 { ip: bip, .. })) => {
                if *bip != inet::V6_ANY {
                    *ip = *bip;
                }
                *p = port;
            }
            (SockAddr::In { port: p, .. } | SockAddr::In6 { port: p, .. }, _) => *p = port,
            _ => {}
        }
        let conn = Conn::new(true, false);
        match &target.listener {
            Some(l) => {
                let p = Pending { conn: conn.clone(), local: as_v4_traffic(&target.peer), peer: as_v4_traffic(&src) };
                if l.enqueue(p, true).is_err() {
                    conn.refuse();
                }
            }
            None => conn.refuse(),
        }
        s.state = State::Connected(conn.clone(), 0);
        s.name = Some(src);
        s.peer = Some(target.peer);
        s.connecting = true;
        let timeo = s.opts.sndtimeo;
        drop(s);
        self.moved();
        if nonblock {
            return Err(EINPROGRESS);
        }
        let r = conn.wait_established(super::sockopt::deadline(timeo));
        let mut s = self.inner.lock();
        match r {
            Ok(()) => {
                s.connecting = false;
                Ok(())
            }
            Err(e @ (EINTR | ERESTARTSYS | EAGAIN)) => Err(e),
            Err(e) => {
                self.disconnect(&mut s);
                Err(e)
            }
        }
    }

    /// A failed connect leaves the socket unconnected, its automatic port given back.
    fn disconnect(&self, s: &mut Inner) {
        s.state = State::Unconnected;
        s.connecting = false;
        s.peer = None;
        if s.autobound {
            s.port = None;
            s.name = None;
            s.autobound = false;
        }
    }

    fn unix_connect(&self, raw: &[u8], nonblock: bool) -> Result<(), Errno> {
        // unix_stream_connect finds the listener before it looks at its own state.
        let (l, path) = unix::lookup(&unix::path(raw)?)?;
        let own = {
            let s = self.inner.lock();
            match s.state {
                State::Connected(..) => return Err(EISCONN),
                State::Listening(_) => return Err(EINVAL),
                State::Unconnected => {}
            }
            s.name.clone().unwrap_or(SockAddr::Unix(Vec::new()))
        };
        let conn = Conn::new(false, false);
        l.enqueue(Pending { conn: conn.clone(), local: SockAddr::Unix(path.clone()), peer: own }, nonblock)?;
        let mut s = self.inner.lock();
        s.state = State::Connected(conn, 0);
        s.peer = Some(SockAddr::Unix(path));
        drop(s);
        self.moved();
        Ok(())
    }
}

/// A v4-mapped IPv6 name as the IPv4 traffic it is (the listener's family decides its form).
fn as_v4_traffic(a: &SockAddr) -> SockAddr {
    match a {
        SockAddr::In6 { ip, port, .. } => match inet::v4_mapped(ip) {
            Some(v4) => SockAddr::In { ip: v4, port: *port },
            None => a.clone(),
        },
        _ => a.clone(),
    }
}
