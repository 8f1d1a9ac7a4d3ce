//! Signals the runtime handles itself (Go's signal_unix.go, os_linux.go minit, and the
//! sigtramp/sigreturn in sys_linux_amd64.s): every M gets an alternate signal stack (its
//! gsignal's 32 KiB), and faults become Go's reports — a goroutine that runs into its stack
//! guard is `fatal error: stack overflow`; a nil dereference is Go's runtime-error panic.
//! Go installs handlers for all 64 signals (initsig); rt0 installs the synchronous ones, as no
//! asynchronous signals reach its programs yet.
use crate::os_linux::*;
use crate::runtime2::M;

const SIGILL: usize = 4;
const SIGBUS: usize = 7;
const SIGFPE: usize = 8;
const SIGSEGV: usize = 11;
const SA_SIGINFO: u64 = 0x4;
const SA_ONSTACK: u64 = 0x0800_0000;
const SA_RESTORER: u64 = 0x0400_0000;
/// Go's maxstacksize report: "goroutine stack exceeds 1000000000-byte limit".
const MAX_STACK_SIZE: u64 = 1_000_000_000;

#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
core::arch::global_asm!(".globl rt0_sigreturn", "rt0_sigreturn:", "mov eax, 15", "syscall", "ud2");
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
unsafe extern "C" {
    fn rt0_sigreturn();
}

/// minit: the thread's signal stack (the M's gsignal) and its thread id.
pub(crate) fn minit(mp: *mut M) {
    // SAFETY: mp is this thread's M; its gsignal was set up by mcommoninit.
    unsafe {
        let gs = (*mp).gsignal;
        let ss = StackT { sp: (*gs).stack.lo, flags: 0, pad: 0, size: (*gs).stack.hi - (*gs).stack.lo };
        syscall2(SYS_SIGALTSTACK, &ss as *const StackT as usize, 0);
        (*mp).procid = syscall0(SYS_GETTID) as u64;
    }
}

/// initsig: the fault handlers, on the alternate stack.
pub fn initsig() {
    #[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
    for sig in [SIGSEGV, SIGBUS, SIGFPE, SIGILL] {
        let act = KSigaction {
            handler: sighandler as *const () as usize,
            flags: SA_SIGINFO | SA_ONSTACK | SA_RESTORER,
            restorer: rt0_sigreturn as *const () as usize,
            mask: 0,
        };
        // SAFETY: a valid kernel_sigaction for the handler below.
        unsafe { syscall4(SYS_RT_SIGACTION, sig, &act as *const KSigaction as usize, 0, 8) };
    }
}

/// The handler: report like Go and exit 2. Runs on the gsignal stack; allocates nothing.
extern "C" fn sighandler(sig: i32, info: *const u8, ctx: *const u8) {
    // SAFETY: the kernel passes valid siginfo and ucontext pointers (SA_SIGINFO).
    let (code, addr, pc, sp) = unsafe {
        (
            (info.add(8) as *const i32).read(),
            (info.add(16) as *const usize).read(),
            (ctx.add(40 + 16 * 8) as *const usize).read(),
            (ctx.add(40 + 15 * 8) as *const usize).read(),
        )
    };
    let gp = crate::asm_amd64::getg();
    let goid = crate::proc::goid();
    // SAFETY: gp is this thread's current G (a goroutine, or g0).
    let stack = if gp.is_null() { None } else { Some(unsafe { (*gp).stack }) };
    let name = match sig as usize {
        SIGSEGV => "SIGSEGV: segmentation violation",
        SIGBUS => "SIGBUS: bus error",
        SIGFPE => "SIGFPE: floating-point exception",
        _ => "SIGILL: illegal instruction",
    };
    if sig as usize == SIGSEGV && stack.is_some_and(|s| crate::stack::in_guard(&s, addr)) {
        let s = stack.unwrap();
        crate::eprintln!("runtime: goroutine stack exceeds {MAX_STACK_SIZE}-byte limit");
        crate::eprintln!("runtime: sp={sp:#x} stack=[{:#x}, {:#x}]", s.lo, s.hi);
        crate::eprintln!("fatal error: stack overflow");
    } else {
        match sig as usize {
            SIGSEGV | SIGBUS => {
                crate::eprintln!("panic: runtime error: invalid memory address or nil pointer dereference")
            }
            SIGFPE => crate::eprintln!("panic: runtime error: integer divide by zero"),
            _ => crate::eprintln!("fatal error: unexpected signal during runtime execution"),
        }
        crate::eprintln!("[signal {name} code={code:#x} addr={addr:#x} pc={pc:#x}]");
    }
    crate::eprintln!();
    crate::eprintln!("goroutine {} [running]:", goid.max(1));
    crate::eprintln!("\tpc={pc:#x}");
    crate::panic::exit_after_fatal()
}
