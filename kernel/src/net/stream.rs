//! A stream connection (Linux's established `tcp_sock` pair over loopback, and `unix_stream`'s
//! peer pair): two in-kernel byte queues, one per direction, and what each end knows of the
//! other — shut down, closed, reset. There is no wire, so no TCP state machine beyond what a
//! program can observe:
//!
//! - TCP: closing an end with unread data resets the connection (the peer's next call fails
//!   with ECONNRESET, as tcp_close's RST does); closing it clean sends FIN (the peer reads end of
//!   file) and the peer's first write after that still succeeds, the RST it provokes making the
//!   next one fail with EPIPE (tcp_reset in CLOSE_WAIT). A read gives the queued bytes first,
//!   then end of file after a FIN, then a pending error, as tcp_recvmsg orders them.
//! - AF_UNIX: shutting one direction shuts it at both ends; a write to a closed or read-shut
//!   peer is EPIPE at once; closing with unread data leaves the peer ECONNRESET
//!   (unix_release_sock).
//!
//! Side 0 is the connecting end, side 1 the accepted one. Everything sits under one lock per
//! connection; threads wait on one queue and retry.
use crate::fd::wait::{WaitQueue, notify_pollers, wait_event};
use crate::process::uaccess::{Errno, UserIter};
use abi::epoll::{EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLRDNORM, EPOLLWRBAND, EPOLLWRNORM};
use abi::errno::{EAGAIN, ECONNREFUSED, ECONNRESET, EFAULT, EINTR, EPIPE, ERESTARTSYS, ETIMEDOUT};
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;

/// Bytes one direction holds before writers wait (Linux grows TCP's buffers to megabytes on
/// loopback; this is the fixed figure rt0 uses, see README).
pub const STREAM_CAP: usize = 256 << 10;

/// One end as the connection sees it.
#[derive(Default)]
struct Side {
    /// Bytes for this end to read: `rx[off..]`.
    rx: Vec<u8>,
    off: usize,
    /// RCV_SHUTDOWN: nothing more will arrive (own SHUT_RD, the peer's FIN or reset).
    rcv_shut: bool,
    /// SEND_SHUTDOWN: own SHUT_WR, or a reset.
    snd_shut: bool,
    /// TCP: a FIN arrived (Linux's SOCK_DONE): reads end before a pending error.
    fin: bool,
    /// The pending error (sk_err), 0 for none; SO_ERROR and the next call take it.
    err: Errno,
    /// The end's socket is closed.
    closed: bool,
    /// TCP: the peer closed clean; the next write provokes its RST.
    reset_on_write: bool,
    /// TCP: reset (state CLOSE): getpeername says ENOTCONN.
    dead: bool,
}

impl Side {
    fn unread(&self) -> usize {
        self.rx.len() - self.off
    }

    fn consume(&mut self, n: usize) {
        self.off += n;
        if self.off == self.rx.len() {
            // An idle connection does not keep a big burst's buffer.
            if self.rx.capacity() > STREAM_CAP / 4 {
                self.rx = Vec::new();
            } else {
                self.rx.clear();
            }
            self.off = 0;
        } else if self.off >= STREAM_CAP / 2 {
            self.rx.drain(..self.off);
            self.off = 0;
        }
    }

    /// A reset arrived: Linux's tcp_reset then tcp_done.
    fn reset(&mut self, err: Errno) {
        if !self.closed && !self.dead {
            self.err = err;
        }
        self.rcv_shut = true;
        self.snd_shut = true;
        self.dead = true;
        self.reset_on_write = false;
    }
}

struct State {
    sides: [Side; 2],
    /// The three-way handshake is over (the listener took the connection in its accept queue).
    established: bool,
    /// Moves on every change: edge-triggered epoll's counter.
    events: u64,
    waiters: WaitQueue,
}

impl State {
    fn changed(&mut self) {
        self.events = self.events.wrapping_add(1);
        self.waiters.wake_all();
    }

    fn pair(&mut self, side: usize) -> (&mut Side, &mut Side) {
        let [a, b] = &mut self.sides;
        if side == 0 { (a, b) } else { (b, a) }
    }
}

/// A connection between two stream sockets.
pub struct Conn {
    tcp: bool,
    state: Mutex<State>,
}

/// How a receive behaves (recv's MSG_* flags and the description's O_NONBLOCK).
#[derive(Clone, Copy, Default)]
pub struct RecvFlags {
    pub nonblock: bool,
    pub peek: bool,
    pub waitall: bool,
}

/// The answer of a wait that gave up: a timeout is EAGAIN for a socket (SO_RCVTIMEO), and a
/// signal then interrupts with EINTR, not a restart (Linux's sock_intr_errno).
fn sock_errno(e: Errno, timed: bool) -> Errno {
    match e {
        ETIMEDOUT => EAGAIN,
        ERESTARTSYS if timed => EINTR,
        e => e,
    }
}

impl Conn {
    /// A new connection; `established` unless it waits in a full listener's queue.
    pub fn new(tcp: bool, established: bool) -> Arc<Conn> {
        Arc::new(Conn {
            tcp,
            state: Mutex::new(State {
                sides: [Side::default(), Side::default()],
                established,
                events: 0,
                waiters: WaitQueue::new(),
            }),
        })
    }

    fn changed(&self, mut s: spin::MutexGuard<State>) {
        s.changed();
        drop(s);
        notify_pollers();
    }

    /// The listener moved the connection to its accept queue.
    pub fn establish(&self) {
        let mut s = self.state.lock();
        s.established = true;
        self.changed(s);
    }

    /// A blocking connect waits for the handshake: 0, or the error that ended it.
    pub fn wait_established(&self, until: Option<u64>) -> Result<(), Errno> {
        wait_event(
            &self.state,
            |s| &mut s.waiters,
            false,
            until,
            |s| {
                if s.sides[0].err != 0 {
                    return Some(Err(core::mem::take(&mut s.sides[0].err)));
                }
                if s.established { Some(Ok(())) } else { None }
            },
        )
        .map_err(|e| sock_errno(e, until.is_some()))
    }

    pub fn events(&self) -> u64 {
        self.state.lock().events
    }

    /// Whether `side` has a peer getpeername may name (not reset, not still connecting).
    pub fn connected(&self, side: usize) -> bool {
        let s = self.state.lock();
        s.established && !s.sides[side].dead
    }

    /// Bytes `side` may read now (FIONREAD).
    pub fn unread(&self, side: usize) -> usize {
        self.state.lock().sides[side].unread()
    }

    /// SO_ERROR: the pending error, cleared.
    pub fn take_error(&self, side: usize) -> Errno {
        core::mem::take(&mut self.state.lock().sides[side].err)
    }

    /// recv on `side` into `dst`.
    pub fn recv(&self, side: usize, dst: &mut UserIter, f: RecvFlags, until: Option<u64>) -> Result<u64, Errno> {
        if dst.remaining() == 0 {
            return Ok(0);
        }
        let tcp = self.tcp;
        let mut done = 0u64;
        let r = wait_event(
            &self.state,
            |s| &mut s.waiters,
            f.nonblock,
            until,
            |st| {
                let established = st.established;
                let me = &mut st.sides[side];
                let avail = me.unread();
                if avail > 0 {
                    let n = avail.min(dst.remaining() as usize);
                    let got = dst.copy_to_user(&me.rx[me.off..me.off + n]);
                    if got == 0 && done == 0 {
                        return Some(Err(EFAULT));
                    }
                    if !f.peek {
                        me.consume(got);
                    }
                    done += got as u64;
                    st.changed();
                    if got < n || !f.waitall || f.peek || dst.remaining() == 0 {
                        return Some(Ok(()));
                    }
                    return None;
                }
                if done > 0 && (me.rcv_shut || me.err != 0) {
                    return Some(Ok(()));
                }
                if tcp && me.fin {
                    return Some(Ok(()));
                }
                if me.err != 0 {
                    return Some(Err(core::mem::take(&mut me.err)));
                }
                if me.rcv_shut || (!tcp && !established) {
                    return Some(Ok(()));
                }
                None
            },
        );
        if done > 0 {
            notify_pollers();
            return Ok(done);
        }
        r.map(|()| 0).map_err(|e| sock_errno(e, until.is_some()))
    }

    /// send from `src` on `side`. EPIPE is returned as such; the caller raises SIGPIPE.
    pub fn send(&self, side: usize, src: &mut UserIter, nonblock: bool, until: Option<u64>) -> Result<u64, Errno> {
        let total = src.remaining();
        let tcp = self.tcp;
        let mut done = 0u64;
        let r = wait_event(
            &self.state,
            |s| &mut s.waiters,
            nonblock,
            until,
            |st| {
                let established = st.established;
                let (me, peer) = st.pair(side);
                if tcp && me.err != 0 {
                    return Some(Err(core::mem::take(&mut me.err)));
                }
                if me.snd_shut {
                    return Some(Err(EPIPE));
                }
                if !established {
                    return None;
                }
                if peer.closed {
                    if tcp && me.reset_on_write {
                        // The bytes go out; the peer's RST comes back and ends the connection.
                        done = total;
                        me.reset(EPIPE);
                        st.changed();
                        return Some(Ok(()));
                    }
                    return Some(Err(EPIPE));
                }
                if !tcp && peer.rcv_shut {
                    return Some(Err(EPIPE));
                }
                if total == 0 {
                    return Some(Ok(()));
                }
                let space = STREAM_CAP.saturating_sub(peer.unread());
                if space == 0 || !crate::mm::heap::may_take(space.min(src.remaining() as usize)) {
                    return None;
                }
                let n = space.min(src.remaining() as usize);
                let at = peer.rx.len();
                peer.rx.resize(at + n, 0);
                let got = src.copy_from_user(&mut peer.rx[at..]);
                peer.rx.truncate(at + got);
                done += got as u64;
                if got > 0 {
                    st.changed();
                }
                if got < n {
                    return Some(if done > 0 { Ok(()) } else { Err(EFAULT) });
                }
                if src.remaining() == 0 { Some(Ok(())) } else { None }
            },
        );
        if done > 0 {
            notify_pollers();
            return Ok(done);
        }
        r.map(|()| 0).map_err(|e| sock_errno(e, until.is_some()))
    }

    /// shutdown(2) on `side`: `rd` and `wr` are SHUT_RD and SHUT_WR's halves.
    pub fn shutdown(&self, side: usize, rd: bool, wr: bool) {
        let tcp = self.tcp;
        let mut st = self.state.lock();
        let (me, peer) = st.pair(side);
        me.rcv_shut |= rd;
        if wr && !me.snd_shut {
            me.snd_shut = true;
            if !peer.closed && !peer.dead {
                peer.rcv_shut = true;
                peer.fin |= tcp;
            }
        }
        if !tcp && rd {
            peer.snd_shut = true;
        }
        self.changed(st);
    }

    /// The socket of `side` is closed; `abort` is SO_LINGER with a zero timeout (an RST).
    pub fn close(&self, side: usize, abort: bool) {
        let tcp = self.tcp;
        let mut st = self.state.lock();
        let (me, peer) = st.pair(side);
        let unread = me.unread() > 0;
        me.closed = true;
        me.rx = Vec::new();
        me.off = 0;
        if tcp {
            if unread || abort {
                peer.reset(ECONNRESET);
            } else if !peer.dead {
                peer.rcv_shut = true;
                peer.fin = true;
                peer.reset_on_write = !peer.snd_shut;
            }
        } else {
            peer.rcv_shut = true;
            peer.snd_shut = true;
            if unread && !peer.closed {
                peer.err = ECONNRESET;
            }
        }
        self.changed(st);
    }

    /// The listener went away with this connection still queued: the connecting end is reset
    /// (ECONNRESET once established, ECONNREFUSED while still in the handshake).
    pub fn refuse(&self) {
        let mut st = self.state.lock();
        let err = if st.established { ECONNRESET } else { ECONNREFUSED };
        st.sides[1].closed = true;
        if self.tcp {
            st.sides[0].reset(err);
        } else {
            let me = &mut st.sides[0];
            me.rcv_shut = true;
            me.snd_shut = true;
            me.err = err;
        }
        self.changed(st);
    }

    /// poll/epoll readiness of `side` (tcp_poll, unix_poll).
    pub fn poll(&self, side: usize) -> u32 {
        let mut st = self.state.lock();
        let established = st.established;
        let (me, peer) = st.pair(side);
        let room = peer.closed || peer.unread() < STREAM_CAP;
        let mut m = 0;
        if me.rcv_shut && me.snd_shut {
            m |= EPOLLHUP;
        }
        if me.rcv_shut {
            m |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
        }
        if me.unread() > 0 {
            m |= EPOLLIN | EPOLLRDNORM;
        }
        if self.tcp {
            if (established || me.dead) && (me.snd_shut || room) {
                m |= EPOLLOUT | EPOLLWRNORM;
            }
        } else if room {
            m |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
        }
        if me.err != 0 {
            m |= EPOLLERR;
        }
        m
    }
}
