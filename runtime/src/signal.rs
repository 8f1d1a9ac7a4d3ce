//! Signals the runtime handles itself: faults become Go's reports — a goroutine that runs into
//! its stack guard is `fatal error: stack overflow`; a nil dereference is Go's runtime-error
//! panic. Each M's alternate signal stack (its gsignal) is set by `os_linux::minit`.
//!
//! Mirrors Go's `runtime/signal_unix.go` (`initsig`, `sighandler`, `sigpanic`) and
//! `signal_amd64.go` (reading the faulting PC and SP from the ucontext). Go installs handlers for
//! all 64 signals (initsig); rt0 installs the synchronous ones, as no asynchronous signals reach
//! its programs yet. siginfo and ucontext are read through abi's `Siginfo` and `Ucontext`.
use abi::signal::{
    KernelSigaction, SA_ONSTACK, SA_RESTORER, SA_SIGINFO, SIGBUS, SIGFPE, SIGILL, SIGSEGV, Siginfo, Ucontext,
};

/// Go's maxstacksize report: "goroutine stack exceeds 1000000000-byte limit".
const MAX_STACK_SIZE: u64 = 1_000_000_000;

/// The signals initsig takes over: the synchronous faults.
pub const FAULT_SIGNALS: [i32; 4] = [SIGSEGV, SIGBUS, SIGFPE, SIGILL];

/// initsig: the fault handlers, on the alternate stack.
pub fn initsig() {
    #[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
    for sig in FAULT_SIGNALS {
        let act = KernelSigaction {
            sa_handler: sighandler as *const () as u64,
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
    let (pc, sp) = (ctx.uc_mcontext.rip as usize, ctx.uc_mcontext.rsp as usize);
    let gp = crate::tls::getg();
    // SAFETY: the g register is this thread's current G (a goroutine, or g0): minit ran on this
    // thread after settls, so FS is its M's.
    let stack = if gp.is_null() { None } else { Some(unsafe { (*gp).stack }) };
    if sig == SIGSEGV
        && let Some(s) = stack.filter(|s| crate::stack::in_guard(s, addr))
    {
        // Go's newstack: the two runtime: lines, then throw.
        crate::eprintln!("runtime: goroutine stack exceeds {MAX_STACK_SIZE}-byte limit");
        crate::eprintln!("runtime: sp={sp:#x} stack=[{:#x}, {:#x}] pc={pc:#x}", s.lo, s.hi);
        crate::panic::throw("stack overflow");
    }
    let name = match sig {
        SIGSEGV => "SIGSEGV: segmentation violation",
        SIGBUS => "SIGBUS: bus error",
        SIGFPE => "SIGFPE: floating-point exception",
        _ => "SIGILL: illegal instruction",
    };
    let signal = format_args!("[signal {name} code={code:#x} addr={addr:#x} pc={pc:#x}]");
    if sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE {
        crate::panic::fatalthrow(&"unexpected signal during runtime execution", Some(&signal));
    }
    // Go's sigpanic → panicmem / panicdivide: a runtime-error panic, which nothing recovers.
    if sig == SIGFPE {
        crate::eprintln!("panic: runtime error: integer divide by zero");
    } else {
        crate::eprintln!("panic: runtime error: invalid memory address or nil pointer dereference");
    }
    crate::eprintln!("{signal}");
    crate::eprintln!();
    crate::eprintln!("goroutine {} [running]:", crate::proc::goid().max(1));
    crate::eprintln!("\tpc={pc:#x}");
    crate::exit::exit(crate::panic::PANIC_EXIT_CODE)
}
