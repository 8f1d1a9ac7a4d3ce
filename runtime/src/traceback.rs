//! Goroutine tracebacks in Go's format, for panics, fatal errors, faults and deadlocks. Mirrors
//! Go's runtime/traceback.go (`traceback`, `goroutineheader`, `tracebackothers`, the 100-frame
//! limit), runtime1.go (`gotraceback`, GOTRACEBACK) and proc.go (`allgs`).
//!
//! # Frames: the frame-pointer chain, symbolized by the runner
//!
//! The runtime and the programs are built with frame pointers (`-Cforce-frame-pointers=yes`,
//! the workspace Cargo.toml; Rust's precompiled `core` keeps them too), so every frame starts
//! with `push rbp; mov rbp, rsp`: at RBP sits the caller's RBP and above it the return
//! address. The walk follows that chain while it stays on the goroutine's stacks (its current
//! one and those of its open `runtime::frame`s, see [`crate::defer`]) and stops at RBP = 0, which
//! is what every goroutine starts with ([`crate::asm_amd64::new_context`]), or after 100 frames
//! (Go's `...additional frames elided...`).
//!
//! Go symbolizes in the process from its pclntab; an rt0 program carries DWARF line tables
//! instead, which a `no_std` runtime has no business parsing while it dies. So the guest prints
//! one marker line per frame and the runner (`qemu/src/symbolize.rs`, with the `addr2line`
//! crate) replaces each with Go's two lines, `function(...)` and `\tfile:line +0xoff`, for QEMU
//! and `--native` runs alike:
//!
//! ```text
//! rt0:pc=0x4071a3        a return address (the call is the instruction before it)
//! rt0:pc=0x4071a3!       an exact PC (where a fault happened)
//! rt0:created=0x40712c   the `go` call that created the goroutine: `created by …`
//! ```
//!
//! A ` sys` suffix says GOTRACEBACK=system: show the runtime's own frames (`runtime::`, `core::`,
//! `alloc::`), which the runner otherwise leaves out, as Go hides `runtime.*` frames.
use crate::print::{STDERR, Writer};
use crate::runtime2::{G, G_DEAD, G_IDLE, G_RUNNABLE, G_RUNNING, G_SYSCALL, G_WAITING, Stack, WaitReason};
use core::fmt::Write;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, Ordering::Acquire, Ordering::Release};

/// Go's `_TracebackMaxFrames`.
pub const MAX_FRAMES: usize = 100;

/// The GOTRACEBACK setting (runtime1.go `gotraceback`): how much a fatal report shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    /// 0 = none (no goroutine traces), 1 = user frames, 2 = runtime frames too.
    pub level: u32,
    /// Every goroutine, not only the one that failed.
    pub all: bool,
}

impl Level {
    /// Parses GOTRACEBACK as Go's `setTraceback`: none, single (the default), all, system,
    /// crash (as system here: rt0 does not dump core), or a number (that level, all goroutines).
    pub fn parse(v: Option<&[u8]>) -> Level {
        match v.unwrap_or(b"") {
            b"none" => Level { level: 0, all: false },
            b"single" | b"" => Level { level: 1, all: false },
            b"all" => Level { level: 1, all: true },
            b"system" | b"crash" => Level { level: 2, all: true },
            n => match crate::string::atoi(n) {
                Some(l) if l >= 0 => Level { level: l as u32, all: true },
                _ => Level { level: 1, all: false },
            },
        }
    }

    /// The setting of this process.
    pub fn get() -> Level {
        Level::parse(crate::os::getenv("GOTRACEBACK"))
    }
}

// ---- allgs ------------------------------------------------------------------------------

/// Every G ever created, oldest first, linked through `alllink` (Go's allgs).
static ALLGS: AtomicPtr<G> = AtomicPtr::new(null_mut());
static ALLGS_TAIL: AtomicPtr<G> = AtomicPtr::new(null_mut());
/// Serializes appends (Go's allglock); readers (dumps) walk the list without it.
static ALLGLOCK: crate::lock_futex::Mutex = crate::lock_futex::Mutex::new();

/// allgadd: records a newly allocated G (once; Gs are reused, never freed).
pub(crate) fn allgadd(gp: *mut G) {
    crate::lock_futex::lock(&ALLGLOCK);
    let tail = ALLGS_TAIL.load(Acquire);
    if tail.is_null() {
        ALLGS.store(gp, Release);
    } else {
        // SAFETY: tail is a live G (never freed); its alllink is written only here, under ALLGLOCK.
        unsafe { AtomicPtr::from_ptr(&raw mut (*tail).alllink) }.store(gp, Release);
    }
    ALLGS_TAIL.store(gp, Release);
    crate::lock_futex::unlock(&ALLGLOCK);
}

/// Calls `f` on every G, oldest first (Go's forEachG, without the lock: dumps run while the
/// process dies).
pub(crate) fn for_each_g(mut f: impl FnMut(*mut G)) {
    let mut gp = ALLGS.load(Acquire);
    while !gp.is_null() {
        f(gp);
        // SAFETY: gp is a live G from the list; alllink is published with Release in allgadd.
        gp = unsafe { AtomicPtr::from_ptr(&raw mut (*gp).alllink) }.load(Acquire);
    }
}

// ---- the walk ---------------------------------------------------------------------------

/// The frame pointer of the function that calls this one (its RBP).
#[inline(always)]
pub fn frame_pointer() -> usize {
    let fp: usize;
    // SAFETY: reads RBP, no memory access.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) fp, options(nomem, nostack, preserves_flags)) };
    fp
}

/// Whether `fp` can be a frame record of `gp`: 8-aligned with both words inside one of its
/// stacks (the current one, the ones its open frames switched away from) or inside `extra`.
fn valid_fp(gp: *mut G, extra: Option<Stack>, fp: usize) -> bool {
    let inside = |s: Stack| fp >= s.lo && fp + 16 <= s.hi;
    if fp == 0 || !fp.is_multiple_of(8) {
        return false;
    }
    if extra.is_some_and(inside) {
        return true;
    }
    if gp.is_null() {
        return false;
    }
    // gp is a live G; its stack and frame records are read, not written, and belong to
    // the goroutine being traced, which is stopped (it is us, or it is parked, or we die).
    // SAFETY: so the block below is sound.
    unsafe { inside((*gp).stack) || crate::defer::any_parent_stack(gp, inside) }
}

/// Prints `gp`'s frames: `pc` first (exact when it is where a fault happened), then the return
/// addresses up the frame-pointer chain from `fp`.
pub(crate) fn print_frames(
    w: &mut Writer,
    gp: *mut G,
    extra: Option<Stack>,
    pc: usize,
    exact: bool,
    mut fp: usize,
    sys: bool,
) {
    let sys = if sys { " sys" } else { "" };
    let _ = writeln!(w, "rt0:pc={pc:#x}{}{sys}", if exact { "!" } else { "" });
    let mut prev = pc;
    for n in 1.. {
        if !valid_fp(gp, extra, fp) {
            break;
        }
        if n == MAX_FRAMES {
            let _ = writeln!(w, "...additional frames elided...");
            break;
        }
        // SAFETY: valid_fp checked that both words lie inside a stack of this goroutine.
        let (next, ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        if ret == 0 {
            break;
        }
        // The frame above sigpanic's entry faulted at exactly this PC (pushed by the handler).
        let exact = prev == crate::signal::sigpanic_return();
        let _ = writeln!(w, "rt0:pc={ret:#x}{}{sys}", if exact { "!" } else { "" });
        prev = ret;
        if next == fp {
            break;
        }
        fp = next;
    }
}

/// The `created by` line of `gp`, if a `go` call made it.
pub(crate) fn print_created_by(w: &mut Writer, gp: *mut G, sys: bool) {
    // SAFETY: gp is a live G; gopc is an atomic written by `go`.
    let pc = unsafe { (*gp).gopc.load(core::sync::atomic::Ordering::Relaxed) };
    if pc != 0 {
        let sys = if sys { " sys" } else { "" };
        let _ = writeln!(w, "rt0:created={pc:#x}{sys}");
    }
}

/// Go's `goroutineheader`: `goroutine 7 [chan receive]:`.
pub(crate) fn print_header(w: &mut Writer, gp: *mut G) {
    // SAFETY: gp is a live G; its status is an atomic and its waitreason a byte it wrote before parking.
    let (goid, status, reason) = unsafe { ((*gp).goid, (*gp).atomicstatus.load(Acquire), (*gp).waitreason) };
    let _ = writeln!(w, "goroutine {goid} [{}]:", status_text(status, reason));
}

/// gStatusStrings, with the wait reason for a waiting G.
pub fn status_text(status: u32, reason: WaitReason) -> &'static str {
    match status {
        G_IDLE => "idle",
        G_RUNNABLE => "runnable",
        G_RUNNING => "running",
        G_SYSCALL => "syscall",
        G_WAITING if reason != WaitReason::Zero => reason.as_str(),
        G_WAITING => "waiting",
        G_DEAD => "dead",
        _ => "???",
    }
}

/// The frames of a goroutine that is not running: from the context its last switch saved
/// (asm_amd64's `switch` pushed RBP at sp+40 and its return address sits at sp+48).
pub(crate) fn print_parked(w: &mut Writer, gp: *mut G, sys: bool) {
    // gp is a live G that is not running, so its saved context is what `switch` or
    // `new_context` wrote at sched.sp, inside its stack.
    // SAFETY: so the block below is sound.
    unsafe {
        let sp = (*gp).sched.sp;
        let s = (*gp).stack;
        if sp < s.lo || sp + 56 > s.hi {
            return;
        }
        let (fp, pc) = (*((sp + 40) as *const usize), *((sp + 48) as *const usize));
        if fp == 0 {
            // Never ran: its context is new_context's; show where it will start.
            print_frames(w, gp, None, (*gp).startfn, true, 0, sys);
        } else {
            print_frames(w, gp, None, pc, false, fp, sys);
        }
    }
}

/// The trace of the running goroutine `gp`, from the caller of this function: its header and
/// its frames (Go's `traceback(pc, sp, 0, gp)` in dopanic_m).
#[inline(never)]
pub(crate) fn print_current(w: &mut Writer, gp: *mut G, sys: bool) {
    let fp = frame_pointer();
    print_header(w, gp);
    // SAFETY: fp is this function's frame record, inside the running goroutine's stack.
    let ret = unsafe { *((fp + 8) as *const usize) };
    // SAFETY: as above.
    print_frames(w, gp, None, ret, false, unsafe { *(fp as *const usize) }, sys);
    print_created_by(w, gp, sys);
}

/// One other goroutine: a blank line, its header, its frames (Go's tracebackothers body).
pub(crate) fn print_other(w: &mut Writer, gp: *mut G, sys: bool) {
    let _ = writeln!(w);
    print_header(w, gp);
    // SAFETY: gp is a live G; its status is an atomic.
    match unsafe { (*gp).atomicstatus.load(Acquire) } {
        G_RUNNING | G_SYSCALL => {
            let _ = writeln!(w, "\tgoroutine running on other thread; stack unavailable");
        }
        _ => print_parked(w, gp, sys),
    }
    print_created_by(w, gp, sys);
}

/// tracebackothers: every live goroutine but `me`, oldest first.
pub(crate) fn print_others(w: &mut Writer, me: *mut G, sys: bool) {
    for_each_g(|gp| {
        // SAFETY: gp is a live G; its status is an atomic.
        let status = unsafe { (*gp).atomicstatus.load(Acquire) };
        if gp != me && status != G_DEAD && status != G_IDLE {
            print_other(w, gp, sys);
        }
    });
}

/// The number of goroutines that are alive (not dead).
pub fn live_goroutines() -> usize {
    let mut n = 0;
    for_each_g(|gp| {
        // SAFETY: gp is a live G; its status is an atomic.
        let status = unsafe { (*gp).atomicstatus.load(Acquire) };
        n += usize::from(status != G_DEAD && status != G_IDLE);
    });
    n
}

/// checkdead's report (proc.go): every goroutine is blocked — or none is left because
/// main called Goexit. Runs on g0 with sched.lock held; never returns.
pub fn deadlock() -> ! {
    if live_goroutines() == 0 {
        crate::panic::fatal("no goroutines (main called runtime.Goexit) - deadlock!")
    }
    crate::panic::fatal("all goroutines are asleep - deadlock!")
}

/// Writes a whole report to fd 2 through one buffered writer.
pub fn report(f: impl FnOnce(&mut Writer)) {
    let mut w = Writer::new(STDERR);
    f(&mut w);
    w.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gotraceback_parses_as_gos() {
        assert_eq!(Level::parse(None), Level { level: 1, all: false });
        assert_eq!(Level::parse(Some(b"none")), Level { level: 0, all: false });
        assert_eq!(Level::parse(Some(b"all")), Level { level: 1, all: true });
        assert_eq!(Level::parse(Some(b"system")), Level { level: 2, all: true });
        assert_eq!(Level::parse(Some(b"crash")), Level { level: 2, all: true });
        assert_eq!(Level::parse(Some(b"2")), Level { level: 2, all: true });
        assert_eq!(Level::parse(Some(b"bogus")), Level { level: 1, all: false });
    }

    #[test]
    fn a_waiting_goroutine_shows_its_wait_reason() {
        assert_eq!(status_text(G_WAITING, WaitReason::ChanReceive), "chan receive");
        assert_eq!(status_text(G_WAITING, WaitReason::Zero), "waiting");
        assert_eq!(status_text(G_RUNNABLE, WaitReason::Sleep), "runnable");
    }
}
