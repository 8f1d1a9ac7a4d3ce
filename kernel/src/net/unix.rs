//! AF_UNIX stream sockets' names (Linux net/unix/af_unix.c): a path in the file system (bind
//! makes a socket inode in /tmp, connect finds the socket through it: unix_bind_bsd,
//! unix_find_bsd), the abstract namespace (a name starting with a NUL byte, no file behind
//! it), autobind (bind with only `sun_family`: a name of five hex digits), and the checks of
//! unix_validate_addr. The connection itself is [`super::stream`]'s, as for TCP; socketpair
//! makes one directly.
use super::listen::Listener;
use crate::process::uaccess::Errno;
use abi::errno::{EADDRINUSE, ECONNREFUSED, EINVAL};
use abi::socket::{AF_UNIX, UNIX_PATH_MAX};
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use spin::Mutex;

struct Entry {
    id: u64,
    listener: Option<Weak<Listener>>,
    /// The name as getsockname says it (the `sun_path` bytes).
    shown: Vec<u8>,
}

/// Every bound name: abstract `sun_path` bytes (the leading NUL included), or a socket inode's
/// key ([`inode_key`]) → the socket bound there.
static NAMES: Mutex<BTreeMap<Vec<u8>, Entry>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
/// The next autobind name (Linux starts from a random one and counts).
static NEXT_AUTO: AtomicU32 = AtomicU32::new(0);

/// A socket's hold on its name: dropping it frees the name (a path's inode stays, as on Linux,
/// until unlinked).
pub struct Name {
    /// The `sun_path` bytes getsockname gives.
    pub path: Vec<u8>,
    key: Vec<u8>,
    id: u64,
}

impl Drop for Name {
    fn drop(&mut self) {
        let mut names = NAMES.lock();
        if names.get(&self.key).is_some_and(|e| e.id == self.id) {
            names.remove(&self.key);
        }
    }
}

/// What a `sun_path` names.
pub enum Addr {
    /// The abstract namespace (the leading NUL included); empty: autobind.
    Abstract(Vec<u8>),
    /// A file-system path, up to its first NUL.
    Path(Vec<u8>),
}

/// unix_validate_addr: the name in a raw address (EINVAL for a bad length or family).
pub fn path(raw: &[u8]) -> Result<Addr, Errno> {
    if raw.len() < 2 || raw.len() > 2 + UNIX_PATH_MAX || super::addr::family(raw) != AF_UNIX {
        return Err(EINVAL);
    }
    let path = &raw[2..];
    Ok(match path.first() {
        None | Some(0) => Addr::Abstract(Vec::from(path)),
        Some(_) => Addr::Path(Vec::from(path.split(|&b| b == 0).next().unwrap_or(path))),
    })
}

/// The key of the socket inode `n` (never a `sun_path`: an abstract name starts with NUL).
fn inode_key(n: usize) -> Vec<u8> {
    let mut k = Vec::from(*b"inode:");
    k.extend_from_slice(&n.to_le_bytes());
    k
}

/// bind: a path makes its socket inode (EADDRINUSE if the name exists); an abstract name
/// (empty: a fresh autobind name) is EADDRINUSE if taken.
pub fn bind(addr: Addr) -> Result<Name, Errno> {
    let path = match addr {
        Addr::Abstract(p) => p,
        Addr::Path(p) => {
            let n = crate::syscall::mksock(&p)?;
            let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            let key = inode_key(n);
            let mut shown = p;
            shown.push(0);
            NAMES.lock().insert(key.clone(), Entry { id, listener: None, shown: shown.clone() });
            return Ok(Name { path: shown, key, id });
        }
    };
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut names = NAMES.lock();
    let path = if path.is_empty() {
        loop {
            let n = NEXT_AUTO.fetch_add(1, Ordering::Relaxed) & 0xfffff;
            let mut p = alloc::format!("\0{n:05x}").into_bytes();
            if !names.contains_key(&p) {
                break core::mem::take(&mut p);
            }
        }
    } else {
        path
    };
    if names.contains_key(&path) {
        return Err(EADDRINUSE);
    }
    names.insert(path.clone(), Entry { id, listener: None, shown: path.clone() });
    Ok(Name { key: path.clone(), path, id })
}

/// listen: connects to the name now reach `listener`.
pub fn listen(name: &Name, listener: &Arc<Listener>) {
    if let Some(e) = NAMES.lock().get_mut(&name.key)
        && e.id == name.id
    {
        e.listener = Some(Arc::downgrade(listener));
    }
}

/// The listener `addr` names and the name it was bound as: a path's walk errors, and
/// ECONNREFUSED if it is no socket or nothing listens there.
pub fn lookup(addr: &Addr) -> Result<(Arc<Listener>, Vec<u8>), Errno> {
    let key = match addr {
        Addr::Abstract(p) => p.clone(),
        Addr::Path(p) => inode_key(crate::syscall::find_sock(p)?),
    };
    let names = NAMES.lock();
    let e = names.get(&key).ok_or(ECONNREFUSED)?;
    Ok((e.listener.as_ref().and_then(Weak::upgrade).ok_or(ECONNREFUSED)?, e.shown.clone()))
}
