//! Micro-benchmarks of the kernel paths a Go runtime leans on, timed with `rdtsc` from ring 3.
//! Under `rt0 --icount` the TSC counts guest instructions, so each figure is instructions per
//! operation (loop and rdtsc overhead included, a few instructions). Prints one line:
//! `sysbench getpid=N first_touch=N mmap_touch_munmap=N futex_handoff=N`.
#![no_std]
#![no_main]

use abi::futex::{FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE};
use abi::mman::{MAP_ANONYMOUS, MAP_PRIVATE, PAGE_SIZE, PROT_READ, PROT_WRITE};
use abi::nr::{SYS_FUTEX, SYS_GETPID, SYS_MMAP, SYS_MUNMAP};
use abi::sched::{CLONE_CHILD_CLEARTID, CLONE_PARENT_SETTID, CLONE_THREAD_FLAGS};
use core::sync::atomic::{AtomicU32, Ordering::SeqCst};
use programs::clone_thread;
use programs::{syscall0, syscall2, syscall3, syscall4, syscall6};
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
    println!(
        "sysbench getpid={getpid} first_touch={first_touch} mmap_touch_munmap={mmap_cycle} futex_handoff={handoff}"
    );
}
