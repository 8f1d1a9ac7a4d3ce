//! The scheduler's machine code: save one goroutine's registers and resume another (Go's
//! `gogo` and `mcall` in one primitive, `switch`), the first instructions of a new goroutine,
//! and `goexit`, where every goroutine's function returns to.
//!
//! Mirrors Go's `runtime/asm_amd64.s` (`gogo`, `mcall`, `goexit`) and `gostartcallfn` of
//! `stack.go`/`sys_x86.go`. rt0_go itself is in [`crate::rt0`]; the g register in [`crate::tls`].

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
