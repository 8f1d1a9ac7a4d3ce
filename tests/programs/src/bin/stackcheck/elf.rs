//! Just enough of the ELF-64 format (`include/uapi/linux/elf.h`) to check the program headers that `AT_PHDR`
//! points at against the program's own ELF header.

use crate::check::{Outcome, expect_eq, fail};

/// The ELF file header, as mapped at `__ehdr_start`.
#[repr(C)]
pub struct Elf64Ehdr {
    pub e_ident: [u8; 16],
    pub e_type: u16,
    pub e_machine: u16,
    pub e_version: u32,
    pub e_entry: u64,
    pub e_phoff: u64,
    pub e_shoff: u64,
    pub e_flags: u32,
    pub e_ehsize: u16,
    pub e_phentsize: u16,
    pub e_phnum: u16,
    pub e_shentsize: u16,
    pub e_shnum: u16,
    pub e_shstrndx: u16,
}

/// One program header.
#[repr(C)]
pub struct Elf64Phdr {
    pub p_type: u32,
    pub p_flags: u32,
    pub p_offset: u64,
    pub p_vaddr: u64,
    pub p_paddr: u64,
    pub p_filesz: u64,
    pub p_memsz: u64,
    pub p_align: u64,
}

pub const ELFMAG: [u8; 4] = *b"\x7fELF";
pub const ET_EXEC: u16 = 2;
pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;

/// Size of one program header: what `AT_PHENT` must say.
pub const PHDR_SIZE: usize = size_of::<Elf64Phdr>();
const _: () = assert!(PHDR_SIZE == 56 && size_of::<Elf64Ehdr>() == 64);

unsafe extern "C" {
    /// Defined by the linker at the ELF header when the header is part of a loaded segment.
    static __ehdr_start: Elf64Ehdr;
}

/// The program's own ELF header, as loaded in memory.
pub fn ehdr() -> &'static Elf64Ehdr {
    // SAFETY: the linker places `__ehdr_start` at the ELF header inside the first PT_LOAD segment, which the kernel
    // maps read-only for the life of the process.
    unsafe { &__ehdr_start }
}

/// Checks that `phdr` (AT_PHDR) is the program's own program header table: `__ehdr_start + e_phoff` of an
/// ET_EXEC image, `phnum` (AT_PHNUM) entries, the first PT_LOAD or PT_PHDR, an executable PT_LOAD around `entry`,
/// no PT_INTERP, and no PT_LOAD that is both writable and executable.
pub fn check_phdrs(phdr: usize, phnum: usize, entry: usize) -> Outcome {
    let ehdr = ehdr();
    if ehdr.e_ident[..4] != ELFMAG || ehdr.e_type != ET_EXEC {
        return fail!("ELF header at {:p} is not ET_EXEC", ehdr);
    }
    expect_eq(phdr, ehdr as *const _ as usize + ehdr.e_phoff as usize)?;
    expect_eq(phnum, ehdr.e_phnum.into())?;
    // SAFETY: `phdr` is the program's own header table (checked above), which holds e_phnum == phnum entries and
    // lies in the first loaded segment, mapped read-only for the life of the process.
    let phdrs = unsafe { core::slice::from_raw_parts(phdr as *const Elf64Phdr, phnum) };
    let Some(first) = phdrs.first() else {
        return fail!("no program headers");
    };
    if first.p_type != PT_LOAD && first.p_type != PT_PHDR {
        return fail!("first program header has type {}", first.p_type);
    }
    let entry = entry as u64;
    let mut entry_in_text = false;
    for (i, ph) in phdrs.iter().enumerate() {
        if ph.p_type == PT_INTERP {
            return fail!("program header {i} is PT_INTERP");
        }
        if ph.p_type == PT_LOAD && ph.p_flags & (PF_W | PF_X) == PF_W | PF_X {
            return fail!("PT_LOAD {i} at {:#x} is writable and executable", ph.p_vaddr);
        }
        let covers_entry = (ph.p_vaddr..ph.p_vaddr + ph.p_memsz).contains(&entry);
        entry_in_text |= ph.p_type == PT_LOAD && ph.p_flags & PF_X != 0 && covers_entry;
    }
    if entry_in_text { Ok(()) } else { fail!("no executable PT_LOAD holds the entry {entry:#x}") }
}
