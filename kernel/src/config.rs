//! Where the kernel lives in virtual memory, told to the bootloader at build time.
//!
//! The lower half (up to `0x0000_7fff_ffff_ffff`) belongs to the process, as on Linux; every kernel
//! mapping is in the higher half. bootloader 0.11 puts its dynamic mappings at 0 by default, so
//! the dynamic range is moved up, the physical-memory map gets a fixed slot and the kernel image a
//! fixed base (which is also what lets `--gdb` print the symbol offset before boot).
use bootloader_api::BootloaderConfig;
use bootloader_api::config::Mapping;

/// All physical memory is mapped here (PML4 slot 256), like Linux's direct map.
pub const PHYS_MAP_BASE: u64 = 0xffff_8000_0000_0000;
/// The bootloader's dynamic mappings (boot info, kernel stack, ramdisk) go above this.
pub const DYNAMIC_BASE: u64 = 0xffff_c000_0000_0000;
/// Kernel-owned mappings made after boot (self-tests).
pub const KERNEL_VMAP_BASE: u64 = 0xffff_e000_0000_0000;
/// Boot stack size; its lowest page is an unmapped guard page.
pub const KERNEL_STACK_SIZE: u64 = 128 * 1024;

pub const BOOTLOADER_CONFIG: BootloaderConfig = {
    let mut config = BootloaderConfig::new_default();
    config.mappings.physical_memory = Some(Mapping::FixedAddress(PHYS_MAP_BASE));
    config.mappings.kernel_base = Mapping::FixedAddress(abi::rt0::KERNEL_BASE);
    config.mappings.dynamic_range_start = Some(DYNAMIC_BASE);
    config.mappings.dynamic_range_end = Some(KERNEL_VMAP_BASE - 1);
    config.kernel_stack_size = KERNEL_STACK_SIZE;
    config
};

/// Threads' kernel stacks: one slot of [`KSTACK_SLOT`] bytes each, the lowest page of every slot
/// an unmapped guard. The area starts 1 MiB above the kernel image's base, inside the page tables
/// the bootloader built for the image (its 2 MiB level-1 table has room for the first couple of
/// dozen stacks), so every address space, which copies the kernel half when it is made, sees the
/// stacks made later, and the first stacks cost no page-table frames. `thread::init` checks that
/// the image ends below it.
pub const KSTACK_BASE: u64 = abi::rt0::KERNEL_BASE + (1 << 20);
/// Kernel stack per thread: syscalls and exceptions from ring 3 run on it.
pub const KSTACK_SIZE: u64 = 64 * 1024;
/// A slot: the guard page, then the stack.
pub const KSTACK_SLOT: u64 = KSTACK_SIZE + 4096;
/// Most kernel stacks that can exist at once (16,384 × 68 KiB = 1.06 GiB of the top 2 GiB).
pub const KSTACK_SLOTS: u32 = 16_384;
