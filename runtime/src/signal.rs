//! Signals the runtime handles itself: faults become Go's reports — a goroutine that runs into
//! its stack guard is `fatal error: stack overflow` (with `runtime stack:`); a fault below
//! address 0x1000 (or a division by zero) on a goroutine is Go's runtime-error panic: as Go's
//! `preparePanic`, the handler pushes the faulting PC and resumes the goroutine in `sigpanic`,
//! which panics there, so deferred calls run and may recover it; any other fault is
//! `unexpected fault address` and `fatal error: fault`; each with the goroutines' frames
//! (traceback.rs). SIGQUIT dumps every goroutine. Each M's alternate signal stack (its gsignal) is set by `os_linux::minit`.
//!
//! Mirrors Go's `runtime/signal_unix.go` (`initsig`, `sighandler`, `sigpanic`) and
//! `signal_amd64.go` (reading the faulting PC and SP from the ucontext). Go installs handlers for
//! all 64 signals (initsig); rt0 installs the synchronous ones, as no asynchronous signals reach
//! its programs yet. siginfo and ucontext are read through abi's `Siginfo` and `Ucontext`.
use crate::panic::ThrowType;
use crate::print::{STDERR, Writer};
use crate::runtime2::G;
use crate::traceback::Level;
use abi::signal::{
    BUS_ADRERR, KernelSigaction, SA_ONSTACK, SA_RESTORER, SA_SIGINFO, SEGV_ACCERR, SEGV_MAPERR, SIGBUS, SIGFPE, SIGILL,
    SIGQUIT, SIGSEGV, Siginfo, Ucontext,
};
use core::fmt::Write;

/// Go's maxstacksize report: "goroutine stack exceeds 1000000000-byte limit".
const MAX_STACK_SIZE: u64 = 1_000_000_000;

/// The signals initsig takes over: the synchronous faults (and SIGQUIT, see [`sigquit`]).
pub const FAULT_SIGNALS: [i32; 4] = [SIGSEGV, SIGBUS, SIGFPE, SIGILL];

/// initsig: the fault handlers, on the alternate stack.
pub fn initsig() {
    #[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
    for sig in FAULT_SIGNALS.into_iter().chain([SIGQUIT]) {
        let handler = if sig == SIGQUIT { sigquit as *const () } else { sighandler as *const () };
        let act = KernelSigaction {
            sa_handler: handler as u64,
            sa_flags: SA_SIGINFO | SA_ONSTACK | SA_RESTORER,
            sa_restorer: crate::sys_linux_amd64::rt0_sigreturn as *const () as u64,
            sa_mask: 0,
        };
        // sighandler only reads the frame the kernel passes, prints and exits.
        // SAFETY: it runs on the M's gsignal stack (SA_ONSTACK), installed by minit before initsig.
        unsafe { crate::sys_linux_amd64::rt_sigaction(sig, &act) };
    }
    crate::preempt::initsig();
}

/// The handler: report like Go and exit 2. Runs on the gsignal stack; allocates nothing.
extern "C" fn sighandler(sig: i32, info: *const Siginfo, ctx: *const Ucontext) {
    // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo and ucontext, live for the call.
    let (info, ctx) = unsafe { (&*info, &*ctx) };
    let (code, addr) = (info.si_code, info.si_addr() as usize);
    let (pc, sp, fp) = (ctx.uc_mcontext.rip as usize, ctx.uc_mcontext.rsp as usize, ctx.uc_mcontext.rbp as usize);
    let mp = crate::tls::getm_tls();
    // minit ran on this thread after settls, so FS is its M's; curg is the goroutine the
    // signal interrupted (null on g0), written only by this thread.
    // SAFETY: so the block below is sound.
    let gp = if mp.is_null() { core::ptr::null_mut() } else { unsafe { (*mp).curg } };
    // SAFETY: as above; gsignal is this M's signal-stack G, set up by mcommoninit.
    let sigstack = unsafe { if mp.is_null() || (*mp).gsignal.is_null() { None } else { Some((*(*mp).gsignal).stack) } };
    // SAFETY: gp, when not null, is a live G.
    let stack = if gp.is_null() { None } else { Some(unsafe { (*gp).stack }) };
    let signal = format_args!("[signal {} code={code:#x} addr={addr:#x} pc={pc:#x}]", signame(sig));
    let mut w = Writer::new(STDERR);
    if sig == SIGSEGV
        && let Some(s) = stack.filter(|s| crate::stack::in_guard(s, addr))
    {
        // Go's newstack: the two runtime: lines, then throw on g0 — "runtime stack:", then the
        // goroutine that overflowed, runtime frames shown.
        let _ = writeln!(w, "runtime: goroutine stack exceeds {MAX_STACK_SIZE}-byte limit");
        let _ = writeln!(w, "runtime: sp={sp:#x} stack=[{:#x}, {:#x}]", s.lo, s.hi);
        let _ = writeln!(w, "fatal error: stack overflow");
        let _ = writeln!(w, "\nruntime stack:");
        let here = crate::traceback::frame_pointer();
        let handler = sighandler as *const () as usize;
        crate::traceback::print_frames(&mut w, core::ptr::null_mut(), sigstack, handler, true, here, true);
        goroutine_at(&mut w, gp, pc, fp, Level { level: 2, all: true });
    } else if sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE {
        // Go's sigpanic: a runtime-error panic for a fault below 0x1000 (nil dereference) or a
        // division by zero (panicmem / panicdivide, which rt0 does not make recoverable yet),
        // "unexpected fault address" and throw("fault") for any other address.
        let maperr = code == 0 || code == SEGV_MAPERR || code == SEGV_ACCERR;
        let nil = (sig == SIGSEGV && maperr || sig == SIGBUS && code == BUS_ADRERR) && addr < 0x1000;
        if (sig == SIGFPE || nil) && can_sigpanic(gp, sp) {
            // the kernel's frame is writable user memory, ours for the handler's duration;
            // can_sigpanic checked that gp is the interrupted goroutine and sp is on its stack.
            // SAFETY: so the block below is sound.
            unsafe { inject_sigpanic(ctx as *const Ucontext as *mut Ucontext, gp, sig, code, addr) };
            return;
        }
        if sig == SIGFPE {
            let _ = writeln!(w, "panic: runtime error: integer divide by zero");
            let _ = writeln!(w, "{signal}");
            goroutine_at(&mut w, gp, pc, fp, Level::get());
        } else if nil {
            let _ = writeln!(w, "panic: runtime error: invalid memory address or nil pointer dereference");
            let _ = writeln!(w, "{signal}");
            goroutine_at(&mut w, gp, pc, fp, Level::get());
        } else {
            let _ = writeln!(w, "unexpected fault address {addr:#x}");
            let _ = writeln!(w, "fatal error: fault");
            let _ = writeln!(w, "{signal}");
            goroutine_at(&mut w, gp, pc, fp, Level { level: 2, all: true });
        }
    } else {
        w.flush();
        crate::panic::fatalthrow(&"unexpected signal during runtime execution", Some(&signal), ThrowType::Runtime);
    }
    w.flush();
    crate::exit::exit(crate::panic::PANIC_EXIT_CODE)
}

/// The interrupted goroutine's trace from the signal context (exact PC, then RBP's chain), and
/// every other goroutine if `level.all` — dopanic_m for a fault.
fn goroutine_at(w: &mut Writer, gp: *mut G, pc: usize, fp: usize, level: Level) {
    if level.level == 0 {
        return;
    }
    let sys = level.level >= 2;
    if !gp.is_null() {
        let _ = writeln!(w);
        crate::traceback::print_header(w, gp);
        crate::traceback::print_frames(w, gp, None, pc, true, fp, sys);
        crate::traceback::print_created_by(w, gp, sys);
    }
    if level.all || gp.is_null() {
        crate::traceback::print_others(w, gp, sys);
    }
}

/// SIGQUIT (Ctrl-\\ on the console): Go's sighandler for a `_SigThrow` signal — `SIGQUIT: quit`,
/// the PC and M, the goroutine the signal interrupted (or this M's g0, `goroutine 0 [idle]`),
/// every other goroutine, the registers (dumpregs), exit 2. As a runtime throw, runtime frames
/// are shown whatever GOTRACEBACK says.
extern "C" fn sigquit(_sig: i32, info: *const Siginfo, ctx: *const Ucontext) {
    // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo and ucontext, live for the call.
    let (info, ctx) = unsafe { (&*info, &*ctx) };
    let r = &ctx.uc_mcontext;
    let mp = crate::tls::getm_tls();
    // minit ran on this thread after settls: mp is its M, and curg/g0/id are written by
    // this thread (or before it started).
    // SAFETY: so the block below is sound.
    let (curg, g0, id) = unsafe { ((*mp).curg, (*mp).g0, (*mp).id) };
    let mut w = Writer::new(STDERR);
    let _ = writeln!(w, "SIGQUIT: quit");
    let _ = writeln!(w, "PC={:#x} m={id} sigcode={}", r.rip, info.si_code);
    let _ = writeln!(w);
    let gp = if curg.is_null() { g0 } else { curg };
    if curg.is_null() {
        let _ = writeln!(w, "goroutine 0 [idle]:");
    } else {
        crate::traceback::print_header(&mut w, gp);
    }
    crate::traceback::print_frames(&mut w, gp, None, r.rip as usize, true, r.rbp as usize, true);
    crate::traceback::print_created_by(&mut w, gp, true);
    crate::traceback::print_others(&mut w, gp, true);
    let _ = writeln!(w);
    let regs = [
        ("rax", r.rax),
        ("rbx", r.rbx),
        ("rcx", r.rcx),
        ("rdx", r.rdx),
        ("rdi", r.rdi),
        ("rsi", r.rsi),
        ("rbp", r.rbp),
        ("rsp", r.rsp),
        ("r8", r.r8),
        ("r9", r.r9),
        ("r10", r.r10),
        ("r11", r.r11),
        ("r12", r.r12),
        ("r13", r.r13),
        ("r14", r.r14),
        ("r15", r.r15),
        ("rip", r.rip),
        ("rflags", r.eflags),
        ("cs", u64::from(r.cs)),
        ("fs", u64::from(r.fs)),
        ("gs", u64::from(r.gs)),
    ];
    for (name, v) in regs {
        let _ = writeln!(w, "{name:<7}{v:#x}");
    }
    w.flush();
    crate::exit::exit(crate::panic::PANIC_EXIT_CODE)
}

/// Go's sigtable names of the signals the handler reports.
pub fn signame(sig: i32) -> &'static str {
    match sig {
        SIGSEGV => "SIGSEGV: segmentation violation",
        SIGBUS => "SIGBUS: bus error",
        SIGFPE => "SIGFPE: floating-point exception",
        SIGQUIT => "SIGQUIT: quit",
        _ => "SIGILL: illegal instruction",
    }
}

// Go's sigpanic entry: the handler makes the goroutine "call" here from the faulting
// instruction (the faulting PC pushed as the return address, as Go's sigctxt.preparePanic does):
// a frame record links it to the faulting function's, the stack is aligned, then sigpanic.
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
core::arch::global_asm!(
    ".globl rt0_sigpanic",
    "rt0_sigpanic:",
    "    push rbp",
    "    mov rbp, rsp",
    "    and rsp, -16",
    "    call {sigpanic}",
    ".globl rt0_sigpanic_ret",
    "rt0_sigpanic_ret:",
    "    ud2",
    sigpanic = sym sigpanic,
);

#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
unsafe extern "C" {
    fn rt0_sigpanic();
    fn rt0_sigpanic_ret();
}

/// The return address into rt0_sigpanic: the frame above it is the faulting function, at its
/// exact faulting PC (tracebacks print it as such).
pub fn sigpanic_return() -> usize {
    #[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
    return rt0_sigpanic_ret as *const () as usize;
    #[cfg(not(all(not(test), target_arch = "x86_64", target_os = "none")))]
    return usize::MAX;
}

/// Whether a fault may become a panic on the interrupted goroutine (Go's sighandler: the fault
/// happened on a user goroutine's stack, with no runtime lock held, while nothing is dying).
fn can_sigpanic(gp: *mut G, sp: usize) -> bool {
    if gp.is_null() || crate::panic::dying() {
        return false;
    }
    let mp = crate::tls::getm_tls();
    // SAFETY: gp is the M's current goroutine (live); mp this thread's M; locks an atomic.
    unsafe {
        let s = (*gp).stack;
        (*mp).locks.load(core::sync::atomic::Ordering::Relaxed) == 0 && sp >= s.lo + 64 && sp <= s.hi
    }
}

/// Go's preparePanic: push the faulting PC as a return address and resume at rt0_sigpanic.
///
/// # Safety
/// `ctx` is the kernel's signal frame for a fault on `gp`, the current goroutine, whose stack
/// holds the interrupted RSP with room below it (can_sigpanic).
unsafe fn inject_sigpanic(ctx: *mut Ucontext, gp: *mut G, sig: i32, code: i32, addr: usize) {
    // the caller's contract; x86-64 code for this target keeps no red zone, so the word
    // below RSP is free.
    // SAFETY: so the block below is sound.
    unsafe {
        let r = &mut (*ctx).uc_mcontext;
        (*gp).sig = sig;
        (*gp).sigcode0 = code;
        (*gp).sigcode1 = addr;
        (*gp).sigpc = r.rip as usize;
        let sp = r.rsp - 8;
        (sp as *mut u64).write(r.rip);
        r.rsp = sp;
        #[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
        {
            r.rip = rt0_sigpanic as *const () as u64;
        }
    }
}

/// Go's sigpanic: the fault becomes a runtime-error panic on the goroutine (panicmem /
/// panicdivide), which deferred calls may recover.
extern "C" fn sigpanic() -> ! {
    let gp = crate::tls::getg();
    // SAFETY: the handler set these on this goroutine just before it resumed here.
    let sig = unsafe { (*gp).sig };
    let msg = if sig == SIGFPE {
        "runtime error: integer divide by zero"
    } else {
        "runtime error: invalid memory address or nil pointer dereference"
    };
    crate::defer::gopanic(alloc::boxed::Box::new(alloc::string::String::from(msg)))
}
