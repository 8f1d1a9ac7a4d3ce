//! Checking and loading a static x86_64 Linux executable (Linux fs/binfmt_elf.c `load_elf_binary`),
//! with the `elf` crate doing the parsing.
//!
//! rt0 runs what Linux would run without an interpreter: ELF64, little-endian, x86-64, ET_EXEC
//! or ET_DYN (a static-pie), no PT_INTERP. Every PT_LOAD must lie in the user half without
//! overflow, have filesz ≤ memsz and its file bytes inside the file, be congruent to its
//! alignment, and not be writable and executable at once; segments may not share a page.
//! Anything else is refused with a reason.
//!
//! A static-pie is placed as Linux places an ET_DYN without PT_INTERP (load_bias 0, so the
//! image goes where a top-down mmap of its whole size would): ending at `mmap_base`, which is
//! 0x7ffff7fff000 with randomization off, aligned down to its largest p_align. AT_PHDR and
//! AT_ENTRY are relocated; AT_BASE stays 0 (it is the interpreter's address). Its brk starts at
//! the page of ELF_ET_DYN_BASE, as current Linux moves it out of the mmap area (checked against
//! `setarch -R` on Linux 6.18). The program relocates itself (`_dl_relocate_static_pie`,
//! musl's `_dlstart_c`).
use crate::mm::aspace::AddressSpace;
use crate::mm::vma::{PAGE, USER_END, page_down, page_up};
use abi::mman::{ELF_ET_DYN_BASE, MMAP_BASE_NORANDOM, PROT_EXEC, PROT_READ, PROT_WRITE};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use elf::ElfBytes;
use elf::abi::{EM_X86_64, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR};
use elf::endian::LittleEndian;
use elf::file::Class;

/// Lowest address a segment may use (Linux's default `vm.mmap_min_addr`).
pub const MMAP_MIN_ADDR: u64 = 0x10000;

/// One PT_LOAD, checked.
pub struct Segment {
    pub vaddr: u64,
    pub memsz: u64,
    pub offset: u64,
    pub filesz: u64,
    pub prot: u32,
}

/// What the loader and the initial stack need to know.
pub struct Image {
    /// Where the file's addresses were moved to: 0 for ET_EXEC, the load bias for a static-pie.
    /// `entry`, `segments`, `phdr` and `end` are relocated already.
    pub bias: u64,
    pub entry: u64,
    pub segments: Vec<Segment>,
    /// Address of the program headers in memory (AT_PHDR), their count and entry size.
    pub phdr: u64,
    pub phnum: u64,
    pub phent: u64,
    /// First page above every segment.
    pub end: u64,
    /// Where brk starts: `end` for ET_EXEC, ELF_ET_DYN_BASE's page for a static-pie.
    pub brk: u64,
}

/// Checks `data` and describes how to load it; the error is a one-line reason.
pub fn check(data: &[u8]) -> Result<Image, String> {
    if data.len() < 4 || &data[..4] != b"\x7fELF" {
        return Err(format!("not an ELF file (bad magic, {} bytes)", data.len()));
    }
    let file = ElfBytes::<LittleEndian>::minimal_parse(data).map_err(|e| format!("malformed or truncated ELF: {e}"))?;
    let h = &file.ehdr;
    if h.class != Class::ELF64 {
        return Err("not a 64-bit ELF (ELFCLASS32)".into());
    }
    if data[5] != 1 {
        return Err("not little-endian".into());
    }
    if h.e_machine != EM_X86_64 {
        return Err(format!("wrong machine: e_machine={} (x86-64 is {EM_X86_64})", h.e_machine));
    }
    let phdrs: Vec<_> = file.segments().ok_or("no program headers")?.iter().collect();
    if let Some((i, p)) = phdrs.iter().enumerate().find(|(_, p)| p.p_type == PT_INTERP) {
        let path = data.get(p.p_offset as usize..).and_then(|b| b.get(..(p.p_filesz as usize).min(b.len())));
        let path = String::from_utf8_lossy(path.unwrap_or_default().split(|&b| b == 0).next().unwrap_or_default());
        return Err(format!(
            "dynamically linked (PT_INTERP in program header {i}: interpreter {path:?}); \
             rt0 runs static executables (ET_EXEC or static-pie)"
        ));
    }
    let bias = match h.e_type {
        ET_EXEC => 0,
        ET_DYN => static_pie_bias(&phdrs)?,
        t => return Err(format!("not an executable (e_type={t})")),
    };
    let mut segments: Vec<Segment> = Vec::new();
    for (i, p) in phdrs.iter().enumerate().filter(|(_, p)| p.p_type == PT_LOAD) {
        let vaddr = p.p_vaddr.wrapping_add(bias);
        let end = vaddr.checked_add(p.p_memsz).filter(|&e| e <= USER_END && vaddr >= bias);
        let Some(end) = end else {
            return Err(format!("segment {i} ({:#x} + {:#x}) lies outside the user half", p.p_vaddr, p.p_memsz));
        };
        if vaddr < MMAP_MIN_ADDR {
            return Err(format!("segment {i} at {vaddr:#x} is below mmap_min_addr ({MMAP_MIN_ADDR:#x})"));
        }
        if p.p_filesz > p.p_memsz {
            return Err(format!("segment {i}: filesz {:#x} > memsz {:#x}", p.p_filesz, p.p_memsz));
        }
        if p.p_offset.checked_add(p.p_filesz).is_none_or(|e| e > data.len() as u64) {
            return Err(format!(
                "truncated: segment {i} needs file bytes {:#x}..{:#x}, file has {:#x}",
                p.p_offset,
                p.p_offset.wrapping_add(p.p_filesz),
                data.len()
            ));
        }
        if p.p_align > 1 && (!p.p_align.is_power_of_two() || p.p_vaddr % p.p_align != p.p_offset % p.p_align) {
            return Err(format!(
                "segment {i}: vaddr {:#x} and offset {:#x} disagree modulo align {:#x}",
                p.p_vaddr, p.p_offset, p.p_align
            ));
        }
        if p.p_flags & PF_W != 0 && p.p_flags & PF_X != 0 {
            return Err(format!("segment {i} at {:#x} is writable and executable (W^X)", p.p_vaddr));
        }
        let (start, stop) = (page_down(vaddr), page_up(end).unwrap_or(USER_END));
        if let Some(j) =
            segments.iter().position(|s| start < page_up(s.vaddr + s.memsz).unwrap() && page_down(s.vaddr) < stop)
        {
            return Err(format!("segment {i} overlaps an earlier segment ({j}) within a page"));
        }
        let mut prot = 0;
        for (pf, pr) in [(PF_R, PROT_READ), (PF_W, PROT_WRITE), (PF_X, PROT_EXEC)].map(|(f, p)| (f, p as u32)) {
            if p.p_flags & pf != 0 {
                prot |= pr;
            }
        }
        segments.push(Segment { vaddr, memsz: p.p_memsz, offset: p.p_offset, filesz: p.p_filesz, prot });
    }
    let entry = h.e_entry.wrapping_add(bias);
    if segments.is_empty() {
        return Err("no loadable (PT_LOAD) segments".into());
    }
    if !segments.iter().any(|s| s.prot & PROT_EXEC as u32 != 0 && (s.vaddr..s.vaddr + s.memsz).contains(&entry)) {
        return Err(format!("entry point {:#x} is not inside an executable segment", h.e_entry));
    }
    // AT_PHDR: PT_PHDR if present, else the loaded copy of the headers (as Linux computes it).
    let phdr = match phdrs.iter().find(|p| p.p_type == PT_PHDR) {
        Some(p) => p.p_vaddr.wrapping_add(bias),
        None => segments
            .iter()
            .find(|s| (s.offset..s.offset + s.filesz).contains(&h.e_phoff))
            .map_or(0, |s| s.vaddr + (h.e_phoff - s.offset)),
    };
    let end = segments.iter().map(|s| page_up(s.vaddr + s.memsz).unwrap()).max().unwrap();
    let brk = if h.e_type == ET_DYN { page_up(ELF_ET_DYN_BASE as u64).unwrap() } else { end };
    Ok(Image { bias, entry, segments, phdr, phnum: h.e_phnum as u64, phent: h.e_phentsize as u64, end, brk })
}

/// The load bias of a static-pie: its PT_LOADs' span, placed so that it ends at Linux's
/// no-randomization mmap_base, the bias a multiple of the largest power-of-two p_align (Linux's
/// `maximum_alignment`, at least a page).
fn static_pie_bias(phdrs: &[elf::segment::ProgramHeader]) -> Result<u64, String> {
    let loads = || phdrs.iter().filter(|p| p.p_type == PT_LOAD);
    let hi = loads().map(|p| p.p_vaddr.checked_add(p.p_memsz).and_then(page_up)).try_fold(0u64, |m, e| Some(m.max(e?)));
    let lo = loads().map(|p| page_down(p.p_vaddr)).min().unwrap_or(0);
    let align = loads().map(|p| p.p_align).filter(|a| a.is_power_of_two()).fold(PAGE, u64::max);
    let top = MMAP_BASE_NORANDOM as u64;
    match hi {
        Some(hi) if hi - lo <= top - MMAP_MIN_ADDR && hi <= top => Ok((top - hi) & !(align - 1)),
        _ => Err(format!("position-independent image too large for the user half ({:#x}..{:#x?})", lo, hi)),
    }
}

/// Maps every segment into `aspace` and copies its file bytes; the rest (bss) is demand-zero.
pub fn load(image: &Image, data: &[u8], aspace: &mut AddressSpace) -> Result<(), String> {
    for s in &image.segments {
        let (start, end) = (page_down(s.vaddr), page_up(s.vaddr + s.memsz).unwrap());
        if start == end {
            continue; // an empty segment maps nothing, as Linux's elf_map of size 0
        }
        aspace.map(start, end, s.prot, "elf");
        let bytes = &data[s.offset as usize..(s.offset + s.filesz) as usize];
        aspace.load(s.vaddr, bytes).map_err(|e| format!("out of memory loading segment at {:#x}: {e:?}", s.vaddr))?;
    }
    debug_assert!(image.end.is_multiple_of(PAGE));
    Ok(())
}
