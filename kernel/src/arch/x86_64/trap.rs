//! Exception entry: one tiny stub per vector and one common path that saves every general
//! register into a [`TrapFrame`] on the current stack (or the IST stack the IDT names).
//!
//! The CPU pushes SS, RSP, RFLAGS, CS, RIP and, for some vectors, an error code; the stubs push a
//! zero error code where the CPU does not, then the vector number, so every frame has one shape.
//! The shape is Linux's `struct pt_regs` order (r15 at the lowest address … ss at the highest).
//!
//! The stubs hand every frame to the kernel's entry layer through three C-ABI functions the
//! arch code only declares (as Linux's entry_64.S calls `do_syscall_64`): the entry layer
//! defines them, so arch code never names process or syscall policy.

use super::frame::{SYSCALL_VECTOR, TrapFrame};

unsafe extern "C" {
    /// A `syscall` instruction from ring 3, frame built by [`syscall_entry`].
    fn do_syscall_64(frame: &mut TrapFrame);
    /// A CPU exception (vectors 0–31), from ring 3 or ring 0.
    fn do_exception(frame: &mut TrapFrame);
    /// A device interrupt (the APIC timer, COM1's input, spurious), with the TSC read
    /// [`IRQ_ENTRY_HEAD`] instructions after the interrupted code's last one (from ring 3).
    fn do_interrupt(frame: &mut TrapFrame, tsc: u64);
}

/// Pushes the general registers in `TrapFrame` order (rax first, so r15 lands lowest), points rdi
/// at the frame and clears DF: what every entry does before it calls into Rust.
macro_rules! save_registers {
    () => {
        concat!(
            "push rax\npush rbx\npush rcx\npush rdx\npush rsi\npush rdi\npush rbp\n",
            "push r8\npush r9\npush r10\npush r11\npush r12\npush r13\npush r14\npush r15\n",
            "mov rdi, rsp\ncld"
        )
    };
}

/// A trap's way in after its stub: `swapgs` if it came from ring 3 (the saved CS, above the
/// vector, error code and RIP, has a non-zero RPL), then [`save_registers`].
macro_rules! enter_from_either_ring {
    () => {
        concat!("test qword ptr [rsp + 24], 3\njz 2f\nswapgs\n2:\n", save_registers!())
    };
}

/// The way back from a handler that accounts ring-3 time: when the frame's CS is ring 3,
/// stamp this CPU's accounting clock with the TSC plus [`RESUME_TAIL`] (the instructions still
/// to run before ring 3), then [`trap_return`]. Operands: `cs` (the frame's CS offset), `tail`,
/// `stamp` (the per-CPU stamp's GS offset), `ret`.
macro_rules! stamp_and_return {
    () => {
        concat!(
            "test qword ptr [rsp + {cs}], 3\n", // the frame's CS
            "jz 3f\n",
            "rdtsc\nshl rdx, 32\nor rax, rdx\n",
            "add rax, {tail}\n",
            "mov gs:[{stamp}], rax\n",
            "3:\n",
            "jmp {ret}"
        )
    };
}

/// A common entry: `swapgs` if we came from ring 3, save registers, hand the frame to the entry
/// layer's `$handler`, then fall into [`trap_return`].
macro_rules! common_entry {
    ($name:ident, $handler:ident) => {
        #[unsafe(naked)]
        extern "C" fn $name() {
            core::arch::naked_asm!(
                enter_from_either_ring!(),
                "call {handler}",
                "jmp {ret}",
                handler = sym $handler,
                ret = sym trap_return,
            );
        }
    };
}

// CPU exceptions and device interrupts enter through separate common paths, so neither pays
// for telling them apart.
common_entry!(trap_common, do_exception);

/// Device interrupts' common path: [`trap_common`]'s, with two TSC stamps around the handler
/// for `process::account`, each at a fixed distance from ring 3 (this code's, not the
/// compiler's), so an interrupt — time-driven, so not the same from run to run — adds nothing
/// to the interrupted thread's user count: the one at entry goes to `do_interrupt`, the one on
/// the way back (to ring 3 only) starts the thread's user time again. Without accounting
/// neither is read.
#[unsafe(naked)]
extern "C" fn irq_common() {
    core::arch::naked_asm!(
        enter_from_either_ring!(),
        "rdtsc",
        "shl rdx, 32",
        "or rax, rdx",
        "mov rsi, rax",
        "call {handler}",
        stamp_and_return!(),
        handler = sym do_interrupt,
        cs = const core::mem::offset_of!(TrapFrame, cs),
        tail = const RESUME_TAIL,
        stamp = const super::percpu::ACCT_STAMP_OFFSET,
        ret = sym trap_return,
    );
}

/// Instructions of an interrupt from ring 3 up to [`irq_common`]'s entry stamp: the stub's
/// `push 0`, `push` of the vector and `jmp`, then `test`, `jz`, `swapgs`, 15 pushes, `mov`,
/// `cld` and the `rdtsc` itself (whose value holds it, as [`BREAKPOINT_ENTRY_HEAD`] says).
pub const IRQ_ENTRY_HEAD: u64 = 24;

/// Restores a [`TrapFrame`] at RSP and returns to it with `iretq` (after `swapgs` when
/// returning to ring 3). Shared by exceptions, syscalls and the first entry to user mode.
#[unsafe(naked)]
pub extern "C" fn trap_return() {
    core::arch::naked_asm!(
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop r11",
        "pop r10",
        "pop r9",
        "pop r8",
        "pop rbp",
        "pop rdi",
        "pop rsi",
        "pop rdx",
        "pop rcx",
        "pop rbx",
        "pop rax",
        "add rsp, 16",                 // vector and error code
        "test qword ptr [rsp + 8], 3", // CS
        "jz 2f",
        "swapgs",
        "2:",
        "iretq",
    );
}

/// The `syscall` instruction lands here (IA32_LSTAR) with RCX = user RIP, R11 = user RFLAGS,
/// interrupts masked by IA32_FMASK, still on the user stack. It builds the same [`TrapFrame`] an
/// exception would (so signals and the scheduler see one shape), calls
/// the entry layer's `do_syscall_64`, and leaves through [`trap_return`].
#[unsafe(naked)]
pub extern "C" fn syscall_entry() {
    core::arch::naked_asm!(
        "swapgs",
        "mov gs:[{user_rsp}], rsp",
        "mov rsp, gs:[{kernel_rsp}]",
        "push {user_ds}",
        "push qword ptr gs:[{user_rsp}]",
        "push r11",
        "push {user_cs}",
        "push rcx",
        "push rax", // the error-code slot keeps the syscall number (Linux's orig_ax)
        "push {vector}",
        save_registers!(),
        "call {dispatch}",
        "jmp {ret}",
        user_rsp = const super::percpu::USER_RSP_OFFSET,
        kernel_rsp = const super::percpu::KERNEL_RSP_OFFSET,
        user_ds = const super::gdt::USER_DS,
        user_cs = const super::gdt::USER_CS,
        vector = const SYSCALL_VECTOR,
        dispatch = sym do_syscall_64,
        ret = sym trap_return,
    );
}

/// #BP (vector 3, no error code): the TSC at entry goes in the error-code slot, so that
/// `--trace-startup` can count a stop's cost from the exception's first instruction (the entry
/// layer takes it out again before the frame is used). RAX and RDX are the interrupted code's:
/// saved around `rdtsc`. [`BREAKPOINT_ENTRY_HEAD`] counts the instructions up to the stamp.
#[unsafe(naked)]
pub extern "C" fn breakpoint() {
    core::arch::naked_asm!(
        "push 0",
        "push rax",
        "push rdx",
        "rdtsc",
        "shl rdx, 32",
        "or rax, rdx",
        "mov [rsp + 16], rax",
        "pop rdx",
        "pop rax",
        "push 3",
        "jmp {common}",
        common = sym breakpoint_common,
    );
}

/// #BP's common path: [`trap_common`]'s, and on the way back to ring 3 the stamp that starts
/// the thread's user time again (`process::account`; a `--trace-startup` stop's way back is
/// not the program's), taken here so that what follows it is this code's, not the compiler's:
/// [`RESUME_TAIL`] instructions. Without accounting the stamp is read by nobody.
#[unsafe(naked)]
extern "C" fn breakpoint_common() {
    core::arch::naked_asm!(
        enter_from_either_ring!(),
        "call {handler}",
        stamp_and_return!(),
        handler = sym do_exception,
        cs = const core::mem::offset_of!(TrapFrame, cs),
        tail = const RESUME_TAIL,
        stamp = const super::percpu::ACCT_STAMP_OFFSET,
        ret = sym trap_return,
    );
}

/// Instructions from [`breakpoint_common`]'s and [`irq_common`]'s way-back stamp to the
/// interrupted code: the `rdtsc`'s value holds the `rdtsc` itself (as [`BREAKPOINT_ENTRY_HEAD`]
/// says), then `shl`, `or`, `add`, `mov`, the `jmp`, and [`trap_return`]'s 15 pops, `add`,
/// `test`, `jz`, `swapgs` and `iretq`.
pub const RESUME_TAIL: u64 = 25;

/// Instructions of a traced stop up to [`breakpoint`]'s stamp: the int3, three pushes and the
/// `rdtsc` itself (under icount QEMU charges a translation block's instructions as it enters
/// it, and ends the block at an `rdtsc`, so the count it reads holds the `rdtsc`).
pub const BREAKPOINT_ENTRY_HEAD: u64 = 5;
/// Instructions on the way back after a stop's last stamp, for the stop's cost:
/// `trace::returned` (kept out of line so this count holds) from after its `rdtsc` to its `ret`
/// (10 in this build, with the checked add and the atomic add: read off `objdump -d` of the
/// kernel), then [`breakpoint_common`]'s 8 after its call (`test`, `jz`, its own stamp's five,
/// `jmp`) and [`trap_return`]'s 15 pops, `add`, `test`, `jz`, `swapgs` and `iretq`.
pub const BREAKPOINT_EXIT_TAIL: u64 = 38;

macro_rules! stubs {
    ($($name:ident = $vector:literal $(, $err:ident)? => $common:ident;)*) => {
        $(
            #[unsafe(naked)]
            pub extern "C" fn $name() {
                core::arch::naked_asm!(
                    stubs!(@zero $($err)?),
                    concat!("push ", $vector),
                    "jmp {common}",
                    common = sym $common,
                );
            }
        )*
    };
    (@zero err) => { "" };
    (@zero) => { "push 0" };
}

// The literal in `com1`'s stub below is COM1's vector.
const _: () = assert!(super::serial::COM1_VECTOR == 52);
// And `reschedule`'s is the reschedule IPI's.
const _: () = assert!(super::apic::RESCHEDULE_VECTOR == 253);

stubs! {
    divide_error = 0 => trap_common;
    debug = 1 => trap_common;
    nmi = 2 => trap_common;
    overflow = 4 => trap_common;
    bound_range = 5 => trap_common;
    invalid_opcode = 6 => trap_common;
    device_not_available = 7 => trap_common;
    double_fault = 8, err => trap_common;
    invalid_tss = 10, err => trap_common;
    segment_not_present = 11, err => trap_common;
    stack_segment = 12, err => trap_common;
    general_protection = 13, err => trap_common;
    page_fault = 14, err => trap_common;
    x87_floating_point = 16 => trap_common;
    alignment_check = 17, err => trap_common;
    machine_check = 18 => trap_common;
    simd_floating_point = 19 => trap_common;
    virtualization = 20 => trap_common;
    control_protection = 21, err => trap_common;
    hypervisor_injection = 28 => trap_common;
    vmm_communication = 29, err => trap_common;
    security = 30, err => trap_common;
    timer = 32 => irq_common;
    com1 = 52 => irq_common;
    reschedule = 253 => irq_common;
    spurious = 255 => irq_common;
}
