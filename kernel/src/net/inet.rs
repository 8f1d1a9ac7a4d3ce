//! IPv4 and IPv6 over loopback (Linux net/ipv4/af_inet.c, inet_connection_sock.c's port
//! allocation and bind conflicts, inet_hashtables.c's listener lookup, net/ipv6/af_inet6.c):
//! the only interface is `lo`, so the local addresses are 127.0.0.0/8, ::1 and the wildcards,
//! and every connection is local. IPv4 and IPv6 share one port space; an AF_INET6 socket
//! without IPV6_V6ONLY bound to `::` also takes the port for IPv4, and reaches IPv4 peers
//! through v4-mapped addresses (`::ffff:a.b.c.d`).
//!
//! The port table lists every binding: a bound socket, a listener, each accepted connection
//! (which keeps its listener's port, as inet_inherit_port does). Two bindings of one port
//! conflict when their addresses overlap, unless both set SO_REUSEADDR and neither listens.
use super::listen::Listener;
use crate::process::uaccess::Errno;
use abi::errno::{EADDRINUSE, EADDRNOTAVAIL};
use abi::socket::{EPHEMERAL_HIGH, EPHEMERAL_LOW};
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;

/// An IP address; a v4-mapped IPv6 address is kept as IPv6 (the socket's family).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ip {
    V4([u8; 4]),
    V6([u8; 16]),
}

pub const V4_ANY: [u8; 4] = [0; 4];
pub const V4_LOOPBACK: [u8; 4] = [127, 0, 0, 1];
pub const V6_ANY: [u8; 16] = [0; 16];
pub const V6_LOOPBACK: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

/// The IPv4 address inside `::ffff:a.b.c.d`.
pub fn v4_mapped(ip: &[u8; 16]) -> Option<[u8; 4]> {
    (ip[..10] == [0; 10] && ip[10..12] == [0xff, 0xff]).then(|| [ip[12], ip[13], ip[14], ip[15]])
}

/// `::ffff:a.b.c.d`.
pub fn map_v4(a: [u8; 4]) -> [u8; 16] {
    let mut ip = [0u8; 16];
    ip[10] = 0xff;
    ip[11] = 0xff;
    ip[12..].copy_from_slice(&a);
    ip
}

/// Whether `a` is an address of this host (bind's EADDRNOTAVAIL otherwise).
pub fn is_local_v4(a: [u8; 4]) -> bool {
    a == V4_ANY || a[0] == 127
}

pub fn is_local_v6(a: &[u8; 16]) -> bool {
    *a == V6_ANY || *a == V6_LOOPBACK || v4_mapped(a).is_some_and(is_local_v4)
}

/// One entry of the port table.
struct Binding {
    id: u64,
    ip: Ip,
    v6only: bool,
    reuse: bool,
    listener: Option<Weak<Listener>>,
}

impl Binding {
    /// The IPv4 addresses this binding takes: None for none, Some(ANY) for all of them.
    fn v4(&self) -> Option<[u8; 4]> {
        match self.ip {
            Ip::V4(a) => Some(a),
            Ip::V6(x) if x == V6_ANY && !self.v6only => Some(V4_ANY),
            Ip::V6(x) if !self.v6only => v4_mapped(&x),
            Ip::V6(_) => None,
        }
    }

    /// The IPv6 (non-mapped) addresses it takes.
    fn v6(&self) -> Option<[u8; 16]> {
        match self.ip {
            Ip::V6(x) if v4_mapped(&x).is_none() => Some(x),
            _ => None,
        }
    }

    fn overlaps(&self, other: &Binding) -> bool {
        let v4 = match (self.v4(), other.v4()) {
            (Some(a), Some(b)) => a == V4_ANY || b == V4_ANY || a == b,
            _ => false,
        };
        let v6 = match (self.v6(), other.v6()) {
            (Some(a), Some(b)) => a == V6_ANY || b == V6_ANY || a == b,
            _ => false,
        };
        v4 || v6
    }

    fn listening(&self) -> bool {
        self.listener.as_ref().is_some_and(|l| l.strong_count() > 0)
    }

    /// inet_csk_bind_conflict.
    fn conflicts(&self, other: &Binding) -> bool {
        self.overlaps(other) && !(self.reuse && other.reuse && !self.listening() && !other.listening())
    }
}

/// Every binding, by port.
static PORTS: Mutex<BTreeMap<u16, Vec<Binding>>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A socket's hold on a port: dropping it frees the binding.
pub struct Bound {
    pub port: u16,
    id: u64,
}

impl Drop for Bound {
    fn drop(&mut self) {
        let mut ports = PORTS.lock();
        if let Some(list) = ports.get_mut(&self.port) {
            list.retain(|b| b.id != self.id);
            if list.is_empty() {
                ports.remove(&self.port);
            }
        }
    }
}

/// A starting point for the ephemeral port search (Linux randomises it as well).
fn random_port() -> u16 {
    let span = (EPHEMERAL_HIGH - EPHEMERAL_LOW) as u64 + 1;
    let seed = crate::arch::tsc::read().wrapping_mul(0x9e37_79b9_7f4a_7c15);
    EPHEMERAL_LOW + ((seed >> 32) % span) as u16
}

/// Binds `ip:port` (port 0: a free ephemeral port); EADDRINUSE on a conflict, EADDRNOTAVAIL
/// when every ephemeral port is taken (as Linux's connect says; bind says EADDRINUSE).
pub fn bind(ip: Ip, port: u16, v6only: bool, reuse: bool) -> Result<Bound, Errno> {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let new = Binding { id, ip, v6only, reuse, listener: None };
    let mut ports = PORTS.lock();
    let free = |ports: &BTreeMap<u16, Vec<Binding>>, p: u16| {
        ports.get(&p).is_none_or(|list| !list.iter().any(|b| b.conflicts(&new)))
    };
    let port = if port != 0 {
        if !free(&ports, port) {
            return Err(EADDRINUSE);
        }
        port
    } else {
        let start = random_port();
        let span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
        (0..span)
            .map(|i| EPHEMERAL_LOW + (start - EPHEMERAL_LOW + i) % span)
            .find(|&p| free(&ports, p))
            .ok_or(EADDRINUSE)?
    };
    ports.entry(port).or_default().push(new);
    Ok(Bound { port, id })
}

/// listen(): the binding becomes `listener`'s, after the conflict check Linux repeats for a
/// listening socket (two SO_REUSEADDR sockets on one port cannot both listen).
pub fn listen(b: &Bound, listener: &Arc<Listener>) -> Result<(), Errno> {
    let mut ports = PORTS.lock();
    let list = ports.get_mut(&b.port).ok_or(EADDRNOTAVAIL)?;
    let at = list.iter().position(|x| x.id == b.id).ok_or(EADDRNOTAVAIL)?;
    let me = &list[at];
    if list.iter().any(|o| o.id != b.id && o.overlaps(me) && !(o.reuse && me.reuse && !o.listening())) {
        return Err(EADDRINUSE);
    }
    list[at].listener = Some(Arc::downgrade(listener));
    Ok(())
}

/// An accepted connection's hold on its listener's port (Linux's inet_inherit_port): no
/// conflict check, and it keeps the port taken after the listener closes.
pub fn inherit(ip: Ip, port: u16, v6only: bool, reuse: bool) -> Bound {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    PORTS.lock().entry(port).or_default().push(Binding { id, ip, v6only, reuse, listener: None });
    Bound { port, id }
}

/// The listener a connection to `ip:port` reaches: the most specific address first, as
/// Linux's lookup scores an exact match above a wildcard. `ip` is IPv4 for a v4-mapped
/// destination.
pub fn lookup(ip: Ip, port: u16) -> Option<Arc<Listener>> {
    let ports = PORTS.lock();
    let list = ports.get(&port)?;
    let score = |b: &Binding| -> Option<u8> {
        match ip {
            Ip::V4(a) => match b.v4()? {
                x if x == a => Some(2),
                V4_ANY => Some(1),
                _ => None,
            },
            Ip::V6(a) => match b.v6()? {
                x if x == a => Some(2),
                V6_ANY => Some(1),
                _ => None,
            },
        }
    };
    list.iter()
        .filter_map(|b| Some((score(b)?, b.listener.as_ref()?.upgrade()?)))
        .max_by_key(|(s, _)| *s)
        .map(|(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(ip: Ip, v6only: bool, reuse: bool) -> Binding {
        Binding { id: 0, ip, v6only, reuse, listener: None }
    }

    #[test]
    fn ipv4_and_ipv6_share_ports_as_linux_decides_conflicts() {
        let lo = b(Ip::V4(V4_LOOPBACK), false, false);
        assert!(lo.conflicts(&b(Ip::V4(V4_ANY), false, false)));
        assert!(!lo.conflicts(&b(Ip::V4([127, 0, 0, 2]), false, false)));
        // `::` without IPV6_V6ONLY takes every IPv4 address; with it, none.
        assert!(lo.conflicts(&b(Ip::V6(V6_ANY), false, false)));
        assert!(!lo.conflicts(&b(Ip::V6(V6_ANY), true, false)));
        assert!(lo.conflicts(&b(Ip::V6(map_v4(V4_LOOPBACK)), false, false)));
        assert!(!lo.conflicts(&b(Ip::V6(V6_LOOPBACK), false, false)));
        assert!(b(Ip::V6(V6_ANY), true, false).conflicts(&b(Ip::V6(V6_LOOPBACK), true, false)));
        // SO_REUSEADDR on both, neither listening: no conflict.
        assert!(!b(Ip::V4(V4_ANY), false, true).conflicts(&b(Ip::V4(V4_LOOPBACK), false, true)));
    }

    #[test]
    fn local_addresses_are_loopback_and_the_wildcards() {
        assert!(is_local_v4([127, 1, 2, 3]) && is_local_v4(V4_ANY) && !is_local_v4([10, 0, 0, 1]));
        assert!(is_local_v6(&V6_LOOPBACK) && is_local_v6(&map_v4(V4_LOOPBACK)) && !is_local_v6(&map_v4([8, 8, 8, 8])));
        assert_eq!(v4_mapped(&map_v4([1, 2, 3, 4])), Some([1, 2, 3, 4]));
        assert_eq!(v4_mapped(&V6_LOOPBACK), None);
    }
}
