//! Unrecovered panics and fatal errors end the program the way Go's do (panic.go: fatalpanic →
//! printpanics → dopanic_m, then exit(2); throw and fatal → `fatal error: …`, exit(2)):
//!
//! ```text
//! panic: boom [recovered]
//! <TAB>panic: boom again
//!
//! goroutine 7 [running]:
//! panics::inner(...)
//! <TAB>/…/panics.rs:31 +0x4d
//! created by panics::main
//! <TAB>/…/panics.rs:90 +0x1f
//! ```
//!
//! on fd 2, exit status 2. A Rust `panic!` reaches [`crate::defer::gopanic`] through the panic
//! handler, so deferred calls run and `recover` can stop it first (defer.rs). The frames are
//! printed as markers that the runner symbolizes (traceback.rs); GOTRACEBACK chooses how much
//! is shown, as in Go (runtime1.go gotraceback): `throw` (the runtime's own failures) always
//! shows every goroutine with runtime frames, `fatal` (a user's misuse, such as a deadlock) every
//! goroutine, a panic the failing goroutine unless GOTRACEBACK=all.
//!
//! [`throw`] is the one fatal-error path of the runtime: the scheduler, the allocator, init
//! ordering, the TLS self-test and the signal handler all end there.
use crate::print::{STDERR, Writer};
use crate::runtime2::G;
use crate::traceback::{self, Level};
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

/// Exit status of a program killed by a panic or a fatal error (Go's `exit(2)`).
pub const PANIC_EXIT_CODE: i32 = 2;

/// Set by the first fatal report; a fault or panic while printing one exits at once (Go's
/// "panic during panic").
static PANICKING: AtomicBool = AtomicBool::new(false);

/// Who is at fault for a fatal error (Go's throwType): the runtime (`throw`: runtime frames shown)
/// or the user (`fatal`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ThrowType {
    Runtime,
    User,
}

/// Go's `throw`: `fatal error: <msg>`, then every goroutine with the runtime's frames, exit(2).
///
/// In host unit tests it panics with the same text instead, so tests can expect it.
#[cold]
#[track_caller]
pub fn throw(msg: impl fmt::Display) -> ! {
    fatalthrow(&msg, None, ThrowType::Runtime)
}

/// Go's `fatal`: as [`throw`] for errors that are the user's (a deadlock, a misused lock): the
/// runtime's frames only with GOTRACEBACK=system.
#[cold]
#[track_caller]
pub fn fatal(msg: impl fmt::Display) -> ! {
    fatalthrow(&msg, None, ThrowType::User)
}

/// Go's `fatalthrow` (with `dopanic_m`'s signal line): what every [`throw`] ends in; the signal
/// handler passes the `[signal …]` line Go prints for a fault, under the message.
#[cold]
#[track_caller]
pub(crate) fn fatalthrow(msg: &dyn fmt::Display, signal: Option<&dyn fmt::Display>, t: ThrowType) -> ! {
    if cfg!(not(target_os = "none")) {
        panic!("fatal error: {msg}");
    }
    let mut w = Writer::new(STDERR);
    let _ = writeln!(w, "fatal error: {msg}");
    if let Some(signal) = signal {
        let _ = writeln!(w, "{signal}");
    }
    if !startpanic() {
        w.flush();
        crate::exit::exit(PANIC_EXIT_CODE);
    }
    let env = Level::get();
    let level =
        if t == ThrowType::Runtime { Level { level: 2, all: true } } else { Level { level: env.level, all: true } };
    dopanic(&mut w, running_g(), level);
    w.flush();
    crate::exit::exit(PANIC_EXIT_CODE)
}

/// Go's fatalpanic: the panic chain, then the goroutine's trace, exit(2).
#[cold]
pub(crate) fn fatalpanic(gp: *mut G) -> ! {
    let mut w = Writer::new(STDERR);
    if startpanic() {
        // SAFETY: gp is the running goroutine; its panic list lives on its stack.
        crate::defer::print_panics(&mut w, unsafe { (*gp).panics });
        // SAFETY: as above; the fault fields were written before sigpanic ran on this goroutine.
        let (sig, code, addr, pc) = unsafe { ((*gp).sig, (*gp).sigcode0, (*gp).sigcode1, (*gp).sigpc) };
        if sig != 0 {
            let name = crate::signal::signame(sig);
            let _ = writeln!(w, "[signal {name} code={code:#x} addr={addr:#x} pc={pc:#x}]");
        }
        dopanic(&mut w, gp, Level::get());
    }
    w.flush();
    crate::exit::exit(PANIC_EXIT_CODE)
}

/// Whether a fatal report is being printed.
pub(crate) fn dying() -> bool {
    PANICKING.load(Ordering::Relaxed)
}

/// False if a report is already being printed (then print nothing more).
fn startpanic() -> bool {
    !PANICKING.swap(true, Ordering::Relaxed)
}

/// dopanic_m: the failing goroutine's trace (or, on g0, none: the goroutines follow), then every
/// other goroutine if `level.all`.
#[inline(never)]
fn dopanic(w: &mut Writer, gp: *mut G, level: Level) {
    if level.level == 0 {
        return;
    }
    let sys = level.level >= 2;
    if !gp.is_null() {
        let _ = writeln!(w);
        traceback::print_current(w, gp, sys);
    }
    if level.all || gp.is_null() {
        traceback::print_others(w, gp, sys);
    }
}

/// The goroutine this thread runs, or null on g0 (and before runtime.main, when the g register
/// may not be set up yet: a failed TLS self-test throws with FS pointing at the wrong word).
fn running_g() -> *mut G {
    if !crate::proc::MAIN_STARTED.load(Ordering::Relaxed) {
        return core::ptr::null_mut();
    }
    let gp = crate::tls::getg();
    if crate::defer::on_goroutine(gp) { gp } else { core::ptr::null_mut() }
}

#[cfg(all(not(test), target_os = "none"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if PANICKING.load(Ordering::Relaxed) {
        // A panic while reporting one: leave without printing anything more.
        crate::sys_linux_amd64::exit_group(PANIC_EXIT_CODE);
    }
    let gp = running_g();
    // SAFETY: gp, when not null, is this thread's running goroutine.
    if gp.is_null() || unsafe { (*(*gp).m).locks.load(Ordering::Relaxed) } != 0 {
        // No goroutine to run deferred calls on, or runtime locks held: nothing may allocate
        // or recover; Go's "panic holding locks" / "panic on system stack".
        crate::eprintln!("panic: {}", info.message());
        throw(if gp.is_null() { "panic on system stack" } else { "panic holding locks" });
    }
    crate::defer::gopanic(alloc::boxed::Box::new(alloc::format!("{}", info.message())))
}
