//! Micro-benchmarks of the kernel's paths between CPUs, timed with `rdtsc` from ring 3. Under
//! `rt0 --icount --smp 2` the TSC counts the instructions of every CPU (QEMU runs them in turn,
//! and a halted CPU executes nothing), so each figure is the instructions all CPUs spent on one
//! operation. The main thread runs on CPU 0, a partner thread on CPU 1 (sched_setaffinity).
//! Prints one line: `smpbench futex_xcpu=N ipi_wake=N tlb_shootdown=N`, or says it needs two
//! CPUs.
//!
//! `smpbench spin`: two threads each run the same CPU-bound loop, unpinned; prints
//! `smpbench spin_ns=N`, the monotonic time from the first thread's start to the last one's end
//! — on two CPUs about half of what it is on one (the scaling figure; wall time, no icount).
//!
//! - futex_xcpu: one futex handoff between the two CPUs — FUTEX_WAKE of the partner asleep on
//!   the other CPU, then FUTEX_WAIT until it answers (a ping-pong; per handoff).
//! - ipi_wake: from the FUTEX_WAKE call on CPU 0 to the woken thread back in ring 3 on CPU 1,
//!   which was idle in `hlt` (the waker spins meanwhile; its spin is not counted, since QEMU runs
//!   the woken CPU as soon as the IPI is sent).
//! - tlb_shootdown: munmap of one touched page while the partner spins in ring 3 on CPU 1, so
//!   the kernel must shoot the translation down there (IPI, flush, answer) before munmap returns.
#![no_std]
#![no_main]

use abi::futex::{FUTEX_WAIT, FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE};
use abi::mman::{MAP_ANONYMOUS, MAP_PRIVATE, PAGE_SIZE, PROT_READ, PROT_WRITE};
use abi::nr::*;
use abi::sched::{CLONE_CHILD_CLEARTID, CLONE_PARENT_SETTID, CLONE_THREAD_FLAGS};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use programs::clone_thread;
use programs::{syscall2, syscall3, syscall4, syscall6};
use runtime::println;

runtime::bare_main!(main);

const HANDOFFS: u32 = 200;
const WAKES: u32 = 200;
const UNMAPS: u64 = 200;

fn rdtsc() -> u64 {
    // SAFETY: rdtsc is allowed in ring 3 (CR4.TSD clear) and has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

fn mmap(len: usize) -> usize {
    // SAFETY: anonymous private mapping.
    unsafe { syscall6(SYS_MMAP, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0) as usize }
}

/// Runs the calling thread on CPU `cpu` only; false if the kernel refuses (no such CPU).
fn pin(cpu: u32) -> bool {
    let mask: u64 = 1 << cpu;
    // SAFETY: the kernel reads one long.
    unsafe { syscall3(SYS_SCHED_SETAFFINITY, 0, 8, &mask as *const u64 as usize) == 0 }
}

fn futex_wait(w: &AtomicU32, v: u32) {
    // SAFETY: futex wait on a static word.
    unsafe { syscall4(SYS_FUTEX, w.as_ptr() as usize, FUTEX_WAIT_PRIVATE, v as usize, 0) };
}

/// Waits for a thread's CLONE_CHILD_CLEARTID word to change. The kernel's wake at the thread's
/// exit is a shared FUTEX_WAKE (Linux's mm_release), which on Linux does not match a private
/// waiter: the wait must be the shared FUTEX_WAIT, as the C libraries' joins do.
fn join_wait(w: &AtomicU32, v: u32) {
    // SAFETY: futex wait on a static word.
    unsafe { syscall4(SYS_FUTEX, w.as_ptr() as usize, FUTEX_WAIT, v as usize, 0) };
}

fn futex_wake(w: &AtomicU32) {
    // SAFETY: futex wake on a static word.
    unsafe { syscall3(SYS_FUTEX, w.as_ptr() as usize, FUTEX_WAKE_PRIVATE, 1) };
}

/// The ping-pong word: odd = the partner's turn, even = main's.
static TURN: AtomicU32 = AtomicU32::new(0);
/// The wake word, the round the partner is about to sleep in, the round it finished, and the
/// waker's stamp and the summed spans.
static WAKE: AtomicU32 = AtomicU32::new(0);
static ASLEEP: AtomicU32 = AtomicU32::new(u32::MAX);
static DONE: AtomicU32 = AtomicU32::new(u32::MAX);
static STAMP: AtomicU64 = AtomicU64::new(0);
static SPANS: AtomicU64 = AtomicU64::new(0);
/// Set when the partner may stop spinning.
static STOP: AtomicU32 = AtomicU32::new(0);
static PINNED: AtomicU32 = AtomicU32::new(0);
static JOIN: AtomicU32 = AtomicU32::new(0);

fn wait_while(v: u32) {
    while TURN.load(SeqCst) == v {
        futex_wait(&TURN, v);
    }
}

fn pass() {
    TURN.fetch_add(1, SeqCst);
    futex_wake(&TURN);
}

extern "C" fn partner(_: usize) {
    PINNED.store(if pin(1) { 1 } else { 2 }, SeqCst);
    for i in 0..HANDOFFS {
        wait_while(2 * i);
        pass();
    }
    for i in 0..WAKES {
        ASLEEP.store(i, SeqCst);
        while WAKE.load(SeqCst) == 0 {
            futex_wait(&WAKE, 0);
        }
        SPANS.fetch_add(rdtsc() - STAMP.load(SeqCst), SeqCst);
        WAKE.store(0, SeqCst);
        DONE.store(i, SeqCst);
    }
    // Ring 3 on CPU 1 until told: the TLB shootdowns' other CPU.
    ASLEEP.store(u32::MAX - 1, SeqCst);
    while STOP.load(SeqCst) == 0 {
        core::hint::spin_loop();
    }
}

/// Iterations of the CPU-bound loop each spinning thread runs.
const SPIN: u64 = 50_000_000;
static SPIN_JOIN: [AtomicU32; 2] = [const { AtomicU32::new(0) }; 2];
static SPIN_SUM: AtomicU64 = AtomicU64::new(0);

extern "C" fn spinner(seed: usize) {
    let mut x = seed as u64;
    for k in 0..SPIN {
        x = core::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(k));
    }
    SPIN_SUM.fetch_add(x, SeqCst);
}

fn monotonic_ns() -> u64 {
    let mut ts = [0i64; 2];
    // SAFETY: the kernel writes one timespec.
    unsafe { syscall2(SYS_CLOCK_GETTIME, abi::time::CLOCK_MONOTONIC, ts.as_mut_ptr() as usize) };
    ts[0] as u64 * 1_000_000_000 + ts[1] as u64
}

fn spin() {
    let t0 = monotonic_ns();
    for (i, join) in SPIN_JOIN.iter().enumerate() {
        let stack = mmap(64 * 1024) + 64 * 1024;
        let flags = CLONE_THREAD_FLAGS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
        // SAFETY: fresh stack; `join` is a static word.
        unsafe { clone_thread(flags as _, stack, join.as_ptr(), join.as_ptr(), 0, spinner, i + 1) };
    }
    for join in &SPIN_JOIN {
        loop {
            let v = join.load(SeqCst);
            if v == 0 {
                break;
            }
            join_wait(join, v);
        }
    }
    let spent = monotonic_ns() - t0;
    println!("smpbench spin_ns={spent} check={:x}", SPIN_SUM.load(SeqCst) & 0xffff);
}

fn main() {
    if runtime::args::argv(1) == Some(b"spin".as_slice()) {
        return spin();
    }
    let stack = mmap(64 * 1024) + 64 * 1024;
    let flags = CLONE_THREAD_FLAGS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    if !pin(0) {
        println!("smpbench: cannot run on cpu 0");
        return;
    }
    // SAFETY: fresh stack; JOIN is a static word.
    unsafe { clone_thread(flags as _, stack, JOIN.as_ptr(), JOIN.as_ptr(), 0, partner, 0) };
    while PINNED.load(SeqCst) == 0 {
        core::hint::spin_loop();
    }
    if PINNED.load(SeqCst) != 1 {
        println!("smpbench: needs two cpus (run with --smp 2 or more)");
        return;
    }

    let t0 = rdtsc();
    for i in 0..HANDOFFS {
        pass();
        wait_while(2 * i + 1);
    }
    let futex_xcpu = (rdtsc() - t0) / (2 * HANDOFFS as u64);

    for i in 0..WAKES {
        // The partner is asleep once it said so and this CPU got to run again.
        while ASLEEP.load(SeqCst) != i {
            core::hint::spin_loop();
        }
        STAMP.store(rdtsc(), SeqCst);
        WAKE.store(1, SeqCst);
        futex_wake(&WAKE);
        while DONE.load(SeqCst) != i {
            core::hint::spin_loop();
        }
    }
    let ipi_wake = SPANS.load(SeqCst) / WAKES as u64;

    while ASLEEP.load(SeqCst) != u32::MAX - 1 {
        core::hint::spin_loop();
    }
    let mut spent = 0;
    for _ in 0..UNMAPS {
        let p = mmap(PAGE_SIZE);
        // SAFETY: the page was just mapped read/write; it is unmapped right after.
        unsafe {
            (p as *mut u8).write_volatile(1);
            let t0 = rdtsc();
            syscall2(SYS_MUNMAP, p, PAGE_SIZE);
            spent += rdtsc() - t0;
        }
    }
    let tlb_shootdown = spent / UNMAPS;
    STOP.store(1, SeqCst);
    while JOIN.load(SeqCst) != 0 {
        join_wait(&JOIN, JOIN.load(SeqCst));
    }
    println!("smpbench futex_xcpu={futex_xcpu} ipi_wake={ipi_wake} tlb_shootdown={tlb_shootdown}");
}
