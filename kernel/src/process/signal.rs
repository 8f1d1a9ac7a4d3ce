//! Signals raised by the CPU on behalf of the program (Linux arch/x86/kernel/traps.c and
//! kernel/signal.c): which signal an exception becomes, the per-process handler table that
//! rt_sigaction fills, and the signal descriptions the default action prints.
use crate::arch::TrapFrame;
use abi::signal::*;

/// Per-process signal state: the handler table, shared by every thread (the blocked mask and
/// the alternate stack are per thread, in `Thread`).
pub struct Signals {
    pub actions: [KernelSigaction; NSIG],
}

impl Signals {
    pub const fn new() -> Self {
        Self { actions: [KernelSigaction { sa_handler: SIG_DFL, sa_flags: 0, sa_restorer: 0, sa_mask: 0 }; NSIG] }
    }

    /// The action for signal `signo` (1..=NSIG).
    pub fn action(&mut self, signo: i32) -> &mut KernelSigaction {
        &mut self.actions[signo as usize - 1]
    }
}

impl Default for Signals {
    fn default() -> Self {
        Self::new()
    }
}

/// The signal Linux sends for a CPU exception taken in ring 3 (other than a resolved #PF), with
/// si_code and si_addr: the faulting instruction for these (0 for SI_KERNEL).
pub fn for_exception(frame: &TrapFrame) -> Siginfo {
    let (signo, code) = match frame.vector {
        0 => (SIGFPE, FPE_INTDIV),
        1 | 3 => (SIGTRAP, TRAP_BRKPT),
        4 | 5 => (SIGSEGV, 0), // #OF, #BR
        6 => (SIGILL, ILL_ILLOPN),
        16 | 19 => (SIGFPE, 0), // x87 / SIMD floating point
        17 => (SIGBUS, BUS_ADRALN),
        _ => (SIGSEGV, SI_KERNEL), // #GP, #SS, #NP
    };
    let addr = if code == SI_KERNEL { 0 } else { frame.rip };
    Siginfo::fault(signo, code, addr)
}

/// Signals whose default action is to do nothing (Linux's SIG_KERNEL_IGNORE_MASK).
pub fn ignored_by_default(signo: i32) -> bool {
    matches!(signo, SIGCHLD | SIGURG | SIGWINCH | SIGCONT)
}

/// A write to a pipe with no reader: SIGPIPE for the writing thread (unless it is ignored),
/// sent as Linux's `send_sig(SIGPIPE, current, 0)` sends it.
pub fn raise_sigpipe() {
    let ignored = super::with(|p| p.signals.action(SIGPIPE).sa_handler == SIG_IGN);
    if !ignored {
        send_to_current(Siginfo::kill(SIGPIPE, SI_USER, super::PID as i32, 0));
    }
}

/// Queues `info` for the running thread; it is delivered on the way back to ring 3.
pub fn send_to_current(info: Siginfo) {
    super::sched::signal_thread(super::sched::current_tid(), Some(info), false);
}

/// Whether a signal with this action is thrown away when sent to a thread that does not block
/// it (Linux's `sig_ignored`): SIG_IGN, or SIG_DFL for a signal whose default is to ignore.
pub fn discarded(signo: i32, action: &KernelSigaction) -> bool {
    action.sa_handler == SIG_IGN || (action.sa_handler == SIG_DFL && ignored_by_default(signo))
}

/// Who sent a pending signal: the siginfo fields a sent signal carries beyond its number.
#[derive(Clone, Copy, Default)]
struct Sender {
    code: i32,
    /// `_rt`/`_kill`: si_pid and si_uid packed as the siginfo holds them, then si_value.
    words: [u64; 2],
}

/// A set of pending signals with their senders (Linux's `struct sigpending`): one per thread
/// (thread-directed signals) and one for the process (process-directed). Standard signals do
/// not queue: a second one while one is pending is merged into it.
pub struct PendingSet {
    pub mask: Sigset,
    senders: [Sender; NSIG],
}

impl PendingSet {
    pub const fn new() -> PendingSet {
        PendingSet { mask: 0, senders: [Sender { code: 0, words: [0; 2] }; NSIG] }
    }

    /// Adds `info`; false when the signal was already pending (merged).
    pub fn add(&mut self, info: &Siginfo) -> bool {
        let bit = sigmask(info.si_signo);
        if self.mask & bit != 0 {
            return false;
        }
        self.mask |= bit;
        self.senders[info.si_signo as usize - 1] =
            Sender { code: info.si_code, words: [info.fields[0], info.fields[1]] };
        true
    }

    /// Takes the lowest pending signal in `allowed`.
    pub fn take(&mut self, allowed: Sigset) -> Option<Siginfo> {
        let ready = self.mask & allowed;
        if ready == 0 {
            return None;
        }
        let signo = ready.trailing_zeros() as i32 + 1;
        self.mask &= !sigmask(signo);
        let s = self.senders[signo as usize - 1];
        let mut info = Siginfo { si_signo: signo, si_code: s.code, ..Siginfo::ZERO };
        info.fields[..2].copy_from_slice(&s.words);
        Some(info)
    }
}

impl Default for PendingSet {
    fn default() -> Self {
        Self::new()
    }
}

/// The signal's name and description, as Go prints it (`SIGSEGV: segmentation violation`).
pub fn describe(signo: i32) -> &'static str {
    match signo {
        SIGHUP => "SIGHUP: terminal line hangup",
        SIGINT => "SIGINT: interrupt",
        SIGQUIT => "SIGQUIT: quit",
        SIGILL => "SIGILL: illegal instruction",
        SIGTRAP => "SIGTRAP: trace trap",
        SIGABRT => "SIGABRT: abort",
        SIGBUS => "SIGBUS: bus error",
        SIGFPE => "SIGFPE: floating-point exception",
        SIGKILL => "SIGKILL: kill",
        SIGUSR1 => "SIGUSR1: user-defined signal 1",
        SIGSEGV => "SIGSEGV: segmentation violation",
        SIGUSR2 => "SIGUSR2: user-defined signal 2",
        SIGPIPE => "SIGPIPE: broken pipe",
        SIGALRM => "SIGALRM: alarm clock",
        SIGTERM => "SIGTERM: termination",
        SIGSTKFLT => "SIGSTKFLT: stack fault",
        SIGCHLD => "SIGCHLD: child status has changed",
        SIGCONT => "SIGCONT: continue",
        SIGSTOP => "SIGSTOP: stop, unblockable",
        SIGTSTP => "SIGTSTP: keyboard stop",
        SIGTTIN => "SIGTTIN: background read from tty",
        SIGTTOU => "SIGTTOU: background write to tty",
        SIGURG => "SIGURG: urgent condition on socket",
        SIGVTALRM => "SIGVTALRM: virtual alarm clock",
        SIGPROF => "SIGPROF: profiling alarm clock",
        SIGWINCH => "SIGWINCH: window size change",
        SIGIO => "SIGIO: i/o now possible",
        SIGPWR => "SIGPWR: power failure restart",
        SIGSYS => "SIGSYS: bad system call",
        SIGXCPU => "SIGXCPU: cpu limit exceeded",
        SIGXFSZ => "SIGXFSZ: file size limit exceeded",
        _ => "signal",
    }
}

/// Signals whose default action stops the process (Linux's SIG_KERNEL_STOP_MASK). rt0 has no
/// parent and no job control that could continue it, so a stop ends the process instead, and
/// the log says so.
pub fn stops(signo: i32) -> bool {
    matches!(signo, SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU)
}

/// Signals whose default action dumps core (Linux's SIG_KERNEL_COREDUMP_MASK): a shell reports
/// their death as "(core dumped)"; rt0 writes no core file but says so the same way.
pub fn dumps_core(signo: i32) -> bool {
    matches!(signo, SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGSYS | SIGXCPU | SIGXFSZ)
}
