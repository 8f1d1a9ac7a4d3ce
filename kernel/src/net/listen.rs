//! A listening socket's queues (Linux's `request_sock_queue`, net/ipv4/inet_connection_sock.c
//! inet_csk_accept and inet_csk_listen_stop; af_unix's unix_stream_connect on a full backlog).
//!
//! A connect puts its connection in the accept queue, which holds `backlog + 1` connections as
//! Linux's `sk_acceptq_is_full` allows. When that is full, a TCP connection waits in the
//! handshake queue (Linux drops the SYN and the client retries: the connect is still in
//! progress) and moves up when accept makes room; an AF_UNIX connect waits for room, or fails
//! with EAGAIN when non-blocking. Closing the listener resets everything still queued.
use super::addr::SockAddr;
use super::stream::Conn;
use crate::fd::wait::{WaitQueue, notify_pollers, wait_event};
use crate::process::uaccess::Errno;
use abi::epoll::{EPOLLIN, EPOLLRDNORM};
use abi::errno::{ECONNREFUSED, EINVAL};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use spin::Mutex;

/// A connection waiting to be accepted, with the addresses of its two ends.
pub struct Pending {
    pub conn: Arc<Conn>,
    /// The address the connection reached (the accepted socket's name).
    pub local: SockAddr,
    /// The connecting end's name.
    pub peer: SockAddr,
}

struct State {
    accept: VecDeque<Pending>,
    /// TCP connections beyond the accept queue's room, still "in the handshake".
    syn: VecDeque<Pending>,
    backlog: usize,
    /// shutdown(SHUT_RD) or close: accept says EINVAL, connects are refused.
    closed: bool,
    events: u64,
    waiters: WaitQueue,
}

impl State {
    fn full(&self) -> bool {
        self.accept.len() > self.backlog
    }

    fn changed(&mut self) {
        self.events = self.events.wrapping_add(1);
        self.waiters.wake_all();
    }
}

pub struct Listener {
    tcp: bool,
    state: Mutex<State>,
}

impl Listener {
    pub fn new(tcp: bool, backlog: usize) -> Arc<Listener> {
        Arc::new(Listener {
            tcp,
            state: Mutex::new(State {
                accept: VecDeque::new(),
                syn: VecDeque::new(),
                backlog,
                closed: false,
                events: 0,
                waiters: WaitQueue::new(),
            }),
        })
    }

    /// One queue operation under the listener's lock, waiting on its queue until `attempt` gives
    /// an answer (or at once with EAGAIN when `nonblock`); pollers are told afterwards, since
    /// the queues may have changed.
    fn step<R>(&self, nonblock: bool, attempt: impl FnMut(&mut State) -> Option<Result<R, Errno>>) -> Result<R, Errno> {
        let r = wait_event(&self.state, |s| &mut s.waiters, nonblock, None, attempt);
        notify_pollers();
        r
    }

    /// listen() again on a listening socket changes only the backlog.
    pub fn set_backlog(&self, backlog: usize) {
        self.state.lock().backlog = backlog;
    }

    /// A connect reaches this listener. TCP never waits here (a full queue leaves the
    /// connection in the handshake); AF_UNIX waits for room unless `nonblock` (EAGAIN).
    pub fn enqueue(&self, p: Pending, nonblock: bool) -> Result<(), Errno> {
        let mut p = Some(p);
        let tcp = self.tcp;
        self.step(nonblock, |s| {
            if s.closed {
                return Some(Err(ECONNREFUSED));
            }
            if s.full() {
                if !tcp {
                    return None;
                }
                s.syn.push_back(p.take()?);
            } else {
                let p = p.take()?;
                p.conn.establish();
                s.accept.push_back(p);
            }
            s.changed();
            Some(Ok(()))
        })
    }

    /// accept: the oldest established connection; a waiting one moves up into the room.
    pub fn accept(&self, nonblock: bool) -> Result<Pending, Errno> {
        self.step(nonblock, |s| {
            if s.closed {
                return Some(Err(EINVAL));
            }
            let p = s.accept.pop_front()?;
            if !s.full()
                && let Some(next) = s.syn.pop_front()
            {
                next.conn.establish();
                s.accept.push_back(next);
            }
            s.changed();
            Some(Ok(p))
        })
    }

    /// The listener stops (close, or shutdown with SHUT_RD): every queued connection is reset.
    pub fn close(&self) {
        let mut s = self.state.lock();
        s.closed = true;
        let st = &mut *s;
        let queued: alloc::vec::Vec<Pending> = st.accept.drain(..).chain(st.syn.drain(..)).collect();
        s.changed();
        drop(s);
        for p in queued {
            p.conn.refuse();
        }
        notify_pollers();
    }

    pub fn poll(&self) -> u32 {
        if self.state.lock().accept.is_empty() { 0 } else { EPOLLIN | EPOLLRDNORM }
    }

    pub fn events(&self) -> u64 {
        self.state.lock().events
    }
}
