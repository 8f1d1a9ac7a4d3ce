//! The ELF-64 format from `abi::elf`, used to check the program headers that `AT_PHDR`
//! points at against the program's own ELF header.

use crate::check::{Outcome, expect_eq, fail};

pub use abi::elf::{ELFMAG, ET_EXEC, Elf64Ehdr, Elf64Phdr, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR};

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
