//! rt0 kernel: the ring-0 half of rt0.
//!
//! The bootloader (rust-osdev bootloader 0.11) enters [`kmain`] in long mode with paging on, the
//! whole of physical memory mapped at [`config::PHYS_MAP_BASE`] and a stack with a guard page.
//! `kmain` is the boot order written once, one step per line, the same step names the L0 log
//! prints (the model is Redox's `kstart` and Linux's `start_kernel`).
#![no_std]
#![no_main]
// Statics the CPU also uses (TSS, IST and per-CPU blocks) are reached through `&raw mut`, never
// through references to a `static mut`.
#![allow(clippy::deref_addrof)]

extern crate alloc;

mod arch;
mod bootinfo;
mod cmdline;
mod config;
mod exit;
mod logger;
mod mm;
mod panic;
mod process;
mod selftest;
mod syscall;

use bootloader_api::BootInfo;

bootloader_api::entry_point!(kmain, config = &config::BOOTLOADER_CONFIG);

/// TSC at kernel entry: the origin of the "from kernel entry" spans in the log.
pub static ENTRY_TSC: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

fn kmain(boot_info: &'static mut BootInfo) -> ! {
    let entry_tsc = arch::tsc::read();
    ENTRY_TSC.store(entry_tsc, core::sync::atomic::Ordering::Relaxed);
    // Kernel command line from the runner (QEMU fw_cfg `opt/rt0/cmdline`); needed first because it
    // says whether to log and whether rdtsc counts instructions (`icount`).
    let cmdline = cmdline::load();
    // Serial console (COM1) behind a spin lock, wired to the `log` crate; timestamps from the TSC.
    logger::init(&cmdline);
    log::info!("kernel: entered, cmdline \"{}\"", cmdline.raw());
    // What the bootloader handed over: memory map, physical-memory offset, ramdisk.
    let handoff = bootinfo::summarize(boot_info);
    // GDT with kernel/user segments and a TSS whose IST stacks serve #DF, NMI and #MC.
    arch::gdt::init();
    log::info!("gdt: loaded, tss ist1=double-fault ist2=nmi ist3=machine-check");
    // IDT: every architectural exception vector gets a stub that saves all registers.
    arch::idt::init();
    log::info!("idt: loaded, vectors 0-31 report and stop (except #BP, #DB)");
    // Physical frames: the kernel heap is carved out first, the rest feeds the frame allocator.
    mm::init(&handoff);
    // CPU features for user code: SSE, NX, SMEP/SMAP; the legacy PIC masked.
    let features = arch::cpu::init();
    log::info!(
        "cpu: sse on, smep={} smap={} rdrand={} rdseed={}, legacy PIC masked",
        features.smep,
        features.smap,
        features.rdrand,
        features.rdseed
    );
    // Per-CPU block behind GS, and SYSCALL/SYSRET routed to the syscall entry.
    arch::percpu::init();
    arch::syscall::init();
    // The local APIC timer, measured against the TSC, preempts threads and ends sleeps.
    let tsc_per_ms = match arch::tsc::ticks_per_sec() {
        0 => 1_000_000, // icount: one instruction = one nanosecond of virtual time
        hz => hz / 1000,
    };
    let apic_per_ms = arch::apic::init(handoff.phys_offset, tsc_per_ms);
    log::info!("apic: timer {apic_per_ms} ticks/ms, one-shot on vector {}", arch::apic::TIMER_VECTOR);
    log::info!("syscall: entry at LSTAR, per-CPU block on GS (swapgs), Linux x86-64 numbering");
    log::info!("kernel: init done, {} from kernel entry", logger::Span(arch::tsc::read() - entry_tsc));
    // A kernel self-test from the command line, else the program from the ramdisk.
    match (cmdline.get("test"), handoff.ramdisk) {
        (Some(name), _) => selftest::run(name),
        (None, Some((addr, len))) => {
            // SAFETY: the bootloader mapped the ramdisk at `addr` for `len` bytes, read-only
            // use only, for the kernel's lifetime.
            let elf = unsafe { core::slice::from_raw_parts(addr as *const u8, len as usize) };
            process::exec(elf, handoff.phys_offset, &features)
        }
        (None, None) => {
            log::info!("kernel: no program in the ramdisk, nothing to run");
            exit::exit(0)
        }
    }
}
