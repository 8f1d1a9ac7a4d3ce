//! Signals on x86-64: numbers (`arch/x86/include/uapi/asm/signal.h`), sigaction and sigaltstack
//! flags, `si_code` values (`include/uapi/asm-generic/siginfo.h`), and the structs of the signal
//! frame (`asm/sigcontext.h`, `asm-generic/ucontext.h`, `arch/x86/include/asm/sigframe.h`), each
//! checked against Linux's layout.

pub const SIGHUP: i32 = 1;
pub const SIGINT: i32 = 2;
pub const SIGQUIT: i32 = 3;
pub const SIGILL: i32 = 4;
pub const SIGTRAP: i32 = 5;
pub const SIGABRT: i32 = 6;
pub const SIGBUS: i32 = 7;
pub const SIGFPE: i32 = 8;
pub const SIGKILL: i32 = 9;
pub const SIGUSR1: i32 = 10;
pub const SIGSEGV: i32 = 11;
pub const SIGUSR2: i32 = 12;
pub const SIGPIPE: i32 = 13;
pub const SIGALRM: i32 = 14;
pub const SIGTERM: i32 = 15;
pub const SIGSTKFLT: i32 = 16;
pub const SIGCHLD: i32 = 17;
pub const SIGCONT: i32 = 18;
pub const SIGSTOP: i32 = 19;
pub const SIGTSTP: i32 = 20;
pub const SIGTTIN: i32 = 21;
pub const SIGTTOU: i32 = 22;
pub const SIGURG: i32 = 23;
pub const SIGXCPU: i32 = 24;
pub const SIGXFSZ: i32 = 25;
pub const SIGVTALRM: i32 = 26;
pub const SIGPROF: i32 = 27;
pub const SIGWINCH: i32 = 28;
pub const SIGIO: i32 = 29;
pub const SIGPWR: i32 = 30;
pub const SIGSYS: i32 = 31;
pub const SIGRTMIN: i32 = 32;
/// The highest signal number (`_NSIG`); signals are 1..=NSIG.
pub const NSIG: usize = 64;

/// The signal's name (`SIGSEGV`), for signals 1..=31; None for real-time and bad numbers.
pub const fn name(sig: i32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    if sig >= 1 && sig <= 31 { Some(NAMES[sig as usize - 1]) } else { None }
}

/// The bit of signal `sig` in a sigset.
#[inline]
pub const fn sigmask(sig: i32) -> u64 {
    1 << (sig - 1)
}

/// SIGKILL and SIGSTOP can be neither caught nor blocked.
pub const UNBLOCKABLE: u64 = sigmask(SIGKILL) | sigmask(SIGSTOP);

/// The kernel's sigset_t: one bit per signal (rt_sigprocmask's sigsetsize).
pub type Sigset = u64;
pub const SIGSET_SIZE: usize = size_of::<Sigset>();

/// rt_sigprocmask's `how`.
pub const SIG_BLOCK: usize = 0;
pub const SIG_UNBLOCK: usize = 1;
pub const SIG_SETMASK: usize = 2;

/// Handler values with a meaning of their own.
pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

/// `sa_flags`.
pub const SA_NOCLDSTOP: u64 = 0x0000_0001;
pub const SA_NOCLDWAIT: u64 = 0x0000_0002;
pub const SA_SIGINFO: u64 = 0x0000_0004;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;

/// `ss_flags`.
pub const SS_ONSTACK: i32 = 1;
pub const SS_DISABLE: i32 = 2;
pub const SS_AUTODISARM: i32 = 1 << 31;
/// The smallest alternate stack sigaltstack accepts, and the suggested size.
pub const MINSIGSTKSZ: usize = 2048;
pub const SIGSTKSZ: usize = 8192;

/// `si_code` values: where a signal came from.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TKILL: i32 = -6;
pub const ILL_ILLOPN: i32 = 2;
pub const FPE_INTDIV: i32 = 1;
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const BUS_ADRALN: i32 = 1;
pub const BUS_ADRERR: i32 = 2;
pub const TRAP_BRKPT: i32 = 1;

/// `struct kernel_sigaction` of x86-64 (`sa_handler, sa_flags, sa_restorer, sa_mask`: not
/// libc's order).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct KernelSigaction {
    pub sa_handler: u64,
    pub sa_flags: u64,
    pub sa_restorer: u64,
    pub sa_mask: Sigset,
}

/// `stack_t` (sigaltstack, `uc_stack`).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct StackT {
    pub ss_sp: u64,
    pub ss_flags: i32,
    pub _pad: i32,
    pub ss_size: u64,
}

/// The sigaltstack flags Linux keeps beside the mode (SS_FLAG_BITS).
pub const SS_FLAG_BITS: i32 = SS_AUTODISARM;

impl StackT {
    /// No alternate stack: a new thread's state, all zero as Linux's `sas_ss_reset` leaves it
    /// (it reads back as SS_DISABLE because its size is 0).
    pub const NONE: StackT = StackT { ss_sp: 0, ss_flags: 0, _pad: 0, ss_size: 0 };

    /// Whether `sp` lies on this stack (Linux's `on_sig_stack`: the stack grows down, so its top
    /// counts and its base does not; never while SS_AUTODISARM is set).
    pub fn holds(&self, sp: u64) -> bool {
        self.ss_flags & SS_AUTODISARM == 0 && sp > self.ss_sp && sp - self.ss_sp <= self.ss_size
    }

    /// The mode as sigaltstack and `uc_stack` report it for a thread at `sp` (Linux's
    /// `sas_ss_flags` plus the kept flag bits): SS_DISABLE without a stack, SS_ONSTACK on it.
    pub fn mode_at(&self, sp: u64) -> i32 {
        let mode = if self.ss_size == 0 {
            SS_DISABLE
        } else if self.holds(sp) {
            SS_ONSTACK
        } else {
            0
        };
        mode | (self.ss_flags & SS_FLAG_BITS)
    }
}

/// `siginfo_t`: 128 bytes, three ints and a union whose layout depends on the signal. The union
/// is kept as words; the accessors name the fields rt0 uses (`_sigfault.si_addr`,
/// `_kill.si_pid`/`si_uid`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Siginfo {
    pub si_signo: i32,
    pub si_errno: i32,
    pub si_code: i32,
    pub _pad: i32,
    pub fields: [u64; 14],
}

impl Siginfo {
    pub const ZERO: Siginfo = Siginfo { si_signo: 0, si_errno: 0, si_code: 0, _pad: 0, fields: [0; 14] };

    /// A fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) at `addr`.
    #[inline]
    pub const fn fault(signo: i32, code: i32, addr: u64) -> Siginfo {
        let mut s = Siginfo { si_signo: signo, si_code: code, ..Siginfo::ZERO };
        s.fields[0] = addr;
        s
    }

    /// A signal sent by kill/tgkill (`_kill`: si_pid, si_uid).
    #[inline]
    pub const fn kill(signo: i32, code: i32, pid: i32, uid: u32) -> Siginfo {
        let mut s = Siginfo { si_signo: signo, si_code: code, ..Siginfo::ZERO };
        s.fields[0] = pid as u32 as u64 | (uid as u64) << 32;
        s
    }

    /// `si_addr` (faults).
    #[inline]
    pub const fn si_addr(&self) -> u64 {
        self.fields[0]
    }

    /// `si_uid` (kill).
    #[inline]
    pub const fn si_uid(&self) -> u32 {
        (self.fields[0] >> 32) as u32
    }

    /// `si_pid` (kill).
    #[inline]
    pub const fn si_pid(&self) -> i32 {
        self.fields[0] as u32 as i32
    }
}

/// `struct sigcontext` (64-bit): the registers at the moment of the signal.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Sigcontext {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    pub eflags: u64,
    pub cs: u16,
    pub gs: u16,
    pub fs: u16,
    pub ss: u16,
    pub err: u64,
    pub trapno: u64,
    pub oldmask: u64,
    pub cr2: u64,
    /// User address of the FXSAVE area (0: none).
    pub fpstate: u64,
    pub reserved1: [u64; 8],
}

/// `struct ucontext` (asm-generic): flags, link, the alternate stack, the registers, the mask.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Ucontext {
    pub uc_flags: u64,
    pub uc_link: u64,
    pub uc_stack: StackT,
    pub uc_mcontext: Sigcontext,
    pub uc_sigmask: Sigset,
}

/// `struct rt_sigframe` (x86-64): what a handler's RSP points at. The FXSAVE area follows
/// separately, 64-byte aligned, at `uc_mcontext.fpstate`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtSigframe {
    /// The return address: sa_restorer, which calls rt_sigreturn.
    pub pretcode: u64,
    pub uc: Ucontext,
    pub info: Siginfo,
}

/// RFLAGS bits a handler may change through its ucontext (Linux's FIX_EFLAGS: CF PF AF ZF SF
/// TF DF OF NT RF AC).
pub const FIX_EFLAGS: u64 = 0x0005_0dd5;
/// Size of the legacy FXSAVE area a frame carries.
pub const FXSAVE_SIZE: usize = 512;

const _: () = assert!(size_of::<KernelSigaction>() == 32);
const _: () = assert!(size_of::<StackT>() == 24);
const _: () = assert!(core::mem::offset_of!(StackT, ss_size) == 16);
const _: () = assert!(size_of::<Siginfo>() == 128);
const _: () = assert!(size_of::<Sigcontext>() == 256);
const _: () = assert!(core::mem::offset_of!(Sigcontext, eflags) == 136);
const _: () = assert!(core::mem::offset_of!(Sigcontext, cs) == 144);
const _: () = assert!(core::mem::offset_of!(Sigcontext, err) == 152);
const _: () = assert!(core::mem::offset_of!(Sigcontext, cr2) == 176);
const _: () = assert!(core::mem::offset_of!(Sigcontext, fpstate) == 184);
const _: () = assert!(size_of::<Ucontext>() == 304);
const _: () = assert!(core::mem::offset_of!(Ucontext, uc_stack) == 16);
const _: () = assert!(core::mem::offset_of!(Ucontext, uc_mcontext) == 40);
const _: () = assert!(core::mem::offset_of!(Ucontext, uc_sigmask) == 296);
const _: () = assert!(size_of::<RtSigframe>() == 440);
const _: () = assert!(core::mem::offset_of!(RtSigframe, uc) == 8);
const _: () = assert!(core::mem::offset_of!(RtSigframe, info) == 312);

#[cfg(test)]
mod tests {
    #[test]
    fn signal_names_match_their_numbers() {
        assert_eq!(super::name(super::SIGSEGV), Some("SIGSEGV"));
        assert_eq!(super::name(super::SIGSYS), Some("SIGSYS"));
        assert_eq!(super::name(super::SIGURG), Some("SIGURG"));
        assert_eq!(super::name(0), None);
        assert_eq!(super::name(super::SIGRTMIN), None);
    }
}
