//! select. Mirrors Go 1.19's runtime/select.go: `selectgo` with its random poll order
//! (`fastrandn`, a Fisher–Yates shuffle as the cases are numbered), its lock order (a heap sort
//! of the cases by channel address, so that two selects over the same channels always lock them
//! in the same order and never deadlock), `sellock`/`selunlock`, and its three passes:
//!
//! 1. with every channel locked, look in poll order for a case that can proceed at once (a
//!    parked partner, buffer data or room, a closed channel);
//! 2. if none and there is no `default`, enqueue one sudog per case on every channel (in lock
//!    order, chained through `waitlink` from `g.waiting`) and park; `selparkcommit` unlocks the
//!    channels once the goroutine is parked;
//! 3. woken by whichever partner dequeued one of our sudogs first (the `select_done` CAS in
//!    `WaitQ::dequeue` makes it the only winner), relock, take our other sudogs off their queues,
//!    and report the winning case.
//!
//! As in the code Go's compiler generates, the cases are laid out sends first, then receives, and
//! a case with a nil channel is left out of both orders (it can never proceed). A select with no
//! cases blocks forever (`block`, wait reason "select (no cases)").
//!
//! [`select!`](crate::select!) is the typed front end for safe Rust: any number of
//! `recv(chan) -> v => body` (v: `Option<T>`, None once closed and drained), `send(chan, value) =>
//! body` and at most one `default => body`; the channel and value expressions are evaluated once,
//! in source order, before the select, as Go does. A send case not chosen drops its value.
use crate::chan::{Chan, Hchan, recv, send};
use crate::lock_futex::{lock, unlock};
use crate::panic::throw;
use crate::proc::{acquire_sudog, gopark, release_sudog};
use crate::runtime2::{G, Sudog, WaitReason};
use crate::sema::fastrandn;
use crate::tls::getg;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ptr::null_mut;
use core::sync::atomic::Ordering::Relaxed;

/// One case (Go's `scase`): the channel and the element sent from or received into.
#[derive(Clone, Copy)]
pub struct Scase {
    pub c: *mut Hchan,
    pub elem: *mut u8,
}

/// block: a select with no cases parks forever.
pub fn block() -> ! {
    gopark(None, null_mut(), WaitReason::SelectNoCases);
    throw("unreachable")
}

fn sellock(scases: &[Scase], lockorder: &[u16]) {
    let mut c: *mut Hchan = null_mut();
    for &o in lockorder {
        let c0 = scases[o as usize].c;
        if c0 != c {
            c = c0;
            // SAFETY: every case in the lock order has a live, non-nil channel.
            lock(unsafe { &(*c).lock });
        }
    }
}

fn selunlock(scases: &[Scase], lockorder: &[u16]) {
    // We must be very careful here to not touch the select's cases after the last unlock: once it
    // is released, the goroutine may be readied and its stack (where `scases` lives) reused.
    // So each channel's lock is released exactly once, in reverse lock order.
    for i in (0..lockorder.len()).rev() {
        let c = scases[lockorder[i] as usize].c;
        if i > 0 && c == scases[lockorder[i - 1] as usize].c {
            continue; // will unlock it on the next iteration
        }
        // SAFETY: as in sellock.
        unlock(unsafe { &(*c).lock });
    }
}

/// selparkcommit: runs on g0 once the selecting goroutine is parked; unlocks every channel, once
/// each (the waiting list is in lock order, so equal channels are adjacent).
fn selparkcommit(gp: *mut G, _: *mut u8) -> bool {
    let mut lastc: *mut Hchan = null_mut();
    // SAFETY: gp is parked; its waiting list is its own and the channels on it are locked.
    unsafe {
        let mut sg = (*gp).waiting;
        while !sg.is_null() {
            if (*sg).c != lastc && !lastc.is_null() {
                // As soon as we unlock the channel, fields in any sudog with that channel may
                // change, including c and waitlink. Since multiple sudogs may have the same
                // channel, we unlock only after we've passed the last instance of it.
                unlock(&(*lastc).lock);
            }
            lastc = (*sg).c;
            sg = (*sg).waitlink;
        }
        if !lastc.is_null() {
            unlock(&(*lastc).lock);
        }
    }
    true
}

/// selectgo: `cases[..nsends]` are sends, the rest receives; `pollorder` and `lockorder` are
/// scratch of the same length. Returns the chosen case's index (-1 when `block` is false and
/// nothing was ready) and, for a receive, whether a value was received (false: closed).
#[track_caller]
pub(crate) fn selectgo(
    scases: &mut [Scase],
    pollorder: &mut [u16],
    lockorder: &mut [u16],
    nsends: usize,
    block: bool,
) -> (isize, bool) {
    let ncases = scases.len();
    if ncases > u16::MAX as usize || pollorder.len() < ncases || lockorder.len() < ncases {
        throw("selectgo: too many cases");
    }
    // Generate the permuted poll order, leaving out cases without a channel.
    let mut norder = 0;
    for (i, cas) in scases.iter_mut().enumerate() {
        if cas.c.is_null() {
            cas.elem = null_mut();
            continue;
        }
        let j = fastrandn(norder as u32 + 1) as usize;
        pollorder[norder] = pollorder[j];
        pollorder[j] = i as u16;
        norder += 1;
    }
    let pollorder = &pollorder[..norder];
    let lockorder = &mut lockorder[..norder];
    let key = |o: u16| scases[o as usize].c as usize;

    sort_lockorder(pollorder, lockorder, key);
    let lockorder: &[u16] = lockorder;

    // Lock all the channels involved in the select.
    sellock(scases, lockorder);

    // Pass 1: look for something already waiting.
    for &casei in pollorder {
        let casi = casei as usize;
        let cas = scases[casi];
        // SAFETY: the case's channel is live and locked.
        let c = unsafe { &*cas.c };
        // SAFETY: c's lock is held.
        let q = unsafe { c.queues() };
        if casi >= nsends {
            // SAFETY: c's lock is held.
            let sg = unsafe { q.sendq.dequeue() };
            if !sg.is_null() {
                // Can receive from a parked sender.
                recv(c, sg, cas.elem, || selunlock(scases, lockorder));
                return (casi as isize, true);
            }
            if c.qcount.load(Relaxed) > 0 {
                return bufrecv(scases, lockorder, casi);
            }
            if c.closed.load(Relaxed) != 0 {
                // Read at the end of a closed channel.
                selunlock(scases, lockorder);
                if !cas.elem.is_null() {
                    c.memclr(cas.elem);
                }
                return (casi as isize, false);
            }
        } else {
            if c.closed.load(Relaxed) != 0 {
                selunlock(scases, lockorder);
                panic!("send on closed channel");
            }
            // SAFETY: c's lock is held.
            let sg = unsafe { q.recvq.dequeue() };
            if !sg.is_null() {
                // Can send to a parked receiver.
                send(c, sg, cas.elem, || selunlock(scases, lockorder));
                return (casi as isize, false);
            }
            if c.qcount.load(Relaxed) < c.dataqsiz {
                // Can send to the buffer.
                let sendx = q.sendx;
                c.memmove(chanbuf(c, sendx), cas.elem);
                q.sendx = if sendx + 1 == c.dataqsiz { 0 } else { sendx + 1 };
                c.qcount.store(c.qcount.load(Relaxed) + 1, Relaxed);
                selunlock(scases, lockorder);
                return (casi as isize, false);
            }
        }
    }

    if !block {
        selunlock(scases, lockorder);
        return (-1, false);
    }

    // Pass 2: enqueue on all channels.
    let gp = getg();
    // Gp is the running goroutine; its waiting list and the channels' queues are
    // guarded by the locks held.
    // SAFETY: so the block below is sound.
    unsafe {
        if !(*gp).waiting.is_null() {
            throw("gp.waiting != nil");
        }
        let mut nextp: *mut *mut Sudog = &raw mut (*gp).waiting;
        for &casei in lockorder {
            let casi = casei as usize;
            let cas = scases[casi];
            let sg = acquire_sudog();
            (*sg).g = gp;
            (*sg).is_select = true;
            // No stack splits between assigning elem and enqueuing sg on gp.waiting, where
            // copystack can find it (Go's comment; rt0's stacks never move anyway).
            (*sg).elem = cas.elem;
            (*sg).c = cas.c;
            // Construct the waiting list in lock order.
            *nextp = sg;
            nextp = &raw mut (*sg).waitlink;
            let q = (*cas.c).queues();
            if casi < nsends {
                q.sendq.enqueue(sg);
            } else {
                q.recvq.enqueue(sg);
            }
        }
        // Wait for someone to wake us up.
        (*gp).param = null_mut();
    }
    gopark(Some(selparkcommit), null_mut(), WaitReason::Select);

    sellock(scases, lockorder);

    // SAFETY: gp is running again and holds every channel's lock: the sudogs are ours to unlink.
    unsafe {
        (*gp).select_done.store(0, Relaxed);
        let sg = (*gp).param;
        (*gp).param = null_mut();

        // Pass 3: dequeue from the unsuccessful channels; the winner is already dequeued.
        let mut casi: isize = -1;
        let mut case_success = false;
        let mut sglist = (*gp).waiting;
        // Clear every elem before unlinking from gp.waiting.
        let mut sg1 = (*gp).waiting;
        while !sg1.is_null() {
            (*sg1).is_select = false;
            (*sg1).elem = null_mut();
            (*sg1).c = null_mut();
            sg1 = (*sg1).waitlink;
        }
        (*gp).waiting = null_mut();

        for &casei in lockorder {
            let k = scases[casei as usize];
            if sg == sglist {
                // sg has already been dequeued by the G that woke us up.
                casi = casei as isize;
                case_success = (*sglist).success;
            } else {
                let q = (*k.c).queues();
                if (casei as usize) < nsends {
                    q.sendq.dequeue_sudog(sglist);
                } else {
                    q.recvq.dequeue_sudog(sglist);
                }
            }
            let sgnext = (*sglist).waitlink;
            (*sglist).waitlink = null_mut();
            release_sudog(sglist);
            sglist = sgnext;
        }

        if casi < 0 {
            throw("selectgo: bad wakeup");
        }
        if (casi as usize) < nsends {
            if !case_success {
                selunlock(scases, lockorder);
                panic!("send on closed channel");
            }
            selunlock(scases, lockorder);
            return (casi, false);
        }
        selunlock(scases, lockorder);
        (casi, case_success)
    }
}

/// Sorts the cases by channel address to get the locking order (`key` gives a case's channel
/// address): a heap sort, for n log n time and a constant stack footprint, starting from the poll
/// order so that cases on one channel are permuted too (Go's selectgo).
#[inline(always)]
pub(crate) fn sort_lockorder(pollorder: &[u16], lockorder: &mut [u16], key: impl Fn(u16) -> usize) {
    let norder = pollorder.len();
    for (i, &po) in pollorder.iter().enumerate() {
        let mut j = i;
        // Start with the pollorder to permute cases on the same channel.
        let c = key(po);
        while j > 0 && key(lockorder[(j - 1) / 2]) < c {
            let k = (j - 1) / 2;
            lockorder[j] = lockorder[k];
            j = k;
        }
        lockorder[j] = po;
    }
    for i in (0..norder).rev() {
        let o = lockorder[i];
        let c = key(o);
        lockorder[i] = lockorder[0];
        let mut j = 0;
        loop {
            let mut k = j * 2 + 1;
            if k >= i {
                break;
            }
            if k + 1 < i && key(lockorder[k]) < key(lockorder[k + 1]) {
                k += 1;
            }
            if c < key(lockorder[k]) {
                lockorder[j] = lockorder[k];
                j = k;
                continue;
            }
            break;
        }
        lockorder[j] = o;
    }
}

/// Pass 1's buffered receive (Go's `bufrecv` label).
fn bufrecv(scases: &[Scase], lockorder: &[u16], casi: usize) -> (isize, bool) {
    let cas = scases[casi];
    // SAFETY: the case's channel is live and locked (its lock is released only at the end).
    unsafe {
        let c = &*cas.c;
        let q = c.queues();
        let qp = chanbuf(c, q.recvx);
        if !cas.elem.is_null() {
            c.memmove(cas.elem, qp);
        }
        c.memclr(qp);
        q.recvx += 1;
        if q.recvx == c.dataqsiz {
            q.recvx = 0;
        }
        c.qcount.store(c.qcount.load(Relaxed) - 1, Relaxed);
    }
    selunlock(scases, lockorder);
    (casi as isize, true)
}

fn chanbuf(c: &Hchan, i: usize) -> *mut u8 {
    c.chanbuf(i)
}

/// The cases of one select, laid out as Go's compiler does (sends from the front, receives from
/// the back), with the scratch orders on the caller's stack. Used by [`select!`](crate::select!).
pub struct Selector<const N: usize> {
    cases: [Scase; N],
    pollorder: [u16; N],
    lockorder: [u16; N],
    nsends: usize,
    nrecvs: usize,
}

impl<const N: usize> Selector<N> {
    #[inline(always)]
    pub fn new() -> Self {
        Selector {
            cases: [Scase { c: null_mut(), elem: null_mut() }; N],
            pollorder: [0; N],
            lockorder: [0; N],
            nsends: 0,
            nrecvs: 0,
        }
    }

    /// Adds a send of the value in `slot` on `c`; returns the case's index.
    ///
    /// # Safety
    /// `c` and `slot` stay where they are, alive, until [`Selector::select`] has returned.
    #[inline(always)]
    pub unsafe fn send<T>(&mut self, c: &Chan<T>, slot: &mut SendSlot<T>) -> usize {
        let i = self.nsends;
        self.nsends += 1;
        self.cases[i] = Scase { c: c.raw(), elem: slot.ptr() };
        i
    }

    /// Adds a receive from `c` into `slot`; returns the case's index.
    ///
    /// # Safety
    /// As for [`Selector::send`].
    #[inline(always)]
    pub unsafe fn recv<T>(&mut self, c: &Chan<T>, slot: &mut RecvSlot<T>) -> usize {
        self.nrecvs += 1;
        let i = N - self.nrecvs;
        self.cases[i] = Scase { c: c.raw(), elem: slot.ptr() };
        i
    }

    /// Runs the select once every case is added.
    #[inline]
    #[track_caller]
    pub fn select(&mut self, block: bool) -> (isize, bool) {
        if self.nsends + self.nrecvs != N {
            throw("select: cases missing");
        }
        if N == 0 && block {
            self::block();
        }
        selectgo(&mut self.cases, &mut self.pollorder, &mut self.lockorder, self.nsends, block)
    }
}

/// A select's progress while [`select!`](crate::select!) unwinds its nested cases: the chosen
/// case not yet matched, or the chosen body's value.
pub enum Step<R> {
    Pending(isize, bool),
    Done(R),
}

/// Where a receive case's element lands.
pub struct RecvSlot<T>(MaybeUninit<T>);

impl<T> RecvSlot<T> {
    /// A slot typed by the channel it receives from.
    #[inline(always)]
    pub fn new(_: &Chan<T>) -> Self {
        RecvSlot(MaybeUninit::uninit())
    }
    #[inline(always)]
    pub fn ptr(&mut self) -> *mut u8 {
        self.0.as_mut_ptr() as *mut u8
    }
    /// The received value: Some if the case received one, None if the channel was closed.
    #[inline(always)]
    pub fn take(&mut self, ok: bool) -> Option<T> {
        // SAFETY: a successful receive case wrote a T into the slot, moved out of its sender.
        if ok { Some(unsafe { self.0.assume_init_read() }) } else { None }
    }
}

/// A send case's value: moved into the channel if the case is chosen, dropped otherwise.
pub struct SendSlot<T> {
    v: ManuallyDrop<T>,
    sent: bool,
}

impl<T> SendSlot<T> {
    /// The value, typed by the channel it goes to.
    #[inline(always)]
    pub fn new(_: &Chan<T>, v: T) -> Self {
        SendSlot { v: ManuallyDrop::new(v), sent: false }
    }
    #[inline(always)]
    pub fn ptr(&mut self) -> *mut u8 {
        &mut *self.v as *mut T as *mut u8
    }
    /// The case was chosen: the channel owns the value now.
    #[inline(always)]
    pub fn sent(&mut self) {
        self.sent = true;
    }
}

impl<T> Drop for SendSlot<T> {
    fn drop(&mut self) {
        if !self.sent {
            // SAFETY: the value was not moved into a channel, so it is still ours, dropped once.
            unsafe { ManuallyDrop::drop(&mut self.v) };
        }
    }
}

/// Go's `select` statement over typed channels:
///
/// ```ignore
/// runtime::select! {
///     recv(data) -> v => match v { Some(x) => total += x, None => done = true },
///     send(out, 42) => sent += 1,
///     recv(timeout) -> _ => return,
///     default => idle += 1,
/// }
/// ```
///
/// Each `recv` binds `Option<T>` (None: closed and drained); bodies are expressions or blocks, and
/// the select evaluates to the chosen body's value. Without `default` it blocks until a case can
/// proceed; with no cases at all it blocks forever.
#[macro_export]
macro_rules! select {
    // Parsing: normalise each case into (recv (chan) (pat) {body}) / (send (chan) (value) {body}).
    (@parse [$($cases:tt)*] [$($def:tt)*]) => {
        $crate::select!(@start [$($cases)*] [$($def)*])
    };
    (@parse [$($cases:tt)*] [$($def:tt)*] recv($c:expr) -> $p:pat => $body:block, $($rest:tt)*) => {
        $crate::select!(@parse [$($cases)* (recv ($c) ($p) $body)] [$($def)*] $($rest)*)
    };
    (@parse [$($cases:tt)*] [$($def:tt)*] recv($c:expr) -> $p:pat => $body:block $($rest:tt)*) => {
        $crate::select!(@parse [$($cases)* (recv ($c) ($p) $body)] [$($def)*] $($rest)*)
    };
    (@parse [$($cases:tt)*] [$($def:tt)*] recv($c:expr) -> $p:pat => $body:expr, $($rest:tt)*) => {
        $crate::select!(@parse [$($cases)* (recv ($c) ($p) { $body })] [$($def)*] $($rest)*)
    };
    (@parse [$($cases:tt)*] [$($def:tt)*] recv($c:expr) -> $p:pat => $body:expr) => {
        $crate::select!(@parse [$($cases)* (recv ($c) ($p) { $body })] [$($def)*])
    };
    (@parse [$($cases:tt)*] [$($def:tt)*] send($c:expr, $v:expr) => $body:block, $($rest:tt)*) => {
        $crate::select!(@parse [$($cases)* (send ($c) ($v) $body)] [$($def)*] $($rest)*)
    };
    (@parse [$($cases:tt)*] [$($def:tt)*] send($c:expr, $v:expr) => $body:block $($rest:tt)*) => {
        $crate::select!(@parse [$($cases)* (send ($c) ($v) $body)] [$($def)*] $($rest)*)
    };
    (@parse [$($cases:tt)*] [$($def:tt)*] send($c:expr, $v:expr) => $body:expr, $($rest:tt)*) => {
        $crate::select!(@parse [$($cases)* (send ($c) ($v) { $body })] [$($def)*] $($rest)*)
    };
    (@parse [$($cases:tt)*] [$($def:tt)*] send($c:expr, $v:expr) => $body:expr) => {
        $crate::select!(@parse [$($cases)* (send ($c) ($v) { $body })] [$($def)*])
    };
    (@parse [$($cases:tt)*] [] default => $body:block, $($rest:tt)*) => {
        $crate::select!(@parse [$($cases)*] [$body] $($rest)*)
    };
    (@parse [$($cases:tt)*] [] default => $body:block $($rest:tt)*) => {
        $crate::select!(@parse [$($cases)*] [$body] $($rest)*)
    };
    (@parse [$($cases:tt)*] [] default => $body:expr, $($rest:tt)*) => {
        $crate::select!(@parse [$($cases)*] [{ $body }] $($rest)*)
    };
    (@parse [$($cases:tt)*] [] default => $body:expr) => {
        $crate::select!(@parse [$($cases)*] [{ $body }])
    };
    (@one $case:tt) => { 1usize };
    (@start [$($case:tt)*] [$($def:tt)*]) => {{
        const __RT0_SELECT_N: usize = 0usize $(+ $crate::select!(@one $case))*;
        let mut __rt0_sel = $crate::select::Selector::<__RT0_SELECT_N>::new();
        match $crate::select!(@gen __rt0_sel [$($def)*] $($case)*) {
            $crate::select::Step::Done(v) => v,
            $crate::select::Step::Pending(..) => unreachable!("select: no case matched"),
        }
    }};
    // Generation: one nested block per case, so that each case's slot lives until the select
    // returns; the innermost block runs the select, and each level claims its own case.
    (@gen $sel:ident [$($def:tt)*] (recv ($c:expr) ($p:pat) $body:block) $($rest:tt)*) => {{
        let __rt0_ch = &$c;
        let mut __rt0_slot = $crate::select::RecvSlot::new(__rt0_ch);
        // The channel and the slot live in this block, which the select returns within.
        // SAFETY: see `Selector::recv`.
        let __rt0_i = unsafe { $sel.recv(__rt0_ch, &mut __rt0_slot) } as isize;
        match $crate::select!(@gen $sel [$($def)*] $($rest)*) {
            $crate::select::Step::Pending(i, ok) if i == __rt0_i => {
                #[allow(unused_variables)]
                let $p = __rt0_slot.take(ok);
                $crate::select::Step::Done($body)
            }
            other => other,
        }
    }};
    (@gen $sel:ident [$($def:tt)*] (send ($c:expr) ($v:expr) $body:block) $($rest:tt)*) => {{
        let __rt0_ch = &$c;
        let mut __rt0_slot = $crate::select::SendSlot::new(__rt0_ch, $v);
        // The channel and the slot live in this block, which the select returns within.
        // SAFETY: see `Selector::send`.
        let __rt0_i = unsafe { $sel.send(__rt0_ch, &mut __rt0_slot) } as isize;
        match $crate::select!(@gen $sel [$($def)*] $($rest)*) {
            $crate::select::Step::Pending(i, _) if i == __rt0_i => {
                __rt0_slot.sent();
                $crate::select::Step::Done($body)
            }
            other => other,
        }
    }};
    (@gen $sel:ident []) => {{
        let (i, ok) = $sel.select(true);
        $crate::select::Step::Pending(i, ok)
    }};
    (@gen $sel:ident [$def:block]) => {{
        let (i, ok) = $sel.select(false);
        if i < 0 { $crate::select::Step::Done($def) } else { $crate::select::Step::Pending(i, ok) }
    }};
    // Entry.
    ($($tokens:tt)*) => {
        $crate::select!(@parse [] [] $($tokens)*)
    };
}

#[cfg(test)]
mod tests;
