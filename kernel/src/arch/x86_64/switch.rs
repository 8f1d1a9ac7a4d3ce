//! Switching the CPU from one thread's kernel stack to another's (Linux's `__switch_to_asm`):
//! the callee-saved registers go on the old stack, the stack pointer into the old thread, and
//! the new thread resumes wherever it last called [`switch`] — or, the first time, in
//! [`thread_start`], which finishes the switch (`schedule_tail`) and leaves through
//! `trap_return` into ring 3 (Linux's `ret_from_fork`).
use super::frame::TrapFrame;
use super::trap::trap_return;

unsafe extern "C" {
    /// The scheduler's half of a first switch (Linux's `schedule_tail`): finishes the switch
    /// that started this thread (releases the scheduler lock the switching CPU held across it).
    fn schedule_tail();
}

/// Saves the callee-saved registers on the current stack, stores RSP to `*from`, loads `to`
/// as RSP and returns into the thread that saved it.
///
/// # Safety
/// `to` must be a stack pointer saved by `switch` or prepared by [`prepare_stack`], on a stack
/// that stays alive; `from` must be writable.
#[unsafe(naked)]
pub unsafe extern "C" fn switch(from: *mut u64, to: u64) {
    core::arch::naked_asm!(
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "mov [rdi], rsp",
        "mov rsp, rsi",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        "ret",
    );
}

/// First code a new thread runs: its stack holds the user frame right here (16-byte aligned,
/// so the call below keeps the ABI's alignment).
#[unsafe(naked)]
extern "C" fn thread_start() {
    core::arch::naked_asm!("call {tail}", "jmp {ret}", tail = sym schedule_tail, ret = sym trap_return);
}

/// Lays out a new thread's kernel stack so that the first [`switch`] to it returns into ring 3
/// with `frame`. Returns the stack pointer to switch to.
///
/// # Safety
/// `top` must be the 16-byte-aligned top of an unused kernel stack of at least 1 KiB.
pub unsafe fn prepare_stack(top: u64, frame: TrapFrame) -> u64 {
    let frame_at = top - size_of::<TrapFrame>() as u64;
    let sp = frame_at - 7 * 8; // six callee-saved registers + the return address
    // SAFETY: the caller gives us the stack; all writes are below `top`.
    unsafe {
        (frame_at as *mut TrapFrame).write(frame);
        let words = sp as *mut u64;
        for i in 0..6 {
            words.add(i).write(0);
        }
        words.add(6).write(thread_start as *const () as u64);
    }
    sp
}

/// Lays out a kernel stack so that the first [`switch`] to it starts `entry` (an idle context,
/// which never returns). Returns the stack pointer to switch to.
///
/// # Safety
/// `top` must be the 16-byte-aligned top of an unused kernel stack of at least 1 KiB.
pub unsafe fn prepare_kernel_stack(top: u64, entry: extern "C" fn() -> !) -> u64 {
    // Six callee-saved registers and the return address, below one spare word: `entry` then
    // starts with RSP = 8 (mod 16), as after a call.
    let sp = top - 8 - 7 * 8;
    // SAFETY: the caller gives us the stack; all writes are below `top`.
    unsafe {
        let words = sp as *mut u64;
        for i in 0..6 {
            words.add(i).write(0);
        }
        words.add(6).write(entry as *const () as u64);
    }
    sp
}
