//! Starting the application processors (Intel SDM vol. 3, 9.4 "Multiple-processor (MP)
//! initialization"; Linux's arch/x86/kernel/smpboot.c and arch/x86/realmode/rm/trampoline_64.S).
//!
//! An AP waits, after reset, for the boot CPU to send it INIT and then STARTUP IPIs; a STARTUP
//! IPI starts it in real mode at a page below 1 MiB. That page holds a copy of the trampoline (the
//! `global_asm!` block at the end):
//! 16-bit code that loads a small GDT and enters protected mode, 32-bit code that enables PAE,
//! loads the kernel's own PML4 (the boot CPU's CR3), sets EFER.LME and NXE and turns paging on
//! (the page is identity-mapped for this moment, by the caller), and 64-bit code that takes its
//! stack from [`Params`] and calls [`ap_entry`] in the kernel's higher half. `ap_entry` gives the
//! CPU what the boot CPU has — its own GDT and TSS, the shared IDT, CR0/CR4/EFER, a clean FPU,
//! its per-CPU block on GS, the SYSCALL MSRs, its local APIC — says it is up, and hands over to
//! the entry layer's `start_secondary`.
//!
//! The boot CPU starts one AP at a time ([`Trampoline::start`]): INIT (asserted, then
//! de-asserted), then STARTUP, waiting as the SDM says — 10 ms after INIT, 200 µs after each
//! STARTUP. Like Linux (`smp_set_init_udelay`) the 10 ms are spent only on CPUs older than the
//! Pentium Pro or the K8, which need them; the wait after a STARTUP ends as soon as the AP's
//! first instruction has run, and the second STARTUP is sent only if it has not. A CPU that is
//! not up within [`UP_DEADLINE_MS`] is sent INIT again, which parks it for good, and left out.
use super::gdt::CpuTables;
use super::percpu::MAX_CPUS;
use super::{apic, cpu, fpu, gdt, idt, percpu, syscall, tsc};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};
use x86_64::registers::control::Cr3;

unsafe extern "C" {
    /// The entry layer's side of an AP's start (Linux's `start_secondary`): never returns.
    fn start_secondary(cpu: u32) -> !;
    /// The trampoline's first byte, its parameter block, and its end (the assembly below).
    static rt0_ap_trampoline: u8;
    static rt0_ap_trampoline_params: u8;
    static rt0_ap_trampoline_end: u8;
}

/// How long an AP has, from INIT, to say it is up.
pub const UP_DEADLINE_MS: u64 = 1000;
/// The SDM's waits: after INIT (only on CPUs that need it, see the module doc), and after each
/// STARTUP IPI.
const INIT_DELAY_US: u64 = 10_000;
const STARTUP_DELAY_US: u64 = 200;

/// What the boot CPU leaves in the trampoline page for the AP it starts. The trampoline's
/// assembly reaches each field by its offset in this layout.
#[repr(C)]
struct Params {
    /// Set to 1 by the AP's first instructions: it has received a STARTUP IPI and runs.
    started: u32,
    /// The kernel PML4 (physical; 32-bit code loads it, so below 4 GiB).
    cr3: u32,
    /// Top of the AP's stack (16-byte aligned), and [`ap_entry`]'s address and arguments.
    stack_top: u64,
    entry: u64,
    tables: u64,
    cpu: u64,
    /// The AP's TSC at its first instructions (real mode), written by the AP.
    first_tsc: u64,
}

/// How long an AP's bring-up took, in TSC ticks (instructions under icount).
pub struct Bringup {
    /// From the boot CPU's INIT to the AP's "up".
    pub from_init: u64,
    /// From the AP's first instruction (in the trampoline) to its "up": its own work.
    pub own: u64,
}

/// TSC at which each CPU said it was up (0: not yet).
static UP: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];

/// The trampoline, copied into its low page.
pub struct Trampoline {
    /// Physical address of the page (below 1 MiB): STARTUP's vector is its page number.
    phys: u64,
    /// The page through the direct map.
    virt: u64,
}

impl Trampoline {
    /// Copies the trampoline into the page at physical `phys` (reached through the direct map at
    /// `phys_offset`).
    ///
    /// # Safety
    /// The page must be below 1 MiB, owned by the caller for as long as APs are started, and
    /// identity-mapped executable in the page table CR3 names now, until every AP is up.
    pub unsafe fn install(phys: u64, phys_offset: u64) -> Trampoline {
        assert!(phys < 1 << 20 && phys.is_multiple_of(4096), "the trampoline page must be a page below 1 MiB");
        let start = &raw const rt0_ap_trampoline;
        // SAFETY: the three symbols are labels of one global_asm block, in order.
        let len = unsafe { (&raw const rt0_ap_trampoline_end).offset_from(start) } as usize;
        assert!(len <= 4096, "the trampoline does not fit a page");
        let virt = phys_offset + phys;
        // the code is `len` readable bytes;
        // SAFETY: the page is the caller's, reached through the direct map, and no Rust reference covers it.
        unsafe { core::ptr::copy_nonoverlapping(start, virt as *mut u8, len) };
        Trampoline { phys, virt }
    }

    fn params(&self) -> *mut Params {
        // SAFETY: both symbols belong to the trampoline block, params after the start.
        let off = unsafe { (&raw const rt0_ap_trampoline_params).offset_from(&raw const rt0_ap_trampoline) };
        (self.virt + off as u64) as *mut Params
    }

    /// Starts the AP whose local APIC id is `apic_id` as CPU `cpu`, on the stack whose top is
    /// `stack_top` and with the tables `tables` (from `gdt::alloc_ap`, used by no other CPU).
    pub fn start(
        &self,
        apic_id: u32,
        cpu: u32,
        stack_top: u64,
        tables: *mut CpuTables,
    ) -> Result<Bringup, &'static str> {
        let cr3 = Cr3::read().0.start_address().as_u64();
        if cr3 >= 1 << 32 || apic_id > apic::MAX_XAPIC_ID || cpu as usize >= MAX_CPUS {
            return Err("cannot be started (PML4 above 4 GiB, APIC id beyond xAPIC, or CPU id beyond MAX_CPUS)");
        }
        let p = self.params();
        let params = Params {
            started: 0,
            cr3: cr3 as u32,
            stack_top,
            entry: ap_entry as *const () as u64,
            tables: tables as u64,
            cpu: cpu as u64,
            first_tsc: 0,
        };
        // the parameter block lies in the trampoline page (install's caller owns it);
        // SAFETY: no AP runs the trampoline now (the previous one is up or parked by INIT).
        unsafe { p.write_volatile(params) };
        // SAFETY: `started` is an aligned u32 of the page, written by the AP as it runs.
        let started = unsafe { AtomicU32::from_ptr(&raw mut (*p).started) };
        UP[cpu as usize].store(0, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        let vector = (self.phys >> 12) as u8;
        let per_us = tsc::ticks_per_ms() / 1000;
        let t0 = tsc::read();
        let sent = apic::send_init(apic_id);
        delay(if cpu::needs_init_delay() { INIT_DELAY_US * per_us } else { 0 }, || false);
        if !sent || !apic::send_init_deassert(apic_id) {
            return Err("INIT not delivered");
        }
        for _ in 0..2 {
            if !apic::send_startup(apic_id, vector) {
                return Err("STARTUP not delivered");
            }
            if delay(STARTUP_DELAY_US * per_us, || started.load(Ordering::Acquire) != 0) {
                break;
            }
        }
        let up = &UP[cpu as usize];
        if !delay(UP_DEADLINE_MS * 1000 * per_us, || up.load(Ordering::Acquire) != 0) {
            apic::send_init(apic_id); // parked: it may not run on the next CPU's parameters
            return Err(if started.load(Ordering::Relaxed) != 0 {
                "started but not up by the deadline"
            } else {
                "no answer by the deadline"
            });
        }
        let up = up.load(Ordering::Relaxed);
        // SAFETY: written by the AP before it said it was up (Acquire above); in the page.
        let first = unsafe { (&raw const (*p).first_tsc).read_volatile() };
        Ok(Bringup { from_init: up.saturating_sub(t0), own: up.saturating_sub(first) })
    }
}

/// Spins until `done()` or `ticks` TSC ticks have passed; returns whether `done()` held. The
/// `pause` in the loop also lets QEMU's round-robin TCG (icount) run the other CPUs.
fn delay(ticks: u64, done: impl Fn() -> bool) -> bool {
    let start = tsc::read();
    loop {
        if done() {
            return true;
        }
        if tsc::read() - start >= ticks {
            return false;
        }
        core::hint::spin_loop();
    }
}

/// An AP's first Rust code, called by the trampoline in long mode on its own stack, interrupts
/// off: the boot CPU's set-up, for this CPU.
extern "C" fn ap_entry(tables: *mut CpuTables, cpu: u32) -> ! {
    // GDT and TSS with this CPU's IST stacks.
    // SAFETY: `tables` were allocated for this CPU by the boot CPU and are loaded here, once.
    let tss = unsafe { gdt::init_ap(tables) };
    // The IDT all CPUs share.
    idt::init_ap();
    // CR0/CR4/EFER as on the boot CPU, then a clean x87/SSE state.
    cpu::init_ap();
    fpu::init_cpu();
    // Per-CPU block on GS, and the SYSCALL MSRs.
    // slot `cpu` is this CPU's alone (the boot CPU numbers each AP once),
    // SAFETY: on this CPU, once, with its TSS loaded.
    unsafe { percpu::init(cpu, tss) };
    syscall::init();
    // The local APIC, with the timer factor the boot CPU measured.
    apic::init_ap();
    percpu::this().apic_id.store(apic::id(), Ordering::Relaxed);
    UP[cpu as usize].store(tsc::read().max(1), Ordering::Release);
    // SAFETY: defined by the entry layer; this CPU is fully set up.
    unsafe { start_secondary(cpu) }
}

// The trampoline. Runs at the physical address it is copied to, whatever that is: the 16-bit
// code takes the page's address from CS (EBX = CS << 4 from then on) and writes it into the
// GDT pointer and the two far-jump pointers before it uses them.
core::arch::global_asm!(
    ".pushsection .text.rt0_ap_trampoline, \"ax\"",
    ".balign 16",
    ".global rt0_ap_trampoline",
    ".global rt0_ap_trampoline_params",
    ".global rt0_ap_trampoline_end",
    ".set .Lparams, rt0_ap_trampoline_params - rt0_ap_trampoline",
    "rt0_ap_trampoline:",
    ".code16",
    "cli",
    "cld",
    "mov %cs, %ax",
    "mov %ax, %ds",
    "movb $1, .Lparams + {started}",
    "movzx %ax, %ebx",
    "shl $4, %ebx",
    "rdtsc",
    "mov %eax, .Lparams + {first_tsc}",
    "mov %edx, .Lparams + {first_tsc} + 4",
    "lea .Lgdt - rt0_ap_trampoline(%ebx), %eax",
    "mov %eax, .Lgdtr - rt0_ap_trampoline + 2", // GDT pointer: base
    "lea .Lcode32 - rt0_ap_trampoline(%ebx), %eax",
    "mov %eax, .Lfar32 - rt0_ap_trampoline", // far pointer to the 32-bit code
    "lea .Lcode64 - rt0_ap_trampoline(%ebx), %eax",
    "mov %eax, .Lfar64 - rt0_ap_trampoline", // far pointer to the 64-bit code
    "lgdtl .Lgdtr - rt0_ap_trampoline",
    "mov %cr0, %eax",
    "and ${cr0_cache_on}, %eax", // INIT leaves caching off (CD, NW)
    "or ${cr0_pe}, %eax",
    "mov %eax, %cr0",
    "ljmpl *.Lfar32 - rt0_ap_trampoline", // into 32-bit protected mode
    ".code32",
    ".Lcode32:",
    "mov $0x10, %ax",
    "mov %ax, %ds",
    "mov %ax, %es",
    "mov %ax, %ss",
    "mov %cr4, %eax",
    "or ${cr4_pae}, %eax",
    "mov %eax, %cr4",
    "mov .Lparams + {cr3}(%ebx), %eax",
    "mov %eax, %cr3",
    "mov ${efer}, %ecx",
    "rdmsr",
    "or ${efer_bits}, %eax",
    "wrmsr",
    "mov %cr0, %eax",
    "or ${cr0_pg}, %eax", // paging on: long mode (compatibility), still at the identity address
    "mov %eax, %cr0",
    "ljmpl *.Lfar64 - rt0_ap_trampoline(%ebx)", // into 64-bit mode
    ".code64",
    ".Lcode64:",
    "mov %ebx, %ebx", // the upper halves are undefined after the switch
    "mov .Lparams + {stack_top}(%rbx), %rsp",
    "mov .Lparams + {tables}(%rbx), %rdi",
    "mov .Lparams + {cpu}(%rbx), %rsi",
    "mov .Lparams + {entry}(%rbx), %rax",
    "xor %ebp, %ebp",
    "call *%rax",
    "ud2",
    // The trampoline's GDT: null, 32-bit code (0x08), flat data (0x10), 64-bit code (0x18).
    ".balign 8",
    ".Lgdt:",
    ".quad 0",
    ".quad 0x00cf9a000000ffff",
    ".quad 0x00cf92000000ffff",
    ".quad 0x00af9a000000ffff",
    ".Lgdtr:",
    ".word 4 * 8 - 1",
    ".long 0",
    ".Lfar32:",
    ".long 0",
    ".word 0x08",
    ".Lfar64:",
    ".long 0",
    ".word 0x18",
    ".balign 8",
    "rt0_ap_trampoline_params:",
    ".space {params_size}",
    "rt0_ap_trampoline_end:",
    ".popsection",
    started = const core::mem::offset_of!(Params, started),
    cr3 = const core::mem::offset_of!(Params, cr3),
    stack_top = const core::mem::offset_of!(Params, stack_top),
    entry = const core::mem::offset_of!(Params, entry),
    tables = const core::mem::offset_of!(Params, tables),
    cpu = const core::mem::offset_of!(Params, cpu),
    params_size = const size_of::<Params>(),
    first_tsc = const core::mem::offset_of!(Params, first_tsc),
    cr0_pe = const 1u32 << 0,
    cr0_pg = const 1u32 << 31,
    cr0_cache_on = const !(3u32 << 29),
    cr4_pae = const 1u32 << 5,
    efer = const 0xc000_0080u32,
    efer_bits = const (1u32 << 8) | (1u32 << 11), // LME, NXE
    options(att_syntax)
);
