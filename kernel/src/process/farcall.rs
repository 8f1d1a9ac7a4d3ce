//! Ring 3's far returns and far calls (`iret`, `lret`, `lcall`), done by the kernel when QEMU's
//! TCG cannot do them — as Linux's arch/x86/kernel/umip.c does the UMIP instructions for a
//! program: decode at RIP, do the instruction's work on the saved registers, go on after it.
//!
//! Why: TCG makes these instructions' stack accesses (and the far pointer's read) with
//! supervisor privilege, so under SMAP a ring-3 `iretq` faults on its own, present, user stack
//! page with a supervisor error code — a fault no CPU gives (a ring-3 instruction's accesses to
//! user pages are user accesses; only descriptor-table accesses are implicit supervisor ones,
//! and those are in the kernel half). That fault, and only it, brings a thread here.
//!
//! Sound because the emulation does no more than the instruction may at CPL 3: it reads and
//! writes the program's memory through the address space as the program itself could (a page
//! it may not touch is the SIGSEGV the CPU's #PF would give), accepts only rt0's own ring-3
//! selectors (the 64-bit user code segment and the user data segment, RPL 3: anything else —
//! a lower RPL, another descriptor, a call gate, of which rt0's GDT has none — is the #GP the
//! CPU raises, SIGSEGV), leaves IF, IOPL and VM as a CPL-3 `iret` does, refuses a non-canonical
//! RIP (#GP) and an `iret` with NT set (#GP in IA-32e mode), and raises the single-step trap a
//! set TF asks for after the instruction.
// A whole siginfo is the error: built once, on a rare path.
#![allow(clippy::result_large_err)]
use super::fault::code_at;
use crate::arch::TrapFrame;
use crate::arch::gdt::{USER_CS, USER_DS};
use crate::arch::insn::{self, FarTransfer, MemOperand, Segment};
use crate::mm::aspace::Fault;
use abi::signal::{SEGV_ACCERR, SEGV_MAPERR, SI_KERNEL, SIGSEGV, SIGTRAP, Siginfo};
use x86_64::registers::model_specific::{FsBase, KernelGsBase};

/// RFLAGS bits a CPL-3 `iret` may change (SDM vol. 2, IRET: not IF, IOPL, VM, VIF, VIP).
const IRET_FLAGS: u64 = 0x0025_4dd5; // CF PF AF ZF SF TF DF OF NT RF AC ID
const TF: u64 = 1 << 8;
const NT: u64 = 1 << 14;
/// Linux's si_code for a single-step trap.
const TRAP_TRACE: i32 = 2;

/// Emulates the far transfer at the thread's RIP; None if the instruction there is not one.
/// Err is the signal the instruction ends in.
pub fn emulate(frame: &mut TrapFrame) -> Option<Result<(), Siginfo>> {
    let x = insn::far_transfer(&code_at(frame.rip))?;
    let traced = frame.rflags & TF != 0;
    Some(run(frame, x).and_then(|()| if traced { Err(Siginfo::fault(SIGTRAP, TRAP_TRACE, 0)) } else { Ok(()) }))
}

fn run(frame: &mut TrapFrame, x: FarTransfer) -> Result<(), Siginfo> {
    let gp = || Siginfo::fault(SIGSEGV, SI_KERNEL, 0);
    let sp = frame.rsp;
    match x {
        FarTransfer::Iret { size } => {
            if frame.rflags & NT != 0 {
                return Err(gp()); // a task return, which IA-32e mode refuses
            }
            let n = size as u64;
            let [rip, cs, rflags, rsp, ss] = [0u64, 1, 2, 3, 4].map(|i| sp.wrapping_add(i * n));
            let (rip, cs, rflags, rsp, ss) =
                (read(rip, size)?, read(cs, size)?, read(rflags, size)?, read(rsp, size)?, read(ss, size)?);
            check_code(cs, rip)?;
            if ss & 0xffff != USER_DS as u64 {
                return Err(gp());
            }
            let mask = if size == 2 { IRET_FLAGS & 0xffff } else { IRET_FLAGS };
            frame.rflags = (frame.rflags & !mask) | (rflags & mask) | 2;
            (frame.rip, frame.rsp) = (rip, rsp);
        }
        FarTransfer::Ret { size, pop } => {
            let n = size as u64;
            let (rip, cs) = (read(sp, size)?, read(sp.wrapping_add(n), size)?);
            check_code(cs, rip)?;
            (frame.rip, frame.rsp) = (rip, sp.wrapping_add(2 * n + pop as u64));
        }
        FarTransfer::Call { size, mem, len } => {
            let next = frame.rip.wrapping_add(len as u64);
            let at = address(frame, &mem, next);
            let n = size as u64;
            let (rip, cs) = (read(at, size)?, read(at.wrapping_add(n), 2)?);
            check_code(cs, rip)?;
            // Pushed: CS, then the return address (cut to the operand size), at the lower end.
            let words = [next, USER_CS as u64];
            let mut bytes = [0u8; 16];
            for (i, w) in words.iter().enumerate() {
                bytes[i * size as usize..(i + 1) * size as usize].copy_from_slice(&w.to_le_bytes()[..size as usize]);
            }
            let top = sp.wrapping_sub(2 * n);
            let wrote = super::mm(|p| p.aspace.copy_out(top, &bytes[..2 * size as usize]));
            wrote.map_err(|f| segv(f, top))?;
            (frame.rip, frame.rsp) = (rip, top);
        }
    }
    Ok(())
}

/// The CS:RIP a far transfer goes to must be rt0's ring-3 code segment and a canonical address.
fn check_code(cs: u64, rip: u64) -> Result<(), Siginfo> {
    let canonical = ((rip as i64) << 16 >> 16) as u64 == rip;
    if cs & 0xffff != USER_CS as u64 || !canonical {
        return Err(Siginfo::fault(SIGSEGV, SI_KERNEL, 0));
    }
    Ok(())
}

/// The operand's linear address: base + index × scale + disp (+ the next RIP), cut to 32 bits
/// with an address-size prefix, plus the FS or GS base of an override.
fn address(frame: &TrapFrame, m: &MemOperand, next_rip: u64) -> u64 {
    let reg = |r: u8| match r {
        0 => frame.rax,
        1 => frame.rcx,
        2 => frame.rdx,
        3 => frame.rbx,
        4 => frame.rsp,
        5 => frame.rbp,
        6 => frame.rsi,
        7 => frame.rdi,
        8 => frame.r8,
        9 => frame.r9,
        10 => frame.r10,
        11 => frame.r11,
        12 => frame.r12,
        13 => frame.r13,
        14 => frame.r14,
        _ => frame.r15,
    };
    let mut a = m.disp as u64;
    if let Some(b) = m.base {
        a = a.wrapping_add(reg(b));
    }
    if let Some((i, scale)) = m.index {
        a = a.wrapping_add(reg(i).wrapping_mul(scale as u64));
    }
    if m.rip_relative {
        a = a.wrapping_add(next_rip);
    }
    if m.addr32 {
        a &= 0xffff_ffff;
    }
    match m.seg {
        Segment::None => a,
        Segment::Fs => a.wrapping_add(FsBase::read().as_u64()),
        // The program's GS base waits in KERNEL_GS_BASE while the kernel runs (swapgs).
        Segment::Gs => a.wrapping_add(KernelGsBase::read().as_u64()),
    }
}

/// Reads a `size`-byte little-endian value of the program's at `at`, as the program could.
fn read(at: u64, size: u8) -> Result<u64, Siginfo> {
    let mut b = [0u8; 8];
    super::mm(|p| p.aspace.copy_in(at, &mut b[..size as usize])).map_err(|f| segv(f, at))?;
    Ok(u64::from_le_bytes(b))
}

/// The SIGSEGV of a touch the program may not make at `at`.
fn segv(f: Fault, at: u64) -> Siginfo {
    let code = if f == Fault::NotAllowed { SEGV_ACCERR } else { SEGV_MAPERR };
    Siginfo::fault(SIGSEGV, code, at)
}
