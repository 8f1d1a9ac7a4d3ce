//! The per-CPU block, reached through GS in the kernel (Linux's `cpu_entry_area` / per-cpu
//! `pcpu_hot`). In ring 3, GS belongs to the program; every entry from ring 3 executes `swapgs`
//! so that IA32_GS_BASE points here, and every return executes it again.
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{GsBase, KernelGsBase};

/// Field offsets are used by the syscall entry assembly.
#[repr(C)]
pub struct PerCpu {
    /// Offset 0: this block's own address.
    pub self_ptr: u64,
    /// Offset 8: top of the running thread's kernel stack, loaded by the syscall entry.
    pub kernel_rsp: u64,
    /// Offset 16: the user RSP, parked by the syscall entry while it switches stacks.
    pub user_rsp: u64,
}

pub const KERNEL_RSP_OFFSET: usize = 8;
pub const USER_RSP_OFFSET: usize = 16;
const _: () = assert!(core::mem::offset_of!(PerCpu, kernel_rsp) == KERNEL_RSP_OFFSET);
const _: () = assert!(core::mem::offset_of!(PerCpu, user_rsp) == USER_RSP_OFFSET);

static mut PERCPU: PerCpu = PerCpu { self_ptr: 0, kernel_rsp: 0, user_rsp: 0 };

/// Points the kernel's GS base at the per-CPU block; the program's GS starts at 0.
pub fn init() {
    let addr = &raw mut PERCPU as u64;
    // SAFETY: boot CPU only, before any user code runs; plain stores into the static.
    unsafe { PERCPU.self_ptr = addr };
    GsBase::write(VirtAddr::new(addr));
    KernelGsBase::write(VirtAddr::new(0));
}

/// Sets the kernel stack used on the next entry from ring 3 (syscall and TSS.RSP0 alike).
pub fn set_kernel_stack(top: u64) {
    // SAFETY: one CPU; the syscall entry reads this field only while in ring 0 on this CPU,
    // never concurrently with this store (interrupts are off in the kernel).
    unsafe { PERCPU.kernel_rsp = top };
    super::gdt::set_kernel_stack(top);
}
