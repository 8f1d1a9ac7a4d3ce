//! Interrupt descriptor table and what each CPU exception does in the kernel
//! (Intel SDM vol. 3, ch. 6, table 6-1).
//!
//! Every architectural exception vector has an entry. Each one prints a report — vector, name,
//! error code, RIP, CR2, every general register and the stack it ran on — and then ends the run
//! with the kernel-panic exit code. #BP and #DB are traps meant to be resumed: they report and
//! return to the next instruction.
use super::gdt::{DOUBLE_FAULT_IST, MACHINE_CHECK_IST, NMI_IST, ist_stack};
use super::trap::{self, TrapFrame};
use spin::Once;
use x86_64::VirtAddr;
use x86_64::registers::control::Cr2;
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
        // SAFETY: the timer and spurious stubs are ordinary entry stubs like the others.
        unsafe {
            idt[super::apic::TIMER_VECTOR].set_handler_addr(VirtAddr::new(trap::timer as *const () as u64));
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

/// Mnemonic and name of an exception vector.
fn describe(vector: u64) -> (&'static str, &'static str) {
    match vector {
        0 => ("#DE", "divide error"),
        1 => ("#DB", "debug"),
        2 => ("NMI", "non-maskable interrupt"),
        3 => ("#BP", "breakpoint"),
        4 => ("#OF", "overflow"),
        5 => ("#BR", "bound range exceeded"),
        6 => ("#UD", "invalid opcode"),
        7 => ("#NM", "device not available"),
        8 => ("#DF", "double fault"),
        10 => ("#TS", "invalid TSS"),
        11 => ("#NP", "segment not present"),
        12 => ("#SS", "stack-segment fault"),
        13 => ("#GP", "general protection"),
        14 => ("#PF", "page fault"),
        16 => ("#MF", "x87 floating-point"),
        17 => ("#AC", "alignment check"),
        18 => ("#MC", "machine check"),
        19 => ("#XM", "SIMD floating-point"),
        20 => ("#VE", "virtualization"),
        21 => ("#CP", "control protection"),
        28 => ("#HV", "hypervisor injection"),
        29 => ("#VC", "VMM communication"),
        30 => ("#SX", "security"),
        _ => ("#??", "unknown"),
    }
}

/// Which stack a handler runs on, found from the frame's own address.
fn stack_name(frame: &TrapFrame) -> &'static str {
    let here = frame as *const TrapFrame as u64;
    match () {
        _ if ist_stack(DOUBLE_FAULT_IST).contains(&here) => "IST1 (double-fault stack)",
        _ if ist_stack(NMI_IST).contains(&here) => "IST2 (NMI stack)",
        _ if ist_stack(MACHINE_CHECK_IST).contains(&here) => "IST3 (machine-check stack)",
        _ => "interrupted stack",
    }
}

/// Decodes a page-fault error code (SDM 4.7) into words.
fn page_fault_cause(code: u64) -> [&'static str; 4] {
    [
        if code & 1 != 0 { "protection-violation" } else { "not-present" },
        if code & 0x10 != 0 {
            "instruction-fetch"
        } else if code & 2 != 0 {
            "write"
        } else {
            "read"
        },
        if code & 4 != 0 { "user" } else { "kernel" },
        if code & 8 != 0 { "reserved-bit" } else { "" },
    ]
}

fn report(frame: &TrapFrame) {
    let (mnemonic, name) = describe(frame.vector);
    let f = frame;
    log::error!(
        "EXCEPTION: {name} ({mnemonic}, vector {}) error={:#x} rip={:#018x} cr2={:#018x}",
        f.vector,
        f.error_code,
        f.rip,
        Cr2::read_raw()
    );
    if f.vector == 14 {
        let [a, b, c, d] = page_fault_cause(f.error_code);
        log::error!("  page fault: {a} {b} {c} {d}");
    }
    log::error!("  cs={:#x} ss={:#x} rflags={:#x} rsp={:#018x}", f.cs, f.ss, f.rflags, f.rsp);
    log::error!("  rax={:#018x} rbx={:#018x} rcx={:#018x} rdx={:#018x}", f.rax, f.rbx, f.rcx, f.rdx);
    log::error!("  rsi={:#018x} rdi={:#018x} rbp={:#018x} r8 ={:#018x}", f.rsi, f.rdi, f.rbp, f.r8);
    log::error!("  r9 ={:#018x} r10={:#018x} r11={:#018x} r12={:#018x}", f.r9, f.r10, f.r11, f.r12);
    log::error!("  r13={:#018x} r14={:#018x} r15={:#018x}", f.r13, f.r14, f.r15);
    log::error!("  handler stack: {}", stack_name(frame));
}

/// Called by the common entry stub with the saved state of the interrupted code.
pub extern "C" fn dispatch(frame: &mut TrapFrame) {
    match frame.vector {
        32 => {
            super::apic::eoi();
            return crate::process::sched::timer_interrupt(frame);
        }
        255 => return, // spurious: no EOI
        _ => {}
    }
    if frame.came_from_user() {
        return crate::process::user_exception(frame);
    }
    match frame.vector {
        // Traps: RIP already points past the instruction; report and resume.
        1 | 3 => {
            report(frame);
            log::warn!("  resuming at rip={:#018x}", frame.rip);
        }
        _ => {
            crate::logger::enter_fault();
            report(frame);
            crate::exit::kernel_panic("unhandled CPU exception");
        }
    }
}
