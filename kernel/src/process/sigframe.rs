//! Running a signal handler and coming back from it, with Linux's x86-64 frame layout
//! (arch/x86/kernel/signal.c `setup_rt_frame`, `rt_sigreturn`; uapi asm/sigcontext.h,
//! asm-generic/ucontext.h, siginfo.h), so that programs written for Linux — Go's runtime
//! among them — read the same siginfo and ucontext here.
//!
//! ```text
//! handler's RSP → pretcode (sa_restorer)            ← 16-byte aligned + 8, like a call
//!                 ucontext { flags, link, stack_t, sigcontext (32 words), sigmask }
//!                 siginfo (128 bytes: signo, errno, code, pad, si_addr, …)
//!                 FXSAVE area (512 bytes, 16-aligned)   ← sigcontext.fpstate points here
//! ```
use super::signal::{AltStack, Fault, SS_DISABLE, SigAction};
use crate::arch::TrapFrame;
use crate::arch::fpu::{self, FxArea};
use crate::mm::aspace::{AddressSpace, USER_END};

pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;
const SS_ONSTACK: i32 = 1;
const RED_ZONE: u64 = 128;
const UC_OFFSET: u64 = 8;
const UC_SIZE: u64 = 8 + 8 + 24 + 256 + 8;
const SIGINFO_SIZE: u64 = 128;
/// RFLAGS bits a handler may change through its ucontext (Linux FIX_EFLAGS).
const FIX_EFLAGS: u64 = 0x0000_0000_0005_0dd5;

/// Register order of `struct sigcontext_64` (first 18 words).
fn gregs(f: &TrapFrame) -> [u64; 18] {
    [
        f.r8, f.r9, f.r10, f.r11, f.r12, f.r13, f.r14, f.r15, f.rdi, f.rsi, f.rbp, f.rbx, f.rdx, f.rax, f.rcx, f.rsp,
        f.rip, f.rflags,
    ]
}

/// Builds the frame on the user stack (or the alternate stack) and points `frame` at the
/// handler. Err means the frame could not be written: the caller kills the process.
pub fn setup(
    aspace: &mut AddressSpace,
    frame: &mut TrapFrame,
    fault: &Fault,
    action: &SigAction,
    alt: &AltStack,
    blocked: u64,
) -> Result<(), ()> {
    if action.flags & SA_RESTORER == 0 {
        return Err(()); // x86-64 requires a restorer, as in Linux
    }
    let on_alt = alt.flags & SS_DISABLE == 0 && (alt.sp..alt.sp + alt.size).contains(&frame.rsp);
    let mut sp = if action.flags & SA_ONSTACK != 0 && alt.flags & SS_DISABLE == 0 && !on_alt {
        alt.sp + alt.size
    } else {
        frame.rsp - RED_ZONE
    };
    sp = (sp - 512) & !63; // FXSAVE area
    let fx_at = sp;
    let frame_size = 8 + UC_SIZE + SIGINFO_SIZE;
    let base = ((sp - frame_size) & !15) - 8;

    let mut bytes = [0u8; (8 + UC_SIZE + SIGINFO_SIZE) as usize];
    let mut w = |off: u64, v: u64| bytes[off as usize..off as usize + 8].copy_from_slice(&v.to_le_bytes());
    w(0, action.restorer);
    let uc = UC_OFFSET;
    // uc_flags = 0, uc_link = 0, uc_stack = the alternate stack as configured.
    w(uc + 16, alt.sp);
    w(uc + 24, (if on_alt { SS_ONSTACK } else { alt.flags }) as u32 as u64);
    w(uc + 32, alt.size);
    let sc = uc + 40;
    for (i, r) in gregs(frame).iter().enumerate() {
        w(sc + 8 * i as u64, *r);
    }
    w(sc + 18 * 8, frame.cs & 0xffff | (frame.ss & 0xffff) << 48); // cs, gs, fs, ss
    w(sc + 19 * 8, frame.error_code);
    w(sc + 20 * 8, frame.vector);
    w(sc + 21 * 8, blocked); // oldmask
    w(sc + 22 * 8, fault.addr); // cr2
    w(sc + 23 * 8, fx_at); // fpstate
    w(uc + 40 + 256, blocked); // uc_sigmask
    let si = 8 + UC_SIZE;
    w(si, fault.signo as u64); // si_signo, si_errno = 0
    w(si + 8, fault.code as u32 as u64); // si_code, padding
    w(si + 16, fault.addr);

    let fx = fpu::save();
    aspace.copy_out(fx_at, &fx.0).map_err(drop)?;
    aspace.copy_out(base, &bytes).map_err(drop)?;

    frame.rdi = fault.signo as u64;
    frame.rsi = base + si;
    frame.rdx = base + uc;
    frame.rax = 0;
    frame.rip = action.handler;
    frame.rsp = base;
    frame.rflags &= !(0x400 | 0x100); // DF and TF clear on entry, as the ABI expects
    Ok(())
}

/// rt_sigreturn: reloads the registers, mask and FPU state saved by [`setup`] from the frame
/// the handler returned through (RSP = frame + 8 after `ret` popped pretcode). Returns the
/// restored signal mask. Err: the frame is unreadable or names a kernel address.
pub fn restore(aspace: &mut AddressSpace, frame: &mut TrapFrame) -> Result<u64, ()> {
    let base = frame.rsp - 8;
    let mut bytes = [0u8; (8 + UC_SIZE) as usize];
    aspace.copy_in(base, &mut bytes).map_err(drop)?;
    let r = |off: u64| u64::from_le_bytes(bytes[off as usize..off as usize + 8].try_into().unwrap());
    let sc = UC_OFFSET + 40;
    let g: [u64; 18] = core::array::from_fn(|i| r(sc + 8 * i as u64));
    if g[15] >= USER_END || g[16] >= USER_END {
        return Err(()); // rsp or rip outside user space: iretq would fault in the kernel
    }
    let fpstate = r(sc + 23 * 8);
    if fpstate != 0 {
        let mut fx = FxArea([0; 512]);
        aspace.copy_in(fpstate, &mut fx.0).map_err(drop)?;
        fpu::restore(&mut fx);
    }
    [frame.r8, frame.r9, frame.r10, frame.r11, frame.r12, frame.r13, frame.r14, frame.r15] =
        [g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]];
    [frame.rdi, frame.rsi, frame.rbp, frame.rbx, frame.rdx, frame.rax, frame.rcx, frame.rsp, frame.rip] =
        [g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15], g[16]];
    frame.rflags = (frame.rflags & !FIX_EFLAGS) | (g[17] & FIX_EFLAGS);
    Ok(r(UC_OFFSET + 40 + 256))
}
