//! Global descriptor tables and task-state segments, one pair per CPU (Intel SDM vol. 3, ch. 3
//! and 8; Linux's per-CPU `gdt_page` and `cpu_tss_rw`).
//!
//! Segment order is fixed by SYSCALL/SYSRET: kernel code, kernel data, then user data before user
//! code, so that `STAR[63:48] + 8` is the user SS and `+ 16` the user CS (as in Linux's
//! `GDT_ENTRY_*`). Every CPU has the same layout, so the selectors are constants; only the TSS
//! descriptor differs, naming that CPU's own TSS (`ltr` marks a descriptor busy, so two CPUs
//! cannot share one). The TSS's interrupt-stack table gives the faults that must run on a
//! known-good stack their own: #DF (a kernel stack overflow lands here), NMI and #MC. #PF
//! deliberately has no IST stack: IST stacks are not re-entrant, and page faults nest (a fault
//! taken while copying from user memory inside a fault handler) — Linux makes the same choice.
//!
//! The boot CPU's tables and IST stacks are statics (they are needed before the heap exists);
//! an application processor's are allocated by the boot CPU before it starts it ([`alloc_ap`]).
use alloc::boxed::Box;
use core::ops::Range;
use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::registers::model_specific::GsBase;
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

/// User code and data selectors (RPL 3) and kernel code/data, in GDT order.
pub const KERNEL_CS: u16 = 0x08;
pub const KERNEL_DS: u16 = 0x10;
pub const USER_DS: u16 = 0x18 | 3;
pub const USER_CS: u16 = 0x20 | 3;
/// The TSS descriptor (two slots, after user code).
const TSS_SEL: u16 = 0x28;

#[repr(C, align(16))]
struct IstStacks([[u8; IST_STACK_SIZE]; IST_COUNT]);

/// One CPU's GDT and TSS. The TSS is written through raw pointers only: RSP0 changes with the
/// running thread (`percpu::set_kernel_stack`, on that CPU, interrupts off) and the CPU reads it
/// on every ring-3 → ring-0 transition.
pub struct CpuTables {
    gdt: GlobalDescriptorTable,
    tss: TaskStateSegment,
}

impl CpuTables {
    const fn new() -> CpuTables {
        CpuTables { gdt: GlobalDescriptorTable::new(), tss: TaskStateSegment::new() }
    }
}

/// The boot CPU's tables and IST stacks: `static mut` to land in writable .bss; reached only
/// through raw pointers (the IST stacks are written only by the CPU, pushing exception frames).
static mut BOOT_TABLES: CpuTables = CpuTables::new();
static mut BOOT_IST: IstStacks = IstStacks([[0; IST_STACK_SIZE]; IST_COUNT]);

/// Fills in `t`: the IST entries (tops of the stacks at `ist`, which grow down), then the GDT
/// with a TSS descriptor naming `t`'s own TSS.
///
/// # Safety
/// `t` must be valid, not loaded on any CPU and not otherwise referenced; `ist` must be
/// `IST_COUNT` stacks of `IST_STACK_SIZE` bytes that live as long as `t` and nothing else uses.
unsafe fn prepare(t: *mut CpuTables, ist: u64, cpu: u32) {
    // SAFETY: the caller gives `t` to us alone for now.
    let t = unsafe { &mut *t };
    for slot in [DOUBLE_FAULT_IST, NMI_IST, MACHINE_CHECK_IST] {
        let top = ist + (slot as u64 + 1) * IST_STACK_SIZE as u64;
        t.tss.interrupt_stack_table[slot as usize] = VirtAddr::new(top);
    }
    let mut gdt = GlobalDescriptorTable::new();
    assert_eq!(gdt.append(Descriptor::kernel_code_segment()).0, KERNEL_CS);
    assert_eq!(gdt.append(Descriptor::kernel_data_segment()).0, KERNEL_DS);
    // User data then user code, right after kernel data: the SYSRET layout.
    assert_eq!(gdt.append(Descriptor::user_data_segment()).0, USER_DS);
    assert_eq!(gdt.append(Descriptor::user_code_segment()).0, USER_CS);
    // SAFETY: the TSS lives as long as the GDT (same allocation) and is never moved.
    let tss = unsafe { Descriptor::tss_segment_unchecked(&raw const t.tss) };
    assert_eq!(gdt.append(tss).0, TSS_SEL);
    assert_eq!(gdt.append(Descriptor::UserSegment(cpunode(cpu))).0, abi::vdso::CPUNODE_SELECTOR);
    t.gdt = gdt;
}

/// The CPUNODE descriptor of `cpu` (Linux's `setup_getcpu`): a present, DPL-3, read-only
/// expand-down data segment that nothing loads; its limit is the CPU number (node 0 above bit
/// 12), which the vDSO's getcpu reads with `lsl`.
fn cpunode(cpu: u32) -> u64 {
    let limit = (cpu & abi::vdso::CPUNODE_CPU_MASK) as u64;
    let access = 0x80 | 3 << 5 | 0x10 | 0x5; // present, DPL 3, code/data, type 5 (RO, expand-down, accessed)
    let flags = 0x4; // D/B: 32-bit
    (limit & 0xffff) | (access << 40) | ((limit >> 16) & 0xf) << 48 | flags << 52
}

/// Loads `t` on this CPU: `lgdt`, every segment register reloaded, `ltr`.
///
/// # Safety
/// `t` must have been [`prepare`]d, must live for good, and must be loaded on this CPU only.
unsafe fn load(t: *mut CpuTables) {
    // `t` lives for good (caller);
    // SAFETY: the GDT is only read from now on (the CPU sets the TSS descriptor's busy bit).
    let gdt: &'static GlobalDescriptorTable = unsafe { &(*t).gdt };
    gdt.load();
    // the selectors index descriptors of the GDT loaded just above; kernel code/data
    // are the long-mode ring-0 segments the kernel already runs with.
    // SAFETY: so the block below is sound.
    unsafe {
        CS::set_reg(SegmentSelector(KERNEL_CS));
        SS::set_reg(SegmentSelector(KERNEL_DS));
        DS::set_reg(SegmentSelector(0));
        ES::set_reg(SegmentSelector(0));
        load_tss(SegmentSelector(TSS_SEL));
    }
}

/// Builds and loads the boot CPU's GDT and TSS; returns the TSS for its per-CPU block (which
/// owns RSP0 from then on).
pub fn init() -> *mut TaskStateSegment {
    let t = &raw mut BOOT_TABLES;
    // runs once, on the boot CPU, before anything else points at its tables;
    // SAFETY: the IST stacks are the boot CPU's statics.
    unsafe {
        prepare(t, (&raw const BOOT_IST) as u64, 0);
        load(t);
        &raw mut (*t).tss
    }
}

/// The tables and IST stacks of application processor `cpu`, from the heap (before the AP
/// starts); they live for good.
pub fn alloc_ap(cpu: u32) -> *mut CpuTables {
    let t = Box::into_raw(Box::new(CpuTables::new()));
    // SAFETY: all-zero bytes are valid stacks; the allocation is leaked, so it lives for good.
    let ist = Box::into_raw(unsafe { Box::<IstStacks>::new_zeroed().assume_init() });
    // SAFETY: both were just allocated and are ours alone.
    unsafe { prepare(t, ist as u64, cpu) };
    t
}

/// Loads an AP's tables (from [`alloc_ap`]) on the AP itself; returns its TSS.
///
/// # Safety
/// On the AP that `t` was allocated for, once.
pub unsafe fn init_ap(t: *mut CpuTables) -> *mut TaskStateSegment {
    // SAFETY: prepared by alloc_ap, leaked, and loaded here only (caller).
    unsafe {
        load(t);
        &raw mut (*t).tss
    }
}

/// The address range of this CPU's IST stack `slot`, for fault reports ("running on the #DF
/// stack"): from the TSS of its per-CPU block, or the boot CPU's before that exists.
pub fn ist_stack(slot: u16) -> Range<u64> {
    let tss = match GsBase::read().as_u64() {
        // SAFETY: only the field's address is taken; no reference to the static is made.
        0 => unsafe { &raw const BOOT_TABLES.tss },
        _ => super::percpu::this().tss.cast_const(),
    };
    // SAFETY: a loaded TSS, which lives for good; the IST entries are written only before it is loaded.
    let top = unsafe { (*tss).interrupt_stack_table[slot as usize].as_u64() };
    top - IST_STACK_SIZE as u64..top
}
