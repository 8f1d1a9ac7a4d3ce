//! The syscall table: one line per syscall rt0 serves — number, argument kinds, result kind,
//! handler. Numbers and names come from `abi::nr`; the kinds tell `--strace` how to print each
//! argument. Dispatch indexes a dense array built from this list at compile time.
use super::strace::{Arg::*, Ret};
use super::{Handler, fs, ids, io, memory, namei, path, poll, process, select, signal, thread, time, wait};
use crate::net::socket as net;
use abi::fcntl::{AT_FDCWD, AT_REMOVEDIR};
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
    SYS_READ(Fd, OutBuf(2), UInt) -> Int = |f| io::read(f.rdi, f.rsi, f.rdx);
    SYS_WRITE(Fd, InBuf(2), UInt) -> Int = |f| io::write(f.rdi, f.rsi, f.rdx);
    SYS_OPEN(Path, OFlags, Hex) -> Int = |f| path::open(f.rdi, f.rsi, f.rdx);
    SYS_CLOSE(Fd) -> Int = |f| fs::close(f.rdi);
    SYS_STAT(Path, Ptr) -> Int = |f| path::stat(f.rdi, f.rsi);
    SYS_FSTAT(Fd, Ptr) -> Int = |f| path::fstat(f.rdi, f.rsi);
    SYS_LSTAT(Path, Ptr) -> Int = |f| path::lstat(f.rdi, f.rsi);
    SYS_POLL(Ptr, UInt, Int) -> Int = |f| poll::poll(f.rdi, f.rsi, f.rdx);
    SYS_LSEEK(Fd, Int, Int) -> Int = |f| fs::lseek(f.rdi, f.rsi, f.rdx);
    SYS_MMAP(Ptr, UInt, Prot, MapFlags, Fd, Hex) -> Hex = |f| memory::mmap(f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9);
    SYS_MPROTECT(Ptr, UInt, Prot) -> Int = |f| memory::mprotect(f.rdi, f.rsi, f.rdx);
    SYS_MUNMAP(Ptr, UInt) -> Int = |f| memory::munmap(f.rdi, f.rsi);
    SYS_MREMAP(Ptr, UInt, UInt, MremapFlags) -> Hex = |f| memory::mremap(f.rdi, f.rsi, f.rdx, f.r10, f.r8);
    SYS_BRK(Ptr) -> Hex = |f| memory::brk(f.rdi);
    SYS_RT_SIGACTION(Signal, SigactionIn, SigactionOut, UInt) -> Int =
        |f| signal::rt_sigaction(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_RT_SIGPROCMASK(SigHow, SigsetIn, SigsetOut, UInt) -> Int =
        |f| signal::rt_sigprocmask(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_RT_SIGRETURN() -> Int = |f| signal::rt_sigreturn(f);
    SYS_IOCTL(Fd, Hex, Hex) -> Int = |f| fs::ioctl(f.rdi, f.rsi, f.rdx);
    SYS_PREAD64(Fd, OutBuf(2), UInt, Int) -> Int = |f| path::pread64(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_PWRITE64(Fd, InBuf(2), UInt, Int) -> Int = |f| namei::pwrite64(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_READV(Fd, Iovec(2), UInt) -> Int = |f| io::readv(f.rdi, f.rsi, f.rdx);
    SYS_WRITEV(Fd, Iovec(2), UInt) -> Int = |f| io::writev(f.rdi, f.rsi, f.rdx);
    SYS_ACCESS(Path, Int) -> Int = |f| path::faccessat(AT_FDCWD as u64, f.rdi, f.rsi);
    SYS_PIPE(FdPair) -> Int = |f| fs::pipe2(f.rdi, 0);
    SYS_SELECT(Int, Ptr, Ptr, Ptr, Ptr) -> Int = |f| select::select(f.rdi, f.rsi, f.rdx, f.r10, f.r8);
    SYS_SCHED_YIELD() -> Int = |_| thread::sched_yield();
    SYS_MADVISE(Ptr, UInt, Madvice) -> Int = |f| memory::madvise(f.rdi, f.rsi, f.rdx);
    SYS_DUP(Fd) -> Int = |f| fs::dup(f.rdi);
    SYS_DUP2(Fd, Fd) -> Int = |f| fs::dup2(f.rdi, f.rsi);
    SYS_PAUSE() -> Int = |_| signal::pause();
    SYS_NANOSLEEP(TimespecIn, TimespecOut) -> Int = |f| time::nanosleep(f.rdi, f.rsi);
    SYS_GETPID() -> Int = |_| process::getpid();
    SYS_SOCKET(SockFamily, SockType, SockProto(0)) -> Int = |f| net::socket(f.rdi, f.rsi, f.rdx);
    SYS_CONNECT(Fd, SockaddrIn(2), UInt) -> Int = |f| net::connect(f.rdi, f.rsi, f.rdx);
    SYS_ACCEPT(Fd, SockaddrOut(2), IntPtr) -> Int = |f| net::accept4(f.rdi, f.rsi, f.rdx, 0);
    SYS_SENDTO(Fd, InBuf(2), UInt, MsgFlags, SockaddrIn(5), UInt) -> Int =
        |f| net::sendto(f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9);
    SYS_RECVFROM(Fd, OutBuf(2), UInt, MsgFlags, SockaddrOut(5), IntPtr) -> Int =
        |f| net::recvfrom(f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9);
    SYS_SENDMSG(Fd, Ptr, MsgFlags) -> Int = |f| net::sendmsg(f.rdi, f.rsi, f.rdx);
    SYS_RECVMSG(Fd, Ptr, MsgFlags) -> Int = |f| net::recvmsg(f.rdi, f.rsi, f.rdx);
    SYS_SHUTDOWN(Fd, ShutHow) -> Int = |f| net::shutdown(f.rdi, f.rsi);
    SYS_BIND(Fd, SockaddrIn(2), UInt) -> Int = |f| net::bind(f.rdi, f.rsi, f.rdx);
    SYS_LISTEN(Fd, Int) -> Int = |f| net::listen(f.rdi, f.rsi);
    SYS_GETSOCKNAME(Fd, SockaddrOut(2), IntPtr) -> Int = |f| net::getsockname(f.rdi, f.rsi, f.rdx);
    SYS_GETPEERNAME(Fd, SockaddrOut(2), IntPtr) -> Int = |f| net::getpeername(f.rdi, f.rsi, f.rdx);
    SYS_SOCKETPAIR(SockFamily, SockType, Int, FdPair) -> Int = |f| net::socketpair(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_SETSOCKOPT(Fd, SockLevel, SockOpt(1), OptIn(4), UInt) -> Int =
        |f| net::setsockopt(f.rdi, f.rsi, f.rdx, f.r10, f.r8);
    SYS_GETSOCKOPT(Fd, SockLevel, SockOpt(1), OptOut(4), IntPtr) -> Int =
        |f| net::getsockopt(f.rdi, f.rsi, f.rdx, f.r10, f.r8);
    SYS_CLONE(CloneFlags, Ptr, Ptr, Ptr, Hex) -> Int = |f| thread::clone(f, f.rdi, f.rsi, f.rdx, f.r10, f.r8);
    SYS_FORK() -> Int = |f| wait::fork(f);
    SYS_VFORK() -> Int = |f| wait::vfork(f);
    SYS_EXECVE(Path, Ptr, Ptr) -> Int = |f| wait::execve(f, f.rdi, f.rsi, f.rdx);
    SYS_EXIT(Int) -> NoReturn = |f| thread::exit(f.rdi as i32);
    SYS_WAIT4(Int, Ptr, Hex, Ptr) -> Int = |f| wait::wait4(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_KILL(Int, Signal) -> Int = |f| signal::kill(f.rdi, f.rsi);
    SYS_UNAME(UtsOut) -> Int = |f| process::uname(f.rdi);
    SYS_FCNTL(Fd, FcntlCmd, Hex) -> Int = |f| fs::fcntl(f.rdi, f.rsi, f.rdx);
    SYS_FSYNC(Fd) -> Int = |f| namei::fsync(f.rdi);
    SYS_FDATASYNC(Fd) -> Int = |f| namei::fsync(f.rdi);
    SYS_TRUNCATE(Path, Int) -> Int = |f| namei::truncate(f.rdi, f.rsi);
    SYS_FTRUNCATE(Fd, Int) -> Int = |f| namei::ftruncate(f.rdi, f.rsi);
    SYS_GETCWD(OutBuf(1), UInt) -> Int = |f| path::getcwd(f.rdi, f.rsi);
    SYS_CHDIR(Path) -> Int = |f| path::chdir(f.rdi);
    SYS_FCHDIR(Fd) -> Int = |f| path::fchdir(f.rdi);
    SYS_RENAME(Path, Path) -> Int = |f| namei::renameat(AT_FDCWD as u64, f.rdi, AT_FDCWD as u64, f.rsi);
    SYS_MKDIR(Path, Hex) -> Int = |f| namei::mkdirat(AT_FDCWD as u64, f.rdi, f.rsi);
    SYS_RMDIR(Path) -> Int = |f| namei::unlinkat(AT_FDCWD as u64, f.rdi, AT_REMOVEDIR as u64);
    SYS_LINK(Path, Path) -> Int = |f| namei::linkat(AT_FDCWD as u64, f.rdi, AT_FDCWD as u64, f.rsi, 0);
    SYS_UNLINK(Path) -> Int = |f| namei::unlinkat(AT_FDCWD as u64, f.rdi, 0);
    SYS_SYMLINK(Path, Path) -> Int = |f| namei::symlinkat(f.rdi, AT_FDCWD as u64, f.rsi);
    SYS_READLINK(Path, Ptr, UInt) -> Int = |f| path::readlinkat(AT_FDCWD as u64, f.rdi, f.rsi, f.rdx);
    SYS_CHMOD(Path, Hex) -> Int = |f| namei::fchmodat(AT_FDCWD as u64, f.rdi, f.rsi);
    SYS_FCHMOD(Fd, Hex) -> Int = |f| namei::fchmod(f.rdi, f.rsi);
    SYS_UMASK(Hex) -> Hex = |f| namei::umask(f.rdi);
    SYS_GETTIMEOFDAY(Ptr, Ptr) -> Int = |f| time::gettimeofday(f.rdi, f.rsi);
    SYS_GETRLIMIT(Resource, RlimitOut) -> Int = |f| process::getrlimit(f.rdi, f.rsi);
    SYS_SYSINFO(Ptr) -> Int = |f| process::sysinfo(f.rdi);
    SYS_GETUID() -> Int = |_| ids::zero();
    SYS_GETGID() -> Int = |_| ids::zero();
    SYS_SETUID(Int) -> Int = |f| ids::setid(f.rdi);
    SYS_SETGID(Int) -> Int = |f| ids::setid(f.rdi);
    SYS_GETEUID() -> Int = |_| ids::zero();
    SYS_GETEGID() -> Int = |_| ids::zero();
    SYS_GETPPID() -> Int = |_| process::getppid();
    SYS_GETGROUPS(Int, Ptr) -> Int = |f| ids::getgroups(f.rdi, f.rsi);
    SYS_SETRESUID(Int, Int, Int) -> Int = |f| ids::setresid(f.rdi, f.rsi, f.rdx);
    SYS_GETRESUID(Ptr, Ptr, Ptr) -> Int = |f| ids::getresid(f.rdi, f.rsi, f.rdx);
    SYS_SETRESGID(Int, Int, Int) -> Int = |f| ids::setresid(f.rdi, f.rsi, f.rdx);
    SYS_GETRESGID(Ptr, Ptr, Ptr) -> Int = |f| ids::getresid(f.rdi, f.rsi, f.rdx);
    SYS_RT_SIGPENDING(SigsetOut, UInt) -> Int = |f| signal::rt_sigpending(f.rdi, f.rsi);
    SYS_RT_SIGTIMEDWAIT(SigsetIn, Ptr, TimespecIn, UInt) -> Int =
        |f| signal::rt_sigtimedwait(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_RT_SIGQUEUEINFO(Int, Signal, Ptr) -> Int = |f| signal::rt_sigqueueinfo(f.rdi, f.rsi, f.rdx);
    SYS_RT_SIGSUSPEND(SigsetIn, UInt) -> Int = |f| signal::rt_sigsuspend(f.rdi, f.rsi);
    SYS_SIGALTSTACK(StackIn, StackOut) -> Int = |f| signal::sigaltstack(f.rdi, f.rsi, f.rsp);
    SYS_PRCTL(Int, Hex, Hex, Hex, Hex) -> Int = |f| ids::prctl(f.rdi, f.rsi);
    SYS_ARCH_PRCTL(ArchCode, Hex) -> Int = |f| process::arch_prctl(f.rdi, f.rsi);
    SYS_SETRLIMIT(Resource, RlimitIn) -> Int = |f| process::setrlimit(f.rdi, f.rsi);
    SYS_GETTID() -> Int = |_| thread::gettid();
    SYS_TKILL(Int, Signal) -> Int = |f| signal::tkill(f.rdi, f.rsi);
    SYS_TIME(Ptr) -> Int = |f| time::time(f.rdi);
    SYS_FUTEX(Ptr, FutexOp, UInt, TimespecIn, Ptr, Hex) -> Int =
        |f| thread::futex(f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9);
    SYS_EPOLL_CREATE(Int) -> Int = |f| poll::epoll_create(f.rdi);
    SYS_SCHED_SETAFFINITY(Int, UInt, Ptr) -> Int = |f| process::sched_setaffinity(f.rdi, f.rsi, f.rdx);
    SYS_SCHED_GETAFFINITY(Int, UInt, CpuMask(1)) -> Int = |f| process::sched_getaffinity(f.rdi, f.rsi, f.rdx);
    SYS_GETDENTS64(Fd, Ptr, UInt) -> Int = |f| path::getdents64(f.rdi, f.rsi, f.rdx);
    SYS_SET_TID_ADDRESS(Ptr) -> Int = |f| thread::set_tid_address(f.rdi);
    SYS_RESTART_SYSCALL() -> Int = |_| signal::restart_syscall();
    SYS_CLOCK_GETTIME(Clock, TimespecOut) -> Int = |f| time::clock_gettime(f.rdi, f.rsi);
    SYS_CLOCK_GETRES(Clock, TimespecOut) -> Int = |f| time::clock_getres(f.rdi, f.rsi);
    SYS_CLOCK_NANOSLEEP(Clock, TimerFlags, TimespecIn, TimespecOut) -> Int =
        |f| time::clock_nanosleep(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_EXIT_GROUP(Int) -> NoReturn = |f| crate::process::exit_group(f.rdi as i32);
    SYS_TGKILL(Int, Int, Signal) -> Int = |f| signal::tgkill(f.rdi, f.rsi, f.rdx);
    SYS_WAITID(Int, Int, Ptr, Hex, Ptr) -> Int = |f| wait::waitid(f.rdi, f.rsi, f.rdx, f.r10, f.r8);
    SYS_EPOLL_WAIT(Fd, Ptr, Int, Int) -> Int = |f| poll::epoll_wait(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_EPOLL_CTL(Fd, EpollOp, Fd, Ptr) -> Int = |f| poll::epoll_ctl(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_OPENAT(DirFd, Path, OFlags, Hex) -> Int = |f| path::openat(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_MKDIRAT(DirFd, Path, Hex) -> Int = |f| namei::mkdirat(f.rdi, f.rsi, f.rdx);
    SYS_NEWFSTATAT(DirFd, Path, Ptr, Hex) -> Int = |f| path::newfstatat(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_UNLINKAT(DirFd, Path, Hex) -> Int = |f| namei::unlinkat(f.rdi, f.rsi, f.rdx);
    SYS_RENAMEAT(DirFd, Path, DirFd, Path) -> Int = |f| namei::renameat(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_LINKAT(DirFd, Path, DirFd, Path, Hex) -> Int = |f| namei::linkat(f.rdi, f.rsi, f.rdx, f.r10, f.r8);
    SYS_SYMLINKAT(Path, DirFd, Path) -> Int = |f| namei::symlinkat(f.rdi, f.rsi, f.rdx);
    SYS_READLINKAT(DirFd, Path, Ptr, UInt) -> Int = |f| path::readlinkat(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_FCHMODAT(DirFd, Path, Hex) -> Int = |f| namei::fchmodat(f.rdi, f.rsi, f.rdx);
    SYS_FACCESSAT(DirFd, Path, Int) -> Int = |f| path::faccessat(f.rdi, f.rsi, f.rdx);
    SYS_GETCPU(Ptr, Ptr, Ptr) -> Int = |f| process::getcpu(f.rdi, f.rsi);
    SYS_PSELECT6(Int, Ptr, Ptr, Ptr, TimespecIn, Ptr) -> Int =
        |f| select::pselect6(f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9);
    SYS_PPOLL(Ptr, UInt, TimespecIn, SigsetIn, UInt) -> Int = |f| poll::ppoll(f.rdi, f.rsi, f.rdx, f.r10, f.r8);
    SYS_UTIMENSAT(DirFd, Path, Ptr, Hex) -> Int = |f| namei::utimensat(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_EPOLL_PWAIT(Fd, Ptr, Int, Int, SigsetIn, UInt) -> Int =
        |f| poll::epoll_pwait(f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9);
    SYS_SET_ROBUST_LIST(Ptr, UInt) -> Int = |f| ids::set_robust_list(f.rdi, f.rsi);
    SYS_GET_ROBUST_LIST(Int, Ptr, Ptr) -> Int = |f| ids::get_robust_list(f.rdi, f.rsi, f.rdx);
    SYS_EVENTFD(UInt) -> Int = |f| fs::eventfd2(f.rdi, 0);
    SYS_ACCEPT4(Fd, SockaddrOut(2), IntPtr, SockFlags) -> Int = |f| net::accept4(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_EVENTFD2(UInt, OFlags) -> Int = |f| fs::eventfd2(f.rdi, f.rsi);
    SYS_EPOLL_CREATE1(OFlags) -> Int = |f| poll::epoll_create1(f.rdi);
    SYS_DUP3(Fd, Fd, OFlags) -> Int = |f| fs::dup3(f.rdi, f.rsi, f.rdx);
    SYS_PIPE2(FdPair, OFlags) -> Int = |f| fs::pipe2(f.rdi, f.rsi);
    SYS_RT_TGSIGQUEUEINFO(Int, Int, Signal, Ptr) -> Int =
        |f| signal::rt_tgsigqueueinfo(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_PREADV(Fd, Ptr, UInt, Int) -> Int = |f| path::preadv(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_PWRITEV(Fd, Ptr, UInt, Int) -> Int = |f| namei::pwritev(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_PRLIMIT64(Int, Resource, RlimitIn, RlimitOut) -> Int = |f| process::prlimit64(f.rdi, f.rsi, f.rdx, f.r10);
    SYS_RENAMEAT2(DirFd, Path, DirFd, Path, Hex) -> Int = |f| namei::renameat2(f.rdi, f.rsi, f.rdx, f.r10, f.r8);
    SYS_GETRANDOM(OutBuf(1), UInt, GrndFlags) -> Int = |f| process::getrandom(f.rdi, f.rsi, f.rdx);
    SYS_STATX(DirFd, Path, Hex, Hex, Ptr) -> Int = |f| path::statx(f.rdi, f.rsi, f.rdx, f.r10, f.r8);
    SYS_FACCESSAT2(DirFd, Path, Int, Hex) -> Int = |f| path::faccessat2(f.rdi, f.rsi, f.rdx, f.r10);
}

/// One past the highest syscall number the table can hold.
pub const MAX_NR: usize = 512;

/// The table indexed by number (for strace and tests).
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

/// The handlers indexed by number, `sys_ni_syscall` (ENOSYS) where rt0 serves none: the hot
/// path is one bounds check, one load and one call.
pub static HANDLERS: [Handler; MAX_NR] = {
    let mut h = [super::sys_ni_syscall as Handler; MAX_NR];
    let mut i = 0;
    while i < SYSCALLS.len() {
        h[SYSCALLS[i].nr] = SYSCALLS[i].handler;
        i += 1;
    }
    h
};

/// The syscall with number `nr`, if rt0 serves it.
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
        assert!(lookup(SYS_KEXEC_LOAD).is_none());
        assert!(lookup(100_000).is_none());
    }
}
