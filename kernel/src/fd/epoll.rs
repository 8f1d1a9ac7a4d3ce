//! epoll (Linux fs/eventpoll.c): an interest list of (descriptor, description) items, each with
//! its event mask and data. epoll_wait reports the items whose description is ready now
//! (level-triggered), or has changed since the item was last reported (EPOLLET), disarming
//! EPOLLONESHOT items until EPOLL_CTL_MOD. An item lives as long as its description: closing
//! every descriptor of it removes the item, as in Linux.
//!
//! Readiness is found by asking each description at wait time; sleepers wait on the pollers'
//! queue, which every object wakes on a change.
use super::wait::{notify_pollers, poll_generation, poll_sleep};
use super::{File, OpenFile};
use crate::process::thread::Wake;
use crate::process::uaccess::{Errno, UserPtr, UserSlice};
use abi::epoll::*;
use abi::errno::{EEXIST, EFAULT, EINTR, EINVAL, ELOOP, ENOENT, ENOMEM};
use abi::fcntl::O_RDWR;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use spin::Mutex;

/// Heap bytes one watch may take (its item and its share of the tree).
const WATCH_HEAP_BYTES: usize = 256;

struct Item {
    file: Weak<OpenFile>,
    events: u32,
    data: u64,
    /// The description's change counter when this item was last reported (EPOLLET).
    seen: u64,
    /// An EPOLLONESHOT item that has fired and waits for EPOLL_CTL_MOD.
    disarmed: bool,
}

/// An item's key, as Linux's `epoll_filefd`: the descriptor number and the description. A dead
/// item's key cannot come back: its `Weak` keeps the description's allocation, so no new
/// description gets that address while the item is there.
type Key = (u64, usize);

fn key(fd: u64, file: &Arc<OpenFile>) -> Key {
    (fd, Arc::as_ptr(file) as usize)
}

/// The interest list, ordered by key (a tree, as Linux's, so ten thousand items cost
/// logarithmic time per epoll_ctl).
pub struct Epoll {
    items: Mutex<BTreeMap<Key, Item>>,
}

/// Bits epoll_ctl accepts in an item's mask.
const ACCEPTED: u32 = EPOLLIN
    | EPOLLPRI
    | EPOLLOUT
    | EPOLLERR
    | EPOLLHUP
    | EPOLLRDNORM
    | EPOLLRDBAND
    | EPOLLWRNORM
    | EPOLLWRBAND
    | EPOLLMSG
    | EPOLLRDHUP
    | EPOLLEXCLUSIVE
    | EPOLLWAKEUP
    | EPOLLONESHOT
    | EPOLLET;
/// Always reported, asked for or not.
const ALWAYS: u32 = EPOLLERR | EPOLLHUP;

/// How deep epoll instances may nest (Linux's EP_MAX_NESTS).
const MAX_NESTS: usize = 4;

/// The most events one epoll_wait may ask for (Linux's EP_MAX_EVENTS).
pub const MAX_EVENTS: i32 = i32::MAX / size_of::<EpollEvent>() as i32;

/// epoll_create1: a new instance.
pub fn new() -> Arc<OpenFile> {
    OpenFile::new(Arc::new(Epoll { items: Mutex::new(BTreeMap::new()) }), O_RDWR)
}

impl Epoll {
    /// epoll_ctl(op, fd → `target`, event).
    pub fn ctl(&self, op: usize, fd: u64, target: &Arc<OpenFile>, event: Option<EpollEvent>) -> Result<u64, Errno> {
        if let Some(inner) = target.file.as_epoll() {
            if core::ptr::eq(inner, self) {
                return Err(EINVAL); // an instance cannot watch itself
            }
            if op == EPOLL_CTL_ADD && inner.reaches(self, 1) {
                return Err(ELOOP); // a loop, or nesting deeper than Linux's EP_MAX_NESTS
            }
        }
        let mut items = self.items.lock();
        let k = key(fd, target);
        let at = items.contains_key(&k);
        let checked = |e: Option<EpollEvent>| -> Result<EpollEvent, Errno> {
            let e = e.ok_or(EFAULT)?;
            if e.events & EPOLLEXCLUSIVE != 0 && op == EPOLL_CTL_MOD {
                return Err(EINVAL);
            }
            Ok(e)
        };
        match (op, at) {
            (EPOLL_CTL_ADD, true) => Err(EEXIST),
            (EPOLL_CTL_ADD, false) => {
                let e = checked(event)?;
                // Each watch lives on the kernel heap: ENOMEM at its reserve.
                if !crate::mm::heap::may_take(WATCH_HEAP_BYTES) {
                    return Err(ENOMEM);
                }
                items.insert(
                    k,
                    Item {
                        file: Arc::downgrade(target),
                        events: (e.events & ACCEPTED) | ALWAYS,
                        data: e.data,
                        seen: target.file.events_seen().wrapping_sub(1),
                        disarmed: false,
                    },
                );
                drop(items);
                notify_pollers(); // a sleeper on this instance may now have something to report
                Ok(0)
            }
            (EPOLL_CTL_MOD, true) => {
                let e = checked(event)?;
                let Some(item) = items.get_mut(&k) else { return Err(ENOENT) };
                if item.events & EPOLLEXCLUSIVE != 0 {
                    return Err(EINVAL);
                }
                item.events = (e.events & ACCEPTED) | ALWAYS;
                item.data = e.data;
                item.disarmed = false;
                item.seen = target.file.events_seen().wrapping_sub(1);
                drop(items);
                notify_pollers();
                Ok(0)
            }
            (EPOLL_CTL_DEL, true) => {
                items.remove(&k);
                Ok(0)
            }
            (EPOLL_CTL_MOD | EPOLL_CTL_DEL, false) => Err(ENOENT),
            _ => Err(EINVAL),
        }
    }

    /// Whether `target` is this instance or reachable through its items, or the nesting goes
    /// deeper than Linux allows (4 levels below the outermost).
    fn reaches(&self, target: &Epoll, depth: usize) -> bool {
        if core::ptr::eq(self, target) || depth > MAX_NESTS {
            return true;
        }
        let inner: Vec<Arc<OpenFile>> = self.items.lock().values().filter_map(|i| i.file.upgrade()).collect();
        inner.iter().filter_map(|f| f.file.as_epoll()).any(|e| e.reaches(target, depth + 1))
    }

    /// Hands up to `max` ready items to `emit`; returns how many were handed over. An item
    /// `emit` refuses (its copy-out faulted) stays as it was and ends the scan: EFAULT if it was
    /// the first, else the count so far (Linux's ep_send_events).
    fn harvest(
        &self,
        max: usize,
        mut emit: impl FnMut(usize, EpollEvent) -> Result<(), Errno>,
    ) -> Result<usize, Errno> {
        let mut items = self.items.lock();
        let mut n = 0;
        let mut dead = false;
        for item in items.values_mut().filter(|i| !i.disarmed) {
            if n == max {
                break;
            }
            let Some(file) = item.file.upgrade() else {
                dead = true;
                continue;
            };
            let seen = file.file.events_seen();
            let ready = file.file.poll() & item.events;
            if ready == 0 || (item.events & EPOLLET != 0 && seen == item.seen) {
                continue;
            }
            if let Err(e) = emit(n, EpollEvent { events: ready, data: item.data }) {
                return if n == 0 { Err(e) } else { Ok(n) };
            }
            item.seen = seen;
            if item.events & EPOLLONESHOT != 0 {
                item.disarmed = true;
            }
            n += 1;
        }
        // Items whose file is gone (its last descriptor closed) leave the tree when a scan meets
        // them, not on every scan.
        if dead {
            items.retain(|_, i| i.file.strong_count() > 0);
        }
        Ok(n)
    }

    /// epoll_wait: blocks until an item is ready or `until` (None: forever), then writes up to
    /// `max` events to `dst` (checked by the caller), straight from the scan (no buffer).
    pub fn wait(&self, dst: UserSlice, max: usize, until: Option<u64>, poll_only: bool) -> Result<u64, Errno> {
        loop {
            let generation = poll_generation();
            let n =
                self.harvest(max, |i, e| UserPtr::new(dst.addr() + (i * size_of::<EpollEvent>()) as u64).write(&e))?;
            if n > 0 {
                return Ok(n as u64);
            }
            if poll_only {
                return Ok(0);
            }
            match poll_sleep(generation, until) {
                Wake::Woken => {}
                Wake::TimedOut => return Ok(0),
                // Linux's ep_poll: plain EINTR, never restarted, whatever SA_RESTART says.
                Wake::Interrupted => return Err(EINTR),
            }
        }
    }
}

impl File for Epoll {
    /// An epoll instance is readable when one of its items is ready (nested epoll, poll).
    fn poll(&self) -> u32 {
        let items = self.items.lock();
        let ready = items
            .values()
            .filter(|i| !i.disarmed)
            .any(|i| i.file.upgrade().is_some_and(|f| f.file.poll() & i.events != 0));
        if ready { EPOLLIN | EPOLLRDNORM } else { 0 }
    }

    fn events_seen(&self) -> u64 {
        0
    }

    fn seek(&self, _offset: i64, _whence: usize) -> Result<u64, Errno> {
        Ok(0)
    }

    fn as_epoll(&self) -> Option<&Epoll> {
        Some(self)
    }
}
