//! Signals raised by the CPU on behalf of the program (Linux arch/x86/kernel/traps.c and
//! kernel/signal.c): which signal an exception becomes, the per-process handler table that
//! rt_sigaction fills, and the signal descriptions the default action prints.
use crate::arch::TrapFrame;
use abi::signal::*;

/// Per-process signal state: the handler table, shared by every thread (the blocked mask and
/// the alternate stack are per thread, in `Thread`).
#[derive(Clone)]
pub struct Signals {
    pub actions: [KernelSigaction; NSIG],
    /// The signals whose action throws them away, kept in step with `actions` and mirrored in
    /// the scheduler's record of the process (`sched::set_discards`), so that sending a signal
    /// — Go preempts with SIGURG all the time — needs no process lock.
    discards: Sigset,
}

impl Signals {
    /// Every action SIG_DFL (a new process).
    pub fn new() -> Self {
        Self {
            actions: [KernelSigaction { sa_handler: SIG_DFL, sa_flags: 0, sa_restorer: 0, sa_mask: 0 }; NSIG],
            discards: DEFAULT_IGNORED,
        }
    }

    /// The signals this table's actions throw away.
    pub fn discards(&self) -> Sigset {
        self.discards
    }

    /// execve's reset (Linux's `flush_signal_handlers`): a caught signal goes back to SIG_DFL,
    /// an ignored one stays ignored; flags, masks and restorers are cleared.
    pub fn reset_for_exec(&mut self) {
        for a in self.actions.iter_mut() {
            let handler = if a.sa_handler == SIG_IGN { SIG_IGN } else { SIG_DFL };
            *a = KernelSigaction { sa_handler: handler, sa_flags: 0, sa_restorer: 0, sa_mask: 0 };
        }
        self.discards = (1..=NSIG as i32).filter(|&s| discarded(s, self.action(s))).fold(0, |m, s| m | sigmask(s));
        super::sched::set_discards(super::pid(), self.discards);
    }

    /// The action for signal `signo` (1..=NSIG).
    pub fn action(&self, signo: i32) -> &KernelSigaction {
        &self.actions[signo as usize - 1]
    }

    /// Installs `action` for `signo`, keeping [`discards`]'s mirror in step.
    pub fn set(&mut self, signo: i32, action: KernelSigaction) {
        self.actions[signo as usize - 1] = action;
        let bit = sigmask(signo);
        if discarded(signo, &action) {
            self.discards |= bit;
        } else {
            self.discards &= !bit;
        }
        // The running thread's process is the one whose table this is (every caller changes
        // its own).
        super::sched::set_discards(super::pid(), self.discards);
    }
}

/// Signals whose default action is to do nothing (Linux's SIG_KERNEL_IGNORE_MASK).
pub const DEFAULT_IGNORED: Sigset = sigmask(SIGCHLD) | sigmask(SIGURG) | sigmask(SIGWINCH) | sigmask(SIGCONT);

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
        // #NP, #SS (a stack access through a non-canonical RSP): Linux's do_error_trap with SIGBUS.
        11 | 12 => (SIGBUS, SI_KERNEL),
        _ => (SIGSEGV, SI_KERNEL), // #GP, #TS
    };
    let addr = if code == SI_KERNEL { 0 } else { frame.rip };
    Siginfo::fault(signo, code, addr)
}

/// Whether the default action of `signo` is to do nothing.
pub fn ignored_by_default(signo: i32) -> bool {
    DEFAULT_IGNORED & sigmask(signo) != 0
}

/// A write to a pipe with no reader: SIGPIPE for the writing thread (unless it is ignored),
/// sent as Linux's `send_sig(SIGPIPE, current, 0)` sends it.
pub fn raise_sigpipe() {
    let ignored = super::with(|p| p.signals.action(SIGPIPE).sa_handler == SIG_IGN);
    if !ignored {
        send_to_current(SIGPIPE, Sender::kill(SI_USER, super::pid() as i32, 0));
    }
}

/// Whether the running thread has a pending signal it does not block (Linux's
/// `signal_pending`): a long system call stops there with what it has done.
pub fn pending_unblocked() -> bool {
    super::sched::pending_signals() & !super::sched::with_current(|t| t.sigmask) != 0
}

/// Queues `signo` for the running thread; it is delivered on the way back to ring 3.
pub fn send_to_current(signo: i32, from: Sender) {
    super::sched::signal_thread(super::sched::current_tid(), signo, &from, false);
}

/// Whether a signal with this action is thrown away when sent to a thread that does not block
/// it (Linux's `sig_ignored`): SIG_IGN, or SIG_DFL for a signal whose default is to ignore.
pub fn discarded(signo: i32, action: &KernelSigaction) -> bool {
    action.sa_handler == SIG_IGN || (action.sa_handler == SIG_DFL && ignored_by_default(signo))
}

/// Who sent a pending signal: the siginfo fields a sent signal carries beyond its number.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Sender {
    pub code: i32,
    /// `_rt`/`_kill`: si_pid and si_uid packed as the siginfo holds them, then si_value.
    pub words: [u64; 2],
}

impl Sender {
    /// kill/tgkill/tkill's: `code` (SI_USER, SI_TKILL, SI_KERNEL), from `pid` as `uid`.
    pub const fn kill(code: i32, pid: i32, uid: u32) -> Sender {
        Sender { code, words: [pid as u32 as u64 | (uid as u64) << 32, 0] }
    }

    /// The siginfo of signal `signo` from this sender.
    pub fn info(&self, signo: i32) -> Siginfo {
        let mut info = Siginfo { si_signo: signo, si_code: self.code, ..Siginfo::ZERO };
        info.fields[0] = self.words[0];
        info.fields[1] = self.words[1];
        info
    }

    /// The sender fields of a whole siginfo (rt_sigqueueinfo's).
    pub fn of(info: &Siginfo) -> Sender {
        Sender { code: info.si_code, words: [info.fields[0], info.fields[1]] }
    }
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

    /// Adds `signo` from `from`; false when the signal was already pending (merged).
    pub fn add(&mut self, signo: i32, from: Sender) -> bool {
        let bit = sigmask(signo);
        if self.mask & bit != 0 {
            return false;
        }
        self.mask |= bit;
        self.senders[signo as usize - 1] = from;
        true
    }

    /// Takes the lowest pending signal in `allowed`: its number and sender.
    #[inline]
    pub fn take(&mut self, allowed: Sigset) -> Option<(i32, Sender)> {
        let ready = self.mask & allowed;
        if ready == 0 {
            return None;
        }
        let signo = ready.trailing_zeros() as i32 + 1;
        self.mask &= !sigmask(signo);
        Some((signo, self.senders[signo as usize - 1]))
    }
}

/// Takes the next signal of `allowed` for thread `t`: its own first, then the process's
/// `shared` ones (Linux's `dequeue_signal`).
#[inline]
pub fn take(t: &mut super::thread::Thread, shared: &mut PendingSet, allowed: Sigset) -> Option<(i32, Sender)> {
    match t.pending.take(allowed) {
        Some(sig) => Some(sig),
        None => shared.take(allowed),
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
