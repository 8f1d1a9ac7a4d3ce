//! Signals raised by the CPU on behalf of the program (Linux arch/x86/kernel/traps.c and
//! kernel/signal.c): which signal an exception becomes, the per-process handler table that
//! rt_sigaction fills, and the default action when no handler is installed.
use crate::arch::TrapFrame;

pub const SIGILL: u32 = 4;
pub const SIGTRAP: u32 = 5;
pub const SIGBUS: u32 = 7;
pub const SIGFPE: u32 = 8;
pub const SIGSEGV: u32 = 11;
/// SIGKILL and SIGSTOP can be neither caught nor blocked.
pub const UNBLOCKABLE: u64 = (1 << 8) | (1 << 18);
/// Highest signal number (Linux's _NSIG = 64).
pub const NSIG: usize = 64;

/// `si_code` values for SIGSEGV.
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;

/// A `struct sigaction` as the x86-64 kernel ABI lays it out (`struct kernel_sigaction`).
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub struct SigAction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

/// `stack_t` for sigaltstack.
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub struct AltStack {
    pub sp: u64,
    pub flags: i32,
    pub _pad: i32,
    pub size: u64,
}

/// Per-process signal state: the handler table, shared by every thread (the blocked mask and
/// the alternate stack are per thread, in `sched::Thread`).
pub struct Signals {
    pub actions: [SigAction; NSIG],
}

impl Signals {
    pub const fn new() -> Self {
        Self { actions: [SigAction { handler: 0, flags: 0, restorer: 0, mask: 0 }; NSIG] }
    }
}

/// The alternate stack of a new thread: none.
pub const NO_ALTSTACK: AltStack = AltStack { sp: 0, flags: SS_DISABLE, _pad: 0, size: 0 };

pub const SS_DISABLE: i32 = 2;

/// A synchronous signal: number, si_code and si_addr.
#[derive(Clone, Copy, Debug)]
pub struct Fault {
    pub signo: u32,
    pub code: i32,
    pub addr: u64,
}

/// The signal Linux sends for a CPU exception taken in ring 3 (other than a resolved #PF).
pub fn for_exception(frame: &TrapFrame) -> Fault {
    let (signo, code) = match frame.vector {
        0 => (SIGFPE, 1),       // FPE_INTDIV
        1 | 3 => (SIGTRAP, 1),  // TRAP_BRKPT
        4 | 5 => (SIGSEGV, 0),  // #OF, #BR
        6 => (SIGILL, 2),       // ILL_ILLOPN
        16 | 19 => (SIGFPE, 0), // x87 / SIMD floating point
        17 => (SIGBUS, 1),      // BUS_ADRALN
        _ => (SIGSEGV, 0x80),   // #GP, #SS, #NP: SI_KERNEL
    };
    // si_addr: the faulting instruction for these (Linux uses the RIP; 0 for SI_KERNEL).
    let addr = if code == 0x80 { 0 } else { frame.rip };
    Fault { signo, code, addr }
}

/// Linux's `strsignal`-style description, as Go prints it.
pub fn describe(signo: u32) -> &'static str {
    match signo {
        SIGILL => "SIGILL: illegal instruction",
        SIGTRAP => "SIGTRAP: trace trap",
        SIGBUS => "SIGBUS: bus error",
        SIGFPE => "SIGFPE: floating-point exception",
        SIGSEGV => "SIGSEGV: segmentation violation",
        _ => "signal",
    }
}
