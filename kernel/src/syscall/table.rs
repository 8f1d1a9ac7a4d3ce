//! The syscall table: one line per syscall rt0 serves — number, argument kinds, result kind,
//! handler. Numbers and names come from `abi::nr`; the kinds tell `--strace` how to print each
//! argument. Dispatch indexes a dense array built from this list at compile time.
use super::strace::{Arg::*, Ret};
use super::{Handler, io, memory, process, signal, thread, time};
use abi::nr::*;

/// One syscall.
pub struct Syscall {
    pub nr: usize,
    pub name: &'static str,
    pub args: &'static [super::strace::Arg],
    pub ret: Ret,
    pub handler: Handler,
}

macro_rules! table {
    ($($nr:ident ( $($arg:expr),* ) -> $ret:ident = $handler:expr;)*) => {
        /// Every syscall rt0 serves, in number order.
        pub static SYSCALLS: &[Syscall] = &[$(
            Syscall {
                nr: $nr,
                name: match abi::nr::name($nr) { Some(n) => n, None => panic!("unnamed syscall") },
                args: &[$($arg),*],
                ret: Ret::$ret,
                handler: $handler,
            },
        )*];
    };
}

table! {
    SYS_READ(Fd, OutBuf(2), UInt) -> Int = |_, a| io::read(a[0], a[1], a[2]);
    SYS_WRITE(Fd, InBuf(2), UInt) -> Int = |_, a| io::write(a[0], a[1], a[2]);
    SYS_MMAP(Ptr, UInt, Prot, MapFlags, Fd, Hex) -> Hex = |_, a| memory::mmap(a[0], a[1], a[2], a[3], a[4], a[5]);
    SYS_MPROTECT(Ptr, UInt, Prot) -> Int = |_, a| memory::mprotect(a[0], a[1], a[2]);
    SYS_MUNMAP(Ptr, UInt) -> Int = |_, a| memory::munmap(a[0], a[1]);
    SYS_BRK(Ptr) -> Hex = |_, a| memory::brk(a[0]);
    SYS_RT_SIGACTION(Signal, SigactionIn, SigactionOut, UInt) -> Int =
        |_, a| signal::rt_sigaction(a[0], a[1], a[2], a[3]);
    SYS_RT_SIGPROCMASK(SigHow, SigsetIn, SigsetOut, UInt) -> Int =
        |_, a| signal::rt_sigprocmask(a[0], a[1], a[2], a[3]);
    SYS_RT_SIGRETURN() -> Int = |f, _| signal::rt_sigreturn(f);
    SYS_WRITEV(Fd, Iovec(2), UInt) -> Int = |_, a| io::writev(a[0], a[1], a[2]);
    SYS_SCHED_YIELD() -> Int = |_, _| thread::sched_yield();
    SYS_MADVISE(Ptr, UInt, Madvice) -> Int = |_, a| memory::madvise(a[0], a[1], a[2]);
    SYS_NANOSLEEP(TimespecIn, TimespecOut) -> Int = |_, a| time::nanosleep(a[0], a[1]);
    SYS_GETPID() -> Int = |_, _| process::getpid();
    SYS_CLONE(CloneFlags, Ptr, Ptr, Ptr, Hex) -> Int = |f, a| thread::clone(f, a[0], a[1], a[2], a[3], a[4]);
    SYS_EXIT(Int) -> NoReturn = |_, a| thread::exit(a[0] as i32);
    SYS_UNAME(UtsOut) -> Int = |_, a| process::uname(a[0]);
    SYS_SIGALTSTACK(StackIn, StackOut) -> Int = |_, a| signal::sigaltstack(a[0], a[1]);
    SYS_ARCH_PRCTL(ArchCode, Hex) -> Int = |_, a| process::arch_prctl(a[0], a[1]);
    SYS_GETTID() -> Int = |_, _| thread::gettid();
    SYS_FUTEX(Ptr, FutexOp, UInt, TimespecIn, Ptr, Hex) -> Int =
        |_, a| thread::futex(a[0], a[1], a[2], a[3], a[4], a[5]);
    SYS_SCHED_GETAFFINITY(Int, UInt, CpuMask(1)) -> Int = |_, a| process::sched_getaffinity(a[0], a[1], a[2]);
    SYS_SET_TID_ADDRESS(Ptr) -> Int = |_, a| thread::set_tid_address(a[0]);
    SYS_CLOCK_GETTIME(Clock, TimespecOut) -> Int = |_, a| time::clock_gettime(a[0], a[1]);
    SYS_CLOCK_NANOSLEEP(Clock, TimerFlags, TimespecIn, TimespecOut) -> Int =
        |_, a| time::clock_nanosleep(a[0], a[1], a[2], a[3]);
    SYS_EXIT_GROUP(Int) -> NoReturn = |_, a| crate::process::exit_group(a[0] as i32);
    SYS_PRLIMIT64(Int, Resource, RlimitIn, RlimitOut) -> Int = |_, a| process::prlimit64(a[0], a[1], a[2], a[3]);
    SYS_GETRANDOM(OutBuf(1), UInt, GrndFlags) -> Int = |_, a| process::getrandom(a[0], a[1], a[2]);
}

/// One past the highest syscall number the table can hold.
const MAX_NR: usize = 512;

/// The table indexed by number.
static BY_NR: [Option<&Syscall>; MAX_NR] = {
    let mut by = [None; MAX_NR];
    let mut i = 0;
    while i < SYSCALLS.len() {
        assert!(by[SYSCALLS[i].nr].is_none(), "a syscall is listed twice");
        by[SYSCALLS[i].nr] = Some(&SYSCALLS[i]);
        i += 1;
    }
    by
};

/// The syscall with number `nr`, if rt0 serves it.
#[inline(always)]
pub fn lookup(nr: usize) -> Option<&'static Syscall> {
    match BY_NR.get(nr) {
        Some(s) => *s,
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_found_by_its_number_and_named_as_strace_names_it() {
        for s in SYSCALLS {
            assert_eq!(lookup(s.nr).map(|l| l.name), Some(s.name));
        }
        assert_eq!(lookup(SYS_GETPID).unwrap().name, "getpid");
        assert_eq!(lookup(SYS_RT_SIGACTION).unwrap().name, "rt_sigaction");
        assert!(lookup(SYS_EPOLL_CREATE1).is_none());
        assert!(lookup(100_000).is_none());
    }
}
