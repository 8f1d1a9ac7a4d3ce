//! Channels. Mirrors Go 1.19's runtime/chan.go: `hchan`, `makechan`, `chansend`, `chanrecv`,
//! `closechan`, `send`/`recv` (direct hand-over to a parked partner), `waitq`'s `enqueue`/`dequeue`
//! (skipping a select's sudog whose select another case already won), `full`/`empty`, and the
//! non-blocking forms select uses (`selectnbsend`/`selectnbrecv`).
//!
//! An [`Hchan`] holds elements of one size as raw bytes: a circular buffer of `dataqsiz` slots
//! (none for an unbuffered channel), the count `qcount`, the `sendx`/`recvx` indices, and two
//! FIFO queues of sudogs — the goroutines parked sending (each sudog's `elem` points at the value
//! on the sender's stack) and receiving (`elem` points at where the value goes). A send finds a
//! parked receiver first and copies straight into its slot; otherwise it fills the buffer;
//! otherwise it parks. A receive mirrors that; when a sender is parked on a full buffer, the
//! receiver takes the head of the buffer and puts the sender's value at the tail, so FIFO order
//! holds. `closechan` wakes every receiver (which get the zero value and `ok == false`) and every
//! sender (which panic). Receives on a closed channel drain the buffer first.
//!
//! [`Chan<T>`] is the typed handle for safe Rust: a reference-counted pointer to an `Hchan` whose
//! element is a `T`, moved in by `send` and out by `recv`; a nil `Chan` (Go's zero channel) blocks
//! forever. The last handle to go drops the elements still buffered and frees the channel (Go
//! leaves this to its collector).
//!
//! Panics and fatal errors carry Go's texts: `send on closed channel`, `close of closed
//! channel`, `close of nil channel`, `makechan: size out of range`, and the throw
//! `makechan: invalid channel element type` for elements of 64 KiB or more.
//!
//! Locks: each channel's `lock` (a runtime mutex) guards its indices, buffer and queues and the
//! sudogs on them. A select takes several channels' locks in address order (`select.rs`);
//! `sched.sudoglock` may be taken while channel locks are held (acquire_sudog in a select's
//! enqueue pass), never the reverse. goready is called after the channel lock is released.
//! `qcount`, `closed` and the queues' heads are also read without the lock by the non-blocking
//! fast paths (atomics, as Go's), which then re-check under it.
//!
//! rt0's stacks never move, so Go's `parkingOnChan`/`activeStackChans` (for stack shrinking)
//! are absent.
use crate::lock_futex::{Mutex, lock, try_lock, unlock, unlock_ret};
use crate::panic::throw;
use crate::proc::{acquire_sudog, gopark, goparkunlock, goready, release_sudog};
use crate::runtime2::{Sudog, WaitReason};
use crate::tls::getg;
use alloc::alloc::{Layout, alloc_zeroed, dealloc};
use alloc::boxed::Box;
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ptr::{copy_nonoverlapping, null_mut, write_bytes};
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize};

/// Elements of this size or more are refused (Go's `elem.size >= 1<<16` check).
pub const MAX_ELEM_SIZE: usize = 1 << 16;
/// The largest buffer makechan allocates (Go's `maxAlloc` on amd64 is 2^48).
pub const MAX_ALLOC: usize = 1 << 48;

/// A queue of parked goroutines' sudogs (Go's `waitq`). `first` is also read without the lock.
pub struct WaitQ {
    first: AtomicPtr<Sudog>,
    last: *mut Sudog,
}

impl WaitQ {
    const fn new() -> WaitQ {
        WaitQ { first: AtomicPtr::new(null_mut()), last: null_mut() }
    }

    /// Whether nobody waits (a racy read when the lock is not held).
    pub fn is_empty(&self) -> bool {
        self.first.load(Relaxed).is_null()
    }

    /// Appends `sgp` (Go's `enqueue`).
    ///
    /// # Safety
    /// The channel's lock is held, and `sgp` is a live sudog on no queue.
    pub unsafe fn enqueue(&mut self, sgp: *mut Sudog) {
        // SAFETY: the caller's lock guards every sudog on this queue and gives us `sgp`.
        unsafe {
            (*sgp).next = null_mut();
            let x = self.last;
            if x.is_null() {
                (*sgp).prev = null_mut();
                self.first.store(sgp, Relaxed);
                self.last = sgp;
                return;
            }
            (*sgp).prev = x;
            (*x).next = sgp;
            self.last = sgp;
        }
    }

    /// Takes the first waiter, skipping (and unlinking) select sudogs whose goroutine another
    /// case has already claimed (Go's `dequeue`).
    ///
    /// # Safety
    /// The channel's lock is held.
    pub unsafe fn dequeue(&mut self) -> *mut Sudog {
        loop {
            let sgp = self.first.load(Relaxed);
            if sgp.is_null() {
                return null_mut();
            }
            // Sgp and its neighbours are on this queue, guarded by the caller's lock; a
            // queued sudog's G is live (Gs are never freed).
            // SAFETY: so the block below is sound.
            unsafe {
                let y = (*sgp).next;
                if y.is_null() {
                    self.first.store(null_mut(), Relaxed);
                    self.last = null_mut();
                } else {
                    (*y).prev = null_mut();
                    self.first.store(y, Relaxed);
                    (*sgp).next = null_mut();
                }
                // A goroutine in a select sits on several queues; between another case waking it
                // and it taking the channels' locks to unlink itself, its sudogs are still here.
                // `select_done` says whether someone has already won that race.
                if (*sgp).is_select && (*(*sgp).g).select_done.compare_exchange(0, 1, SeqCst, SeqCst).is_err() {
                    continue;
                }
            }
            return sgp;
        }
    }

    /// Unlinks `sgp` from wherever it is in the queue, if it is there (Go's `dequeueSudoG`).
    ///
    /// # Safety
    /// The channel's lock is held and `sgp` is live.
    pub unsafe fn dequeue_sudog(&mut self, sgp: *mut Sudog) {
        // SAFETY: the caller's lock guards the queue and its sudogs.
        unsafe {
            let x = (*sgp).prev;
            let y = (*sgp).next;
            if !x.is_null() {
                if !y.is_null() {
                    // middle of queue
                    (*x).next = y;
                    (*y).prev = x;
                } else {
                    // end of queue
                    (*x).next = null_mut();
                    self.last = x;
                }
                (*sgp).next = null_mut();
                (*sgp).prev = null_mut();
                return;
            }
            if !y.is_null() {
                // start of queue
                (*y).prev = null_mut();
                self.first.store(y, Relaxed);
                (*sgp).next = null_mut();
                return;
            }
            // x == y == nil: either sgp is the only element in the queue, or it has already been
            // removed by someone else.
            if self.first.load(Relaxed) == sgp {
                self.first.store(null_mut(), Relaxed);
                self.last = null_mut();
            }
        }
    }
}

/// What the channel's lock guards.
pub struct Queues {
    pub sendx: usize,
    pub recvx: usize,
    /// Parked receivers.
    pub recvq: WaitQ,
    /// Parked senders.
    pub sendq: WaitQ,
}

/// A channel (Go's `hchan`).
pub struct Hchan {
    /// Elements in the buffer.
    pub qcount: AtomicUsize,
    /// The buffer's capacity in elements.
    pub dataqsiz: usize,
    buf: *mut u8,
    pub elemsize: usize,
    elemalign: usize,
    /// Nonzero once closed (written under the lock, read without it by the fast paths).
    pub closed: AtomicU32,
    pub lock: Mutex,
    q: UnsafeCell<Queues>,
    /// Typed handles ([`Chan`]) alive; the last one frees the channel.
    refs: AtomicUsize,
    /// Drops an element left in the buffer when the channel is freed (typed channels).
    drop_elem: Option<unsafe fn(*mut u8)>,
}

// The buffer and the queues are touched only with `lock` held;
// SAFETY: the fields read without it are atomics, and the rest never change after makechan.
unsafe impl Sync for Hchan {}
// SAFETY: as above; an Hchan refers to no thread-local state.
unsafe impl Send for Hchan {}

impl Hchan {
    /// The state the lock guards.
    ///
    /// # Safety
    /// The caller holds `self.lock` and keeps no other reference to the queues.
    #[allow(clippy::mut_from_ref)]
    #[inline(always)]
    pub unsafe fn queues(&self) -> &mut Queues {
        // SAFETY: the lock held by the caller makes this the only reference.
        unsafe { &mut *self.q.get() }
    }

    /// The address of buffer slot `i` (Go's `chanbuf`).
    #[inline(always)]
    pub(crate) fn chanbuf(&self, i: usize) -> *mut u8 {
        self.buf.wrapping_add(i * self.elemsize)
    }

    /// Whether a send would block (Go's `full`): no receiver waiting on an unbuffered channel,
    /// or a full buffer. Racy when the lock is not held.
    #[inline]
    pub fn full(&self) -> bool {
        if self.dataqsiz == 0 {
            // SAFETY: only the head pointer, an atomic, is read.
            return unsafe { &*self.q.get() }.recvq.is_empty();
        }
        self.qcount.load(Relaxed) == self.dataqsiz
    }

    /// Whether a receive would block (Go's `empty`). Racy when the lock is not held.
    #[inline]
    pub fn empty(&self) -> bool {
        if self.dataqsiz == 0 {
            // SAFETY: only the head pointer, an atomic, is read.
            return unsafe { &*self.q.get() }.sendq.is_empty();
        }
        self.qcount.load(Relaxed) == 0
    }

    /// Copies one element from `src` to `dst` (Go's `typedmemmove`; word-sized elements without
    /// a call to memcpy).
    #[inline(always)]
    pub(crate) fn memmove(&self, dst: *mut u8, src: *const u8) {
        // Both point at element-sized slots (a buffer slot, a sudog's elem, the caller's
        // value), distinct since a goroutine never sends to itself.
        // SAFETY: so the block below is sound.
        unsafe {
            match self.elemsize {
                0 => {}
                8 => (dst as *mut u64).write_unaligned((src as *const u64).read_unaligned()),
                4 => (dst as *mut u32).write_unaligned((src as *const u32).read_unaligned()),
                16 => (dst as *mut u128).write_unaligned((src as *const u128).read_unaligned()),
                n => copy_nonoverlapping(src, dst, n),
            }
        }
    }

    /// memmove for the elements the fast paths take without a call (up to 16 bytes): two
    /// overlapping words of the largest size that fits, as small memcpys do; false, copying
    /// nothing, for larger elements.
    #[inline(always)]
    fn memmove_small(&self, dst: *mut u8, src: *const u8) -> bool {
        let n = self.elemsize;
        // SAFETY: as in memmove; every access is within the n bytes of both slots.
        unsafe {
            if n >= 8 {
                if n > 16 {
                    return false;
                }
                let (a, b) = ((src as *const u64).read_unaligned(), (src.add(n - 8) as *const u64).read_unaligned());
                (dst as *mut u64).write_unaligned(a);
                (dst.add(n - 8) as *mut u64).write_unaligned(b);
            } else if n >= 4 {
                let (a, b) = ((src as *const u32).read_unaligned(), (src.add(n - 4) as *const u32).read_unaligned());
                (dst as *mut u32).write_unaligned(a);
                (dst.add(n - 4) as *mut u32).write_unaligned(b);
            } else if n > 0 {
                // 1 to 3 bytes: the first, the middle and the last (some the same).
                let (a, m, b) = (*src, *src.add(n / 2), *src.add(n - 1));
                *dst = a;
                *dst.add(n / 2) = m;
                *dst.add(n - 1) = b;
            }
        }
        true
    }

    /// memclr for the sizes memmove_small takes, without a call.
    #[inline(always)]
    fn memclr_small(&self, p: *mut u8) {
        let n = self.elemsize;
        // SAFETY: as in memclr; every access is within the n bytes of the slot (n <= 16 here).
        unsafe {
            if n >= 8 {
                (p as *mut u64).write_unaligned(0);
                (p.add(n - 8) as *mut u64).write_unaligned(0);
            } else if n >= 4 {
                (p as *mut u32).write_unaligned(0);
                (p.add(n - 4) as *mut u32).write_unaligned(0);
            } else if n > 0 {
                *p = 0;
                *p.add(n / 2) = 0;
                *p.add(n - 1) = 0;
            }
        }
    }

    /// Zeroes one element at `p` (Go's `typedmemclr`).
    #[inline(always)]
    pub(crate) fn memclr(&self, p: *mut u8) {
        // SAFETY: `p` is an element-sized slot (see memmove).
        unsafe {
            match self.elemsize {
                0 => {}
                8 => (p as *mut u64).write_unaligned(0),
                4 => (p as *mut u32).write_unaligned(0),
                16 => (p as *mut u128).write_unaligned(0),
                n => write_bytes(p, 0, n),
            }
        }
    }
}

/// makechan: a channel of `size` elements of `elemsize` bytes aligned to `elemalign`.
#[track_caller]
pub(crate) fn makechan(elemsize: usize, elemalign: usize, size: usize) -> *mut Hchan {
    if elemsize >= MAX_ELEM_SIZE {
        throw("makechan: invalid channel element type");
    }
    let mem = elemsize.checked_mul(size);
    let Some(mem) = mem.filter(|&m| m <= MAX_ALLOC - size_of::<Hchan>() && size as isize >= 0) else {
        panic!("makechan: size out of range")
    };
    let buf = if mem == 0 {
        // Queue or element size is zero: slots need no memory (Go points buf at the hchan).
        core::ptr::without_provenance_mut(elemalign.max(1))
    } else {
        let layout = Layout::from_size_align(mem, elemalign).unwrap_or_else(|_| panic!("makechan: size out of range"));
        // SAFETY: the layout has a nonzero size.
        let p = unsafe { alloc_zeroed(layout) };
        if p.is_null() {
            throw("out of memory");
        }
        p
    };
    Box::into_raw(Box::new(Hchan {
        qcount: AtomicUsize::new(0),
        dataqsiz: size,
        buf,
        elemsize,
        elemalign,
        closed: AtomicU32::new(0),
        lock: Mutex::new(),
        q: UnsafeCell::new(Queues { sendx: 0, recvx: 0, recvq: WaitQ::new(), sendq: WaitQ::new() }),
        refs: AtomicUsize::new(1),
        drop_elem: None,
    }))
}

/// chansend: sends the element at `ep`. With `block` false, returns false instead of blocking.
/// A nil channel blocks forever; a closed one panics.
///
/// The common case of a buffered channel — lock free to take, open, no receiver parked, room in
/// the buffer, an element of 0, 4, 8 or 16 bytes — is done here without a call (the unlock's
/// wake-up, when needed, is a tail call); otherwise a buffered channel whose lock was taken
/// continues in [`chansend_locked`], an unbuffered one in [`chansend_unbuffered`], and the rest —
/// the nil channel, a held lock — in [`chansend_slow`] from the start. Go's checks come in the
/// same order either way.
#[track_caller]
pub(crate) fn chansend(c: *mut Hchan, ep: *const u8, block: bool) -> bool {
    // SAFETY: a non-nil channel pointer comes from makechan and is kept alive by its handles.
    if let Some(ch) = unsafe { c.as_ref() } {
        if ch.dataqsiz == 0 {
            return chansend_unbuffered(ch, ep, block);
        }
        if !try_lock(&ch.lock) {
            return chansend_slow(c, ep, block);
        }
        // SAFETY: the lock is held.
        let q = unsafe { ch.queues() };
        let n = ch.qcount.load(Relaxed);
        if ch.closed.load(Relaxed) == 0
            && q.recvq.is_empty()
            && n < ch.dataqsiz
            && ch.memmove_small(ch.chanbuf(q.sendx), ep)
        {
            q.sendx += 1;
            if q.sendx == ch.dataqsiz {
                q.sendx = 0;
            }
            ch.qcount.store(n + 1, Relaxed);
            return unlock_ret(&ch.lock, true);
        }
        return chansend_locked(ch, ep, block);
    }
    chansend_slow(c, ep, block)
}

/// chansend on an unbuffered channel: Go's path from the lock on (its lock-free check is for
/// non-blocking sends only).
#[inline(never)]
#[track_caller]
fn chansend_unbuffered(ch: &Hchan, ep: *const u8, block: bool) -> bool {
    if !block && ch.closed.load(Relaxed) == 0 && ch.full() {
        return false;
    }
    lock(&ch.lock);
    chansend_locked(ch, ep, block)
}

/// chansend for every case but a buffered send into room: from the start.
#[inline(never)]
#[track_caller]
fn chansend_slow(c: *mut Hchan, ep: *const u8, block: bool) -> bool {
    if c.is_null() {
        if !block {
            // (opaque, so that callers do not learn that this path always fails and keep the
            // call out of tail position)
            return core::hint::black_box(false);
        }
        gopark(None, null_mut(), WaitReason::ChanSendNilChan);
        throw("unreachable");
    }
    // SAFETY: a non-nil channel pointer comes from makechan and is kept alive by its handles.
    let c = unsafe { &*c };
    // Fast path: a non-blocking send on an open channel that is full fails without the lock.
    // Reading `closed` before `full` (which may be stale) is fine: the channel was open when
    // it was full, so the send could not have proceeded at that moment (Go's reasoning).
    if !block && c.closed.load(Relaxed) == 0 && c.full() {
        return false;
    }
    lock(&c.lock);
    chansend_locked(c, ep, block)
}

/// chansend with the channel's lock held: from Go's closed check on.
#[inline(never)]
#[track_caller]
fn chansend_locked(c: &Hchan, ep: *const u8, block: bool) -> bool {
    if c.closed.load(Relaxed) != 0 {
        unlock(&c.lock);
        panic!("send on closed channel");
    }
    // SAFETY: the lock is held.
    let q = unsafe { c.queues() };
    // SAFETY: the lock is held.
    let sg = unsafe { q.recvq.dequeue() };
    if !sg.is_null() {
        // A receiver is waiting: pass the value straight to it, bypassing the buffer.
        send(c, sg, ep, || unlock(&c.lock));
        return true;
    }
    if c.qcount.load(Relaxed) < c.dataqsiz {
        // Space in the buffer: enqueue the element.
        c.memmove(c.chanbuf(q.sendx), ep);
        q.sendx += 1;
        if q.sendx == c.dataqsiz {
            q.sendx = 0;
        }
        c.qcount.store(c.qcount.load(Relaxed) + 1, Relaxed);
        unlock(&c.lock);
        return true;
    }
    if !block {
        unlock(&c.lock);
        return false;
    }
    // Block on the channel; some receiver completes the operation for us.
    let gp = getg();
    let mysg = acquire_sudog();
    // SAFETY: mysg is ours until enqueued; gp is the running G; the lock guards the queue.
    unsafe {
        (*mysg).elem = ep as *mut u8;
        (*mysg).g = gp;
        (*mysg).c = c as *const Hchan as *mut Hchan;
        (*gp).waiting = mysg;
        (*gp).param = null_mut();
        q.sendq.enqueue(mysg);
    }
    goparkunlock(&c.lock, WaitReason::ChanSend);
    // Someone woke us up: a receiver took the value, or the channel closed.
    // SAFETY: whoever readied us dequeued mysg and wrote `success` before goready.
    let closed = unsafe {
        if mysg != (*gp).waiting {
            throw("G waiting list is corrupted");
        }
        (*gp).waiting = null_mut();
        (*gp).param = null_mut();
        (*mysg).c = null_mut();
        !(*mysg).success
    };
    release_sudog(mysg);
    if closed {
        if c.closed.load(Relaxed) == 0 {
            throw("chansend: spurious wakeup");
        }
        panic!("send on closed channel");
    }
    true
}

/// send: hands `ep`'s element to the receiver parked on `sg` (already dequeued), releases the
/// channel's lock(s) with `unlockf`, and readies the receiver (Go's `send`).
#[inline(always)]
pub(crate) fn send(c: &Hchan, sg: *mut Sudog, ep: *const u8, unlockf: impl FnOnce()) {
    // SAFETY: sg was dequeued under the lock still held; its G stays parked until goready.
    let gp = unsafe {
        if !(*sg).elem.is_null() {
            c.memmove((*sg).elem, ep); // sendDirect: onto the receiver's stack
            (*sg).elem = null_mut();
        }
        (*sg).g
    };
    unlockf();
    // SAFETY: as above: the receiver reads these only after it runs again.
    unsafe {
        (*gp).param = sg;
        (*sg).success = true;
    }
    goready(gp);
}

/// closechan: closes the channel; every parked receiver wakes with the zero value, every parked
/// sender wakes to panic.
#[track_caller]
pub(crate) fn closechan(c: *mut Hchan) {
    if c.is_null() {
        panic!("close of nil channel");
    }
    // SAFETY: see chansend.
    let c = unsafe { &*c };
    lock(&c.lock);
    if c.closed.load(Relaxed) != 0 {
        unlock(&c.lock);
        panic!("close of closed channel");
    }
    c.closed.store(1, Release);
    // SAFETY: the lock is held.
    let q = unsafe { c.queues() };
    let mut glist: *mut crate::runtime2::G = null_mut();
    // Release all readers, then all writers (they will panic).
    for (queue, readers) in [(&mut q.recvq, true), (&mut q.sendq, false)] {
        loop {
            // SAFETY: the lock is held.
            let sg = unsafe { queue.dequeue() };
            if sg.is_null() {
                break;
            }
            // SAFETY: sg was just dequeued under the lock; its G stays parked until readied below.
            unsafe {
                if !(*sg).elem.is_null() {
                    if readers {
                        c.memclr((*sg).elem); // a reader gets the zero value
                    }
                    (*sg).elem = null_mut();
                }
                let gp = (*sg).g;
                (*gp).param = sg;
                (*sg).success = false;
                (*gp).schedlink = glist;
                glist = gp;
            }
        }
    }
    unlock(&c.lock);
    // Ready all Gs now that the channel lock is dropped.
    while !glist.is_null() {
        let gp = glist;
        // SAFETY: gp is a parked G collected above; only this goroutine holds the list.
        unsafe {
            glist = (*gp).schedlink;
            (*gp).schedlink = null_mut();
        }
        goready(gp);
    }
}

/// chanrecv: receives into `ep` (or drops the element if `ep` is null). Returns (selected,
/// received): with `block` false and nothing ready, (false, false); a closed, drained channel
/// zeroes `*ep` and gives (true, false). A nil channel blocks forever.
///
/// The common case of a buffered channel — lock free to take, open, no sender parked, data in
/// the buffer, a small element (see chansend) — is done here without a call; otherwise a buffered
/// channel whose lock was taken continues in [`chanrecv_locked`], a blocking receive on an
/// unbuffered one in [`chanrecv_unbuffered`], and everything else in [`chanrecv_slow`] from the
/// start (including Go's lock-free check of a non-blocking receive).
pub(crate) fn chanrecv(c: *mut Hchan, ep: *mut u8, block: bool) -> (bool, bool) {
    // SAFETY: see chansend.
    if let Some(ch) = unsafe { c.as_ref() }
        && (ch.dataqsiz != 0 || block)
    {
        if ch.dataqsiz == 0 {
            return chanrecv_unbuffered(ch, ep);
        }
        if !try_lock(&ch.lock) {
            return chanrecv_slow(c, ep, block);
        }
        // SAFETY: the lock is held.
        let q = unsafe { ch.queues() };
        let n = ch.qcount.load(Relaxed);
        let qp = ch.chanbuf(q.recvx);
        if ch.closed.load(Relaxed) == 0 && q.sendq.is_empty() && n > 0 && !ep.is_null() && ch.memmove_small(ep, qp) {
            ch.memclr_small(qp);
            q.recvx += 1;
            if q.recvx == ch.dataqsiz {
                q.recvx = 0;
            }
            ch.qcount.store(n - 1, Relaxed);
            return unlock_ret(&ch.lock, (true, true));
        }
        return chanrecv_locked(ch, ep, block);
    }
    chanrecv_slow(c, ep, block)
}

/// A blocking chanrecv on an unbuffered channel: Go's path from the lock on.
#[inline(never)]
fn chanrecv_unbuffered(ch: &Hchan, ep: *mut u8) -> (bool, bool) {
    lock(&ch.lock);
    chanrecv_locked(ch, ep, true)
}

/// chanrecv for every case but a buffered receive of data: from the start.
#[inline(never)]
fn chanrecv_slow(c: *mut Hchan, ep: *mut u8, block: bool) -> (bool, bool) {
    if c.is_null() {
        if !block {
            return (false, false);
        }
        gopark(None, null_mut(), WaitReason::ChanReceiveNilChan);
        throw("unreachable");
    }
    // SAFETY: see chansend.
    let c = unsafe { &*c };
    // Fast path: check for a failed non-blocking operation without the lock.
    if !block && c.empty() {
        // The channel cannot be reopened: once seen empty and not closed, the receive would have
        // blocked at that moment.
        if c.closed.load(Acquire) == 0 {
            return (false, false);
        }
        // Closed: re-check emptiness, since a send may have slipped in before the close.
        if c.empty() {
            if !ep.is_null() {
                c.memclr(ep);
            }
            return (true, false);
        }
    }
    lock(&c.lock);
    chanrecv_locked(c, ep, block)
}

/// chanrecv with the channel's lock held: from Go's closed check on.
#[inline(never)]
fn chanrecv_locked(c: &Hchan, ep: *mut u8, block: bool) -> (bool, bool) {
    // SAFETY: the lock is held.
    let q = unsafe { c.queues() };
    if c.closed.load(Relaxed) != 0 {
        if c.qcount.load(Relaxed) == 0 {
            unlock(&c.lock);
            if !ep.is_null() {
                c.memclr(ep);
            }
            return (true, false);
        }
        // The channel is closed but its buffer still has data: fall through to drain it.
    } else {
        // SAFETY: the lock is held.
        let sg = unsafe { q.sendq.dequeue() };
        if !sg.is_null() {
            // A sender is waiting: an unbuffered channel takes its value directly; a full buffer
            // gives its head and takes the sender's value at its tail.
            recv(c, sg, ep, || unlock(&c.lock));
            return (true, true);
        }
    }
    if c.qcount.load(Relaxed) > 0 {
        // Receive directly from the buffer.
        let qp = c.chanbuf(q.recvx);
        if !ep.is_null() {
            c.memmove(ep, qp);
        }
        c.memclr(qp);
        q.recvx += 1;
        if q.recvx == c.dataqsiz {
            q.recvx = 0;
        }
        c.qcount.store(c.qcount.load(Relaxed) - 1, Relaxed);
        unlock(&c.lock);
        return (true, true);
    }
    if !block {
        unlock(&c.lock);
        return (false, false);
    }
    // No sender available: block on this channel.
    let gp = getg();
    let mysg = acquire_sudog();
    // SAFETY: mysg is ours until enqueued; gp is the running G; the lock guards the queue.
    unsafe {
        (*mysg).elem = ep;
        (*gp).waiting = mysg;
        (*mysg).g = gp;
        (*mysg).c = c as *const Hchan as *mut Hchan;
        (*gp).param = null_mut();
        q.recvq.enqueue(mysg);
    }
    goparkunlock(&c.lock, WaitReason::ChanReceive);
    // SAFETY: whoever readied us dequeued mysg and wrote `success` (and the element) first.
    let success = unsafe {
        if mysg != (*gp).waiting {
            throw("G waiting list is corrupted");
        }
        (*gp).waiting = null_mut();
        (*gp).param = null_mut();
        (*mysg).c = null_mut();
        (*mysg).success
    };
    release_sudog(mysg);
    (true, success)
}

/// recv: completes a receive with the sender parked on `sg` (already dequeued), then releases
/// the lock(s) with `unlockf` and readies the sender (Go's `recv`).
#[inline(always)]
pub(crate) fn recv(c: &Hchan, sg: *mut Sudog, ep: *mut u8, unlockf: impl FnOnce()) {
    // The lock is held by the caller (released by unlockf below); sg was dequeued under it
    // and its G stays parked until goready.
    // SAFETY: so the block below is sound.
    unsafe {
        if c.dataqsiz == 0 {
            if !ep.is_null() {
                c.memmove(ep, (*sg).elem); // recvDirect: from the sender's stack
            }
        } else {
            // The queue is full: take the item at its head and put the sender's at its tail (the
            // same slot, since the buffer is full).
            let q = c.queues();
            let qp = c.chanbuf(q.recvx);
            if !ep.is_null() {
                c.memmove(ep, qp);
            }
            c.memmove(qp, (*sg).elem);
            q.recvx += 1;
            if q.recvx == c.dataqsiz {
                q.recvx = 0;
            }
            q.sendx = q.recvx; // c.sendx = (c.sendx+1) % c.dataqsiz
        }
        (*sg).elem = null_mut();
    }
    // SAFETY: as above.
    let gp = unsafe { (*sg).g };
    unlockf();
    // SAFETY: as above: the sender reads these only after it runs again.
    unsafe {
        (*gp).param = sg;
        (*sg).success = true;
    }
    goready(gp);
}

/// len(c): elements in the buffer (0 for nil).
pub(crate) fn chanlen(c: *const Hchan) -> usize {
    // SAFETY: see chansend.
    if c.is_null() { 0 } else { unsafe { (*c).qcount.load(Relaxed) } }
}

/// cap(c): the buffer's capacity (0 for nil).
pub(crate) fn chancap(c: *const Hchan) -> usize {
    // SAFETY: see chansend.
    if c.is_null() { 0 } else { unsafe { (*c).dataqsiz } }
}

/// A typed channel of `T` (Go's `chan T`): a counted reference to an [`Hchan`], or nil.
pub struct Chan<T> {
    c: *mut Hchan,
    _t: PhantomData<T>,
}

// Elements move between goroutines, which may run on different threads:
// SAFETY: a Chan is shareable and sendable when its elements are sendable; the Hchan is Sync.
unsafe impl<T: Send> Send for Chan<T> {}
// SAFETY: as above: every operation goes through the channel's lock.
unsafe impl<T: Send> Sync for Chan<T> {}

impl<T> Chan<T> {
    /// make(chan T, size): unbuffered for 0.
    #[track_caller]
    pub fn new(size: usize) -> Chan<T> {
        let c = makechan(size_of::<T>(), align_of::<T>(), size);
        unsafe fn drop_elem<T>(p: *mut u8) {
            // SAFETY: the caller passes a buffer slot holding a live T.
            unsafe { core::ptr::drop_in_place(p as *mut T) }
        }
        if core::mem::needs_drop::<T>() {
            // SAFETY: c is fresh and not shared yet.
            unsafe { (*c).drop_elem = Some(drop_elem::<T>) };
        }
        Chan { c, _t: PhantomData }
    }

    /// The nil channel (Go's zero `chan T`): sends and receives block forever, close panics.
    pub const fn nil() -> Chan<T> {
        Chan { c: null_mut(), _t: PhantomData }
    }

    /// Whether this is the nil channel.
    pub fn is_nil(&self) -> bool {
        self.c.is_null()
    }

    /// The runtime channel, for select.
    pub fn raw(&self) -> *mut Hchan {
        self.c
    }

    /// c <- v: blocks until a receiver takes `v` or the buffer has room. Panics with "send on
    /// closed channel" if the channel is (or gets) closed.
    #[track_caller]
    pub fn send(&self, v: T) {
        let v = ManuallyDrop::new(v);
        chansend(self.c, &*v as *const T as *const u8, true);
    }

    /// select { case c <- v: default: } — Err(v) if the send would block.
    #[track_caller]
    pub fn try_send(&self, v: T) -> Result<(), T> {
        let v = ManuallyDrop::new(v);
        if chansend(self.c, &*v as *const T as *const u8, false) { Ok(()) } else { Err(ManuallyDrop::into_inner(v)) }
    }

    /// v, ok := <-c: Some(v), or None once the channel is closed and drained.
    pub fn recv(&self) -> Option<T> {
        let mut slot = MaybeUninit::<T>::uninit();
        let (_, ok) = chanrecv(self.c, slot.as_mut_ptr() as *mut u8, true);
        // SAFETY: a successful receive wrote a T into the slot, moved out of the sender.
        if ok { Some(unsafe { slot.assume_init() }) } else { None }
    }

    /// select { case v, ok := <-c: default: } — Err(()) if the receive would block, Ok(None) on
    /// a closed, drained channel.
    #[allow(clippy::result_unit_err)]
    pub fn try_recv(&self) -> Result<Option<T>, ()> {
        let mut slot = MaybeUninit::<T>::uninit();
        match chanrecv(self.c, slot.as_mut_ptr() as *mut u8, false) {
            (false, _) => Err(()),
            (true, false) => Ok(None),
            // SAFETY: as in recv.
            (true, true) => Ok(Some(unsafe { slot.assume_init() })),
        }
    }

    /// close(c).
    #[track_caller]
    pub fn close(&self) {
        closechan(self.c)
    }

    /// len(c).
    pub fn len(&self) -> usize {
        chanlen(self.c)
    }

    /// len(c) == 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// cap(c).
    pub fn cap(&self) -> usize {
        chancap(self.c)
    }
}

impl<T> Clone for Chan<T> {
    fn clone(&self) -> Chan<T> {
        if !self.c.is_null() {
            // SAFETY: this handle keeps the channel alive.
            unsafe { (*self.c).refs.fetch_add(1, Relaxed) };
        }
        Chan { c: self.c, _t: PhantomData }
    }
}

impl<T> Drop for Chan<T> {
    fn drop(&mut self) {
        if self.c.is_null() {
            return;
        }
        // SAFETY: this handle kept the channel alive until now.
        if unsafe { (*self.c).refs.fetch_sub(1, Release) } != 1 {
            return;
        }
        core::sync::atomic::fence(Acquire);
        // The last handle: no goroutine can be parked on the channel (a parked sender or receiver
        // holds a handle), so only buffered elements are left.
        // SAFETY: nothing else refers to the channel any more; it was made by makechan.
        unsafe {
            let c = Box::from_raw(self.c);
            let q = &*c.q.get();
            if let Some(drop_elem) = c.drop_elem {
                for i in 0..c.qcount.load(Relaxed) {
                    drop_elem(c.chanbuf((q.recvx + i) % c.dataqsiz));
                }
            }
            let mem = c.elemsize * c.dataqsiz;
            if mem != 0 {
                dealloc(c.buf, Layout::from_size_align_unchecked(mem, c.elemalign));
            }
        }
    }
}

/// make(chan T, size).
#[track_caller]
pub fn make<T>(size: usize) -> Chan<T> {
    Chan::new(size)
}
