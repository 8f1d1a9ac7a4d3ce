//! The scheduler's machine code (Go's asm_amd64.s: `gogo`, `mcall`, `goexit`; sys_linux_amd64.s
//! `settls`), and the g register: Go keeps the current g at -8(FS), in the M's TLS block, and so
//! does rt0 (the seed article says GS; Go uses FS on linux/amd64).
use crate::os_linux::{SYS_ARCH_PRCTL, syscall2};
use crate::runtime2::{G, M};

const ARCH_SET_FS: usize = 0x1002;

/// The current g (Go's `getg()`): the word at -8(FS).
#[inline(always)]
pub fn getg() -> *mut G {
    let g: *mut G;
    // SAFETY: FS points at an M's tls[1] once `settls` ran on this thread; the load has no side
    // effects. Before that (never called then) it would read whatever FS maps.
    unsafe { core::arch::asm!("mov {}, qword ptr fs:[-8]", out(reg) g, options(nostack, readonly, preserves_flags)) };
    g
}

/// Sets the current g.
#[inline(always)]
pub fn setg(g: *mut G) {
    // SAFETY: as for getg; -8(FS) is the M's own tls[0] word.
    unsafe { core::arch::asm!("mov qword ptr fs:[-8], {}", in(reg) g, options(nostack, preserves_flags)) };
}

/// Points FS at `m.tls[1]` with arch_prctl(ARCH_SET_FS) (Go's settls: `DI = &m.tls[0] + 8`).
/// Returns the syscall's result.
pub(crate) fn settls(m: *mut M) -> isize {
    // SAFETY: `m` is a live M; only the address of its tls array is taken.
    let base = unsafe { (&raw mut (*m).tls) as usize } + 8;
    // SAFETY: ARCH_SET_FS with a user address changes only this thread's FS base.
    unsafe { syscall2(SYS_ARCH_PRCTL, ARCH_SET_FS, base) }
}

#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
core::arch::global_asm!(
    // rt0_switch(from: *mut usize, to: usize): save callee-saved registers and RSP, resume `to`.
    ".globl rt0_switch",
    "rt0_switch:",
    "    push rbp", "    push rbx", "    push r12", "    push r13", "    push r14", "    push r15",
    "    mov qword ptr [rdi], rsp",
    "    mov rsp, rsi",
    "    pop r15", "    pop r14", "    pop r13", "    pop r12", "    pop rbx", "    pop rbp",
    "    ret",
    // First instructions of every goroutine: call fn(arg) with goexit as its return address.
    ".globl rt0_gostart",
    "rt0_gostart:",
    "    mov rdi, r13",
    "    jmp r12",
    // goexit: where a goroutine's function returns to (asm_amd64.s runtime·goexit).
    ".globl rt0_goexit",
    "rt0_goexit:",
    "    call {goexit1}",
    "    ud2",
    goexit1 = sym crate::proc::goexit1,
);

#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
unsafe extern "C" {
    fn rt0_switch(from: *mut usize, to: usize);
    fn rt0_gostart();
    fn rt0_goexit();
}

/// Saves the running context into `*from` and resumes the one saved at `to` (Go's gogo / mcall
/// in one primitive). Returns when something switches back to `*from`.
///
/// # Safety
/// `to` must be a context saved by `switch` or built by [`new_context`] on a live stack.
pub unsafe fn switch(from: *mut usize, to: usize) {
    #[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
    // SAFETY: forwarded from the caller.
    unsafe {
        rt0_switch(from, to)
    };
    #[cfg(not(all(not(test), target_arch = "x86_64", target_os = "none")))]
    let _ = (from, to);
}

/// Builds a new goroutine's first context on the stack ending at `hi`: when switched to, it
/// runs `f(arg)`, and when `f` returns it returns into goexit (Go's newproc1 + gostartcallfn:
/// "a fake return address into goexit").
pub fn new_context(hi: usize, f: usize, arg: usize) -> usize {
    #[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
    let (gostart, goexit) = (rt0_gostart as *const () as usize, rt0_goexit as *const () as usize);
    #[cfg(not(all(not(test), target_arch = "x86_64", target_os = "none")))]
    let (gostart, goexit) = (0, 0);
    // From the top: [goexit] at hi-8 (so f starts with RSP ≡ 8 mod 16, as after a call),
    // [gostart] the switch's return address, then rbp rbx r12 r13 r14 r15 (popped in reverse).
    let words = [0usize, 0, arg, f, 0, 0, gostart, goexit]; // r15 r14 r13 r12 rbx rbp ret ret2
    let sp = (hi & !15) - 8 * words.len();
    for (i, w) in words.iter().enumerate() {
        // SAFETY: the caller owns the stack below `hi`, which is larger than these 8 words.
        unsafe { ((sp + 8 * i) as *mut usize).write(*w) };
    }
    sp
}
