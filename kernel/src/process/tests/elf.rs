//! ELF validation on the host: a well-formed static executable and a static-pie pass with the
//! right load bias, AT_PHDR and break; every refusal case of `elf::check` is hit with its reason.
use crate::process::elf::{MMAP_MIN_ADDR, check};

use abi::elf::{EM_X86_64, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR};

struct Seg {
    kind: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
    align: u64,
}

fn load(flags: u32, offset: u64, vaddr: u64, size: u64) -> Seg {
    Seg { kind: PT_LOAD, flags, offset, vaddr, filesz: size, memsz: size, align: 0x1000 }
}

/// An ELF64 x86-64 file: header, program headers at 64, `len` bytes in all.
fn image(e_type: u16, machine: u16, entry: u64, segs: &[Seg], len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len.max(64 + 56 * segs.len())];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2; // ELFCLASS64
    b[5] = 1; // little-endian
    b[6] = 1; // EV_CURRENT
    b[16..18].copy_from_slice(&e_type.to_le_bytes());
    b[18..20].copy_from_slice(&machine.to_le_bytes());
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[24..32].copy_from_slice(&entry.to_le_bytes());
    b[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
    b[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    b[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    b[56..58].copy_from_slice(&(segs.len() as u16).to_le_bytes());
    for (i, s) in segs.iter().enumerate() {
        let p = 64 + 56 * i;
        b[p..p + 4].copy_from_slice(&s.kind.to_le_bytes());
        b[p + 4..p + 8].copy_from_slice(&s.flags.to_le_bytes());
        for (k, v) in [s.offset, s.vaddr, s.vaddr, s.filesz, s.memsz, s.align].iter().enumerate() {
            b[p + 8 + 8 * k..p + 16 + 8 * k].copy_from_slice(&v.to_le_bytes());
        }
    }
    b
}

/// Text at 0x400000 (file 0..0x1000, headers included), data at 0x401000.
fn good() -> Vec<Seg> {
    vec![load(PF_R | PF_X, 0, 0x400000, 0x1000), Seg { memsz: 0x2000, ..load(PF_R | PF_W, 0x1000, 0x401000, 0x800) }]
}

fn refused(bytes: &[u8]) -> String {
    match check(bytes) {
        Ok(_) => panic!("accepted"),
        Err(why) => why,
    }
}

#[test]
fn a_static_executable_passes_with_linux_s_at_phdr_and_break() {
    let img = check(&image(ET_EXEC, EM_X86_64, 0x400100, &good(), 0x1800)).unwrap();
    assert_eq!(img.entry, 0x400100);
    assert_eq!(img.segments.len(), 2);
    assert_eq!(img.phdr, 0x400040, "headers inside the first segment");
    assert_eq!((img.phnum, img.phent), (2, 56));
    assert_eq!(img.end, 0x403000, "brk starts on the page after the data's memsz");
    let mut segs = good();
    segs.push(Seg { kind: PT_PHDR, flags: PF_R, offset: 64, vaddr: 0x400040, filesz: 168, memsz: 168, align: 8 });
    assert_eq!(check(&image(ET_EXEC, EM_X86_64, 0x400100, &segs, 0x1800)).unwrap().phdr, 0x400040);
}

/// A static-pie's layout: text at 0 (file 0..0x1000, headers included), data at 0x1000.
fn pie() -> Vec<Seg> {
    vec![load(PF_R | PF_X, 0, 0, 0x1000), Seg { memsz: 0x2000, ..load(PF_R | PF_W, 0x1000, 0x1000, 0x800) }]
}

#[test]
fn a_static_pie_ends_at_linux_s_mmap_base_with_brk_at_elf_et_dyn_base() {
    let img = check(&image(ET_DYN, EM_X86_64, 0x100, &pie(), 0x1800)).unwrap();
    // 0x3000 bytes below 0x7ffff7fff000, where `setarch -R` puts them.
    assert_eq!(img.bias, 0x7fff_f7ff_c000);
    assert_eq!(img.entry, img.bias + 0x100);
    assert_eq!(img.phdr, img.bias + 0x40, "AT_PHDR relocated");
    assert_eq!(img.segments.iter().map(|s| s.vaddr).collect::<Vec<_>>(), [img.bias, img.bias + 0x1000]);
    assert_eq!(img.end, 0x7fff_f7ff_f000);
    assert_eq!(img.brk, 0x5555_5555_5000, "brk at ELF_ET_DYN_BASE's page");
    let mut big_align = pie();
    big_align.iter_mut().for_each(|s| s.align = 0x20_0000);
    let img = check(&image(ET_DYN, EM_X86_64, 0x100, &big_align, 0x1800)).unwrap();
    assert_eq!(img.bias, 0x7fff_f7e0_0000, "the bias honours the largest p_align");
    let exec = check(&image(ET_EXEC, EM_X86_64, 0x400100, &good(), 0x1800)).unwrap();
    assert_eq!((exec.bias, exec.brk), (0, exec.end), "ET_EXEC stays where it was linked");
}

#[test]
fn every_refusal_names_its_reason() {
    let ok = |segs: &[Seg]| image(ET_EXEC, EM_X86_64, 0x400100, segs, 0x1800);
    assert!(refused(b"#!/bin/sh\n").contains("not an ELF"));
    assert!(refused(b"\x7fEL").contains("not an ELF"));
    assert!(refused(&ok(&good())[..40]).contains("truncated"));
    let mut c32 = ok(&good());
    c32[4] = 1;
    assert!(refused(&c32).contains("32-bit") || refused(&c32).contains("malformed"));
    let mut be = ok(&good());
    be[5] = 2;
    assert!(refused(&be).contains("endian") || refused(&be).contains("malformed"));
    assert!(refused(&image(ET_EXEC, 183, 0x400100, &good(), 0x1800)).contains("wrong machine"));
    assert!(refused(&image(4, EM_X86_64, 0x400100, &good(), 0x1800)).contains("not an executable"));
    let mut interp = good();
    interp.push(Seg { kind: PT_INTERP, flags: PF_R, offset: 0x200, vaddr: 0x400200, filesz: 28, memsz: 28, align: 1 });
    assert!(refused(&ok(&interp)).contains("PT_INTERP"));
    let mut dyn_interp = pie();
    dyn_interp.push(Seg { kind: PT_INTERP, flags: PF_R, offset: 0x200, vaddr: 0x200, filesz: 28, memsz: 28, align: 1 });
    let mut with_path = image(ET_DYN, EM_X86_64, 0x100, &dyn_interp, 0x1800);
    with_path[0x200..0x200 + 28].copy_from_slice(b"/lib/ld-musl-x86_64.so.1\0\0\0\0");
    let why = refused(&with_path);
    assert!(why.contains("dynamically linked (PT_INTERP") && why.contains("\"/lib/ld-musl-x86_64.so.1\""), "{why}");
    let huge = [load(PF_R | PF_X, 0, 0, 0x1000), Seg { memsz: 1 << 47, ..load(PF_R | PF_W, 0x1000, 0x1000, 0x800) }];
    assert!(refused(&image(ET_DYN, EM_X86_64, 0x100, &huge, 0x1800)).contains("too large"));
    assert!(refused(&ok(&[])).contains("no loadable"));
    let high = [load(PF_R | PF_X, 0, 0x7fff_ffff_f000, 0x2000)];
    assert!(refused(&image(ET_EXEC, EM_X86_64, 0x7fff_ffff_f100, &high, 0x2000)).contains("outside the user half"));
    let low = [load(PF_R | PF_X, 0, MMAP_MIN_ADDR - 0x1000, 0x1000)];
    assert!(refused(&image(ET_EXEC, EM_X86_64, MMAP_MIN_ADDR - 0x100, &low, 0x1000)).contains("mmap_min_addr"));
    let mut big_file = good();
    big_file[1].filesz = 0x3000;
    assert!(refused(&ok(&big_file)).contains("filesz"));
    let past_end = [load(PF_R | PF_X, 0, 0x400000, 0x1000), load(PF_R | PF_W, 0x1000, 0x401000, 0x4000)];
    assert!(refused(&ok(&past_end)).contains("truncated"));
    let misaligned = [load(PF_R | PF_X, 0, 0x400000, 0x1000), load(PF_R | PF_W, 0x1000, 0x401800, 0x800)];
    assert!(refused(&ok(&misaligned)).contains("modulo align"));
    let wx = [load(PF_R | PF_W | PF_X, 0, 0x400000, 0x1000)];
    assert!(refused(&ok(&wx)).contains("W^X"));
    let overlap = [load(PF_R | PF_X, 0, 0x400000, 0x1000), load(PF_R | PF_W, 0x800, 0x400800, 0x800)];
    assert!(refused(&ok(&overlap)).contains("overlaps"));
    assert!(refused(&image(ET_EXEC, EM_X86_64, 0x401100, &good(), 0x1800)).contains("entry point"));
}
