//! The ELF entry point: `_rt0_amd64_linux` → `_rt0_amd64` → `rt0_go`.
//!
//! Mirrors Go's `runtime/rt0_linux_amd64.s` (`_rt0_amd64_linux`) and `runtime/asm_amd64.s` (`_rt0_amd64`,
//! `runtime·rt0_go`). The kernel (rt0's, or Linux's `execve`) jumps to the ELF entry with RSP pointing at argc,
//! followed by argv[0..argc], NULL, envp..., NULL, auxv pairs and AT_NULL (see [`crate::args`]). No register but
//! RSP carries information; RSP is 16-byte aligned there.
//!
//! - `_rt0_amd64_linux` only jumps to `_rt0_amd64`, as in Go.
//! - `_rt0_amd64` loads argc (`[rsp]`) into RDI and argv (`rsp + 8`) into RSI — envp is not extracted here; it is
//!   found later as `argv[argc + 1..]`.
//! - `rt0_go` records the entry RSP in [`entry_sp`], reserves five words and aligns the stack to 16 bytes (Go's
//!   `SUBQ $(5*8), SP; ANDQ $~15, SP`) and calls `start::rt0_start` with argc, argv and SP before and after,
//!   which performs the rest of Go's start-up and never returns.
//!
//! The assembly is only assembled for the bare-metal target (`x86_64-unknown-none`): on the host the crate is
//! unit-tested with the ordinary Rust start-up.

use core::sync::atomic::{AtomicUsize, Ordering};

/// RSP as the kernel handed it to `_rt0_amd64_linux`: the address of argc. Written once by `rt0_go` before any Rust
/// code runs; 0 if the program did not start through `_rt0_amd64_linux`.
static ENTRY_SP: AtomicUsize = AtomicUsize::new(0);

/// The stack pointer at the ELF entry point (the address of argc on the initial stack), or 0 when the program did
/// not enter through `_rt0_amd64_linux` (host unit tests).
pub fn entry_sp() -> usize {
    ENTRY_SP.load(Ordering::Relaxed)
}

#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
core::arch::global_asm!(
    ".pushsection .text._rt0_amd64_linux, \"ax\", @progbits",
    // rt0_linux_amd64.s: the ELF entry point.
    ".globl _rt0_amd64_linux",
    ".type _rt0_amd64_linux, @function",
    "_rt0_amd64_linux:",
    "    jmp _rt0_amd64",
    ".size _rt0_amd64_linux, . - _rt0_amd64_linux",
    // asm_amd64.s: argc → RDI, argv → RSI.
    ".globl _rt0_amd64",
    ".type _rt0_amd64, @function",
    "_rt0_amd64:",
    "    mov rdi, qword ptr [rsp]",
    "    lea rsi, [rsp + 8]",
    "    jmp rt0_go",
    ".size _rt0_amd64, . - _rt0_amd64",
    // asm_amd64.s: runtime·rt0_go — reserve 5 words, AND $~15, SP; then the Rust half.
    ".globl rt0_go",
    ".type rt0_go, @function",
    "rt0_go:",
    // The outermost frame: a zero frame pointer ends stack walks here.
    "    xor ebp, ebp",
    "    mov qword ptr [rip + {entry_sp}], rsp",
    "    mov rdx, rsp",
    "    sub rsp, 40",
    "    and rsp, -16",
    "    mov rcx, rsp",
    "    call {rt0_start}",
    // rt0_start never returns; trap if it somehow does.
    "    ud2",
    ".size rt0_go, . - rt0_go",
    ".popsection",
    entry_sp = sym ENTRY_SP,
    rt0_start = sym crate::start::rt0_start,
);

/// The address of the ELF entry point `_rt0_amd64_linux` (what `AT_ENTRY` in the auxiliary vector should hold).
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
pub fn entry_point() -> usize {
    unsafe extern "C" {
        fn _rt0_amd64_linux();
    }
    _rt0_amd64_linux as *const () as usize
}
