//! x86_64 (long mode) support: descriptor tables, exceptions, the TSC, QEMU's firmware and exit
//! devices, the ACPI tables, the local and I/O APICs, the serial port, and starting the other
//! CPUs.
pub mod acpi;
pub mod apic;
pub mod cpu;
pub mod fpu;
pub mod frame;
pub mod fw_cfg;
pub mod gdt;
pub mod idt;
pub mod insn;
pub mod ioapic;
pub mod pci;
pub mod percpu;
pub mod qemu_exit;
pub mod report;
pub mod rtc;
pub mod serial;
pub mod smpboot;
pub mod switch;
pub mod syscall;
mod trap;

pub use frame::TrapFrame;
pub use trap::{BREAKPOINT_ENTRY_HEAD, BREAKPOINT_EXIT_TAIL, IRQ_ENTRY_HEAD};
pub mod tsc;
pub mod virtio_console;

/// Stops this CPU for good: interrupts off, `hlt` forever.
pub fn halt_forever() -> ! {
    ::x86_64::instructions::interrupts::disable();
    loop {
        ::x86_64::instructions::hlt();
    }
}

/// Executes `int3`, the breakpoint instruction (#BP, vector 3).
pub fn breakpoint() {
    ::x86_64::instructions::interrupts::int3();
}
