//! The fault report a CPU exception prints (Intel SDM vol. 3, ch. 6, table 6-1): vector, name,
//! error code, RIP, CR2, the decoded page-fault cause, every general register and the stack the
//! handler ran on.
use super::frame::TrapFrame;
use super::gdt::{DOUBLE_FAULT_IST, MACHINE_CHECK_IST, NMI_IST, ist_stack};
use x86_64::registers::control::Cr2;

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

/// Logs the report for `frame`.
pub fn report(frame: &TrapFrame) {
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
