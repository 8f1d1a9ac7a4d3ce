//! AF_UNIX stream sockets' names (Linux net/unix/af_unix.c): the abstract namespace (a name
//! starting with a NUL byte, no file behind it), autobind (bind with only `sun_family`: a
//! name of five hex digits), and the checks of unix_validate_addr. Names in the file system
//! (a path in `sun_path`) are not served: rt0 has no socket inodes (EOPNOTSUPP, see README).
//! The connection itself is [`super::stream`]'s, as for TCP; socketpair makes one directly.
use super::listen::Listener;
use crate::process::uaccess::Errno;
use abi::errno::{EADDRINUSE, ECONNREFUSED, EINVAL, EOPNOTSUPP};
use abi::socket::{AF_UNIX, UNIX_PATH_MAX};
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use spin::Mutex;

struct Entry {
    id: u64,
    listener: Option<Weak<Listener>>,
}

/// The abstract namespace: `sun_path` bytes (the leading NUL included) → the socket bound there.
static NAMES: Mutex<BTreeMap<Vec<u8>, Entry>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
/// The next autobind name (Linux starts from a random one and counts).
static NEXT_AUTO: AtomicU32 = AtomicU32::new(0);

/// A socket's hold on its name: dropping it frees the name.
pub struct Name {
    pub path: Vec<u8>,
    id: u64,
}

impl Drop for Name {
    fn drop(&mut self) {
        let mut names = NAMES.lock();
        if names.get(&self.path).is_some_and(|e| e.id == self.id) {
            names.remove(&self.path);
        }
    }
}

/// unix_validate_addr: the `sun_path` bytes of a raw address (EINVAL for a bad length or
/// family); an empty result means autobind. A file-system path is EOPNOTSUPP.
pub fn path(raw: &[u8]) -> Result<Vec<u8>, Errno> {
    if raw.len() < 2 || raw.len() > 2 + UNIX_PATH_MAX || super::addr::family(raw) != AF_UNIX {
        return Err(EINVAL);
    }
    let path = &raw[2..];
    match path.first() {
        None | Some(0) => Ok(Vec::from(path)),
        Some(_) => Err(EOPNOTSUPP),
    }
}

/// bind: takes `path` (empty: a fresh autobind name); EADDRINUSE if it is taken.
pub fn bind(path: Vec<u8>) -> Result<Name, Errno> {
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
    names.insert(path.clone(), Entry { id, listener: None });
    Ok(Name { path, id })
}

/// listen: connects to the name now reach `listener`.
pub fn listen(name: &Name, listener: &Arc<Listener>) {
    if let Some(e) = NAMES.lock().get_mut(&name.path)
        && e.id == name.id
    {
        e.listener = Some(Arc::downgrade(listener));
    }
}

/// The listener at `path`: ECONNREFUSED if nothing listens there.
pub fn lookup(path: &[u8]) -> Result<Arc<Listener>, Errno> {
    NAMES.lock().get(path).and_then(|e| e.listener.as_ref()?.upgrade()).ok_or(ECONNREFUSED)
}
