//! Thread churn: creates and joins `N` threads (10,000 by default, argv[1] overrides), at most two
//! alive at once, as a long-lived Go or pthread program does over its life. Each thread's kernel
//! stack must be freed when it is reaped: a kernel that leaks them runs out after a few hundred.
//! The same program runs on Linux; both must print the same line and exit 0.
#![no_std]
#![no_main]

use abi::futex::FUTEX_WAIT;
use abi::mman::{MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE};
use abi::nr::{SYS_FUTEX, SYS_MMAP};
use abi::sched::{CLONE_CHILD_CLEARTID, CLONE_PARENT_SETTID, CLONE_THREAD_FLAGS};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use programs::{clone_thread, syscall4, syscall6};
use runtime::{args, println};

runtime::bare_main!(main);

const STACK: usize = 16 * 1024;
const DEFAULT_THREADS: u64 = 10_000;

/// The CHILD_CLEARTID word: the child's tid while it runs, 0 once it has exited.
static JOIN: AtomicU32 = AtomicU32::new(0);
/// How many children ran their body.
static RAN: AtomicU64 = AtomicU64::new(0);

extern "C" fn child(_: usize) {
    RAN.fetch_add(1, SeqCst);
}

fn main() {
    let n = args::argv(1).and_then(|a| core::str::from_utf8(a).ok()?.parse().ok()).unwrap_or(DEFAULT_THREADS);
    let base =
        // SAFETY: an anonymous private mapping, used only as the children's stack.
        unsafe { syscall6(SYS_MMAP, 0, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0) };
    assert!(base > 0, "mmap for the thread stack failed");
    let top = base as usize + STACK;
    let mut last_tid = 0;
    for i in 0..n {
        let flags = CLONE_THREAD_FLAGS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
        // The previous child was joined, so nothing runs on the stack.
        // SAFETY: the stack is free, and JOIN is a static word for both tid fields.
        let tid = unsafe { clone_thread(flags as _, top, JOIN.as_ptr(), JOIN.as_ptr(), 0, child, 0) };
        if tid <= 0 {
            println!("threadchurn: clone {i} failed: {tid}");
            runtime::os::exit(1);
        }
        last_tid = tid;
        // Join: the kernel zeroes JOIN and wakes it (a shared futex wake) when the child exits.
        loop {
            let v = JOIN.load(SeqCst);
            if v == 0 {
                break;
            }
            // SAFETY: a futex wait on a static word.
            unsafe { syscall4(SYS_FUTEX, JOIN.as_ptr() as usize, FUTEX_WAIT, v as usize, 0) };
        }
    }
    let ran = RAN.load(SeqCst);
    println!("threadchurn: {n} threads created and joined, {ran} ran, at most 2 alive at once");
    let _ = last_tid;
    if ran != n {
        runtime::os::exit(1);
    }
}
