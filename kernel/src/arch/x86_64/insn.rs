//! Names the instruction behind a general-protection fault (#GP) taken in ring 3, from the few
//! bytes at RIP (Intel SDM vol. 2, the one- and two-byte opcode maps): the instructions a
//! program may not run at CPL 3 — hlt, cli/sti, in/out, the MSR and control-register moves,
//! the descriptor-table loads. Linux sends such a program SIGSEGV with SI_KERNEL and no
//! address; the fault log names the instruction instead of a mapping. Also: the instructions
//! that use the stack by themselves, and the far returns and calls `process::farcall` emulates.

/// Legacy prefixes (operand/address size, segments, lock, rep) and REX, which do not change
/// which of the instructions below it is.
fn is_prefix(b: u8) -> bool {
    matches!(b, 0x66 | 0x67 | 0x26 | 0x2e | 0x36 | 0x3e | 0x64 | 0x65 | 0xf0 | 0xf2 | 0xf3 | 0x40..=0x4f)
}

/// What `code` (the bytes at the faulting RIP, up to 15) starts with.
pub fn privileged(code: &[u8]) -> &'static str {
    let op = code.iter().position(|&b| !is_prefix(b)).map_or(&[][..], |i| &code[i..]);
    // The ModRM byte's reg field picks the instruction in the 0F 00 and 0F 01 groups.
    let reg = |m: Option<&u8>| m.map(|m| (m >> 3) & 7);
    match op {
        [0xf4, ..] => "hlt",
        [0xfa, ..] => "cli",
        [0xfb, ..] => "sti",
        [0xe4 | 0xe5, ..] => "in from an immediate port",
        [0xec | 0xed, ..] => "in from the port in dx",
        [0xe6 | 0xe7, ..] => "out to an immediate port",
        [0xee | 0xef, ..] => "out to the port in dx",
        [0x6c | 0x6d, ..] => "ins",
        [0x6e | 0x6f, ..] => "outs",
        [0x0f, 0x30, ..] => "wrmsr",
        [0x0f, 0x32, ..] => "rdmsr",
        [0x0f, 0x20, ..] => "mov from a control register",
        [0x0f, 0x22, ..] => "mov to a control register",
        [0x0f, 0x21 | 0x23, ..] => "mov to or from a debug register",
        [0x0f, 0x06, ..] => "clts",
        [0x0f, 0x08, ..] => "invd",
        [0x0f, 0x09, ..] => "wbinvd",
        [0x0f, 0x07, ..] => "sysret",
        [0x0f, 0x35, ..] => "sysexit",
        [0x0f, 0x01, 0xf8, ..] => "swapgs",
        [0x0f, 0x01, m, ..] if *m >= 0xc0 => "a privileged 0f 01 instruction",
        [0x0f, 0x01, rest @ ..] => match reg(rest.first()) {
            Some(0) => "sgdt (UMIP)",
            Some(1) => "sidt (UMIP)",
            Some(2) => "lgdt",
            Some(3) => "lidt",
            Some(4) => "smsw (UMIP)",
            Some(6) => "lmsw",
            Some(7) => "invlpg",
            _ => "privileged or faulting instruction",
        },
        [0x0f, 0x00, rest @ ..] => match reg(rest.first()) {
            Some(0) => "sldt (UMIP)",
            Some(1) => "str (UMIP)",
            Some(2) => "lldt",
            Some(3) => "ltr",
            _ => "privileged or faulting instruction",
        },
        _ => "privileged or faulting instruction",
    }
}

/// Whether `code` starts with an instruction that reaches memory through RSP by itself: push,
/// pop, call, ret, enter, leave, pushf, popf, iret (SDM vol. 2: their memory operand is the
/// stack, in the SS segment). With a non-canonical RSP the CPU raises #SS for them, not #GP.
pub fn uses_stack(code: &[u8]) -> bool {
    let op = code.iter().position(|&b| !is_prefix(b)).map_or(&[][..], |i| &code[i..]);
    let reg = |m: &u8| (m >> 3) & 7;
    match op {
        [0x50..=0x5f | 0x68 | 0x6a | 0x9c | 0x9d | 0xc2 | 0xc3 | 0xc8 | 0xc9 | 0xca | 0xcb | 0xcf | 0xe8, ..] => true,
        [0x8f, m, ..] => reg(m) == 0,
        [0xff, m, ..] => matches!(reg(m), 2 | 3 | 6),
        [0x0f, 0xa0 | 0xa1 | 0xa8 | 0xa9, ..] => true,
        _ => false,
    }
}

/// A far control transfer ring 3 may make: `iret`, a far `ret` (popping `pop` more bytes), or
/// a far `call` through a memory operand; `size` is the operand size in bytes (4 by default in
/// 64-bit mode, 2 with 0x66, 8 with REX.W), `len` the instruction's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FarTransfer {
    Iret { size: u8 },
    Ret { size: u8, pop: u16 },
    Call { size: u8, mem: MemOperand, len: u8 },
}

/// A memory operand as its ModRM, SIB and displacement encode it (SDM vol. 2, 2.1.5): `base`
/// and `index` are register numbers (0 = rax … 15 = r15), the address is the base plus the
/// index times the scale plus the displacement, plus the next instruction's address when
/// `rip_relative`, cut to 32 bits when `addr32` (0x67), plus the FS or GS base of `seg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemOperand {
    pub base: Option<u8>,
    pub index: Option<(u8, u8)>,
    pub disp: i64,
    pub rip_relative: bool,
    pub addr32: bool,
    pub seg: Segment,
}

/// A segment override that adds a base in 64-bit mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    None,
    Fs,
    Gs,
}

/// Decodes `code` (the bytes at RIP) as a far transfer; None for anything else (a far call
/// with a register operand is #UD, not decoded here).
pub fn far_transfer(code: &[u8]) -> Option<FarTransfer> {
    let (mut size, mut addr32, mut seg, mut rex) = (4u8, false, Segment::None, 0u8);
    let mut i = 0;
    while let Some(&b) = code.get(i) {
        match b {
            0x66 => size = 2,
            0x67 => addr32 = true,
            0x64 => seg = Segment::Fs,
            0x65 => seg = Segment::Gs,
            0x26 | 0x2e | 0x36 | 0x3e | 0xf0 | 0xf2 | 0xf3 => {}
            0x40..=0x4f => {
                rex = b;
                i += 1;
                continue;
            }
            _ => break,
        }
        rex = 0; // a REX counts only right before the opcode
        i += 1;
    }
    if rex & 0x08 != 0 {
        size = 8;
    }
    let op = *code.get(i)?;
    match op {
        0xcf => Some(FarTransfer::Iret { size }),
        0xcb => Some(FarTransfer::Ret { size, pop: 0 }),
        0xca => Some(FarTransfer::Ret { size, pop: u16::from_le_bytes([*code.get(i + 1)?, *code.get(i + 2)?]) }),
        0xff => {
            let modrm = *code.get(i + 1)?;
            let (md, reg, rm) = (modrm >> 6, (modrm >> 3) & 7, modrm & 7);
            if reg != 3 || md == 3 {
                return None;
            }
            let (mut at, mut base, mut index, mut rip_relative) = (i + 2, Some(rm | (rex & 1) << 3), None, false);
            if rm == 4 {
                let sib = *code.get(at)?;
                at += 1;
                let (scale, idx, b) = (1u8 << (sib >> 6), ((sib >> 3) & 7) | (rex & 2) << 2, sib & 7);
                index = (idx != 4).then_some((idx, scale));
                base = if b == 5 && md == 0 { None } else { Some(b | (rex & 1) << 3) };
            } else if rm == 5 && md == 0 {
                (base, rip_relative) = (None, true);
            }
            let disp_len = match md {
                1 => 1,
                2 => 4,
                _ if base.is_none() => 4, // disp32 with no base, or RIP-relative
                _ => 0,
            };
            let bytes = code.get(at..at + disp_len)?;
            let disp = match disp_len {
                1 => bytes[0] as i8 as i64,
                4 => i32::from_le_bytes(bytes.try_into().ok()?) as i64,
                _ => 0,
            };
            let len = u8::try_from(at + disp_len).ok()?;
            let mem = MemOperand { base, index, disp, rip_relative, addr32, seg };
            Some(FarTransfer::Call { size, mem, len })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{FarTransfer, MemOperand, Segment, far_transfer, privileged, uses_stack};

    #[test]
    fn decodes_far_returns_and_calls() {
        assert_eq!(far_transfer(&[0x48, 0xcf]), Some(FarTransfer::Iret { size: 8 }));
        assert_eq!(far_transfer(&[0xcf]), Some(FarTransfer::Iret { size: 4 }));
        assert_eq!(far_transfer(&[0x48, 0xcb]), Some(FarTransfer::Ret { size: 8, pop: 0 }));
        assert_eq!(far_transfer(&[0x66, 0xca, 0x10, 0x00]), Some(FarTransfer::Ret { size: 2, pop: 16 }));
        assert_eq!(far_transfer(&[0x48, 0x66, 0xcb]), Some(FarTransfer::Ret { size: 2, pop: 0 }), "REX not last");
        let plain =
            MemOperand { base: Some(2), index: None, disp: 0, rip_relative: false, addr32: false, seg: Segment::None };
        // lcall *(%rdx)
        assert_eq!(far_transfer(&[0xff, 0x1a]), Some(FarTransfer::Call { size: 4, mem: plain, len: 2 }));
        // rex.W lcall *0x10(%r9,%rcx,4)
        let sib = MemOperand { base: Some(9), index: Some((1, 4)), disp: 0x10, ..plain };
        assert_eq!(
            far_transfer(&[0x49, 0xff, 0x5c, 0x89, 0x10]),
            Some(FarTransfer::Call { size: 8, mem: sib, len: 5 })
        );
        // lcall *-8(%rip), with an fs override
        let rip = MemOperand { base: None, rip_relative: true, disp: -8, seg: Segment::Fs, ..plain };
        assert_eq!(
            far_transfer(&[0x64, 0xff, 0x1d, 0xf8, 0xff, 0xff, 0xff]),
            Some(FarTransfer::Call { size: 4, mem: rip, len: 7 })
        );
        assert_eq!(far_transfer(&[0xff, 0xd8]), None, "a register operand is #UD");
        assert_eq!(far_transfer(&[0xff, 0x10]), None, "a near call");
        assert_eq!(far_transfer(&[0xff, 0x1c]), None, "cut short");
        assert_eq!(far_transfer(&[0xc3]), None);
    }

    #[test]
    fn knows_the_instructions_that_use_the_stack_by_themselves() {
        for code in [
            &[0x50][..],
            &[0x41, 0x57],
            &[0x6a, 1],
            &[0x9c],
            &[0xc3],
            &[0xe8, 0, 0, 0, 0],
            &[0xff, 0xd0],
            &[0xff, 0x30],
        ] {
            assert!(uses_stack(code), "{code:x?}");
        }
        for code in [&[0x48, 0x89, 0x04, 0x24][..], &[0xff, 0xc0], &[0x8f, 0x08], &[0x90], &[]] {
            assert!(!uses_stack(code), "{code:x?}");
        }
    }

    #[test]
    fn names_the_privileged_instructions() {
        assert_eq!(privileged(&[0xf4, 0x90]), "hlt");
        assert_eq!(privileged(&[0xfa]), "cli");
        assert_eq!(privileged(&[0xfb]), "sti");
        assert_eq!(privileged(&[0xe4, 0x80]), "in from an immediate port");
        assert_eq!(privileged(&[0x66, 0xed]), "in from the port in dx", "after a size prefix");
        assert_eq!(privileged(&[0xee]), "out to the port in dx");
        assert_eq!(privileged(&[0x0f, 0x30]), "wrmsr");
        assert_eq!(privileged(&[0x0f, 0x32]), "rdmsr");
        assert_eq!(privileged(&[0x0f, 0x20, 0xc0]), "mov from a control register");
        assert_eq!(privileged(&[0x0f, 0x22, 0xd8]), "mov to a control register");
        assert_eq!(privileged(&[0x0f, 0x01, 0x10]), "lgdt", "0f 01 /2 with a memory operand");
        assert_eq!(privileged(&[0x0f, 0x01, 0x18]), "lidt");
        assert_eq!(privileged(&[0x0f, 0x01, 0x38]), "invlpg");
        assert_eq!(privileged(&[0x0f, 0x01, 0xf8]), "swapgs");
        assert_eq!(privileged(&[0x0f, 0x00, 0xd8]), "ltr");
        assert_eq!(privileged(&[0x48, 0x8b, 0x04, 0x25]), "privileged or faulting instruction");
        assert_eq!(privileged(&[]), "privileged or faulting instruction", "nothing readable");
        assert_eq!(privileged(&[0x66, 0x66]), "privileged or faulting instruction", "prefixes only");
    }
}
