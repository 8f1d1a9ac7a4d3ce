//! The bootloader's hand-off (`bootloader_api::BootInfo`), read once and summarized in the log.
use bootloader_api::BootInfo;
use bootloader_api::info::MemoryRegionKind;

/// Most usable regions the kernel keeps track of; QEMU's e820 map has a handful.
pub const MAX_REGIONS: usize = 32;

/// What the rest of the kernel needs from the hand-off, copied out of BootInfo.
pub struct Handoff {
    /// Virtual address at which all physical memory is mapped.
    pub phys_offset: u64,
    /// Usable physical memory, page-aligned `[start, end)` ranges.
    pub usable: [(u64, u64); MAX_REGIONS],
    pub usable_count: usize,
    /// Virtual address and length of the ramdisk, if the image has one.
    pub ramdisk: Option<(u64, u64)>,
    /// Physical address of the ACPI RSDP, if the bootloader found one.
    pub rsdp: Option<u64>,
    /// Top of the boot stack kmain runs on (a guard page below it): the first thread's kernel
    /// stack, as Linux's first task runs on its boot stack.
    pub boot_stack_top: u64,
}

/// Copies the parts of the hand-off the kernel uses and logs the summary line.
pub fn summarize(info: &BootInfo) -> Handoff {
    let phys_offset = info
        .physical_memory_offset
        .into_option()
        .expect("bootloader did not map physical memory (BOOTLOADER_CONFIG asks it to)");
    let mut h = Handoff {
        phys_offset,
        usable: [(0, 0); MAX_REGIONS],
        usable_count: 0,
        ramdisk: info.ramdisk_addr.into_option().map(|a| (a, info.ramdisk_len)),
        rsdp: info.rsdp_addr.into_option(),
        boot_stack_top: info.kernel_stack_bottom + info.kernel_stack_len,
    };
    let mut usable_bytes = 0;
    let mut dropped = 0;
    for r in info.memory_regions.iter().filter(|r| r.kind == MemoryRegionKind::Usable) {
        let (start, end) = (r.start.next_multiple_of(4096), r.end & !0xfff);
        if end <= start {
            continue;
        }
        if h.usable_count == MAX_REGIONS {
            dropped += end - start;
            continue;
        }
        h.usable[h.usable_count] = (start, end);
        h.usable_count += 1;
        usable_bytes += end - start;
    }
    log::info!(
        "handoff: bootloader api {}.{}.{}, {} memory regions, usable {} KiB in {} ranges{}",
        info.api_version.version_major(),
        info.api_version.version_minor(),
        info.api_version.version_patch(),
        info.memory_regions.len(),
        usable_bytes / 1024,
        h.usable_count,
        if dropped > 0 { " (some ranges ignored)" } else { "" },
    );
    log::info!(
        "handoff: physical memory mapped at {phys_offset:#x}, kernel at phys {:#x} ({} KiB) virt {:#x}, stack {:#x}+{} KiB",
        info.kernel_addr,
        info.kernel_len / 1024,
        info.kernel_image_offset,
        info.kernel_stack_bottom,
        info.kernel_stack_len / 1024,
    );
    match h.ramdisk {
        Some((addr, len)) => log::info!("handoff: ramdisk at {addr:#x}, {len} bytes"),
        None => log::info!("handoff: no ramdisk"),
    }
    h
}
