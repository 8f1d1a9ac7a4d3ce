//! The ELF-64 format as execve reads it (`include/uapi/linux/elf.h`): the file and program
//! headers and the values the kernel checks. The kernel parses with the `elf` crate; programs
//! and tests that read their own headers use these.

/// `e_ident[0..4]`.
pub const ELFMAG: [u8; 4] = *b"\x7fELF";
pub const EI_CLASS: usize = 4;
pub const EI_DATA: usize = 5;
pub const ELFCLASS64: u8 = 2;
pub const ELFDATA2LSB: u8 = 1;

pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;
pub const EM_X86_64: u16 = 62;

pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;

/// `Elf64_Ehdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
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

/// `Elf64_Phdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
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

const _: () = assert!(size_of::<Elf64Ehdr>() == 64 && size_of::<Elf64Phdr>() == 56);
const _: () = assert!(core::mem::offset_of!(Elf64Ehdr, e_machine) == 18);
const _: () = assert!(core::mem::offset_of!(Elf64Ehdr, e_phoff) == 32);
const _: () = assert!(core::mem::offset_of!(Elf64Ehdr, e_phnum) == 56);

// The dynamic section and symbol versions, as a vDSO reader needs them (`elf.h`).
pub const PT_DYNAMIC: u32 = 2;
pub const DT_NULL: i64 = 0;
pub const DT_HASH: i64 = 4;
pub const DT_STRTAB: i64 = 5;
pub const DT_SYMTAB: i64 = 6;
pub const DT_GNU_HASH: i64 = 0x6fff_fef5;
pub const DT_VERSYM: i64 = 0x6fff_fff0;
pub const DT_VERDEF: i64 = 0x6fff_fffc;
pub const STT_NOTYPE: u8 = 0;
pub const STT_FUNC: u8 = 2;
pub const STB_GLOBAL: u8 = 1;
pub const STB_WEAK: u8 = 2;
pub const SHN_UNDEF: u16 = 0;
/// `vd_flags`: the version definition of the file itself.
pub const VER_FLG_BASE: u16 = 1;

/// `Elf64_Dyn`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Elf64Dyn {
    pub d_tag: i64,
    pub d_val: u64,
}

/// `Elf64_Sym`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Elf64Sym {
    pub st_name: u32,
    pub st_info: u8,
    pub st_other: u8,
    pub st_shndx: u16,
    pub st_value: u64,
    pub st_size: u64,
}

/// `Elf64_Verdef`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Elf64Verdef {
    pub vd_version: u16,
    pub vd_flags: u16,
    pub vd_ndx: u16,
    pub vd_cnt: u16,
    pub vd_hash: u32,
    pub vd_aux: u32,
    pub vd_next: u32,
}

/// `Elf64_Verdaux`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Elf64Verdaux {
    pub vda_name: u32,
    pub vda_next: u32,
}

const _: () = assert!(size_of::<Elf64Dyn>() == 16 && size_of::<Elf64Sym>() == 24);
const _: () = assert!(size_of::<Elf64Verdef>() == 20 && size_of::<Elf64Verdaux>() == 8);

/// The SysV ELF hash of `name` (DT_HASH buckets, `vd_hash`).
pub const fn elf_hash(name: &[u8]) -> u32 {
    let mut h: u32 = 0;
    let mut i = 0;
    while i < name.len() {
        h = (h << 4).wrapping_add(name[i] as u32);
        let g = h & 0xf000_0000;
        if g != 0 {
            h ^= g >> 24;
        }
        h &= !g;
        i += 1;
    }
    h
}

/// The GNU hash of `name` (DT_GNU_HASH buckets and chains): djb2.
pub const fn gnu_hash(name: &[u8]) -> u32 {
    let mut h: u32 = 5381;
    let mut i = 0;
    while i < name.len() {
        h = h.wrapping_mul(33).wrapping_add(name[i] as u32);
        i += 1;
    }
    h
}
