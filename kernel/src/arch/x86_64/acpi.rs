//! The ACPI tables the firmware leaves in memory (ACPI 6.5, ch. 5.2): from the RSDP the
//! bootloader found, through the RSDT/XSDT, to the MADT — where the I/O APICs are and which ISA
//! IRQs are wired to another global system interrupt (Interrupt Source Overrides), as Linux's
//! arch/x86/kernel/acpi/boot.c reads them.
//!
//! Parsed with the `acpi` crate (rust-osdev) rather than by hand: it checks the signatures and
//! checksums, walks either root table, and its MADT parse also lists the processors, which SMP
//! bring-up needs next. The tables are read through the direct map of physical memory.
use acpi::platform::interrupt::{Polarity, TriggerMode};
use acpi::{AcpiHandler, AcpiTables, InterruptModel, PhysicalMapping, PlatformInfo};
use core::ptr::NonNull;

/// Physical memory as the kernel sees it: mapped once, whole, at a fixed offset.
#[derive(Clone, Copy)]
struct DirectMap(u64);

impl AcpiHandler for DirectMap {
    unsafe fn map_physical_region<T>(&self, phys: usize, size: usize) -> PhysicalMapping<Self, T> {
        let virt = NonNull::new((self.0 + phys as u64) as *mut T).expect("the direct map is not at 0");
        // SAFETY: all physical memory is mapped at `self.0` for the kernel's whole life, so the
        // region is mapped for at least `size` bytes and nothing needs unmapping.
        unsafe { PhysicalMapping::new(phys, virt, size, size, *self) }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
}

/// Where one ISA IRQ arrives: which I/O APIC, which of its pins, and how the line signals.
#[derive(Clone, Copy, Debug)]
pub struct IsaRoute {
    /// Physical address of the I/O APIC's registers.
    pub ioapic: u64,
    /// The global system interrupt (GSI) the IRQ is wired to.
    pub gsi: u32,
    /// The pin on that I/O APIC: `gsi` minus the APIC's first GSI.
    pub pin: u32,
    pub active_low: bool,
    pub level: bool,
}

/// Finds where ISA IRQ `irq` arrives, from the MADT reached through the RSDP at physical
/// address `rsdp`. Without an override the IRQ is the GSI of its number, edge-triggered and
/// active high (ISA's conventions, ACPI 6.5 §5.2.12.5).
pub fn isa_route(rsdp: u64, phys_offset: u64, irq: u8) -> Result<IsaRoute, &'static str> {
    // SAFETY: `rsdp` is the address the bootloader found the RSDP at (BootInfo.rsdp_addr);
    // `from_rsdp` checks its signature and checksum before trusting anything behind it.
    let tables =
        unsafe { AcpiTables::from_rsdp(DirectMap(phys_offset), rsdp as usize) }.map_err(|_| "no valid RSDP/RSDT")?;
    let info = PlatformInfo::new(&tables).map_err(|_| "the MADT does not parse")?;
    let InterruptModel::Apic(apic) = info.interrupt_model else { return Err("the MADT has no APIC model") };
    let over = apic.interrupt_source_overrides.iter().find(|o| o.isa_source == irq);
    let gsi = over.map_or(irq as u32, |o| o.global_system_interrupt);
    let active_low = over.is_some_and(|o| o.polarity == Polarity::ActiveLow);
    let level = over.is_some_and(|o| o.trigger_mode == TriggerMode::Level);
    let io = apic
        .io_apics
        .iter()
        .filter(|a| a.global_system_interrupt_base <= gsi)
        .max_by_key(|a| a.global_system_interrupt_base)
        .ok_or("no I/O APIC serves the IRQ")?;
    Ok(IsaRoute { ioapic: io.address as u64, gsi, pin: gsi - io.global_system_interrupt_base, active_low, level })
}
