//! Socket options (Linux net/core/sock.c sk_setsockopt/sk_getsockopt, net/ipv4/tcp.c
//! do_tcp_setsockopt, net/ipv6/ipv6_sockglue.c IPV6_V6ONLY): the values a program sets and
//! reads back. What rt0's loopback has no use for (keep-alive timers, Nagle, buffer sizes) is
//! stored and answered as Linux answers; SO_RCVTIMEO and SO_SNDTIMEO bound the waits.
use super::sock::{Socket, State};
use crate::process::uaccess::Errno;
use abi::errno::{EDOM, EINVAL, ENOPROTOOPT, EOPNOTSUPP};
use abi::socket::*;
use abi::time::Timeval;
use alloc::vec::Vec;

/// Linux's MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL and MAX_TCP_KEEPCNT.
const MAX_TCP_KEEPIDLE: i32 = 32767;
const MAX_TCP_KEEPCNT: i32 = 127;

#[derive(Clone, Copy)]
pub struct Options {
    pub reuseaddr: bool,
    pub reuseport: bool,
    pub keepalive: bool,
    pub broadcast: bool,
    pub oobinline: bool,
    pub dontroute: bool,
    pub nodelay: bool,
    pub v6only: bool,
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub rcvlowat: i32,
    pub keepidle: i32,
    pub keepintvl: i32,
    pub keepcnt: i32,
    pub linger: Linger,
    /// SO_RCVTIMEO and SO_SNDTIMEO in nanoseconds, 0 for none.
    pub rcvtimeo: u64,
    pub sndtimeo: u64,
}

impl Options {
    /// A new socket's options: Linux's defaults (tcp_wmem[1] and tcp_rmem[1] for TCP's
    /// buffers, wmem_default and rmem_default for AF_UNIX; two hours, 75 s and 9 probes of
    /// keep-alive).
    pub fn new(family: u16) -> Options {
        let (sndbuf, rcvbuf) = if family == AF_UNIX { (212_992, 212_992) } else { (16_384, 131_072) };
        Options {
            reuseaddr: false,
            reuseport: false,
            keepalive: false,
            broadcast: false,
            oobinline: false,
            dontroute: false,
            nodelay: false,
            v6only: false,
            sndbuf,
            rcvbuf,
            rcvlowat: 1,
            keepidle: 7200,
            keepintvl: 75,
            keepcnt: 9,
            linger: Linger::default(),
            rcvtimeo: 0,
            sndtimeo: 0,
        }
    }
}

/// The deadline of a wait bounded by a SO_*TIMEO of `ns` (0: none).
pub fn deadline(ns: u64) -> Option<u64> {
    (ns != 0).then(|| crate::time::monotonic_ns().saturating_add(ns))
}

fn int(val: &[u8]) -> Result<i32, Errno> {
    match val {
        [a, b, c, d, ..] => Ok(i32::from_ne_bytes([*a, *b, *c, *d])),
        _ => Err(EINVAL),
    }
}

/// sock_set_timeout: a timeval (EINVAL if short, EDOM for a bad tv_usec); zero is forever.
fn timeout(val: &[u8]) -> Result<u64, Errno> {
    if val.len() < size_of::<Timeval>() {
        return Err(EINVAL);
    }
    let sec = i64::from_ne_bytes(val[..8].try_into().unwrap_or_default());
    let usec = i64::from_ne_bytes(val[8..16].try_into().unwrap_or_default());
    if !(0..1_000_000).contains(&usec) {
        return Err(EDOM);
    }
    if sec < 0 {
        return Ok(0);
    }
    Ok((sec as u64).saturating_mul(1_000_000_000).saturating_add(usec as u64 * 1000))
}

fn timeval(ns: u64) -> Vec<u8> {
    let mut v = Vec::from(((ns / 1_000_000_000) as i64).to_ne_bytes());
    v.extend_from_slice(&(((ns % 1_000_000_000) / 1000) as i64).to_ne_bytes());
    v
}

/// setsockopt(2) with the option's bytes.
pub fn set(sock: &Socket, level: usize, name: usize, val: &[u8]) -> Result<(), Errno> {
    let mut s = sock.inner.lock();
    let o = &mut s.opts;
    match (level, name) {
        (SOL_SOCKET, SO_RCVTIMEO_OLD) => o.rcvtimeo = timeout(val)?,
        (SOL_SOCKET, SO_SNDTIMEO_OLD) => o.sndtimeo = timeout(val)?,
        (SOL_SOCKET, SO_LINGER) => {
            if val.len() < size_of::<Linger>() {
                return Err(EINVAL);
            }
            o.linger = Linger { l_onoff: int(val)?, l_linger: int(&val[4..])? };
        }
        (SOL_SOCKET, _) => {
            let v = int(val)?;
            match name {
                SO_REUSEADDR => o.reuseaddr = v != 0,
                SO_REUSEPORT => o.reuseport = v != 0,
                SO_KEEPALIVE => o.keepalive = v != 0,
                SO_BROADCAST => o.broadcast = v != 0,
                SO_OOBINLINE => o.oobinline = v != 0,
                SO_DONTROUTE => o.dontroute = v != 0,
                SO_DEBUG => {}
                SO_SNDBUF => o.sndbuf = (v.clamp(0, WMEM_MAX) * 2).max(SOCK_MIN_SNDBUF),
                SO_RCVBUF => o.rcvbuf = (v.clamp(0, RMEM_MAX) * 2).max(SOCK_MIN_RCVBUF),
                SO_RCVLOWAT => o.rcvlowat = v.max(1),
                _ => return Err(ENOPROTOOPT),
            }
        }
        _ if !sock.tcp() => return Err(EOPNOTSUPP),
        (IPPROTO_TCP, _) => {
            let v = int(val)?;
            match name {
                TCP_NODELAY => o.nodelay = v != 0,
                TCP_KEEPIDLE if (1..=MAX_TCP_KEEPIDLE).contains(&v) => o.keepidle = v,
                TCP_KEEPINTVL if (1..=MAX_TCP_KEEPIDLE).contains(&v) => o.keepintvl = v,
                TCP_KEEPCNT if (1..=MAX_TCP_KEEPCNT).contains(&v) => o.keepcnt = v,
                TCP_KEEPIDLE | TCP_KEEPINTVL | TCP_KEEPCNT => return Err(EINVAL),
                _ => return Err(ENOPROTOOPT),
            }
        }
        (IPPROTO_IPV6, IPV6_V6ONLY) if sock.family == AF_INET6 => {
            let v = int(val)?;
            // Fixed once the socket has a port.
            if s.port.is_some() {
                return Err(EINVAL);
            }
            s.opts.v6only = v != 0;
        }
        _ => return Err(ENOPROTOOPT),
    }
    Ok(())
}

/// getsockopt(2): the option's bytes (the caller copies at most the user's length).
pub fn get(sock: &Socket, level: usize, name: usize) -> Result<Vec<u8>, Errno> {
    let s = sock.inner.lock();
    let o = &s.opts;
    let v: i32 = match (level, name) {
        (SOL_SOCKET, SO_RCVTIMEO_OLD) => return Ok(timeval(o.rcvtimeo)),
        (SOL_SOCKET, SO_SNDTIMEO_OLD) => return Ok(timeval(o.sndtimeo)),
        (SOL_SOCKET, SO_LINGER) => {
            let mut v = Vec::from(o.linger.l_onoff.to_ne_bytes());
            v.extend_from_slice(&o.linger.l_linger.to_ne_bytes());
            return Ok(v);
        }
        (SOL_SOCKET, SO_ERROR) => {
            let conn = match &s.state {
                State::Connected(c, side) => Some((c.clone(), *side)),
                _ => None,
            };
            drop(s);
            return Ok(Vec::from((conn.map_or(0, |(c, side)| c.take_error(side)) as i32).to_ne_bytes()));
        }
        (SOL_SOCKET, SO_TYPE) => SOCK_STREAM as i32,
        (SOL_SOCKET, SO_DOMAIN) => sock.family as i32,
        (SOL_SOCKET, SO_PROTOCOL) => sock.protocol as i32,
        (SOL_SOCKET, SO_ACCEPTCONN) => matches!(s.state, State::Listening(_)) as i32,
        (SOL_SOCKET, SO_REUSEADDR) => o.reuseaddr as i32,
        (SOL_SOCKET, SO_REUSEPORT) => o.reuseport as i32,
        (SOL_SOCKET, SO_KEEPALIVE) => o.keepalive as i32,
        (SOL_SOCKET, SO_BROADCAST) => o.broadcast as i32,
        (SOL_SOCKET, SO_OOBINLINE) => o.oobinline as i32,
        (SOL_SOCKET, SO_DONTROUTE) => o.dontroute as i32,
        (SOL_SOCKET, SO_DEBUG) => 0,
        (SOL_SOCKET, SO_SNDBUF) => o.sndbuf,
        (SOL_SOCKET, SO_RCVBUF) => o.rcvbuf,
        (SOL_SOCKET, SO_RCVLOWAT) => o.rcvlowat,
        (SOL_SOCKET, _) => return Err(ENOPROTOOPT),
        _ if !sock.tcp() => return Err(EOPNOTSUPP),
        (IPPROTO_TCP, TCP_NODELAY) => o.nodelay as i32,
        (IPPROTO_TCP, TCP_KEEPIDLE) => o.keepidle,
        (IPPROTO_TCP, TCP_KEEPINTVL) => o.keepintvl,
        (IPPROTO_TCP, TCP_KEEPCNT) => o.keepcnt,
        (IPPROTO_IPV6, IPV6_V6ONLY) if sock.family == AF_INET6 => o.v6only as i32,
        _ => return Err(ENOPROTOOPT),
    };
    Ok(Vec::from(v.to_ne_bytes()))
}
