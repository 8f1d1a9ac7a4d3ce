//! CPU exceptions taken in ring 3 (Linux arch/x86/mm/fault.c, arch/x86/kernel/traps.c,
//! kernel/signal.c): a page fault inside a VMA that allows the access is demand paging; anything
//! else is a synchronous signal, delivered to the program's handler or, without one, its default
//! action.
use super::thread::Thread;
use super::{exit_group, mm, restart, sched, sigframe, signal, with};
use crate::arch::TrapFrame;
use crate::mm::aspace::{Access, Fault};
use abi::signal::{
    KernelSigaction, SA_NODEFER, SA_RESETHAND, SEGV_ACCERR, SEGV_MAPERR, SI_KERNEL, SIG_DFL, SIG_IGN, SIGKILL, SIGSEGV,
    Siginfo, UNBLOCKABLE, sigmask,
};

/// An exception taken in ring 3: demand paging, or a signal. `bp_tsc`: for a #BP, the TSC its
/// entry stub read. Returns, for a `--trace-startup` stop, the TSC its handler ended at (for
/// [`super::trace::returned`] once the way back to ring 3 is done).
pub fn user_exception(frame: &mut TrapFrame, bp_tsc: u64) -> Option<u64> {
    let info = if frame.vector == 14 {
        let addr = x86_64::registers::control::Cr2::read_raw();
        let access = if frame.error_code & 0x10 != 0 {
            Access::Exec
        } else if frame.error_code & 2 != 0 {
            Access::Write
        } else {
            Access::Read
        };
        // A ring-3 page fault with a supervisor error code: no CPU gives one (a ring-3
        // instruction's accesses are user accesses), but QEMU's TCG does for the stack accesses of
        // a ring-3 iret, far ret or far call (which SMAP then refuses; a 32-bit far call even
        // pushes at RSP cut to 32 bits). The kernel does the instruction instead.
        if frame.error_code & PF_USER == 0
            && let Some(done) = super::farcall::emulate(frame)
        {
            sched::with_current(|t| t.idle_fault = None);
            match done {
                Ok(()) => return None,
                Err(info) => {
                    deliver(frame, info);
                    return None;
                }
            }
        }
        let result = mm(|p| p.aspace.fault(addr, access));
        match result {
            Ok(true) => {
                if super::trace::enabled() {
                    super::trace::fault();
                }
                sched::with_current(|t| t.idle_fault = None);
                return None;
            }
            Ok(false) => {
                // A page present and allowed that faults again at the same instruction and address
                // with nothing changed in between: a fault no handling can cure (the far
                // transfers TCG faults this way are done above), so no loop.
                let this = Some((frame.rip, addr));
                if sched::with_current(|t| core::mem::replace(&mut t.idle_fault, this)) != this {
                    return None; // a stale TLB entry, flushed: the retry will get on
                }
                log::error!(
                    "fault: the same page fault again at pc={:#x} addr={addr:#x} with nothing to change: no progress, SIGSEGV",
                    frame.rip
                );
                Siginfo::fault(SIGSEGV, SEGV_ACCERR, addr)
            }
            Err(Fault::NotMapped) => Siginfo::fault(SIGSEGV, SEGV_MAPERR, addr),
            Err(Fault::NotAllowed) => Siginfo::fault(SIGSEGV, SEGV_ACCERR, addr),
            Err(Fault::OutOfMemory) => {
                log::error!("out of memory on a page fault at {addr:#x}; killing the process");
                exit_group(128 + SIGKILL)
            }
        }
    } else if frame.vector == 3
        && super::trace::enabled()
        && let Some((pc, end)) = super::trace::breakpoint(frame.rip, with(|p| p.start_tsc), bp_tsc)
    {
        // A `--trace-startup` stop: logged, its byte restored; the function runs from its start.
        frame.rip = pc;
        return Some(end);
    } else {
        if frame.vector == GENERAL_PROTECTION
            && frame.error_code == 0
            && !is_canonical(frame.rsp)
            && crate::arch::insn::uses_stack(&code_at(frame.rip))
        {
            // A push, pop, call or ret through a non-canonical RSP: hardware raises #SS there
            // (Linux: SIGBUS), but QEMU's TCG raises #GP for every non-canonical address. The
            // fault is taken as the #SS it is.
            frame.vector = STACK_SEGMENT;
        }
        signal::for_exception(frame)
    };
    deliver(frame, info);
    None
}

/// Delivers a synchronous signal: to the program's handler if it has one (and the signal is
/// neither blocked nor ignored — a blocked or ignored fault is forced to its default, as Linux's
/// `force_sig_fault` does), else the default action: a report line and exit status 128 + signo.
/// A handler whose frame cannot be written gets SIGSEGV forced instead.
fn deliver(frame: &mut TrapFrame, f: Siginfo) {
    if crate::syscall::strace::enabled() {
        crate::syscall::strace::signal_line(&f);
    }
    let outcome = with(|p| {
        let action = *p.signals.action(f.si_signo);
        if action.sa_handler <= SIG_IGN {
            return Pending::Fatal;
        }
        mm(|m| {
            sched::with_signals(|t, _| match t.sigmask & sigmask(f.si_signo) {
                0 if setup_handler(p, m, t, frame, &f, &action) => Pending::Handled,
                0 => Pending::BadFrame,
                _ => Pending::Fatal,
            })
        })
    });
    match outcome {
        Pending::Handled | Pending::Ignored => {}
        Pending::Fatal => kill(frame, f),
        Pending::BadFrame => force_sigsegv(frame, f.si_signo),
    }
}

/// A handler for `signo` could not be entered (its frame could not be written): Linux's
/// `force_sigsegv` — SIGSEGV for the thread, fatal if it was SIGSEGV's own handler, else
/// delivered as a fault (so a SIGSEGV handler on an alternate stack may still catch it).
fn force_sigsegv(frame: &mut TrapFrame, signo: i32) {
    let segv = Siginfo::fault(SIGSEGV, SI_KERNEL, 0);
    if signo == SIGSEGV { kill(frame, segv) } else { deliver(frame, segv) }
}

/// Sets `frame` up to enter `action`'s handler for `f` on thread `t`: builds the signal frame
/// and adds the handler's mask to the thread's; SA_RESETHAND resets the action. False when the
/// frame cannot be written.
fn setup_handler(
    p: &mut super::Process,
    m: &mut super::Mm,
    t: &mut Thread,
    frame: &mut TrapFrame,
    f: &Siginfo,
    action: &KernelSigaction,
) -> bool {
    // The mask the handler's return restores: the caller's own if rt_sigsuspend, ppoll or
    // epoll_pwait replaced it for the call.
    let restored = t.saved_sigmask.take().unwrap_or(t.sigmask);
    if sigframe::setup(&mut m.aspace, frame, f, action, &mut t.altstack, restored).is_err() {
        return false;
    }
    let bit = sigmask(f.si_signo);
    let blocked = action.sa_mask | if action.sa_flags & SA_NODEFER == 0 { bit } else { 0 };
    t.sigmask |= blocked & !UNBLOCKABLE;
    if action.sa_flags & SA_RESETHAND != 0 {
        p.signals.set(f.si_signo, KernelSigaction::default());
    }
    true
}

/// What a pending signal came to.
enum Pending {
    Ignored,
    Fatal,
    BadFrame,
    Handled,
}

/// On the way back to ring 3 (the entry layer's signal work): delivers the pending signals the
/// thread does not block, lowest number first — to its handler (one frame per way out; the
/// next goes on the handler's own way out), or its default action (terminate, or nothing for
/// the signals whose default is to ignore). An interrupted syscall is failed or restarted as
/// [`restart`] says, and a mask saved by rt_sigsuspend/ppoll/epoll_pwait is put back: into the
/// handler's frame, or at once when no handler runs. Each signal is taken and its handler set
/// up under one hold of the process and scheduler locks.
pub fn deliver_pending(frame: &mut TrapFrame) {
    loop {
        let step = with(|p| {
            mm(|m| {
                sched::with_signals(|t, shared| {
                    let (signo, from) = signal::take(t, shared, !t.sigmask)?;
                    let info = from.info(signo);
                    let action = *p.signals.action(signo);
                    let outcome = match action.sa_handler {
                        SIG_IGN => Pending::Ignored,
                        SIG_DFL if signal::ignored_by_default(signo) => Pending::Ignored,
                        SIG_DFL => Pending::Fatal,
                        _ => {
                            restart::before_handler(frame, action.sa_flags);
                            if setup_handler(p, m, t, frame, &info, &action) {
                                Pending::Handled
                            } else {
                                Pending::BadFrame
                            }
                        }
                    };
                    Some((info, outcome, t.has_deliverable(shared.mask)))
                })
            })
        });
        let Some((info, outcome, more)) = step else { break };
        if crate::syscall::strace::enabled() {
            crate::syscall::strace::signal_line(&info);
        }
        match outcome {
            Pending::Ignored => {}
            Pending::Fatal => kill(frame, info),
            // The frame could not be written: Linux forces SIGSEGV.
            Pending::BadFrame => {
                force_sigsegv(frame, info.si_signo);
                crate::arch::percpu::set_sigpending(); // whatever else is pending, on the next way out
                return;
            }
            Pending::Handled => {
                if more {
                    crate::arch::percpu::set_sigpending();
                }
                return;
            }
        }
    }
    restart::without_handler(frame);
    if let Some(mask) = sched::with_current(|t| t.saved_sigmask.take()) {
        sched::set_sigmask(mask);
    }
}

/// The default action of a fatal signal.
fn kill(frame: &TrapFrame, f: Siginfo) -> ! {
    if f.si_signo == SIGKILL && sched::execing() {
        // Another thread's execve (Linux's de_thread) ends this one alone.
        crate::syscall::thread::exit(0)
    }
    let status = super::task::Status::Signaled { signo: f.si_signo, core: signal::dumps_core(f.si_signo) };
    if super::pid() != super::PID {
        // Another process than the first: it ends, its parent is told (wait4 reports the signal).
        if crate::syscall::strace::enabled() && !sched::group_exiting() {
            let name = abi::signal::name(f.si_signo).unwrap_or("SIG???");
            crate::logger::raw_line(format_args!("[pid {}] +++ killed by {name} +++", super::pid()));
        }
        super::task::group_exit(status)
    }
    super::claim_exit();
    crate::logger::enter_fault();
    let core = match f.si_signo {
        s if signal::dumps_core(s) => " (core dumped)",
        s if signal::stops(s) => " (stopped: no job control to continue it, so the process ends)",
        _ => "",
    };
    if crate::syscall::strace::enabled() {
        let name = abi::signal::name(f.si_signo).unwrap_or("SIG???");
        let dumped = if signal::dumps_core(f.si_signo) { " (core dumped)" } else { "" };
        crate::logger::raw_line(format_args!("+++ killed by {name}{dumped} +++"));
    }
    let (pc, file) = (frame.rip, super::file_address(frame.rip));
    if f.si_code <= 0 {
        // Sent by kill/tgkill/tkill (SI_USER, SI_TKILL): who sent it, not a fault address.
        log::error!("{}, sent by pid {} at pc={pc:#x}{file}{core}", signal::describe(f.si_signo), f.si_pid());
    } else if frame.vector == GENERAL_PROTECTION && f.si_code == SI_KERNEL {
        // No address to name: the instruction is what ring 3 may not do.
        let what = crate::arch::insn::privileged(&code_at(pc));
        log::error!("{} addr={:#x} pc={pc:#x}{file} (#GP: {what}){core}", signal::describe(f.si_signo), f.si_addr());
    } else {
        let region = super::region_name(f.si_addr());
        log::error!("{} addr={:#x} pc={pc:#x}{file} ({region}){core}", signal::describe(f.si_signo), f.si_addr());
    }
    super::exit_group_claimed(128 + f.si_signo)
}

/// The longest x86 instruction.
const MAX_INSN: usize = 15;
const GENERAL_PROTECTION: u64 = x86_64::structures::idt::ExceptionVector::GeneralProtection as u64;
/// The page-fault error code's bit for an access made at CPL 3.
const PF_USER: u64 = 1 << 2;
const STACK_SEGMENT: u64 = x86_64::structures::idt::ExceptionVector::Stack as u64;

/// Whether bits 63..47 of `a` are all equal (a canonical 48-bit address).
fn is_canonical(a: u64) -> bool {
    ((a as i64) << 16 >> 16) as u64 == a
}

/// The instruction bytes at `pc` that the program may read, up to MAX_INSN (fewer at the end of
/// its mapping).
pub(super) fn code_at(pc: u64) -> alloc::vec::Vec<u8> {
    let mut code = alloc::vec::Vec::with_capacity(MAX_INSN);
    mm(|p| {
        let mut b = [0u8];
        for at in (0..MAX_INSN as u64).map_while(|i| pc.checked_add(i)) {
            if p.aspace.copy_in(at, &mut b).is_err() {
                break;
            }
            code.push(b[0]);
        }
    });
    code
}

/// rt_sigreturn: back from a handler to the state its frame holds (possibly edited by the
/// handler). A frame that cannot be read is a SIGSEGV, as in Linux.
pub fn sigreturn(frame: &mut TrapFrame) {
    // The restored registers are not a syscall in progress, whatever their rax says.
    frame.clear_syscall();
    match mm(|p| sigframe::restore(&mut p.aspace, frame)) {
        Ok(mask) => sched::sigreturn_mask(mask),
        // Linux's badframe: signal_fault → force_sig(SIGSEGV), which a SIGSEGV handler (on an
        // alternate stack, when RSP is bad) may catch; blocked or ignored, it kills.
        Err(()) => deliver(frame, Siginfo::fault(SIGSEGV, SI_KERNEL, 0)),
    }
}
