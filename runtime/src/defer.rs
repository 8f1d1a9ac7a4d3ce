//! Deferred calls, panics that run them, `recover` and `Goexit`: the defer half of Go's
//! runtime/panic.go (`deferproc`, `deferreturn`, `gopanic`, `gorecover`, `Goexit`, the `_defer`
//! and `_panic` records of runtime2.go).
//!
//! ```ignore
//! let got = runtime::frame(|f| {          // a function with deferred calls
//!     f.defer(|| runtime::println!("deferred"));
//!     f.defer(|| if let Some(v) = runtime::recover() { runtime::println!("recovered: {v:?}") });
//!     might_panic();
//!     42
//! });                                     // Some(42), or None: a panic was recovered
//! ```
//!
//! # The mechanism: a frame runs on a stack segment of its own
//!
//! Programs are built with `panic=abort` (the target's only strategy without `-Zbuild-std`), so
//! nothing unwinds. Go's own answer does not carry over either: its `recovery` resets SP into the
//! recovering function's frame, skipping every frame in between — for Rust code that is a
//! longjmp over frames whose destructors and drop guards never run, undefined behaviour.
//!
//! rt0 does it the way a stackful coroutine does, with nothing skipped and nothing resumed
//! twice:
//!
//! - `frame(body)` (Go's function with a `defer` statement) switches the goroutine to a fresh
//!   stack segment (asm_amd64's context switch) and runs `body` there, then its deferred calls
//!   in LIFO order (Go's `deferreturn`), then switches back. The segment is kept for the next
//!   frame.
//! - A panic (`panic!` of Rust, through the panic handler, or [`panic_any`]) calls [`gopanic`] on
//!   the panicking stack, which runs the deferred calls of the open frames, innermost first, as
//!   Go's does, on top of that stack: nothing has been popped, every borrow is still live.
//! - When a deferred call recovers, gopanic switches straight back to the context the
//!   recovering frame saved when it entered its segment: that frame's `frame(…)` returns
//!   `None` after its remaining deferred calls ran. The segments above it — the body's frames
//!   up to the panic — are **abandoned, never resumed and never reused**: their memory stays
//!   allocated (leaked, so a `Pin`ned value on them is never invalidated), their destructors do
//!   not run (as `mem::forget`, which safe code must already tolerate).
//!
//! Soundness rests on one rule the types enforce: `body` and every deferred closure are
//! `'static`. Code that continues after a recovery can therefore reach nothing the abandoned
//! frames had borrowed — no slice left half-sorted, no `Vec` mid-`retain` — only values it
//! shares by ownership (`Rc`, `Arc`, statics), whose interior mutability leaves them either
//! consistent (`Cell`: no user code runs inside its operations) or held (a `RefCell` borrow or a
//! lock guard held by an abandoned frame stays held: a later access panics or blocks, as in Go
//! where only a deferred unlock releases a mutex). A panic while the M holds runtime locks is
//! Go's fatal `panic holding locks`, so the runtime's own state is never abandoned half-way.
//!
//! `Goexit` runs every deferred call of the goroutine the same way, then ends it; its stack is
//! abandoned too (the G gets a fresh one for its next life).
//!
//! Differences from Go, by construction: deferred calls belong to `frame`s, not to every
//! function; `recover` stops a panic when called anywhere in a deferred call that gopanic runs,
//! except inside a `frame` that call opens (Go: only directly in the deferred function); a
//! recovery during `Goexit` resumes the recovering frame instead of continuing the `Goexit`.
use crate::asm_amd64::switch;
use crate::runtime2::{G, Stack};
use crate::tls::getg;
use alloc::boxed::Box;
use alloc::string::String;
use core::any::Any;
use core::cell::Cell;
use core::ptr::null_mut;

/// Size of a frame's stack segment: a goroutine's (stack.rs), with the same guard page below.
const SEGMENT: usize = crate::stack::GOROUTINE_STACK;

// Frame states.
const RUNNING: u8 = 0;
const DONE: u8 = 1;
const RECOVERED: u8 = 2;

/// One deferred call (Go's `_defer`).
struct Deferred {
    f: Box<dyn FnOnce()>,
    next: *mut Deferred,
}

/// An open `runtime::frame`: its deferred calls and how to get back to its caller. Lives in the
/// caller's stack frame for the duration of [`frame`]; linked from `g.defer_frames`.
pub struct Frame {
    defers: Cell<*mut Deferred>,
    link: Cell<*mut Frame>,
    depth: Cell<u32>,
    state: Cell<u8>,
    /// The caller's context, saved by the switch into the segment.
    parent_sp: Cell<usize>,
    /// `g.stack` before the switch (the caller's stack), restored after.
    parent_stack: Cell<Stack>,
    /// Runs the body: a monomorphic function over the environment `env`.
    call: unsafe fn(*mut u8, &Frame),
    env: *mut u8,
    _pinned: core::marker::PhantomPinned,
}

impl Frame {
    /// Go's `defer f()`: `f` runs when the frame ends — after its body returns, or during a panic
    /// that passes through it — after every call deferred later.
    pub fn defer(&self, f: impl FnOnce() + 'static) {
        let d = Box::into_raw(Box::new(Deferred { f: Box::new(f), next: self.defers.get() }));
        self.defers.set(d);
    }

    /// The most recently deferred call, taken off the list.
    fn pop(&self) -> Option<Box<Deferred>> {
        let d = self.defers.get();
        if d.is_null() {
            return None;
        }
        // SAFETY: d came from Box::into_raw in `defer` and is taken off the list exactly once.
        let d = unsafe { Box::from_raw(d) };
        self.defers.set(d.next);
        Some(d)
    }
}

/// A panic in progress (Go's `_panic`), on the stack of the gopanic (or Goexit) running it.
pub struct Panic {
    /// The value, until a `recover` takes it.
    arg: Option<Box<dyn Any + Send>>,
    /// How printpanics shows it (taken before any deferred call runs).
    desc: String,
    link: *mut Panic,
    recovered: bool,
    goexit: bool,
    /// `g.defer_frames` while the deferred call gopanic runs started (null between calls):
    /// recover is valid while no other frame was opened since.
    defer_top: *mut Frame,
    /// The depth of the innermost open frame when the panic began: its gopanic runs on that
    /// frame's segment (or on the goroutine's stack at depth 0).
    raise_depth: u32,
}

/// Go's function with deferred calls: runs `body` with a [`Frame`] to defer calls on, then the
/// deferred calls, last first. `Some(result)` when `body` returned; `None` when a panic in it was
/// stopped by a deferred call's [`recover`] (the function "returns normally" with no result).
/// See the module docs for why both closures are `'static`.
pub fn frame<R: 'static, F: FnOnce(&Frame) -> R + 'static>(body: F) -> Option<R> {
    struct Env<F, R> {
        body: Option<F>,
        result: Option<R>,
    }
    /// # Safety
    /// `env` is the `Env<F, R>` of the `frame` call that owns `fr`.
    unsafe fn call<F: FnOnce(&Frame) -> R, R>(env: *mut u8, fr: &Frame) {
        // SAFETY: the caller's contract; `frame` keeps env alive and untouched until run_frame returns.
        let env = unsafe { &mut *(env as *mut Env<F, R>) };
        if let Some(body) = env.body.take() {
            env.result = Some(body(fr));
        }
    }
    let mut env = Env { body: Some(body), result: None };
    let fr = Frame {
        defers: Cell::new(null_mut()),
        link: Cell::new(null_mut()),
        depth: Cell::new(0),
        state: Cell::new(RUNNING),
        parent_sp: Cell::new(0),
        parent_stack: Cell::new(Stack::default()),
        call: call::<F, R>,
        env: &raw mut env as *mut u8,
        _pinned: core::marker::PhantomPinned,
    };
    run_frame(&fr);
    env.result
}

/// The non-generic half of [`frame`]: enter segments until the frame is done.
#[inline(never)]
fn run_frame(fr: &Frame) {
    let gp = getg();
    if !on_goroutine(gp) {
        crate::panic::throw("runtime::frame called on the system stack");
    }
    // SAFETY: gp is the running goroutine; only it touches its frame list and stack fields.
    unsafe {
        let outer = (*gp).defer_frames;
        fr.link.set(outer);
        fr.depth.set(if outer.is_null() { 1 } else { (*outer).depth.get() + 1 });
        (*gp).defer_frames = fr as *const Frame as *mut Frame;
        loop {
            let seg = segget(gp);
            fr.parent_stack.set((*gp).stack);
            fr.state.set(RUNNING);
            let ctx = segment_context(seg, fr);
            (*gp).stack = seg;
            switch(fr.parent_sp.as_ptr(), ctx);
            (*gp).stack = fr.parent_stack.get();
            if fr.state.get() == DONE {
                segput(gp, seg);
                break;
            }
            // RECOVERED: the segment holds abandoned frames; it is never used again. Run the
            // deferred calls still pending on a fresh one.
            if fr.defers.get().is_null() {
                break;
            }
        }
        (*gp).defer_frames = fr.link.get();
    }
}

/// The first context of a segment: `seg_main(fr)`, whose frame record links to the caller's
/// (RBP = run_frame's frame pointer), so tracebacks walk from the segment into the caller.
#[inline(always)]
fn segment_context(seg: Stack, fr: &Frame) -> usize {
    let here: usize;
    // SAFETY: reads RIP into a register, no memory access.
    unsafe { core::arch::asm!("lea {}, [rip]", out(reg) here, options(nomem, nostack, preserves_flags)) };
    let fp = crate::traceback::frame_pointer();
    let sp = crate::asm_amd64::new_context(seg.hi, seg_main as *const () as usize, fr as *const Frame as usize);
    // new_context's words from sp: r15 r14 r13 r12 rbx rbp gostart goexit — replace rbp and the
    // fake return address, so that seg_main's frame record reads (run_frame's RBP, a PC in it).
    // SAFETY: sp..sp+64 was just written by new_context inside the segment we own.
    unsafe {
        ((sp + 40) as *mut usize).write(fp);
        ((sp + 56) as *mut usize).write(here);
    }
    sp
}

/// What a segment runs: the body (once), then the deferred calls (Go's deferreturn), then back
/// to the caller for good.
extern "C" fn seg_main(arg: usize) {
    let fr = arg as *const Frame;
    // SAFETY: `arg` is the Frame of the run_frame that switched here; it outlives the segment's use.
    let fr = unsafe { &*fr };
    // SAFETY: call and env are the pair `frame` built.
    unsafe { (fr.call)(fr.env, fr) };
    while let Some(d) = fr.pop() {
        (d.f)();
    }
    fr.state.set(DONE);
    let mut dead = 0usize;
    // SAFETY: parent_sp is the caller's context saved by run_frame's switch, not resumed since.
    unsafe { switch(&mut dead, fr.parent_sp.get()) };
    crate::panic::throw("a finished frame was resumed");
}

/// Whether gp is the goroutine its M runs (not g0, not the signal stack's g).
pub(crate) fn on_goroutine(gp: *mut G) -> bool {
    let mp = crate::tls::getm_tls();
    // mp is this thread's M (set by settls/minit before any goroutine runs); curg is
    // written only by this thread.
    // SAFETY: so the block below is sound.
    !gp.is_null() && !mp.is_null() && unsafe { (*mp).curg } == gp
}

/// The runtime locks this thread's M holds.
fn m_locks() -> i32 {
    let mp = crate::tls::getm_tls();
    // SAFETY: mp is this thread's M; locks is an atomic.
    if mp.is_null() { 0 } else { unsafe { (*mp).locks.load(core::sync::atomic::Ordering::Relaxed) } }
}

/// A free segment of gp, or a new one.
fn segget(gp: *mut G) -> Stack {
    // SAFETY: gp is the running goroutine; segfree is its own list.
    unsafe {
        let lo = (*gp).segfree;
        if lo != 0 {
            (*gp).segfree = *(lo as *const usize);
            return Stack { lo, hi: lo + SEGMENT };
        }
    }
    crate::stack::stackalloc(SEGMENT).unwrap_or_else(|| crate::panic::throw("out of memory allocating a frame"))
}

/// Gives a segment whose frames all returned back to gp's free list.
fn segput(gp: *mut G, seg: Stack) {
    // SAFETY: the segment is unused (every frame on it returned) and its lowest word is ours.
    unsafe {
        *(seg.lo as *mut usize) = (*gp).segfree;
        (*gp).segfree = seg.lo;
    }
}

/// Whether `inside` holds for the stack one of gp's open frames switched away from (tracebacks
/// follow the frame-pointer chain across segments).
///
/// # Safety
/// gp must be a live G that is not running elsewhere.
pub(crate) unsafe fn any_parent_stack(gp: *mut G, inside: impl Fn(Stack) -> bool) -> bool {
    // SAFETY: the caller's contract; frame records are live while linked.
    unsafe {
        let mut fr = (*gp).defer_frames;
        while !fr.is_null() {
            if inside((*fr).parent_stack.get()) {
                return true;
            }
            fr = (*fr).link.get();
        }
    }
    false
}

/// `panic(v)` with any value (Go's `panic` of an interface value); `panic!` comes here too.
pub fn panic_any(v: impl Any + Send) -> ! {
    gopanic(Box::new(v))
}

/// How a panic value prints (Go's printpanicval): strings as they are, numbers in decimal,
/// other types by name only.
pub fn describe(v: &(dyn Any + Send)) -> String {
    use alloc::string::ToString;
    if let Some(s) = v.downcast_ref::<String>() {
        return s.clone();
    }
    if let Some(s) = v.downcast_ref::<&'static str>() {
        return s.to_string();
    }
    macro_rules! num {
        ($($t:ty),*) => {$(
            if let Some(n) = v.downcast_ref::<$t>() {
                return n.to_string();
            }
        )*};
    }
    num!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, bool, char);
    String::from("(non-printable value)")
}

/// Go's gopanic: runs the deferred calls of the goroutine's open frames, innermost first; if one
/// recovers, resumes the frame that deferred it; if none does, prints the panic and exits 2.
pub fn gopanic(arg: Box<dyn Any + Send>) -> ! {
    let gp = getg();
    if !on_goroutine(gp) || m_locks() != 0 {
        let what = if on_goroutine(gp) { "panic holding locks" } else { "panic on system stack" };
        crate::eprintln!("panic: {}", describe(&*arg));
        crate::panic::throw(what);
    }
    // SAFETY: gp is the running goroutine; its frame and panic lists are its own.
    unsafe {
        let top = (*gp).defer_frames;
        let mut p = Panic {
            desc: describe(&*arg),
            arg: Some(arg),
            link: (*gp).panics,
            recovered: false,
            goexit: false,
            defer_top: null_mut(),
            raise_depth: if top.is_null() { 0 } else { (*top).depth.get() },
        };
        (*gp).panics = &raw mut p;
        run_defers(gp, &raw mut p);
        crate::panic::fatalpanic(gp)
    }
}

/// The loop of gopanic and Goexit: each pending deferred call, innermost frame first. Returns
/// when none is left; a recovery never returns (see [`recovery`]).
///
/// # Safety
/// gp is the running goroutine and p its newest panic, live on the caller's stack.
unsafe fn run_defers(gp: *mut G, p: *mut Panic) {
    // SAFETY: the caller's contract.
    unsafe {
        loop {
            let mut fr = (*gp).defer_frames;
            while !fr.is_null() && (*fr).defers.get().is_null() {
                fr = (*fr).link.get();
            }
            if fr.is_null() {
                return;
            }
            let d = (*fr).pop().unwrap_or_else(|| crate::panic::throw("bad defer entry in panic"));
            (*p).defer_top = (*gp).defer_frames;
            (d.f)();
            (*p).defer_top = null_mut();
            if (*p).recovered {
                recovery(gp, fr);
            }
        }
    }
}

/// Go's recovery: resumes `fr`'s caller context as if its segment had returned. The panics whose
/// gopanic loops run on the abandoned segments end with them.
///
/// # Safety
/// gp is the running goroutine and fr one of its open frames.
unsafe fn recovery(gp: *mut G, fr: *mut Frame) -> ! {
    // SAFETY: the caller's contract; every Panic on the list lives on a stack not yet abandoned.
    unsafe {
        let depth = (*fr).depth.get();
        let mut q = (*gp).panics;
        while !q.is_null() && (*q).raise_depth >= depth {
            q = (*q).link;
        }
        (*gp).panics = q;
        (*gp).defer_frames = fr;
        (*fr).state.set(RECOVERED);
        let mut dead = 0usize;
        switch(&mut dead, (*fr).parent_sp.get());
    }
    crate::panic::throw("recovery failed")
}

/// Go's `recover()`: during a panic, called from a deferred call that gopanic runs (and not inside
/// a frame that call opened), stops the panic and returns its value; otherwise `None`.
pub fn recover() -> Option<Box<dyn Any + Send>> {
    let gp = getg();
    if !on_goroutine(gp) {
        return None;
    }
    // SAFETY: gp is the running goroutine; its newest panic lives on its stack below us.
    unsafe {
        let p = (*gp).panics;
        if p.is_null() || (*p).goexit || (*p).recovered || (*p).defer_top != (*gp).defer_frames {
            return None;
        }
        if (*p).defer_top.is_null() {
            return None;
        }
        (*p).recovered = true;
        (*p).arg.take()
    }
}

/// runtime.Goexit: runs every deferred call of the goroutine, then ends it. Other goroutines go
/// on; if it is the main goroutine, the program continues until they end (and then checkdead
/// reports `no goroutines (main called runtime.Goexit) - deadlock!`).
pub fn goexit() -> ! {
    let gp = getg();
    if !on_goroutine(gp) {
        crate::panic::throw("Goexit on the system stack");
    }
    // SAFETY: gp is the running goroutine.
    unsafe {
        let top = (*gp).defer_frames;
        let mut p = Panic {
            arg: None,
            desc: String::new(),
            link: (*gp).panics,
            recovered: false,
            goexit: true,
            defer_top: null_mut(),
            raise_depth: if top.is_null() { 0 } else { (*top).depth.get() },
        };
        (*gp).panics = &raw mut p;
        run_defers(gp, &raw mut p);
        // Every frame on this stack is abandoned: the G starts its next life on a fresh stack.
        (*gp).panics = null_mut();
        (*gp).defer_frames = null_mut();
        (*gp).stack = crate::stack::stackalloc(crate::stack::GOROUTINE_STACK)
            .unwrap_or_else(|| crate::panic::throw("out of memory allocating a goroutine stack"));
        (*gp).stackguard0 = (*gp).stack.lo;
    }
    crate::proc::goexit1()
}

/// Go's printpanics: the panics in progress, oldest first, each after a tab but the first,
/// `[recovered]` on those a deferred call recovered before the next one began.
pub(crate) fn print_panics(w: &mut crate::print::Writer, p: *mut Panic) {
    use core::fmt::Write;
    if p.is_null() {
        return;
    }
    // SAFETY: p is on the panic list of the dying goroutine, whose stacks are all still mapped.
    unsafe {
        let link = (*p).link;
        if !link.is_null() {
            print_panics(w, link);
            if !(*link).goexit {
                let _ = write!(w, "\t");
            }
        }
        if (*p).goexit {
            return;
        }
        let _ = write!(w, "panic: {}", (*p).desc);
        if (*p).recovered {
            let _ = write!(w, " [recovered]");
        }
        let _ = writeln!(w);
    }
}
