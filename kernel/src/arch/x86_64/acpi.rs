//! The ACPI tables the firmware leaves in memory (ACPI 6.5, ch. 5.2): from the RSDP the
//! bootloader found, through the RSDT/XSDT, to the MADT — where the I/O APICs are, which ISA
//! IRQs are wired to another global system interrupt (Interrupt Source Overrides), and which
//! processors (local APICs) the machine has, as Linux's arch/x86/kernel/acpi/boot.c reads them.
//!
//! Parsed with the `acpi` crate (rust-osdev) rather than by hand: it checks the signatures and
//! checksums, walks either root table, and lists the I/O APICs and the processors. The tables
//! are read through the direct map of physical memory, and parsed once ([`Madt::read`]).
use acpi::platform::ProcessorState;
use acpi::platform::interrupt::{Polarity, TriggerMode};
use acpi::{AcpiHandler, AcpiTables, InterruptModel, PhysicalMapping, PlatformInfo};
use alloc::vec::Vec;
use core::ptr::NonNull;

/// Physical memory as the kernel sees it: mapped once, whole, at a fixed offset.
#[derive(Clone, Copy)]
struct DirectMap(u64);

impl AcpiHandler for DirectMap {
    unsafe fn map_physical_region<T>(&self, phys: usize, size: usize) -> PhysicalMapping<Self, T> {
        let virt = NonNull::new((self.0 + phys as u64) as *mut T).expect("the direct map is not at 0");
        // all physical memory is mapped at `self.0` for the kernel's whole life,
        // SAFETY: so the region is mapped for at least `size` bytes and nothing needs unmapping.
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

/// The MADT's content, parsed once at boot and kept in the kernel's own terms.
pub struct Madt {
    /// Each I/O APIC's register base (physical) and first GSI.
    io_apics: Vec<(u64, u32)>,
    /// The ISA IRQs wired elsewhere.
    overrides: Vec<(u8, IsaRoute)>,
    /// Local APIC ids of the processors the firmware marks enabled, in MADT order (the order
    /// ACPI asks them to be brought up in), the boot processor's included.
    cpus: Vec<u32>,
}

impl Madt {
    /// Reads the MADT reached through the RSDP at physical address `rsdp`.
    pub fn read(rsdp: u64, phys_offset: u64) -> Result<Madt, &'static str> {
        // `rsdp` is the address the bootloader found the RSDP at (BootInfo.rsdp_addr);
        // SAFETY: `from_rsdp` checks its signature and checksum before trusting anything behind it.
        let tables = unsafe { AcpiTables::from_rsdp(DirectMap(phys_offset), rsdp as usize) }
            .map_err(|_| "no valid RSDP/RSDT")?;
        let info = PlatformInfo::new(&tables).map_err(|_| "the MADT does not parse")?;
        let InterruptModel::Apic(apic) = info.interrupt_model else { return Err("the MADT has no APIC model") };
        let io_apics = apic.io_apics.iter().map(|a| (a.address as u64, a.global_system_interrupt_base)).collect();
        let overrides = apic
            .interrupt_source_overrides
            .iter()
            .map(|o| {
                let route = IsaRoute {
                    ioapic: 0,
                    gsi: o.global_system_interrupt,
                    pin: 0,
                    active_low: o.polarity == Polarity::ActiveLow,
                    level: o.trigger_mode == TriggerMode::Level,
                };
                (o.isa_source, route)
            })
            .collect();
        let cpus = info
            .processor_info
            .iter()
            .flat_map(|p| core::iter::once(&p.boot_processor).chain(p.application_processors.iter()))
            .filter(|p| p.state != ProcessorState::Disabled)
            .map(|p| p.local_apic_id)
            .collect();
        Ok(Madt { io_apics, overrides, cpus })
    }

    /// Local APIC ids of the enabled processors, in MADT order, the boot processor's included.
    pub fn cpus(&self) -> &[u32] {
        &self.cpus
    }

    /// Finds where ISA IRQ `irq` arrives. Without an override the IRQ is the GSI of its number,
    /// edge-triggered and active high (ISA's conventions, ACPI 6.5 §5.2.12.5).
    pub fn isa_route(&self, irq: u8) -> Result<IsaRoute, &'static str> {
        let isa = IsaRoute { ioapic: 0, gsi: irq as u32, pin: 0, active_low: false, level: false };
        let r = self.overrides.iter().find(|(src, _)| *src == irq).map_or(isa, |(_, r)| *r);
        let &(ioapic, base) = self
            .io_apics
            .iter()
            .filter(|(_, base)| *base <= r.gsi)
            .max_by_key(|(_, base)| *base)
            .ok_or("no I/O APIC serves the IRQ")?;
        Ok(IsaRoute { ioapic, pin: r.gsi - base, ..r })
    }
}
