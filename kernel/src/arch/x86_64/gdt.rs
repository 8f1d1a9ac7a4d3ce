//! Global descriptor table and task-state segment (Intel SDM vol. 3, ch. 3 and 8).
//!
//! Segment order is fixed by SYSCALL/SYSRET: kernel code, kernel data, then user data before user
//! code, so that `STAR[63:48] + 8` is the user SS and `+ 16` the user CS (as in Linux's
//! `GDT_ENTRY_*`). The TSS's interrupt-stack table gives the faults that must run on a known-good
//! stack their own: #DF (a kernel stack overflow lands here), NMI and #MC. #PF deliberately has no
//! IST stack: IST stacks are not re-entrant, and page faults nest (a fault taken while copying
//! from user memory inside a fault handler) — Linux makes the same choice.
use core::ops::Range;
use spin::Once;
use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::registers::segmentation::SegmentSelector;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable};
use x86_64::structures::tss::TaskStateSegment;

/// IST slot (0-based, as `set_stack_index` takes it) of the double-fault stack.
pub const DOUBLE_FAULT_IST: u16 = 0;
/// IST slot of the NMI stack.
pub const NMI_IST: u16 = 1;
/// IST slot of the machine-check stack.
pub const MACHINE_CHECK_IST: u16 = 2;
const IST_STACK_SIZE: usize = 16 * 1024;
const IST_COUNT: usize = 3;

#[repr(C, align(16))]
struct IstStacks([[u8; IST_STACK_SIZE]; IST_COUNT]);

/// Written only by the CPU (pushing exception frames), so `static mut` never sees a Rust
/// reference; it must be `mut` to land in writable .bss rather than read-only .rodata.
static mut IST_STACKS: IstStacks = IstStacks([[0; IST_STACK_SIZE]; IST_COUNT]);

/// Selectors of the kernel segments and the TSS.
pub struct Selectors {
    pub kernel_code: SegmentSelector,
    pub kernel_data: SegmentSelector,
    pub tss: SegmentSelector,
}

/// The boot CPU's TSS. `static mut` because RSP0 changes with the running thread; the CPU reads
/// it on every ring-3 → ring-0 transition. Only `init` and `percpu::set_kernel_stack` (on this
/// CPU, interrupts off) touch it.
static mut TSS: TaskStateSegment = TaskStateSegment::new();
static GDT: Once<(GlobalDescriptorTable, Selectors)> = Once::new();

/// The boot CPU's TSS, for its per-CPU block (which owns RSP0 from then on).
pub fn boot_tss() -> *mut TaskStateSegment {
    &raw mut TSS
}

/// User code and data selectors (RPL 3) and kernel code/data, in GDT order.
pub const KERNEL_CS: u16 = 0x08;
pub const KERNEL_DS: u16 = 0x10;
pub const USER_DS: u16 = 0x18 | 3;
pub const USER_CS: u16 = 0x20 | 3;

/// The address range of IST stack `slot`, for fault reports ("running on the #DF stack").
pub fn ist_stack(slot: u16) -> Range<u64> {
    let base = (&raw const IST_STACKS) as u64 + slot as u64 * IST_STACK_SIZE as u64;
    base..base + IST_STACK_SIZE as u64
}

/// Builds and loads the GDT, reloads every segment register and loads the TSS.
pub fn init() {
    // SAFETY: runs once, on the boot CPU, before the TSS is loaded and before its per-CPU block
    // points at it, so nothing else aliases it.
    let tss: &'static TaskStateSegment = unsafe {
        let tss = &mut *(&raw mut TSS);
        for slot in [DOUBLE_FAULT_IST, NMI_IST, MACHINE_CHECK_IST] {
            // Stacks grow down: the IST entry is the top (end) of the stack.
            tss.interrupt_stack_table[slot as usize] = VirtAddr::new(ist_stack(slot).end);
        }
        &*(&raw const TSS)
    };
    let (gdt, sel) = GDT.call_once(|| {
        let mut gdt = GlobalDescriptorTable::new();
        let sel = Selectors {
            kernel_code: gdt.append(Descriptor::kernel_code_segment()),
            kernel_data: gdt.append(Descriptor::kernel_data_segment()),
            tss: {
                // User data then user code, right after kernel data: the SYSRET layout.
                gdt.append(Descriptor::user_data_segment());
                gdt.append(Descriptor::user_code_segment());
                gdt.append(Descriptor::tss_segment(tss))
            },
        };
        (gdt, sel)
    });
    gdt.load();
    // SAFETY: the selectors index descriptors of the GDT loaded just above, which lives in a
    // static; kernel code/data are the long-mode ring-0 segments the kernel already runs with.
    unsafe {
        CS::set_reg(sel.kernel_code);
        SS::set_reg(sel.kernel_data);
        DS::set_reg(SegmentSelector(0));
        ES::set_reg(SegmentSelector(0));
        load_tss(sel.tss);
    }
}
