//! Running a signal handler and coming back from it, with Linux's x86-64 frame layout
//! (arch/x86/kernel/signal.c `setup_rt_frame`, `rt_sigreturn`), written and read through the
//! abi types `RtSigframe`, `Ucontext`, `Sigcontext` and `Siginfo`, so that programs written for
//! Linux — Go's runtime among them — read the same siginfo and ucontext here.
//!
//! ```text
//! handler's RSP → RtSigframe { pretcode (sa_restorer), uc: Ucontext, info: Siginfo }
//!                                                   ← 16-byte aligned + 8, like a call
//! FXSAVE area (512 bytes, 64-aligned)               ← uc.uc_mcontext.fpstate points here
//! ```
use super::uaccess::UserPtr;
use crate::arch::TrapFrame;
use crate::arch::fpu::{self, FxArea};
use crate::mm::aspace::{Access, AddressSpace, USER_END};
use abi::signal::{
    FIX_EFLAGS, FXSAVE_SIZE, KernelSigaction, RtSigframe, SA_ONSTACK, SA_RESTORER, SS_AUTODISARM, SS_FLAG_BITS,
    Sigcontext, Siginfo, Sigset, StackT, Ucontext,
};

/// The x86-64 ABI's red zone below RSP, which a handler's frame must not overwrite.
const RED_ZONE: u64 = 128;
/// RFLAGS bits cleared on entry to a handler: DF and TF, as the ABI expects.
const ENTRY_CLEAR: u64 = 0x400 | 0x100;

/// The registers as `struct sigcontext` holds them.
fn sigcontext(f: &TrapFrame, blocked: Sigset, cr2: u64, fpstate: u64) -> Sigcontext {
    Sigcontext {
        r8: f.r8,
        r9: f.r9,
        r10: f.r10,
        r11: f.r11,
        r12: f.r12,
        r13: f.r13,
        r14: f.r14,
        r15: f.r15,
        rdi: f.rdi,
        rsi: f.rsi,
        rbp: f.rbp,
        rbx: f.rbx,
        rdx: f.rdx,
        rax: f.rax,
        rcx: f.rcx,
        rsp: f.rsp,
        rip: f.rip,
        eflags: f.rflags,
        cs: f.cs as u16,
        gs: 0,
        fs: 0,
        ss: f.ss as u16,
        err: f.cpu_error_code(),
        trapno: f.vector,
        oldmask: blocked,
        cr2,
        fpstate,
        reserved1: [0; 8],
    }
}

/// Builds the frame on the user stack (or the alternate stack) and points `frame` at the
/// handler. The stack is chosen as Linux's `get_sigframe` chooses it: below the red zone, or
/// at the top of the alternate stack for an SA_ONSTACK handler when the thread is not on it
/// already; a frame that would leave the alternate stack it is meant for, any arithmetic that
/// would wrap, and a handler address that is not canonical (iretq would fault in the kernel,
/// where Linux's bad-iret fixup turns it into SIGSEGV) are Err. Err means the frame could not
/// be written: the caller forces SIGSEGV. An SS_AUTODISARM stack is reset once used.
pub fn setup(
    aspace: &mut AddressSpace,
    frame: &mut TrapFrame,
    info: &Siginfo,
    action: &KernelSigaction,
    alt: &mut StackT,
    blocked: Sigset,
) -> Result<(), ()> {
    if action.sa_flags & SA_RESTORER == 0 {
        return Err(()); // x86-64 requires a restorer, as in Linux
    }
    if !is_canonical(action.sa_handler) {
        return Err(());
    }
    // Linux's __on_sig_stack: whether `sp` is on the stack, SS_AUTODISARM or not.
    let within = |sp: u64| sp > alt.ss_sp && sp - alt.ss_sp <= alt.ss_size;
    let nested = alt.holds(frame.rsp);
    // Linux's get_sigframe steps over the red zone in unsigned arithmetic: an RSP below it wraps,
    // and only then is the alternate stack judged (a bad RSP does not keep a handler from it).
    let mut top = frame.rsp.wrapping_sub(RED_ZONE);
    let entering = action.sa_flags & SA_ONSTACK != 0 && alt.mode_at(top) & !SS_FLAG_BITS == 0;
    if entering {
        top = alt.ss_sp.checked_add(alt.ss_size).ok_or(())?;
    }
    let fx_at = top.checked_sub(FXSAVE_SIZE as u64).ok_or(())? & !63;
    let base = (fx_at.checked_sub(size_of::<RtSigframe>() as u64).ok_or(())? & !15).checked_sub(8).ok_or(())?;
    if (nested || entering) && !within(base) {
        return Err(()); // the alternate stack would overflow: Linux returns a bogus frame address
    }
    let sf = RtSigframe {
        pretcode: action.sa_restorer,
        uc: Ucontext {
            uc_flags: 0,
            uc_link: 0,
            uc_stack: StackT { ss_flags: alt.mode_at(frame.rsp), _pad: 0, ..*alt },
            uc_mcontext: sigcontext(frame, blocked, info.si_addr(), fx_at),
            uc_sigmask: blocked,
        },
        info: *info,
    };
    // The FPU state goes straight into the frame when its 512 bytes lie in one page (7 times
    // in 8: the area is 64-aligned), else through a kernel copy. (rt_sigreturn always reads it
    // back through a copy: another thread could change it between a check and FXRSTOR.)
    match aspace.within_page(fx_at, FXSAVE_SIZE as u64, Access::Write).map_err(drop)? {
        // `p` is the direct-map address of 512 writable bytes of one user page, 64-aligned as
        // `fx_at` is;
        // SAFETY: no Rust reference covers user memory.
        Some(p) => unsafe { fpu::save_to(p) },
        None => {
            let fx = fpu::save();
            UserPtr::<[u8; FXSAVE_SIZE]>::new(fx_at).write_in(aspace, &fx.0).map_err(drop)?;
        }
    }
    UserPtr::<RtSigframe>::new(base).write_in(aspace, &sf).map_err(drop)?;
    if alt.ss_flags & SS_AUTODISARM != 0 {
        *alt = StackT::NONE; // Linux's sas_ss_reset
    }

    frame.rdi = info.si_signo as u64;
    frame.rsi = base + core::mem::offset_of!(RtSigframe, info) as u64;
    frame.rdx = base + core::mem::offset_of!(RtSigframe, uc) as u64;
    frame.rax = 0;
    frame.rip = action.sa_handler;
    frame.rsp = base;
    frame.rflags &= !ENTRY_CLEAR;
    Ok(())
}

/// Whether `addr` is canonical: bits 63..47 all equal, as RIP must be for iretq.
fn is_canonical(addr: u64) -> bool {
    ((addr as i64) << 16 >> 16) as u64 == addr
}

/// rt_sigreturn: reloads the registers, mask and FPU state saved by [`setup`] from the frame
/// the handler returned through (RSP = frame + 8 after `ret` popped pretcode). Returns the
/// restored signal mask. Err: the frame is unreadable or names a kernel address.
pub fn restore(aspace: &mut AddressSpace, frame: &mut TrapFrame) -> Result<Sigset, ()> {
    let base = frame.rsp.checked_sub(8).ok_or(())?;
    let uc_at = base.checked_add(core::mem::offset_of!(RtSigframe, uc) as u64).ok_or(())?;
    let uc: Ucontext = UserPtr::new(uc_at).read_in(aspace).map_err(drop)?;
    let g = &uc.uc_mcontext;
    if g.rsp >= USER_END || g.rip >= USER_END {
        return Err(()); // rsp or rip outside user space: iretq would fault in the kernel
    }
    if g.fpstate != 0 {
        let mut fx = FxArea(UserPtr::<[u8; FXSAVE_SIZE]>::new(g.fpstate).read_in(aspace).map_err(drop)?);
        if !fpu::mxcsr_valid(&fx) {
            return Err(()); // Linux's __fpu_restore_sig: "Reject invalid MXCSR values"
        }
        fpu::restore(&mut fx);
    }
    [frame.r8, frame.r9, frame.r10, frame.r11, frame.r12, frame.r13, frame.r14, frame.r15] =
        [g.r8, g.r9, g.r10, g.r11, g.r12, g.r13, g.r14, g.r15];
    [frame.rdi, frame.rsi, frame.rbp, frame.rbx, frame.rdx, frame.rax, frame.rcx, frame.rsp, frame.rip] =
        [g.rdi, g.rsi, g.rbp, g.rbx, g.rdx, g.rax, g.rcx, g.rsp, g.rip];
    frame.rflags = (frame.rflags & !FIX_EFLAGS) | (g.eflags & FIX_EFLAGS);
    Ok(uc.uc_sigmask)
}
