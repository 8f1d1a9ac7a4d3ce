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
use super::{Args, SysResult};
use crate::arch::TrapFrame;
use crate::process::uaccess::UserPtr;
use abi::{errno, futex, mman, prctl, random, resource, sched, signal, time};
use alloc::string::String;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns tracing on (the kernel command-line word `strace`).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
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
    Prot,
    MapFlags,
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
        if sys.nr == abi::nr::SYS_EXIT_GROUP || crate::process::sched::live_threads() <= 1 {
            crate::logger::raw_line(format_args!("+++ exited with {} +++", args[0] as i32 as u8));
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
        (Some(Err(e)), _) => {
            let name = errno::name(e).unwrap_or("E???");
            let _ = match errno::describe(e) {
                Some(d) => write!(s, " = -1 {name} ({d})"),
                None => write!(s, " = -1 {name}"),
            };
        }
    }
}

/// C's `%#lx`: `0x…`, but plain `0` for zero.
fn hex(s: &mut String, v: u64) {
    if v == 0 {
        s.push('0');
    } else {
        let _ = write!(s, "{v:#x}");
    }
}

fn ptr(s: &mut String, p: u64) {
    if p == 0 {
        s.push_str("NULL");
    } else {
        let _ = write!(s, "{p:#x}");
    }
}

/// strace's string: quoted, C escapes, at most 32 bytes then `...`.
fn quoted(s: &mut String, bytes: &[u8], more: bool) {
    s.push('"');
    for &b in bytes {
        let _ = match b {
            b'"' => write!(s, "\\\""),
            b'\\' => write!(s, "\\\\"),
            b'\n' => write!(s, "\\n"),
            b'\t' => write!(s, "\\t"),
            b'\r' => write!(s, "\\r"),
            0x0b => write!(s, "\\v"),
            0x0c => write!(s, "\\f"),
            0x20..=0x7e => write!(s, "{}", b as char),
            _ => write!(s, "\\x{b:02x}"),
        };
    }
    s.push('"');
    if more {
        s.push_str("...");
    }
}

/// Up to 32 bytes of user buffer `addr` of `len` bytes, as a string (or the pointer when it
/// cannot be read).
fn buffer(s: &mut String, addr: u64, len: u64) {
    let mut b = [0u8; 32];
    let n = (len as usize).min(b.len());
    let read = crate::process::uaccess::UserSlice::new(addr, n as u64).and_then(|u| u.read_prefix(&mut b[..n]));
    match read {
        Ok(n) => quoted(s, &b[..n], len as usize > n),
        Err(_) => ptr(s, addr),
    }
}

/// `A|B|0x…` for the bits of `v` named in `names`; `zero` when v is 0.
fn flags(s: &mut String, v: u64, names: &[(u64, &str)], zero: &str) {
    if v == 0 {
        s.push_str(zero);
        return;
    }
    let mut rest = v;
    let mut first = true;
    for &(bit, name) in names {
        if bit != 0 && rest & bit == bit {
            if !first {
                s.push('|');
            }
            s.push_str(name);
            rest &= !bit;
            first = false;
        }
    }
    if rest != 0 {
        let _ = write!(s, "{}{rest:#x}", if first { "" } else { "|" });
    }
}

fn signame(sig: u64) -> Option<&'static str> {
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
    NAMES.get((sig as usize).wrapping_sub(1)).copied()
}

fn signal_arg(s: &mut String, sig: u64) {
    match signame(sig) {
        Some(n) => s.push_str(n),
        None if (32..=64).contains(&sig) => {
            let _ = write!(s, "SIGRT_{}", sig - 32);
        }
        None => {
            let _ = write!(s, "{}", sig as i64);
        }
    }
}

/// A sigset as strace prints it: `[SEGV USR1]`, or `~[…]` when most bits are set.
fn sigset(s: &mut String, set: u64) {
    let (set, neg) = if set.count_ones() > 32 { (!set, true) } else { (set, false) };
    if neg {
        s.push('~');
    }
    s.push('[');
    let mut first = true;
    for sig in 1..=64u64 {
        if set & (1 << (sig - 1)) != 0 {
            if !first {
                s.push(' ');
            }
            first = false;
            match signame(sig) {
                Some(n) => s.push_str(&n[3..]),
                None => {
                    let _ = write!(s, "RT_{}", sig - 32);
                }
            }
        }
    }
    s.push(']');
}

fn timespec(s: &mut String, addr: u64) {
    match UserPtr::<time::Timespec>::new(addr).read() {
        Ok(t) => {
            let _ = write!(s, "{{tv_sec={}, tv_nsec={}}}", t.tv_sec, t.tv_nsec);
        }
        Err(_) => ptr(s, addr),
    }
}

const PROT: &[(u64, &str)] = &[
    (mman::PROT_READ as u64, "PROT_READ"),
    (mman::PROT_WRITE as u64, "PROT_WRITE"),
    (mman::PROT_EXEC as u64, "PROT_EXEC"),
];
const MAP: &[(u64, &str)] = &[
    (mman::MAP_SHARED as u64, "MAP_SHARED"),
    (mman::MAP_PRIVATE as u64, "MAP_PRIVATE"),
    (mman::MAP_FIXED as u64, "MAP_FIXED"),
    (mman::MAP_ANONYMOUS as u64, "MAP_ANONYMOUS"),
    (mman::MAP_GROWSDOWN as u64, "MAP_GROWSDOWN"),
    (mman::MAP_NORESERVE as u64, "MAP_NORESERVE"),
    (mman::MAP_POPULATE as u64, "MAP_POPULATE"),
    (mman::MAP_STACK as u64, "MAP_STACK"),
    (mman::MAP_FIXED_NOREPLACE as u64, "MAP_FIXED_NOREPLACE"),
];
const SA: &[(u64, &str)] = &[
    (signal::SA_RESTORER, "SA_RESTORER"),
    (signal::SA_ONSTACK, "SA_ONSTACK"),
    (signal::SA_RESTART, "SA_RESTART"),
    (signal::SA_NODEFER, "SA_NODEFER"),
    (signal::SA_RESETHAND, "SA_RESETHAND"),
    (signal::SA_SIGINFO, "SA_SIGINFO"),
    (signal::SA_NOCLDSTOP, "SA_NOCLDSTOP"),
    (signal::SA_NOCLDWAIT, "SA_NOCLDWAIT"),
];
const CLONE: &[(u64, &str)] = &[
    (sched::CLONE_VM as u64, "CLONE_VM"),
    (sched::CLONE_FS as u64, "CLONE_FS"),
    (sched::CLONE_FILES as u64, "CLONE_FILES"),
    (sched::CLONE_SIGHAND as u64, "CLONE_SIGHAND"),
    (sched::CLONE_VFORK as u64, "CLONE_VFORK"),
    (sched::CLONE_PARENT as u64, "CLONE_PARENT"),
    (sched::CLONE_THREAD as u64, "CLONE_THREAD"),
    (sched::CLONE_SYSVSEM as u64, "CLONE_SYSVSEM"),
    (sched::CLONE_SETTLS as u64, "CLONE_SETTLS"),
    (sched::CLONE_PARENT_SETTID as u64, "CLONE_PARENT_SETTID"),
    (sched::CLONE_CHILD_CLEARTID as u64, "CLONE_CHILD_CLEARTID"),
    (sched::CLONE_DETACHED as u64, "CLONE_DETACHED"),
    (sched::CLONE_CHILD_SETTID as u64, "CLONE_CHILD_SETTID"),
];

fn named(s: &mut String, v: u64, names: &[(u64, &str)]) {
    match names.iter().find(|(n, _)| *n == v) {
        Some((_, name)) => s.push_str(name),
        None => {
            let _ = write!(s, "{:#x}", v);
        }
    }
}

/// clone as strace shows it: `child_stack=…, flags=…` and only the pointers the flags use
/// (x86-64 order: flags, stack, parent_tid, child_tid, tls).
fn clone_args(s: &mut String, a: &Args) {
    let f = a[0] as usize;
    s.push_str("child_stack=");
    ptr(s, a[1]);
    s.push_str(", flags=");
    flags(s, (f & !sched::CSIGNAL) as u64, CLONE, "0");
    if f & sched::CSIGNAL != 0 {
        s.push('|');
        signal_arg(s, (f & sched::CSIGNAL) as u64);
    }
    if f & sched::CLONE_PARENT_SETTID != 0 {
        s.push_str(", parent_tid=");
        match UserPtr::<u32>::new(a[2]).read() {
            Ok(t) => {
                let _ = write!(s, "[{t}]");
            }
            Err(_) => ptr(s, a[2]),
        }
    }
    if f & (sched::CLONE_CHILD_SETTID | sched::CLONE_CHILD_CLEARTID) != 0 {
        s.push_str(", child_tidptr=");
        ptr(s, a[3]);
    }
    if f & sched::CLONE_SETTLS != 0 {
        s.push_str(", tls=");
        ptr(s, a[4]);
    }
}

fn arg(s: &mut String, kind: Arg, a: &Args, i: usize, ok: bool, value: Option<u64>) {
    let v = a[i];
    match kind {
        Arg::Int | Arg::Fd => {
            let _ = write!(s, "{}", v as i32);
        }
        Arg::UInt => {
            let _ = write!(s, "{v}");
        }
        Arg::Hex => hex(s, v),
        Arg::Ptr => ptr(s, v),
        Arg::InBuf(n) => buffer(s, v, a[n]),
        Arg::OutBuf(_) => match value {
            Some(len) => buffer(s, v, len),
            None => ptr(s, v),
        },
        Arg::Iovec(n) => {
            s.push('[');
            for k in 0..a[n].min(8) {
                match UserPtr::<abi::uio::Iovec>::new(v + k * 16).read() {
                    Ok(e) => {
                        s.push_str(if k > 0 { ", {iov_base=" } else { "{iov_base=" });
                        buffer(s, e.iov_base, e.iov_len);
                        let _ = write!(s, ", iov_len={}}}", e.iov_len);
                    }
                    Err(_) => break,
                }
            }
            s.push(']');
        }
        Arg::CpuMask(_) => match (ok, UserPtr::<u64>::new(v).read()) {
            (true, Ok(mask)) => {
                s.push('[');
                let mut first = true;
                for cpu in 0..64 {
                    if mask & (1 << cpu) != 0 {
                        let _ = write!(s, "{}{cpu}", if first { "" } else { " " });
                        first = false;
                    }
                }
                s.push(']');
            }
            _ => ptr(s, v),
        },
        Arg::Prot => flags(s, v, PROT, "PROT_NONE"),
        Arg::MapFlags => flags(s, v, MAP, "0"),
        Arg::Madvice => named(
            s,
            v,
            &[
                (mman::MADV_NORMAL as u64, "MADV_NORMAL"),
                (mman::MADV_RANDOM as u64, "MADV_RANDOM"),
                (mman::MADV_SEQUENTIAL as u64, "MADV_SEQUENTIAL"),
                (mman::MADV_WILLNEED as u64, "MADV_WILLNEED"),
                (mman::MADV_DONTNEED as u64, "MADV_DONTNEED"),
                (mman::MADV_FREE as u64, "MADV_FREE"),
                (mman::MADV_HUGEPAGE as u64, "MADV_HUGEPAGE"),
                (mman::MADV_NOHUGEPAGE as u64, "MADV_NOHUGEPAGE"),
            ],
        ),
        Arg::Signal => signal_arg(s, v),
        Arg::SigHow => named(
            s,
            v,
            &[
                (signal::SIG_BLOCK as u64, "SIG_BLOCK"),
                (signal::SIG_UNBLOCK as u64, "SIG_UNBLOCK"),
                (signal::SIG_SETMASK as u64, "SIG_SETMASK"),
            ],
        ),
        Arg::SigactionIn | Arg::SigactionOut => {
            let readable = matches!(kind, Arg::SigactionIn) || ok;
            match UserPtr::<signal::KernelSigaction>::new(v).read() {
                Ok(act) if v != 0 && readable => {
                    s.push_str("{sa_handler=");
                    match act.sa_handler {
                        signal::SIG_DFL => s.push_str("SIG_DFL"),
                        signal::SIG_IGN => s.push_str("SIG_IGN"),
                        h => {
                            let _ = write!(s, "{h:#x}");
                        }
                    }
                    s.push_str(", sa_mask=");
                    sigset(s, act.sa_mask);
                    s.push_str(", sa_flags=");
                    flags(s, act.sa_flags, SA, "0");
                    if act.sa_flags & signal::SA_RESTORER != 0 {
                        let _ = write!(s, ", sa_restorer={:#x}", act.sa_restorer);
                    }
                    s.push('}');
                }
                _ => ptr(s, v),
            }
        }
        Arg::SigsetIn | Arg::SigsetOut => {
            let readable = matches!(kind, Arg::SigsetIn) || ok;
            match UserPtr::<u64>::new(v).read() {
                Ok(set) if v != 0 && readable => sigset(s, set),
                _ => ptr(s, v),
            }
        }
        Arg::StackIn | Arg::StackOut => {
            let readable = matches!(kind, Arg::StackIn) || ok;
            match UserPtr::<signal::StackT>::new(v).read() {
                Ok(st) if v != 0 && readable => {
                    s.push_str("{ss_sp=");
                    ptr(s, st.ss_sp);
                    s.push_str(", ss_flags=");
                    match st.ss_flags {
                        signal::SS_DISABLE => s.push_str("SS_DISABLE"),
                        signal::SS_ONSTACK => s.push_str("SS_ONSTACK"),
                        f => {
                            let _ = write!(s, "{f}");
                        }
                    }
                    let _ = write!(s, ", ss_size={}}}", st.ss_size);
                }
                _ => ptr(s, v),
            }
        }
        Arg::TimespecIn => {
            if v == 0 {
                s.push_str("NULL")
            } else {
                timespec(s, v)
            }
        }
        Arg::TimespecOut => {
            if v != 0 && ok {
                timespec(s, v)
            } else {
                ptr(s, v)
            }
        }
        Arg::Clock => named(
            s,
            v,
            &[
                (time::CLOCK_REALTIME as u64, "CLOCK_REALTIME"),
                (time::CLOCK_MONOTONIC as u64, "CLOCK_MONOTONIC"),
                (time::CLOCK_PROCESS_CPUTIME_ID as u64, "CLOCK_PROCESS_CPUTIME_ID"),
                (time::CLOCK_THREAD_CPUTIME_ID as u64, "CLOCK_THREAD_CPUTIME_ID"),
                (time::CLOCK_MONOTONIC_RAW as u64, "CLOCK_MONOTONIC_RAW"),
                (time::CLOCK_REALTIME_COARSE as u64, "CLOCK_REALTIME_COARSE"),
                (time::CLOCK_MONOTONIC_COARSE as u64, "CLOCK_MONOTONIC_COARSE"),
                (time::CLOCK_BOOTTIME as u64, "CLOCK_BOOTTIME"),
            ],
        ),
        Arg::TimerFlags => flags(s, v, &[(time::TIMER_ABSTIME as u64, "TIMER_ABSTIME")], "0"),
        Arg::ArchCode => named(
            s,
            v,
            &[
                (prctl::ARCH_SET_GS as u64, "ARCH_SET_GS"),
                (prctl::ARCH_SET_FS as u64, "ARCH_SET_FS"),
                (prctl::ARCH_GET_FS as u64, "ARCH_GET_FS"),
                (prctl::ARCH_GET_GS as u64, "ARCH_GET_GS"),
            ],
        ),
        Arg::FutexOp => {
            let cmd = v as usize & futex::FUTEX_CMD_MASK;
            let name = match cmd {
                futex::FUTEX_WAIT => "FUTEX_WAIT",
                futex::FUTEX_WAKE => "FUTEX_WAKE",
                futex::FUTEX_REQUEUE => "FUTEX_REQUEUE",
                futex::FUTEX_CMP_REQUEUE => "FUTEX_CMP_REQUEUE",
                futex::FUTEX_WAKE_OP => "FUTEX_WAKE_OP",
                futex::FUTEX_WAIT_BITSET => "FUTEX_WAIT_BITSET",
                futex::FUTEX_WAKE_BITSET => "FUTEX_WAKE_BITSET",
                _ => "",
            };
            if name.is_empty() {
                let _ = write!(s, "{v:#x}");
            } else {
                s.push_str(name);
                if v as usize & futex::FUTEX_PRIVATE_FLAG != 0 {
                    s.push_str("_PRIVATE");
                }
                if v as usize & futex::FUTEX_CLOCK_REALTIME != 0 {
                    s.push_str("|FUTEX_CLOCK_REALTIME");
                }
            }
        }
        Arg::CloneFlags => clone_args(s, a),
        Arg::Resource => named(
            s,
            v,
            &[
                (resource::RLIMIT_CPU as u64, "RLIMIT_CPU"),
                (resource::RLIMIT_FSIZE as u64, "RLIMIT_FSIZE"),
                (resource::RLIMIT_DATA as u64, "RLIMIT_DATA"),
                (resource::RLIMIT_STACK as u64, "RLIMIT_STACK"),
                (resource::RLIMIT_CORE as u64, "RLIMIT_CORE"),
                (resource::RLIMIT_RSS as u64, "RLIMIT_RSS"),
                (resource::RLIMIT_NPROC as u64, "RLIMIT_NPROC"),
                (resource::RLIMIT_NOFILE as u64, "RLIMIT_NOFILE"),
                (resource::RLIMIT_MEMLOCK as u64, "RLIMIT_MEMLOCK"),
                (resource::RLIMIT_AS as u64, "RLIMIT_AS"),
            ],
        ),
        Arg::RlimitIn | Arg::RlimitOut => {
            let readable = matches!(kind, Arg::RlimitIn) || ok;
            match UserPtr::<resource::Rlimit>::new(v).read() {
                Ok(r) if v != 0 && readable => {
                    let lim = |s: &mut String, x: u64| {
                        let _ = if x == resource::RLIM_INFINITY {
                            write!(s, "RLIM64_INFINITY")
                        } else if x >= 1024 && x.is_multiple_of(1024) {
                            write!(s, "{}*1024", x / 1024)
                        } else {
                            write!(s, "{x}")
                        };
                    };
                    s.push_str("{rlim_cur=");
                    lim(s, r.rlim_cur);
                    s.push_str(", rlim_max=");
                    lim(s, r.rlim_max);
                    s.push('}');
                }
                _ => ptr(s, v),
            }
        }
        Arg::UtsOut => match UserPtr::<abi::utsname::Utsname>::new(v).read() {
            Ok(u) if ok => {
                let f = abi::utsname::Utsname::field;
                s.push_str("{sysname=");
                quoted(s, f(&u.sysname), false);
                s.push_str(", nodename=");
                quoted(s, f(&u.nodename), false);
                s.push_str(", ...}");
            }
            _ => ptr(s, v),
        },
        Arg::GrndFlags => flags(
            s,
            v,
            &[
                (random::GRND_NONBLOCK as u64, "GRND_NONBLOCK"),
                (random::GRND_RANDOM as u64, "GRND_RANDOM"),
                (random::GRND_INSECURE as u64, "GRND_INSECURE"),
            ],
            "0",
        ),
    }
}
