//! SYSCALL/SYSRET set-up (AMD64 APM vol. 2, 6.1.1; Intel SDM vol. 3, 5.8.8): the MSRs that
//! route the `syscall` instruction to [`super::trap::syscall_entry`], and the first jump to
//! ring 3.
use super::frame::TrapFrame;
use super::gdt::{KERNEL_CS, KERNEL_DS, USER_CS, USER_DS};
use super::trap::{syscall_entry, trap_return};
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;
use x86_64::registers::segmentation::SegmentSelector;

/// Programs STAR (segment bases), LSTAR (entry point) and FMASK: the RFLAGS bits cleared on
/// entry, Linux's set (arch/x86/kernel/cpu/common.c `syscall_init`) — IF, so the kernel runs
/// with interrupts off; DF for the ABI; TF and AC; IOPL; RF and ID; the arithmetic flags; and NT,
/// which ring 3 may set with popf and which would make the kernel's own `iretq` a task return
/// (#GP in long mode). The user's RFLAGS, NT included, travel in R11 and come back on return.
pub fn init() {
    Star::write(
        SegmentSelector(USER_CS),
        SegmentSelector(USER_DS),
        SegmentSelector(KERNEL_CS),
        SegmentSelector(KERNEL_DS),
    )
    .expect("GDT layout does not suit SYSRET");
    LStar::write(VirtAddr::new(syscall_entry as *const () as u64));
    SFMask::write(
        RFlags::CARRY_FLAG
            | RFlags::PARITY_FLAG
            | RFlags::AUXILIARY_CARRY_FLAG
            | RFlags::ZERO_FLAG
            | RFlags::SIGN_FLAG
            | RFlags::TRAP_FLAG
            | RFlags::INTERRUPT_FLAG
            | RFlags::DIRECTION_FLAG
            | RFlags::OVERFLOW_FLAG
            | RFlags::IOPL_LOW
            | RFlags::IOPL_HIGH
            | RFlags::NESTED_TASK
            | RFlags::RESUME_FLAG
            | RFlags::ALIGNMENT_CHECK
            | RFlags::ID,
    );
}

/// Enters ring 3 at `rip` with stack `rsp`, all other registers zero, interrupts as `rflags`
/// says, on the kernel stack whose top is `kernel_stack_top` (already installed in the per-CPU
/// block and TSS).
///
/// # Safety
/// The active page table must map `rip` executable and `rsp` writable for ring 3, and
/// `kernel_stack_top` must be the top of a kernel stack nothing else uses.
pub unsafe fn enter_user(rip: u64, rsp: u64, rflags: u64, kernel_stack_top: u64) -> ! {
    let frame_addr = kernel_stack_top - size_of::<TrapFrame>() as u64;
    let frame = frame_addr as *mut TrapFrame;
    // SAFETY: the caller hands over the stack; the frame fits below its top.
    unsafe {
        frame.write(TrapFrame {
            r15: 0,
            r14: 0,
            r13: 0,
            r12: 0,
            r11: 0,
            r10: 0,
            r9: 0,
            r8: 0,
            rbp: 0,
            rdi: 0,
            rsi: 0,
            rdx: 0,
            rcx: 0,
            rbx: 0,
            rax: 0,
            vector: 0,
            error_code: 0,
            rip,
            cs: USER_CS as u64,
            rflags,
            rsp,
            ss: USER_DS as u64,
        });
        core::arch::asm!("mov rsp, {0}", "jmp {1}", in(reg) frame_addr, sym trap_return, options(noreturn));
    }
}
