//! Interrupt descriptor table and what each CPU exception does in the kernel
//! (Intel SDM vol. 3, ch. 6, table 6-1).
//!
//! Every architectural exception vector has an entry; every entry is a stub in [`super::trap`]
//! that hands its frame to the kernel's entry layer. What an exception *does* (demand paging, a
//! signal, a report and a kernel panic) is decided there, not here.
use super::gdt::{DOUBLE_FAULT_IST, MACHINE_CHECK_IST, NMI_IST};
use super::trap;
use spin::Once;
use x86_64::VirtAddr;
use x86_64::structures::idt::InterruptDescriptorTable;

static IDT: Once<InterruptDescriptorTable> = Once::new();

/// Builds the IDT and loads it with `lidt`.
pub fn init() {
    IDT.call_once(|| {
        let mut idt = InterruptDescriptorTable::new();
        macro_rules! set {
            ($($field:ident => $stub:ident),* $(,)?) => {$(
                // SAFETY: every stub is a naked entry that builds a TrapFrame whatever the vector,
                // expects the error code exactly when its vector has one, and returns with iretq.
                unsafe { idt.$field.set_handler_addr(VirtAddr::new(trap::$stub as *const () as u64)) };
            )*};
        }
        set! {
            divide_error => divide_error, debug => debug, non_maskable_interrupt => nmi,
            breakpoint => breakpoint, overflow => overflow, bound_range_exceeded => bound_range,
            invalid_opcode => invalid_opcode, device_not_available => device_not_available,
            double_fault => double_fault, invalid_tss => invalid_tss,
            segment_not_present => segment_not_present, stack_segment_fault => stack_segment,
            general_protection_fault => general_protection, page_fault => page_fault,
            x87_floating_point => x87_floating_point, alignment_check => alignment_check,
            machine_check => machine_check, simd_floating_point => simd_floating_point,
            virtualization => virtualization, cp_protection_exception => control_protection,
            hv_injection_exception => hypervisor_injection,
            vmm_communication_exception => vmm_communication,
            security_exception => security,
        }
        // int3 and into are meant to be executed by programs: their gates admit ring 3 (as
        // Linux's idt.c sets them), so they raise #BP/#OF rather than #GP.
        // SAFETY: the same stubs as installed above; only the gate's DPL changes.
        unsafe {
            let ring3 = x86_64::PrivilegeLevel::Ring3;
            idt.breakpoint
                .set_handler_addr(VirtAddr::new(trap::breakpoint as *const () as u64))
                .set_privilege_level(ring3);
            idt.overflow.set_handler_addr(VirtAddr::new(trap::overflow as *const () as u64)).set_privilege_level(ring3);
        }
        // SAFETY: the timer, COM1, reschedule and spurious stubs are ordinary entry stubs like the others.
        unsafe {
            idt[super::apic::TIMER_VECTOR].set_handler_addr(VirtAddr::new(trap::timer as *const () as u64));
            idt[super::serial::COM1_VECTOR].set_handler_addr(VirtAddr::new(trap::com1 as *const () as u64));
            idt[super::apic::RESCHEDULE_VECTOR].set_handler_addr(VirtAddr::new(trap::reschedule as *const () as u64));
            idt[super::apic::SPURIOUS_VECTOR].set_handler_addr(VirtAddr::new(trap::spurious as *const () as u64));
        }
        // SAFETY: the IST slots were filled with valid, otherwise unused stacks by gdt::init,
        // which runs before this; the stubs are the same ones installed above.
        unsafe {
            let ist = |stub: extern "C" fn()| VirtAddr::new(stub as *const () as u64);
            idt.double_fault.set_handler_addr(ist(trap::double_fault)).set_stack_index(DOUBLE_FAULT_IST);
            idt.non_maskable_interrupt.set_handler_addr(ist(trap::nmi)).set_stack_index(NMI_IST);
            idt.machine_check.set_handler_addr(ist(trap::machine_check)).set_stack_index(MACHINE_CHECK_IST);
        }
        idt
    })
    .load();
}

/// Loads the IDT [`init`] built on an application processor: all CPUs share one.
pub fn init_ap() {
    IDT.get().expect("idt::init not run").load();
}
