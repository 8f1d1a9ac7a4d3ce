//! A sema root's tree of waiters (Go's sema.go `semaRoot.queue`, `dequeue`, `rotateLeft`,
//! `rotateRight`): a treap of sudogs, a binary search tree by the waited-on address (`elem`;
//! `prev` is the left child, `next` the right) and a min-heap by `ticket`, a random priority.
//! Each node heads the FIFO list of the other waiters for its address (`waitlink`, tail in
//! `waittail`). Pure pointer work over sudogs the caller owns: the caller holds the root's lock.
use crate::panic::throw;
use crate::runtime2::Sudog;
use core::ptr::null_mut;

pub struct Treap {
    pub root: *mut Sudog,
}

impl Treap {
    pub const fn new() -> Treap {
        Treap { root: null_mut() }
    }

    /// Adds `s` as a waiter for `addr`: last in its address's list, or first with `lifo`. A new
    /// address becomes a leaf with priority `ticket` (odd, non-zero) and rotates up.
    ///
    /// # Safety
    /// `s` and every sudog in the tree must be live and owned by the caller (the root's lock is
    /// held); `s` must be on no list.
    pub unsafe fn queue(&mut self, addr: *mut u8, s: *mut Sudog, lifo: bool, ticket: u32) {
        // SAFETY: the caller guarantees that every sudog reached here is live and ours.
        unsafe {
            (*s).elem = addr;
            (*s).next = null_mut();
            (*s).prev = null_mut();
            let mut last: *mut Sudog = null_mut();
            let mut pt: *mut *mut Sudog = &raw mut self.root;
            let mut t = *pt;
            while !t.is_null() {
                if (*t).elem == addr {
                    if lifo {
                        // s takes t's place in the tree, and t becomes first in s's list.
                        *pt = s;
                        (*s).ticket = (*t).ticket;
                        (*s).acquiretime = (*t).acquiretime;
                        (*s).parent = (*t).parent;
                        (*s).prev = (*t).prev;
                        (*s).next = (*t).next;
                        if !(*s).prev.is_null() {
                            (*(*s).prev).parent = s;
                        }
                        if !(*s).next.is_null() {
                            (*(*s).next).parent = s;
                        }
                        (*s).waitlink = t;
                        (*s).waittail = if (*t).waittail.is_null() { t } else { (*t).waittail };
                        (*t).parent = null_mut();
                        (*t).prev = null_mut();
                        (*t).next = null_mut();
                        (*t).waittail = null_mut();
                    } else {
                        // s goes to the end of t's list.
                        if (*t).waittail.is_null() {
                            (*t).waitlink = s;
                        } else {
                            (*(*t).waittail).waitlink = s;
                        }
                        (*t).waittail = s;
                        (*s).waitlink = null_mut();
                    }
                    return;
                }
                last = t;
                pt = if (addr as usize) < ((*t).elem as usize) { &raw mut (*t).prev } else { &raw mut (*t).next };
                t = *pt;
            }
            // A new leaf in the tree of distinct addresses, rotated up by priority.
            (*s).ticket = ticket;
            (*s).parent = last;
            (*s).waitlink = null_mut();
            (*s).waittail = null_mut();
            *pt = s;
            while !(*s).parent.is_null() && (*(*s).parent).ticket > (*s).ticket {
                let p = (*s).parent;
                if (*p).prev == s {
                    self.rotate_right(p);
                } else {
                    if (*p).next != s {
                        throw("semaRoot queue");
                    }
                    self.rotate_left(p);
                }
            }
        }
    }

    /// Removes and returns the first waiter for `addr`, or null if none waits on it. The next
    /// waiter for the address, if any, takes its place in the tree.
    ///
    /// # Safety
    /// As for [`Treap::queue`].
    pub unsafe fn dequeue(&mut self, addr: *mut u8) -> *mut Sudog {
        // SAFETY: the caller guarantees that every sudog in the tree is live and ours.
        unsafe {
            let mut ps: *mut *mut Sudog = &raw mut self.root;
            let mut s = *ps;
            while !s.is_null() && (*s).elem != addr {
                ps = if (addr as usize) < ((*s).elem as usize) { &raw mut (*s).prev } else { &raw mut (*s).next };
                s = *ps;
            }
            if s.is_null() {
                return null_mut();
            }
            let t = (*s).waitlink;
            if !t.is_null() {
                // t, also waiting on addr, takes s's place in the tree.
                *ps = t;
                (*t).ticket = (*s).ticket;
                (*t).parent = (*s).parent;
                (*t).prev = (*s).prev;
                if !(*t).prev.is_null() {
                    (*(*t).prev).parent = t;
                }
                (*t).next = (*s).next;
                if !(*t).next.is_null() {
                    (*(*t).next).parent = t;
                }
                (*t).waittail = if (*t).waitlink.is_null() { null_mut() } else { (*s).waittail };
                (*s).waitlink = null_mut();
                (*s).waittail = null_mut();
            } else {
                // Rotate s down to a leaf, respecting priorities, and cut it off.
                while !(*s).next.is_null() || !(*s).prev.is_null() {
                    if (*s).next.is_null() || (!(*s).prev.is_null() && (*(*s).prev).ticket < (*(*s).next).ticket) {
                        self.rotate_right(s);
                    } else {
                        self.rotate_left(s);
                    }
                }
                let p = (*s).parent;
                if p.is_null() {
                    self.root = null_mut();
                } else if (*p).prev == s {
                    (*p).prev = null_mut();
                } else {
                    (*p).next = null_mut();
                }
            }
            (*s).parent = null_mut();
            (*s).elem = null_mut();
            (*s).next = null_mut();
            (*s).prev = null_mut();
            (*s).ticket = 0;
            s
        }
    }

    /// p → (x a (y b c)) becomes p → (y (x a b) c).
    ///
    /// # Safety
    /// `x` is in the tree and has a right child; every node is live and ours.
    unsafe fn rotate_left(&mut self, x: *mut Sudog) {
        // SAFETY: as the caller guarantees.
        unsafe {
            let p = (*x).parent;
            let y = (*x).next;
            let b = (*y).prev;
            (*y).prev = x;
            (*x).parent = y;
            (*x).next = b;
            if !b.is_null() {
                (*b).parent = x;
            }
            (*y).parent = p;
            if p.is_null() {
                self.root = y;
            } else if (*p).prev == x {
                (*p).prev = y;
            } else {
                if (*p).next != x {
                    throw("semaRoot rotateLeft");
                }
                (*p).next = y;
            }
        }
    }

    /// p → (y (x a b) c) becomes p → (x a (y b c)).
    ///
    /// # Safety
    /// `y` is in the tree and has a left child; every node is live and ours.
    unsafe fn rotate_right(&mut self, y: *mut Sudog) {
        // SAFETY: as the caller guarantees.
        unsafe {
            let p = (*y).parent;
            let x = (*y).prev;
            let b = (*x).next;
            (*x).next = y;
            (*y).parent = x;
            (*y).prev = b;
            if !b.is_null() {
                (*b).parent = y;
            }
            (*x).parent = p;
            if p.is_null() {
                self.root = x;
            } else if (*p).prev == y {
                (*p).prev = x;
            } else {
                if (*p).next != y {
                    throw("semaRoot rotateRight");
                }
                (*p).next = x;
            }
        }
    }
}
