//! Dies of the CPU fault that `argv[1]` names, with no signal handler installed, so the kernel's default action
//! ends the process: Linux kills it with the signal (the runner reports 128 + signo), rt0's kernel logs
//! `SIG…: … addr=… pc=…` and exits with 128 + signo. The exit status must be the same both ways.
//!
//! | mode             | what it does                                         | signal  | status |
//! |------------------|------------------------------------------------------|---------|--------|
//! | `null-read`      | loads from address 0                                 | SIGSEGV | 139    |
//! | `kernel-read`    | loads from the kernel half (0xffff800000000000)      | SIGSEGV | 139    |
//! | `rodata-write`   | stores into a `static` in the read-only segment      | SIGSEGV | 139    |
//! | `prot-none`      | loads from a PROT_NONE mapping                       | SIGSEGV | 139    |
//! | `stack-exec`     | calls code placed on the (non-executable) stack      | SIGSEGV | 139    |
//! | `ud2`            | executes `ud2`                                       | SIGILL  | 132    |
//! | `int3`           | executes `int3`                                      | SIGTRAP | 133    |
//! | `div0`           | `div` by zero                                        | SIGFPE  | 136    |
//! | `stack-overflow` | recurses with a 4 KiB frame into the stack guard     | SIGSEGV | 139    |
//! | `hlt`            | executes `hlt` (privileged: #GP)                     | SIGSEGV | 139    |
//! | `cli`            | executes `cli` (IOPL 0: #GP)                         | SIGSEGV | 139    |
//! | `in`             | reads I/O port 0x80 (no I/O permission: #GP)         | SIGSEGV | 139    |
//! | `mov-cr0`        | reads CR0 (privileged: #GP)                          | SIGSEGV | 139    |
//! | `wrmsr`          | writes an MSR (privileged: #GP)                      | SIGSEGV | 139    |
//!
//! Each mode prints `faults: <mode> about to fault` on stdout first, and the address it touches (where there is
//! one) on stderr, to compare with the kernel's report. A mode that does not fault says so on stderr and exits 1;
//! an unknown or missing mode prints usage on stderr and exits 2.
#![no_std]
#![no_main]

use abi::mman::{MAP_ANONYMOUS, MAP_PRIVATE, PAGE_SIZE, PROT_NONE};
use abi::nr::SYS_MMAP;
use core::arch::asm;
use core::hint::black_box;
use core::ptr;
use programs::{exit_group, syscall6};
use runtime::{args, eprintln, println};

runtime::bare_main!(main);

/// Exit status for a missing or unknown mode (Go's usage-error convention).
const USAGE_EXIT_CODE: i32 = 2;
/// Exit status when the fault did not happen.
const NO_FAULT_EXIT_CODE: i32 = 1;
/// The first address of the kernel half: no user access can reach it.
const KERNEL_ADDR: usize = 0xffff_8000_0000_0000;
/// The stack-overflow frame: big enough to reach the guard quickly, at most a page so no page is skipped.
const FRAME_BYTES: usize = PAGE_SIZE;

/// Lives in `.rodata`, which the loader maps read-only (never written: only the `rodata-write` fault tries).
static RODATA: [u8; 8] = *b"rodata!\0";

/// The modes, in the order usage lists them.
const MODES: [(&str, fn()); 14] = [
    ("null-read", null_read),
    ("kernel-read", kernel_read),
    ("rodata-write", rodata_write),
    ("prot-none", prot_none),
    ("stack-exec", stack_exec),
    ("ud2", ud2),
    ("int3", int3),
    ("div0", div0),
    ("stack-overflow", stack_overflow),
    ("hlt", hlt),
    ("cli", cli),
    ("in", port_in),
    ("mov-cr0", mov_cr0),
    ("wrmsr", wrmsr),
];

fn main() {
    let mode = args::argv(1).and_then(|arg| MODES.iter().find(|(name, _)| name.as_bytes() == arg));
    let Some(&(name, fault)) = mode else {
        usage();
        exit_group(USAGE_EXIT_CODE);
    };
    println!("faults: {name} about to fault");
    fault();
    eprintln!("faults: {name} did not fault");
    exit_group(NO_FAULT_EXIT_CODE);
}

fn usage() {
    match args::argv(1) {
        Some(arg) => eprintln!("faults: unknown mode \"{}\"", arg.escape_ascii()),
        None => eprintln!("faults: no mode given"),
    }
    eprintln!("usage: faults MODE");
    for (name, _) in MODES {
        eprintln!("  {name}");
    }
}

/// Loads a byte from `addr` with a plain `mov`: no Rust reference or pointer read is involved, so a bad address
/// is a CPU fault, not undefined behaviour the compiler could assume away.
fn load(addr: usize) {
    eprintln!("faults: loading from {addr:#x}");
    // SAFETY: the load is opaque to the compiler and writes nothing; if `addr` is not readable the process dies
    // of SIGSEGV here, which is the point.
    unsafe { asm!("mov {v}, byte ptr [{addr}]", addr = in(reg) addr, v = out(reg_byte) _, options(nostack, readonly)) };
}

fn null_read() {
    load(0);
}

fn kernel_read() {
    load(KERNEL_ADDR);
}

fn rodata_write() {
    let target = RODATA.as_ptr().cast_mut();
    eprintln!("faults: storing to {target:p}");
    // SAFETY: none in the language's sense (writing an immutable static); the store is volatile, so it is
    // emitted as written, and the read-only page makes it fault with SIGSEGV before anything observes it.
    unsafe { ptr::write_volatile(target, b'R') };
}

fn prot_none() {
    // SAFETY: a new private anonymous mapping (no MAP_FIXED) replaces nothing.
    let addr = unsafe { syscall6(SYS_MMAP, 0, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0) };
    if addr < 0 {
        eprintln!("faults: mmap PROT_NONE failed: {addr}");
        return;
    }
    load(addr as usize);
}

fn stack_exec() {
    // `ret` instructions: were the stack executable, the call would simply return.
    let code = black_box([0xc3u8; 16]);
    let target = code.as_ptr();
    eprintln!("faults: calling {target:p}");
    // SAFETY: the call either faults (the stack is mapped without execute permission: SIGSEGV) or executes
    // `ret` and comes straight back; the C clobbers cover the call.
    unsafe { asm!("call {target}", target = in(reg) target, clobber_abi("C")) };
}

fn ud2() {
    // SAFETY: raises #UD (SIGILL); nothing follows.
    unsafe { asm!("ud2", options(nomem, nostack)) };
}

// Privileged instructions: in ring 3 each raises #GP, which Linux turns into SIGSEGV with
// SI_KERNEL and no address.

fn hlt() {
    // SAFETY: raises #GP in ring 3 (SIGSEGV); it never halts anything.
    unsafe { asm!("hlt", options(nomem, nostack)) };
}

fn cli() {
    // SAFETY: raises #GP at IOPL 0 (SIGSEGV); interrupts stay on.
    unsafe { asm!("cli", options(nomem, nostack)) };
}

fn port_in() {
    // SAFETY: raises #GP without I/O permission (SIGSEGV); no port is read.
    unsafe { asm!("in al, 0x80", out("al") _, options(nomem, nostack)) };
}

fn mov_cr0() {
    // SAFETY: raises #GP in ring 3 (SIGSEGV); CR0 is not read.
    unsafe { asm!("mov {}, cr0", out(reg) _, options(nomem, nostack)) };
}

fn wrmsr() {
    // SAFETY: raises #GP in ring 3 (SIGSEGV); no MSR is written.
    unsafe { asm!("wrmsr", in("ecx") 0x10, in("eax") 0, in("edx") 0, options(nomem, nostack)) };
}

fn int3() {
    // SAFETY: raises #BP (SIGTRAP); with no handler and no debugger the process dies.
    unsafe { asm!("int3", options(nomem, nostack)) };
}

fn div0() {
    let divisor = black_box(0u32);
    // SAFETY: `div` by zero raises #DE (SIGFPE); done in assembly so Rust's own zero check does not panic first.
    unsafe {
        asm!("div {d:e}", d = in(reg) divisor, inout("eax") 1u32 => _, inout("edx") 0u32 => _, options(nomem, nostack));
    }
}

fn stack_overflow() {
    let depth = recurse(0);
    eprintln!("faults: recursion ended at depth {depth}");
}

/// Recurses with a page-sized frame that it writes, so each call touches the next page down, until the stack
/// runs into its guard. Never a tail call: the result is used after the inner call returns.
#[inline(never)]
fn recurse(depth: usize) -> usize {
    let mut frame = [0u8; FRAME_BYTES];
    frame[depth % FRAME_BYTES] = 1;
    black_box(&mut frame);
    if black_box(depth) == usize::MAX {
        return depth;
    }
    recurse(depth + 1) + frame[0] as usize
}
