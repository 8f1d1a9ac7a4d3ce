//! Memory mapping (`include/uapi/asm-generic/mman-common.h`, `linux/mman.h`) and the page and
//! address-space sizes of x86-64 with 4-level paging (`arch/x86/include/asm/page_64_types.h`).

/// The page size (AT_PAGESZ).
pub const PAGE_SIZE: usize = 4096;
/// One past the last user address Linux hands out: `(1 << 47) - PAGE_SIZE`.
pub const TASK_SIZE_MAX: usize = (1 << 47) - PAGE_SIZE;
/// The least gap between the stack top and the mmap area (`arch/x86/mm/mmap.c` MIN_GAP): with
/// an 8 MiB stack limit and no randomization the gap is this.
pub const MMAP_MIN_GAP: usize = 128 << 20;
/// Linux's `mmap_base` with randomization off (`setarch -R`): TASK_SIZE minus MIN_GAP. Top-down
/// mmaps, and so a static-pie's image, end here.
pub const MMAP_BASE_NORANDOM: usize = TASK_SIZE_MAX - MMAP_MIN_GAP;
/// `ELF_ET_DYN_BASE` (`arch/x86/include/asm/elf.h`): two thirds of the user half. A PIE with an
/// interpreter loads here; a static-pie's brk starts at its page (fs/binfmt_elf.c).
pub const ELF_ET_DYN_BASE: usize = TASK_SIZE_MAX / 3 * 2;
/// `vm.max_map_count`'s default (`include/linux/mm.h` DEFAULT_MAX_MAP_COUNT, USHRT_MAX minus
/// the ELF core dump's reserve): the most VMAs one process may have; past it mmap, mprotect,
/// munmap, brk and mremap fail with ENOMEM.
pub const MAX_MAP_COUNT: usize = 65530;
/// `stack_guard_gap`'s default (mm/mmap.c): the stack may not grow within 256 pages of the
/// mapping below it.
pub const STACK_GUARD_GAP: usize = 256 * PAGE_SIZE;

pub const PROT_NONE: usize = 0;
pub const PROT_READ: usize = 1;
pub const PROT_WRITE: usize = 2;
pub const PROT_EXEC: usize = 4;

pub const MAP_SHARED: usize = 0x01;
pub const MAP_PRIVATE: usize = 0x02;
pub const MAP_SHARED_VALIDATE: usize = 0x03;
pub const MAP_TYPE: usize = 0x0f;
pub const MAP_FIXED: usize = 0x10;
pub const MAP_ANONYMOUS: usize = 0x20;
pub const MAP_GROWSDOWN: usize = 0x0100;
pub const MAP_DENYWRITE: usize = 0x0800;
pub const MAP_EXECUTABLE: usize = 0x1000;
pub const MAP_LOCKED: usize = 0x2000;
pub const MAP_NORESERVE: usize = 0x4000;
pub const MAP_POPULATE: usize = 0x8000;
pub const MAP_NONBLOCK: usize = 0x1_0000;
pub const MAP_STACK: usize = 0x2_0000;
pub const MAP_HUGETLB: usize = 0x4_0000;
pub const MAP_FIXED_NOREPLACE: usize = 0x10_0000;
/// mmap's error return as an address.
pub const MAP_FAILED: usize = usize::MAX;

pub const MADV_NORMAL: usize = 0;
pub const MADV_RANDOM: usize = 1;
pub const MADV_SEQUENTIAL: usize = 2;
pub const MADV_WILLNEED: usize = 3;
pub const MADV_DONTNEED: usize = 4;
pub const MADV_FREE: usize = 8;
pub const MADV_REMOVE: usize = 9;
pub const MADV_DONTFORK: usize = 10;
pub const MADV_DOFORK: usize = 11;
pub const MADV_HUGEPAGE: usize = 14;
pub const MADV_NOHUGEPAGE: usize = 15;
/// Linux 6.13: guard markers in the page table, no VMA of their own (mm/madvise.c).
pub const MADV_GUARD_INSTALL: usize = 102;
pub const MADV_GUARD_REMOVE: usize = 103;

pub const MREMAP_MAYMOVE: usize = 1;
pub const MREMAP_FIXED: usize = 2;
pub const MREMAP_DONTUNMAP: usize = 4;
