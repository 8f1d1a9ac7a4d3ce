//! Micro-benchmarks of the kernel paths a Go runtime leans on, timed with `rdtsc` from ring 3.
//! Under `rt0 --icount` the TSC counts guest instructions, so each figure is instructions per
//! operation (loop and rdtsc overhead included, a few instructions). Prints one line:
//! `sysbench getpid=N first_touch=N mmap_touch_munmap=N futex_handoff=N signal_roundtrip=N
//! pipe_roundtrip=N epoll_wake=N`.
#![no_std]
#![no_main]

use abi::epoll::{EPOLL_CTL_ADD, EPOLLIN, EpollEvent};
use abi::futex::{FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE};
use abi::mman::{MAP_ANONYMOUS, MAP_PRIVATE, PAGE_SIZE, PROT_READ, PROT_WRITE};
use abi::nr::*;
use abi::sched::{CLONE_CHILD_CLEARTID, CLONE_PARENT_SETTID, CLONE_THREAD_FLAGS};
use abi::signal::{KernelSigaction, SA_RESTORER, SIGSET_SIZE, SIGUSR1};
use core::sync::atomic::{AtomicU32, Ordering::SeqCst};
use programs::clone_thread;
use programs::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall6};
use runtime::println;

runtime::bare_main!(main);

const ROUNDS: u64 = 1000;
const TOUCH_PAGES: usize = 256;
const HANDOFFS: u64 = 200;

fn rdtsc() -> u64 {
    // SAFETY: rdtsc is allowed in ring 3 (CR4.TSD clear) and has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

fn mmap(len: usize) -> usize {
    // SAFETY: anonymous private mapping.
    unsafe { syscall6(SYS_MMAP, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0) as usize }
}

/// The ping-pong word: odd = the child's turn, even = the parent's.
static TURN: AtomicU32 = AtomicU32::new(0);
static JOIN: AtomicU32 = AtomicU32::new(0);

fn wait_while(v: u32) {
    while TURN.load(SeqCst) == v {
        // SAFETY: futex wait on a static word.
        unsafe { syscall4(SYS_FUTEX, TURN.as_ptr() as usize, FUTEX_WAIT_PRIVATE, v as usize, 0) };
    }
}

fn pass() {
    TURN.fetch_add(1, SeqCst);
    // SAFETY: futex wake on a static word.
    unsafe { syscall3(SYS_FUTEX, TURN.as_ptr() as usize, FUTEX_WAKE_PRIVATE, 1) };
}

extern "C" fn partner(_: usize) {
    for i in 0..HANDOFFS as u32 {
        wait_while(2 * i); // wait for the parent's move
        pass();
    }
}

core::arch::global_asm!(
    ".global rt0_bench_restorer",
    "rt0_bench_restorer:",
    "mov eax, {nr}",
    "syscall",
    "ud2",
    nr = const SYS_RT_SIGRETURN,
);
unsafe extern "C" {
    fn rt0_bench_restorer();
}

extern "C" fn on_usr1(_: i32) {}

/// Descriptors the pipe and epoll partners use: (in, out) for each side.
static FDS: [AtomicU32; 4] = [const { AtomicU32::new(0) }; 4];
static JOIN2: AtomicU32 = AtomicU32::new(0);
static JOIN3: AtomicU32 = AtomicU32::new(0);

fn read1(fd: u32, buf: &mut [u8]) {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe { syscall3(SYS_READ, fd as usize, buf.as_mut_ptr() as usize, buf.len()) };
}

fn write1(fd: u32, buf: &[u8]) {
    // SAFETY: the kernel only reads `buf`.
    unsafe { syscall3(SYS_WRITE, fd as usize, buf.as_ptr() as usize, buf.len()) };
}

/// Echoes each byte from FDS[0] to FDS[1].
extern "C" fn pipe_partner(_: usize) {
    let mut b = [0u8; 1];
    for _ in 0..HANDOFFS {
        read1(FDS[0].load(SeqCst), &mut b);
        write1(FDS[1].load(SeqCst), &b);
    }
}

/// Waits in epoll_wait on the epoll instance FDS[2] (watching eventfd FDS[0]), then answers on
/// eventfd FDS[1].
extern "C" fn epoll_partner(_: usize) {
    let mut ev = [EpollEvent::default(); 1];
    let mut v = [0u8; 8];
    for _ in 0..HANDOFFS {
        // SAFETY: the kernel writes one event into `ev`.
        unsafe { syscall4(SYS_EPOLL_WAIT, FDS[2].load(SeqCst) as usize, ev.as_mut_ptr() as usize, 1, usize::MAX) };
        read1(FDS[0].load(SeqCst), &mut v);
        write1(FDS[1].load(SeqCst), &1u64.to_ne_bytes());
    }
}

fn pipe() -> (u32, u32) {
    let mut fds = [0i32; 2];
    // SAFETY: the kernel writes two ints.
    unsafe { syscall2(SYS_PIPE2, fds.as_mut_ptr() as usize, 0) };
    (fds[0] as u32, fds[1] as u32)
}

fn spawn(f: extern "C" fn(usize), join: &'static AtomicU32) {
    let stack = mmap(64 * 1024) + 64 * 1024;
    let flags = CLONE_THREAD_FLAGS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    // SAFETY: fresh stack; `join` is a static word.
    unsafe { clone_thread(flags as _, stack, join.as_ptr(), join.as_ptr(), 0, f, 0) };
}

fn main() {
    let t0 = rdtsc();
    for _ in 0..ROUNDS {
        // SAFETY: getpid has no arguments or side effects.
        unsafe { syscall0(SYS_GETPID) };
    }
    let getpid = (rdtsc() - t0) / ROUNDS;

    let base = mmap(TOUCH_PAGES * PAGE_SIZE);
    let t0 = rdtsc();
    for i in 0..TOUCH_PAGES {
        // SAFETY: inside the fresh mapping; the first write faults the page in.
        unsafe { ((base + i * PAGE_SIZE) as *mut u8).write_volatile(1) };
    }
    let first_touch = (rdtsc() - t0) / TOUCH_PAGES as u64;

    let t0 = rdtsc();
    for _ in 0..ROUNDS {
        let p = mmap(PAGE_SIZE);
        // SAFETY: the page was just mapped read/write; it is unmapped right after.
        unsafe {
            (p as *mut u8).write_volatile(1);
            syscall2(SYS_MUNMAP, p, PAGE_SIZE);
        }
    }
    let mmap_cycle = (rdtsc() - t0) / ROUNDS;

    let stack = mmap(64 * 1024) + 64 * 1024;
    let flags = CLONE_THREAD_FLAGS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    // SAFETY: fresh stack; JOIN is a static word.
    unsafe { clone_thread(flags as _, stack, JOIN.as_ptr(), JOIN.as_ptr(), 0, partner, 0) };
    let t0 = rdtsc();
    for i in 0..HANDOFFS as u32 {
        pass(); // parent's move: TURN becomes odd
        wait_while(2 * i + 1);
    }
    let handoff = (rdtsc() - t0) / (2 * HANDOFFS);

    // tgkill to this thread → handler → rt_sigreturn.
    let act = KernelSigaction {
        sa_handler: on_usr1 as *const () as usize as u64,
        sa_flags: SA_RESTORER,
        sa_restorer: rt0_bench_restorer as *const () as usize as u64,
        sa_mask: 0,
    };
    // SAFETY: a handler that does nothing; getpid and gettid take no arguments.
    let (pid, tid) = unsafe {
        syscall4(SYS_RT_SIGACTION, SIGUSR1 as usize, &act as *const KernelSigaction as usize, 0, SIGSET_SIZE);
        (syscall0(SYS_GETPID) as usize, syscall0(SYS_GETTID) as usize)
    };
    let t0 = rdtsc();
    for _ in 0..ROUNDS {
        // SAFETY: the handler runs and returns before tgkill returns.
        unsafe { syscall3(SYS_TGKILL, pid, tid, SIGUSR1 as usize) };
    }
    let signal = (rdtsc() - t0) / ROUNDS;

    // One byte through a pipe to another thread and back through a second pipe.
    let ((a_r, a_w), (b_r, b_w)) = (pipe(), pipe());
    FDS[0].store(a_r, SeqCst);
    FDS[1].store(b_w, SeqCst);
    spawn(pipe_partner, &JOIN2);
    let mut b = [0u8; 1];
    let t0 = rdtsc();
    for _ in 0..HANDOFFS {
        write1(a_w, b"x");
        read1(b_r, &mut b);
    }
    let pipe_rt = (rdtsc() - t0) / (2 * HANDOFFS);

    // An eventfd write wakes the other thread's epoll_wait; it answers the same way.
    // SAFETY: eventfd2 and epoll_create1 touch no memory.
    let (e1, e2, ep1, ep2) = unsafe {
        (
            syscall2(SYS_EVENTFD2, 0, 0),
            syscall2(SYS_EVENTFD2, 0, 0),
            syscall1(SYS_EPOLL_CREATE1, 0),
            syscall1(SYS_EPOLL_CREATE1, 0),
        )
    };
    let add = |ep: isize, fd: isize| {
        let ev = EpollEvent { events: EPOLLIN, data: 0 };
        // SAFETY: the kernel reads one event.
        unsafe { syscall4(SYS_EPOLL_CTL, ep as usize, EPOLL_CTL_ADD, fd as usize, &ev as *const EpollEvent as usize) };
    };
    add(ep1, e1);
    add(ep2, e2);
    FDS[0].store(e1 as u32, SeqCst);
    FDS[1].store(e2 as u32, SeqCst);
    FDS[2].store(ep1 as u32, SeqCst);
    spawn(epoll_partner, &JOIN3);
    let mut ev = [EpollEvent::default(); 1];
    let mut v = [0u8; 8];
    let t0 = rdtsc();
    for _ in 0..HANDOFFS {
        write1(e1 as u32, &1u64.to_ne_bytes());
        // SAFETY: the kernel writes one event into `ev`.
        unsafe { syscall4(SYS_EPOLL_WAIT, ep2 as usize, ev.as_mut_ptr() as usize, 1, usize::MAX) };
        read1(e2 as u32, &mut v);
    }
    let epoll_wake = (rdtsc() - t0) / (2 * HANDOFFS);

    println!(
        "sysbench getpid={getpid} first_touch={first_touch} mmap_touch_munmap={mmap_cycle} futex_handoff={handoff} \
         signal_roundtrip={signal} pipe_roundtrip={pipe_rt} epoll_wake={epoll_wake}"
    );
}
