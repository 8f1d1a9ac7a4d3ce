//! Names the instruction behind a general-protection fault (#GP) taken in ring 3, from the few
//! bytes at RIP (Intel SDM vol. 2, the one- and two-byte opcode maps): the instructions a
//! program may not run at CPL 3 — hlt, cli/sti, in/out, the MSR and control-register moves,
//! the descriptor-table loads. Linux sends such a program SIGSEGV with SI_KERNEL and no
//! address; the fault log names the instruction instead of a mapping.

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

#[cfg(test)]
mod tests {
    use super::{privileged, uses_stack};

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
