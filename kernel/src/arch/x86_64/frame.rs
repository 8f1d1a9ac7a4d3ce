//! The trap frame: every general register and the CPU's interrupt frame, saved on entry from
//! ring 3 or on an exception. The layout is Linux's `struct pt_regs` (r15 at the lowest address
//! … ss at the highest), built by the stubs in [`super::trap`] and read by the entry layer, the
//! signal code and the scheduler alike.

/// All state saved on an exception, lowest address first.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

// Frame size is a multiple of 16: the CPU aligns RSP to 16 before pushing its 5 (+1) words, and
// 22 words keep `call` 16-byte aligned as the SysV ABI requires.
const _: () = assert!(size_of::<TrapFrame>() == 22 * 8);

impl TrapFrame {
    /// Whether the interrupted code ran in ring 3.
    pub fn came_from_user(&self) -> bool {
        self.cs & 3 == 3
    }

    /// The number of the syscall this frame entered with, while it may still be restarted
    /// (Linux's `syscall_get_nr`: orig_ax, kept in the error-code slot); None for exceptions,
    /// interrupts and a frame rt_sigreturn restored.
    pub fn syscall_nr(&self) -> Option<u64> {
        (self.vector == SYSCALL_VECTOR && (self.error_code as i64) >= 0).then_some(self.error_code)
    }

    /// The CPU's error code for an exception; 0 for a syscall frame (whose slot holds orig_ax).
    pub fn cpu_error_code(&self) -> u64 {
        if self.vector == SYSCALL_VECTOR { 0 } else { self.error_code }
    }

    /// Forgets the syscall (orig_ax = -1), so nothing restarts it.
    pub fn clear_syscall(&mut self) {
        self.error_code = u64::MAX;
    }

    /// Makes the `syscall` instruction (2 bytes) run again, as syscall `nr`, when the frame is
    /// restored.
    pub fn restart_syscall(&mut self, nr: u64) {
        self.rax = nr;
        self.rip = self.rip.wrapping_sub(2);
    }
}

/// Vector number the syscall entry stores in its frames (above every hardware vector).
pub const SYSCALL_VECTOR: u64 = 0x100;
