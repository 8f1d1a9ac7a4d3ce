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
/// Kernel-owned mappings made after boot (self-tests, later: per-thread kernel stacks).
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
/// an unmapped guard. One PML4 entry (512 GiB) of its own, created at boot so that every address
/// space, which copies the kernel's upper half when it is made, sees the stacks made later.
pub const KSTACK_BASE: u64 = KERNEL_VMAP_BASE + (2 << 39);
/// Kernel stack per thread: syscalls and exceptions from ring 3 run on it.
pub const KSTACK_SIZE: u64 = 64 * 1024;
/// A slot: the guard page, then the stack.
pub const KSTACK_SLOT: u64 = KSTACK_SIZE + 4096;
/// Most kernel stacks that can exist at once (65,536 × 68 KiB = 4.25 GiB of the 512 GiB slot).
pub const KSTACK_SLOTS: u32 = 65_536;
