//! How strace prints each kind of argument: numbers, pointers, strings, flag sets, signals and
//! the small structs it decodes. Name tables are built from abi's constants, so each name is
//! written once, as the constant's own identifier.
use super::Arg;
use crate::process::uaccess::{Pod, UserPtr, UserSlice};
use crate::syscall::Args;
use abi::{epoll, fcntl, futex, mman, prctl, random, resource, sched, signal, socket, time};
use alloc::string::String;
use core::fmt::Write;

/// `(value, "NAME")` pairs from abi constants: `names![mman::PROT_READ, …]`.
macro_rules! names {
    ($($m:ident::$c:ident),* $(,)?) => { &[$(($m::$c as u64, stringify!($c))),*] };
}

const PROT: &[(u64, &str)] = names![mman::PROT_READ, mman::PROT_WRITE, mman::PROT_EXEC];
const MAP: &[(u64, &str)] = names![
    mman::MAP_SHARED,
    mman::MAP_PRIVATE,
    mman::MAP_FIXED,
    mman::MAP_ANONYMOUS,
    mman::MAP_GROWSDOWN,
    mman::MAP_NORESERVE,
    mman::MAP_POPULATE,
    mman::MAP_STACK,
    mman::MAP_FIXED_NOREPLACE,
];
const MREMAP: &[(u64, &str)] = names![mman::MREMAP_MAYMOVE, mman::MREMAP_FIXED, mman::MREMAP_DONTUNMAP];
const MADV: &[(u64, &str)] = names![
    mman::MADV_NORMAL,
    mman::MADV_RANDOM,
    mman::MADV_SEQUENTIAL,
    mman::MADV_WILLNEED,
    mman::MADV_DONTNEED,
    mman::MADV_FREE,
    mman::MADV_HUGEPAGE,
    mman::MADV_NOHUGEPAGE,
    mman::MADV_GUARD_INSTALL,
    mman::MADV_GUARD_REMOVE,
];
const SA: &[(u64, &str)] = names![
    signal::SA_RESTORER,
    signal::SA_ONSTACK,
    signal::SA_RESTART,
    signal::SA_NODEFER,
    signal::SA_RESETHAND,
    signal::SA_SIGINFO,
    signal::SA_NOCLDSTOP,
    signal::SA_NOCLDWAIT,
];
const SIG_HOW: &[(u64, &str)] = names![signal::SIG_BLOCK, signal::SIG_UNBLOCK, signal::SIG_SETMASK];
const CLONE: &[(u64, &str)] = names![
    sched::CLONE_VM,
    sched::CLONE_FS,
    sched::CLONE_FILES,
    sched::CLONE_SIGHAND,
    sched::CLONE_VFORK,
    sched::CLONE_PARENT,
    sched::CLONE_THREAD,
    sched::CLONE_SYSVSEM,
    sched::CLONE_SETTLS,
    sched::CLONE_PARENT_SETTID,
    sched::CLONE_CHILD_CLEARTID,
    sched::CLONE_DETACHED,
    sched::CLONE_CHILD_SETTID,
];
const CLOCK: &[(u64, &str)] = names![
    time::CLOCK_REALTIME,
    time::CLOCK_MONOTONIC,
    time::CLOCK_PROCESS_CPUTIME_ID,
    time::CLOCK_THREAD_CPUTIME_ID,
    time::CLOCK_MONOTONIC_RAW,
    time::CLOCK_REALTIME_COARSE,
    time::CLOCK_MONOTONIC_COARSE,
    time::CLOCK_BOOTTIME,
];
const TIMER: &[(u64, &str)] = names![time::TIMER_ABSTIME];
const ARCH: &[(u64, &str)] = names![prctl::ARCH_SET_GS, prctl::ARCH_SET_FS, prctl::ARCH_GET_FS, prctl::ARCH_GET_GS];
const FUTEX: &[(u64, &str)] = names![
    futex::FUTEX_WAIT,
    futex::FUTEX_WAKE,
    futex::FUTEX_REQUEUE,
    futex::FUTEX_CMP_REQUEUE,
    futex::FUTEX_WAKE_OP,
    futex::FUTEX_WAIT_BITSET,
    futex::FUTEX_WAKE_BITSET,
];
const RLIMIT: &[(u64, &str)] = names![
    resource::RLIMIT_CPU,
    resource::RLIMIT_FSIZE,
    resource::RLIMIT_DATA,
    resource::RLIMIT_STACK,
    resource::RLIMIT_CORE,
    resource::RLIMIT_RSS,
    resource::RLIMIT_NPROC,
    resource::RLIMIT_NOFILE,
    resource::RLIMIT_MEMLOCK,
    resource::RLIMIT_AS,
];
const OFLAGS: &[(u64, &str)] = names![fcntl::O_NONBLOCK, fcntl::O_CLOEXEC, fcntl::O_DIRECT, fcntl::O_APPEND];
const FCNTL: &[(u64, &str)] = names![
    fcntl::F_DUPFD,
    fcntl::F_GETFD,
    fcntl::F_SETFD,
    fcntl::F_GETFL,
    fcntl::F_SETFL,
    fcntl::F_SETPIPE_SZ,
    fcntl::F_GETPIPE_SZ,
    fcntl::F_DUPFD_CLOEXEC,
];
const EPOLL_OP: &[(u64, &str)] = names![epoll::EPOLL_CTL_ADD, epoll::EPOLL_CTL_DEL, epoll::EPOLL_CTL_MOD];
const AF: &[(u64, &str)] = names![socket::AF_UNSPEC, socket::AF_UNIX, socket::AF_INET, socket::AF_INET6];
const SOCK_TYPE: &[(u64, &str)] =
    names![socket::SOCK_STREAM, socket::SOCK_DGRAM, socket::SOCK_RAW, socket::SOCK_SEQPACKET];
const SOCK_FLAGS: &[(u64, &str)] = names![socket::SOCK_CLOEXEC, socket::SOCK_NONBLOCK];
const MSG: &[(u64, &str)] = names![
    socket::MSG_OOB,
    socket::MSG_PEEK,
    socket::MSG_DONTROUTE,
    socket::MSG_TRUNC,
    socket::MSG_DONTWAIT,
    socket::MSG_EOR,
    socket::MSG_WAITALL,
    socket::MSG_NOSIGNAL,
    socket::MSG_MORE,
];
const SHUT: &[(u64, &str)] = names![socket::SHUT_RD, socket::SHUT_WR, socket::SHUT_RDWR];
/// strace names the levels SOL_*: IPPROTO_TCP is SOL_TCP, IPPROTO_IPV6 SOL_IPV6.
const SOL: &[(u64, &str)] = &[
    (socket::SOL_SOCKET as u64, "SOL_SOCKET"),
    (socket::IPPROTO_IP as u64, "SOL_IP"),
    (socket::IPPROTO_TCP as u64, "SOL_TCP"),
    (socket::IPPROTO_IPV6 as u64, "SOL_IPV6"),
];
const SO: &[(u64, &str)] = names![
    socket::SO_DEBUG,
    socket::SO_REUSEADDR,
    socket::SO_TYPE,
    socket::SO_ERROR,
    socket::SO_DONTROUTE,
    socket::SO_BROADCAST,
    socket::SO_SNDBUF,
    socket::SO_RCVBUF,
    socket::SO_KEEPALIVE,
    socket::SO_OOBINLINE,
    socket::SO_LINGER,
    socket::SO_REUSEPORT,
    socket::SO_RCVLOWAT,
    socket::SO_RCVTIMEO_OLD,
    socket::SO_SNDTIMEO_OLD,
    socket::SO_ACCEPTCONN,
    socket::SO_PROTOCOL,
    socket::SO_DOMAIN,
];
const TCP: &[(u64, &str)] =
    names![socket::TCP_NODELAY, socket::TCP_MAXSEG, socket::TCP_KEEPIDLE, socket::TCP_KEEPINTVL, socket::TCP_KEEPCNT];
const IPV6: &[(u64, &str)] = names![socket::IPV6_V6ONLY];
const IPPROTO: &[(u64, &str)] =
    names![socket::IPPROTO_IP, socket::IPPROTO_TCP, socket::IPPROTO_UDP, socket::IPPROTO_IPV6];
const GRND: &[(u64, &str)] = names![random::GRND_NONBLOCK, random::GRND_RANDOM, random::GRND_INSECURE];

/// C's `%#lx`: `0x…`, but plain `0` for zero.
pub fn hex(s: &mut String, v: u64) {
    if v == 0 {
        s.push('0');
    } else {
        let _ = write!(s, "{v:#x}");
    }
}

pub fn ptr(s: &mut String, p: u64) {
    if p == 0 {
        s.push_str("NULL");
    } else {
        let _ = write!(s, "{p:#x}");
    }
}

/// strace's string: quoted, C escapes, `...` when cut.
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
    match UserSlice::new(addr, n as u64).and_then(|u| u.read_prefix(&mut b[..n])) {
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
    for &(bit, name) in names {
        if bit != 0 && rest & bit == bit {
            if rest != v {
                s.push('|');
            }
            s.push_str(name);
            rest &= !bit;
        }
    }
    if rest != 0 {
        let _ = write!(s, "{}{rest:#x}", if rest == v { "" } else { "|" });
    }
}

/// The name of the value `v` in `names`, or its hex.
fn named(s: &mut String, v: u64, names: &[(u64, &str)]) {
    match names.iter().find(|(n, _)| *n == v) {
        Some((_, name)) => s.push_str(name),
        None => hex(s, v),
    }
}

fn signal_arg(s: &mut String, sig: u64) {
    match abi::signal::name(sig as i32) {
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
    s.push_str(if neg { "~[" } else { "[" });
    let mut first = true;
    for sig in (1..=64).filter(|&sig| set & abi::signal::sigmask(sig) != 0) {
        if !first {
            s.push(' ');
        }
        first = false;
        match abi::signal::name(sig) {
            Some(n) => s.push_str(&n[3..]),
            None => {
                let _ = write!(s, "RT_{}", sig - 32);
            }
        }
    }
    s.push(']');
}

/// A pointer to a `T` the call reads (`readable`) or filled (readable if it succeeded): `show`
/// prints it when it can be read, else the pointer is printed.
fn record<T: Pod>(s: &mut String, v: u64, readable: bool, show: impl FnOnce(&mut String, T)) {
    match UserPtr::<T>::new(v).read() {
        Ok(x) if v != 0 && readable => show(s, x),
        _ => ptr(s, v),
    }
}

fn timespec(s: &mut String, t: time::Timespec) {
    let _ = write!(s, "{{tv_sec={}, tv_nsec={}}}", t.tv_sec, t.tv_nsec);
}

fn sigaction(s: &mut String, act: signal::KernelSigaction) {
    s.push_str("{sa_handler=");
    match act.sa_handler {
        signal::SIG_DFL => s.push_str("SIG_DFL"),
        signal::SIG_IGN => s.push_str("SIG_IGN"),
        h => hex(s, h),
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

fn stack(s: &mut String, st: signal::StackT) {
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

fn rlimit(s: &mut String, r: resource::Rlimit) {
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

fn cpus(s: &mut String, mask: u64) {
    s.push('[');
    for (i, cpu) in (0..64).filter(|c| mask & (1 << c) != 0).enumerate() {
        let _ = write!(s, "{}{cpu}", if i > 0 { " " } else { "" });
    }
    s.push(']');
}

/// clone as strace shows it: `child_stack=…, flags=…` and only the pointers the flags use
/// (x86-64 order: flags, stack, parent_tid, child_tid, tls).
/// futex's arguments as strace prints them: only those the operation uses (WAKE: three;
/// WAIT: the timeout; the BITSET forms: the bitset; REQUEUE: the count and the second word;
/// WAKE_OP: its encoded operation taken apart).
pub fn futex_args(s: &mut String, a: &Args, ok: bool) {
    use futex::*;
    let cmd = a[1] as usize & FUTEX_CMD_MASK;
    let kinds: &[Arg] = match cmd {
        FUTEX_WAKE => &[Arg::Ptr, Arg::FutexOp, Arg::Int],
        FUTEX_WAIT => &[Arg::Ptr, Arg::FutexOp, Arg::UInt, Arg::TimespecIn],
        FUTEX_WAIT_BITSET | FUTEX_WAKE_BITSET => &[Arg::Ptr, Arg::FutexOp, Arg::UInt, Arg::TimespecIn],
        FUTEX_REQUEUE => &[Arg::Ptr, Arg::FutexOp, Arg::Int, Arg::Int, Arg::Ptr],
        FUTEX_CMP_REQUEUE => &[Arg::Ptr, Arg::FutexOp, Arg::Int, Arg::Int, Arg::Ptr, Arg::UInt],
        FUTEX_WAKE_OP => &[Arg::Ptr, Arg::FutexOp, Arg::Int, Arg::Int, Arg::Ptr],
        _ => &[Arg::Ptr, Arg::FutexOp, Arg::Hex, Arg::Hex, Arg::Ptr, Arg::Hex],
    };
    for (i, k) in kinds.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        if cmd == FUTEX_WAKE_BITSET && i == 3 {
            ptr(s, a[3]); // unused: strace shows the raw pointer
            continue;
        }
        arg(s, *k, a, i, ok, None);
    }
    match cmd {
        FUTEX_WAIT_BITSET | FUTEX_WAKE_BITSET if a[5] as u32 == FUTEX_BITSET_MATCH_ANY => {
            s.push_str(", FUTEX_BITSET_MATCH_ANY")
        }
        FUTEX_WAIT_BITSET | FUTEX_WAKE_BITSET => {
            let _ = write!(s, ", {:#x}", a[5] as u32);
        }
        FUTEX_WAKE_OP => {
            let op = a[5] as u32;
            fn name(v: u32, names: &[&'static str]) -> &'static str {
                names.get(v as usize).copied().unwrap_or("?")
            }
            let ops = ["FUTEX_OP_SET", "FUTEX_OP_ADD", "FUTEX_OP_OR", "FUTEX_OP_ANDN", "FUTEX_OP_XOR"];
            let cmps = [
                "FUTEX_OP_CMP_EQ",
                "FUTEX_OP_CMP_NE",
                "FUTEX_OP_CMP_LT",
                "FUTEX_OP_CMP_LE",
                "FUTEX_OP_CMP_GT",
                "FUTEX_OP_CMP_GE",
            ];
            let shift = if op >> 28 & 8 != 0 { "FUTEX_OP_OPARG_SHIFT|" } else { "" };
            let _ = write!(
                s,
                ", {shift}{}<<28|{:#x}<<12|{}<<24|{:#x}",
                name(op >> 28 & 7, &ops),
                op >> 12 & 0xfff,
                name(op >> 24 & 15, &cmps),
                op & 0xfff
            );
        }
        _ => {}
    }
}

pub fn clone_args(s: &mut String, a: &Args) {
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
        record(s, a[2], true, |s, t: u32| {
            let _ = write!(s, "[{t}]");
        });
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

/// Argument `i` of kind `kind`; `ok` and `value` tell how the call ended (None: not yet).
pub fn arg(s: &mut String, kind: Arg, a: &Args, i: usize, ok: bool, value: Option<u64>) {
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
                let Ok(e) = UserPtr::<abi::uio::Iovec>::new(v + k * 16).read() else { break };
                s.push_str(if k > 0 { ", {iov_base=" } else { "{iov_base=" });
                buffer(s, e.iov_base, e.iov_len);
                let _ = write!(s, ", iov_len={}}}", e.iov_len);
            }
            s.push(']');
        }
        Arg::CpuMask(_) => record(s, v, ok, cpus),
        Arg::Path => {
            let mut b = [0u8; 33];
            let mut n = 0;
            while n < b.len() {
                match UserPtr::<u8>::new(v.wrapping_add(n as u64)).read() {
                    Ok(0) => break,
                    Ok(c) => b[n] = c,
                    Err(_) if n == 0 => return ptr(s, v),
                    Err(_) => break,
                }
                n += 1;
            }
            quoted(s, &b[..n.min(32)], n > 32);
        }
        Arg::DirFd => {
            if v as i32 == fcntl::AT_FDCWD as i32 {
                s.push_str("AT_FDCWD");
            } else {
                let _ = write!(s, "{}", v as i32);
            }
        }
        Arg::FdPair => record(s, v, ok, |s, p: [i32; 2]| {
            let _ = write!(s, "[{}, {}]", p[0], p[1]);
        }),
        Arg::OFlags => flags(s, v, OFLAGS, "0"),
        Arg::FcntlCmd => named(s, v, FCNTL),
        Arg::EpollOp => named(s, v, EPOLL_OP),
        Arg::Prot => flags(s, v, PROT, "PROT_NONE"),
        Arg::MapFlags => flags(s, v, MAP, "0"),
        Arg::MremapFlags => flags(s, v, MREMAP, "0"),
        Arg::Madvice => named(s, v, MADV),
        Arg::Signal => signal_arg(s, v),
        Arg::SigHow => named(s, v, SIG_HOW),
        Arg::SigactionIn => record(s, v, true, sigaction),
        Arg::SigactionOut => record(s, v, ok, sigaction),
        Arg::SigsetIn => record(s, v, true, sigset),
        Arg::SigsetOut => record(s, v, ok, sigset),
        Arg::StackIn => record(s, v, true, stack),
        Arg::StackOut => record(s, v, ok, stack),
        Arg::TimespecIn => record(s, v, true, timespec),
        Arg::TimespecOut => record(s, v, ok, timespec),
        Arg::Clock => named(s, v, CLOCK),
        Arg::TimerFlags => flags(s, v, TIMER, "0"),
        Arg::ArchCode => named(s, v, ARCH),
        Arg::FutexOp => {
            match FUTEX.iter().find(|(c, _)| *c == (v as usize & futex::FUTEX_CMD_MASK) as u64) {
                Some((_, name)) => s.push_str(name),
                None => return hex(s, v),
            }
            if v as usize & futex::FUTEX_PRIVATE_FLAG != 0 {
                s.push_str("_PRIVATE");
            }
            if v as usize & futex::FUTEX_CLOCK_REALTIME != 0 {
                s.push_str("|FUTEX_CLOCK_REALTIME");
            }
        }
        Arg::CloneFlags => clone_args(s, a),
        Arg::Resource => named(s, v, RLIMIT),
        Arg::RlimitIn => record(s, v, true, rlimit),
        Arg::RlimitOut => record(s, v, ok, rlimit),
        Arg::UtsOut => record(s, v, ok, |s, u: abi::utsname::Utsname| {
            s.push_str("{sysname=");
            quoted(s, abi::utsname::Utsname::field(&u.sysname), false);
            s.push_str(", nodename=");
            quoted(s, abi::utsname::Utsname::field(&u.nodename), false);
            s.push_str(", ...}");
        }),
        Arg::GrndFlags => flags(s, v, GRND, "0"),
        Arg::SockFamily => named(s, v, AF),
        Arg::SockType => {
            named(s, v & socket::SOCK_TYPE_MASK as u64, SOCK_TYPE);
            if v & !(socket::SOCK_TYPE_MASK as u64) != 0 {
                s.push('|');
                flags(s, v & !(socket::SOCK_TYPE_MASK as u64), SOCK_FLAGS, "0");
            }
        }
        Arg::SockFlags => flags(s, v, SOCK_FLAGS, "0"),
        Arg::SockaddrIn(n) => sockaddr(s, v, a[n]),
        Arg::SockaddrOut(n) => match (ok, UserPtr::<i32>::new(a[n]).read()) {
            (true, Ok(len)) if v != 0 => sockaddr(s, v, len as u64),
            _ => ptr(s, v),
        },
        Arg::MsgFlags => flags(s, v, MSG, "0"),
        Arg::ShutHow => named(s, v, SHUT),
        Arg::SockLevel => named(s, v, SOL),
        Arg::SockProto(n) => match a[n] as u16 {
            socket::AF_INET | socket::AF_INET6 => named(s, v, IPPROTO),
            _ => {
                let _ = write!(s, "{}", v as i32);
            }
        },
        Arg::IntPtr => record(s, v, true, |s, x: i32| {
            let _ = write!(s, "[{x}]");
        }),
        Arg::OptIn(n) if a[n] == 4 => record(s, v, true, |s, x: i32| {
            let _ = write!(s, "[{x}]");
        }),
        Arg::OptIn(_) => ptr(s, v),
        Arg::OptOut(n) => match UserPtr::<i32>::new(a[n]).read() {
            Ok(4) if ok => record(s, v, true, |s, x: i32| {
                let _ = write!(s, "[{x}]");
            }),
            _ => ptr(s, v),
        },
        Arg::SockOpt(n) => match a[n] as usize {
            socket::SOL_SOCKET => named(s, v, SO),
            socket::IPPROTO_TCP => named(s, v, TCP),
            socket::IPPROTO_IPV6 => named(s, v, IPV6),
            _ => hex(s, v),
        },
    }
}

/// A socket address as strace prints it: `{sa_family=AF_INET, sin_port=htons(80),
/// sin_addr=inet_addr("127.0.0.1")}` and its AF_INET6 and AF_UNIX forms.
fn sockaddr(s: &mut String, addr: u64, len: u64) {
    let mut b = [0u8; 110];
    let n = (len as usize).min(b.len());
    let Ok(n) = UserSlice::new(addr, n as u64).and_then(|u| u.read_prefix(&mut b[..n])) else {
        return ptr(s, addr);
    };
    let b = &b[..n];
    if n < 2 {
        return ptr(s, addr);
    }
    s.push_str("{sa_family=");
    let family = u16::from_ne_bytes([b[0], b[1]]);
    named(s, family as u64, AF);
    let port = |b: &[u8]| u16::from_be_bytes([b[2], b[3]]);
    match family {
        socket::AF_INET if n >= 8 => {
            let _ =
                write!(s, ", sin_port=htons({}), sin_addr=inet_addr(\"{}.{}.{}.{}\")", port(b), b[4], b[5], b[6], b[7]);
        }
        socket::AF_INET6 if n >= 24 => {
            let flow = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            let _ = write!(s, ", sin6_port=htons({}), sin6_flowinfo=htonl({flow}), inet_pton(AF_INET6, \"", port(b));
            ipv6(s, &b[8..24]);
            s.push_str("\", &sin6_addr)");
            if n >= 28 {
                let _ = write!(s, ", sin6_scope_id={}", u32::from_ne_bytes([b[24], b[25], b[26], b[27]]));
            }
        }
        socket::AF_UNIX if n > 2 => {
            s.push_str(", sun_path=");
            if b[2] == 0 {
                s.push('@');
                quoted(s, &b[3..], false);
            } else {
                let end = b[2..].iter().position(|&c| c == 0).map_or(b.len(), |p| p + 2);
                quoted(s, &b[2..end], false);
            }
        }
        _ => {}
    }
    s.push('}');
}

/// An IPv6 address in RFC 5952 text: the longest run of two or more zero groups as `::`, and
/// a v4-mapped address with its IPv4 tail.
fn ipv6(s: &mut String, a: &[u8]) {
    let g: [u16; 8] = core::array::from_fn(|i| u16::from_be_bytes([a[2 * i], a[2 * i + 1]]));
    if g[..5] == [0; 5] && g[5] == 0xffff {
        let _ = write!(s, "::ffff:{}.{}.{}.{}", a[12], a[13], a[14], a[15]);
        return;
    }
    let (mut best, mut best_len, mut i) = (8, 1, 0);
    while i < 8 {
        let start = i;
        while i < 8 && g[i] == 0 {
            i += 1;
        }
        if i - start > best_len {
            (best, best_len) = (start, i - start);
        }
        i = i.max(start + 1);
    }
    let mut k = 0;
    while k < 8 {
        if k == best {
            s.push_str("::");
            k += best_len;
            continue;
        }
        if k > 0 && k != best + best_len {
            s.push(':');
        }
        let _ = write!(s, "{:x}", g[k]);
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    fn text(a: [u8; 16]) -> alloc::string::String {
        let mut s = alloc::string::String::new();
        super::ipv6(&mut s, &a);
        s
    }

    #[test]
    fn ipv6_addresses_print_as_rfc_5952() {
        let mut a = [0u8; 16];
        assert_eq!(text(a), "::");
        a[15] = 1;
        assert_eq!(text(a), "::1");
        a = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1];
        assert_eq!(text(a), "2001:db8::1:0:0:1");
        a = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
        assert_eq!(text(a), "::ffff:127.0.0.1");
        a = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(text(a), "fe80::");
    }
}
