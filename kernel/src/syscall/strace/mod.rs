//! `--strace`: every syscall of the program printed in strace's format (strace(1),
//! `strace -f`): `name(args…) = result`, errors as `-1 ENAME (message)`, pointers in hex, NULL
//! for 0, strings quoted with C escapes and cut at 32 bytes with `...`, small structs decoded as
//! `{field=value, …}`, flags as `A|B`, signals by name, a `[pid N] ` prefix once the process has
//! several threads, `= ?` for calls that do not return and `+++ exited with N +++` at the end.
//! Lines go to COM1 (the runner's stderr), unprefixed, so they compare line by line with the
//! host's `strace -f`. A call is printed when it completes (strace -f splits a blocked call into
//! `<unfinished …>` and `<… resumed>`; rt0 prints it whole).
//!
//! Off, it costs one relaxed load per syscall.
mod decode;

use super::{Args, SysResult};
use crate::arch::TrapFrame;
use abi::errno;
use alloc::string::String;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};
use decode::{arg, clone_args, hex};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns tracing on (the kernel command-line word `strace`).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
    super::hook();
}

#[inline(always)]
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// How strace prints an argument.
#[derive(Clone, Copy, Debug)]
pub enum Arg {
    Int,
    UInt,
    Hex,
    Fd,
    /// A pointer: NULL or hex.
    Ptr,
    /// A buffer the call reads, its length in argument n: printed as a string.
    InBuf(usize),
    /// A buffer the call fills, up to argument n bytes: printed after the call, as many bytes as
    /// the result says.
    OutBuf(usize),
    /// An iovec array of argument-n entries.
    Iovec(usize),
    /// A CPU mask of argument-n bytes, filled by the call.
    CpuMask(usize),
    /// A NUL-terminated path.
    Path,
    /// A directory descriptor, AT_FDCWD by name.
    DirFd,
    /// An `int[2]` the call fills with two descriptors.
    FdPair,
    /// O_* flags (pipe2, dup3, eventfd2, epoll_create1).
    OFlags,
    FcntlCmd,
    EpollOp,
    Prot,
    MapFlags,
    /// MREMAP_* (strace prints the new address only with MREMAP_FIXED: not shown here).
    MremapFlags,
    Madvice,
    Signal,
    SigHow,
    SigactionIn,
    SigactionOut,
    SigsetIn,
    SigsetOut,
    StackIn,
    StackOut,
    TimespecIn,
    TimespecOut,
    Clock,
    TimerFlags,
    ArchCode,
    FutexOp,
    CloneFlags,
    Resource,
    RlimitIn,
    RlimitOut,
    UtsOut,
    GrndFlags,
    /// AF_* (socket, socketpair).
    SockFamily,
    /// SOCK_* type and flags.
    SockType,
    /// SOCK_CLOEXEC and SOCK_NONBLOCK alone (accept4).
    SockFlags,
    /// A socket address the call reads, its length in argument n.
    SockaddrIn(usize),
    /// A socket address the call fills, its length's pointer in argument n.
    SockaddrOut(usize),
    MsgFlags,
    ShutHow,
    /// SOL_* / IPPROTO_* level of a socket option.
    SockLevel,
    /// The option's name, whose level is argument n.
    SockOpt(usize),
    /// The protocol of a socket whose family is argument n (IPPROTO_* for AF_INET/AF_INET6).
    SockProto(usize),
    /// An `int *` the call reads or fills (socklen_t): `[value]`.
    IntPtr,
    /// setsockopt's value, its length in argument n: `[int]` when it is an int.
    OptIn(usize),
    /// getsockopt's value, its length's pointer in argument n: `[int]` after the call.
    OptOut(usize),
}

/// How strace prints the result.
#[derive(Clone, Copy, Debug)]
pub enum Ret {
    Int,
    Hex,
    /// exit, exit_group: `= ?`, printed before the call.
    NoReturn,
}

/// Runs syscall `nr` and prints it.
pub fn traced(nr: usize, frame: &mut TrapFrame) -> SysResult {
    let args = &super::args(frame);
    let Some(sys) = super::table::lookup(nr) else {
        let r = super::sys_ni_syscall(frame);
        unknown(nr, args, r);
        return r;
    };
    if matches!(sys.ret, Ret::NoReturn) {
        line(sys.name, sys.args, args, None, sys.ret);
        if sys.nr == abi::nr::SYS_EXIT_GROUP || crate::process::sched::live_in_group() <= 1 {
            // A child process's end carries its pid, as `strace -f` prints it.
            match crate::process::pid() {
                crate::process::PID => {
                    crate::logger::raw_line(format_args!("+++ exited with {} +++", args[0] as i32 as u8))
                }
                pid => {
                    crate::logger::raw_line(format_args!("[pid {pid}] +++ exited with {} +++", args[0] as i32 as u8))
                }
            }
        }
        return (sys.handler)(frame);
    }
    let r = (sys.handler)(frame);
    line(sys.name, sys.args, args, Some(r), sys.ret);
    r
}

/// Prints a syscall rt0 does not serve: its raw arguments and ENOSYS.
fn unknown(nr: usize, args: &Args, r: SysResult) {
    let mut s = prefix();
    match abi::nr::name(nr) {
        Some(name) => s.push_str(name),
        None => {
            let _ = write!(s, "syscall_{nr:#x}");
        }
    }
    s.push('(');
    for (i, a) in args.iter().enumerate() {
        let _ = write!(s, "{}{a:#x}", if i > 0 { ", " } else { "" });
    }
    s.push(')');
    result(&mut s, Some(r), Ret::Int);
    crate::logger::raw_line(format_args!("{s}"));
}

fn prefix() -> String {
    let mut s = String::with_capacity(128);
    if crate::process::sched::live_threads() > 1 {
        let _ = write!(s, "[pid {:>5}] ", crate::process::sched::current_tid());
    }
    s
}

fn line(name: &str, kinds: &[Arg], args: &Args, r: Option<SysResult>, ret: Ret) {
    let mut s = prefix();
    s.push_str(name);
    s.push('(');
    if matches!(kinds.first(), Some(Arg::CloneFlags)) {
        clone_args(&mut s, args);
        s.push(')');
        result(&mut s, r, ret);
        crate::logger::raw_line(format_args!("{s}"));
        return;
    }
    let ok = matches!(r, Some(Ok(_)));
    if matches!(kinds.get(1), Some(Arg::FutexOp)) {
        decode::futex_args(&mut s, args, ok);
        s.push(')');
        result(&mut s, r, ret);
        crate::logger::raw_line(format_args!("{s}"));
        return;
    }
    let value = match r {
        Some(Ok(v)) => Some(v),
        _ => None,
    };
    for (i, k) in kinds.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        arg(&mut s, *k, args, i, ok, value);
    }
    s.push(')');
    result(&mut s, r, ret);
    crate::logger::raw_line(format_args!("{s}"));
}

fn result(s: &mut String, r: Option<SysResult>, ret: Ret) {
    match (r, ret) {
        (None, _) | (_, Ret::NoReturn) => s.push_str(" = ?"),
        (Some(Ok(v)), Ret::Hex) => {
            s.push_str(" = ");
            hex(s, v);
        }
        (Some(Ok(v)), _) => {
            let _ = write!(s, " = {}", v as i64);
        }
        (Some(Err(e)), _) if crate::process::restart::is_restart_code(e) => {
            // The program never sees these; strace shows them with `?`, as here.
            let name = errno::name(e).unwrap_or("E???");
            let _ = write!(s, " = ? {name} ({})", errno::describe(e).unwrap_or(""));
        }
        (Some(Err(e)), _) => {
            let name = errno::name(e).unwrap_or("E???");
            let _ = match errno::describe(e) {
                Some(d) => write!(s, " = -1 {name} ({d})"),
                None => write!(s, " = -1 {name}"),
            };
        }
    }
}

/// A signal about to be delivered, as strace shows it:
/// `--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=1, si_uid=0} ---`.
pub fn signal_line(info: &abi::signal::Siginfo) {
    use abi::signal::*;
    let mut s = prefix();
    let name = abi::signal::name(info.si_signo).unwrap_or("SIG???");
    let code = match (info.si_code, info.si_signo) {
        (SI_USER, _) => "SI_USER",
        (SI_KERNEL, _) => "SI_KERNEL",
        (SI_QUEUE, _) => "SI_QUEUE",
        (SI_TKILL, _) => "SI_TKILL",
        (SEGV_MAPERR, SIGSEGV) => "SEGV_MAPERR",
        (SEGV_ACCERR, SIGSEGV) => "SEGV_ACCERR",
        (BUS_ADRALN, SIGBUS) => "BUS_ADRALN",
        (ILL_ILLOPN, SIGILL) => "ILL_ILLOPN",
        (FPE_INTDIV, SIGFPE) => "FPE_INTDIV",
        (TRAP_BRKPT, SIGTRAP) => "TRAP_BRKPT",
        _ => "",
    };
    let _ = write!(s, "--- {name} {{si_signo={name}, si_code=");
    if code.is_empty() {
        let _ = write!(s, "{}", info.si_code);
    } else {
        s.push_str(code);
    }
    if info.si_code <= 0 {
        let _ = write!(s, ", si_pid={}, si_uid={}", info.si_pid(), info.si_uid());
        if info.si_code == SI_QUEUE {
            let v = info.fields[1];
            let _ = write!(s, ", si_int={}, si_ptr={v:#x}", v as i32);
        }
    } else {
        s.push_str(", si_addr=");
        decode::ptr(&mut s, info.si_addr());
    }
    s.push_str("} ---");
    crate::logger::raw_line(format_args!("{s}"));
}
