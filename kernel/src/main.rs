//! rt0 kernel: the ring-0 half of rt0.
//!
//! The bootloader (rust-osdev bootloader 0.11) enters [`kmain`] in long mode with paging on, the
//! whole of physical memory mapped at [`config::PHYS_MAP_BASE`] and a stack with a guard page.
//! `kmain` is the boot order written once, one step per line, the same step names the L0 log
//! prints (the model is Redox's `kstart` and Linux's `start_kernel`).
#![no_std]
#![no_main]

extern crate alloc;

mod arch;
mod bootinfo;
mod cmdline;
mod config;
mod exit;
mod logger;
mod mm;
mod panic;
mod selftest;

use bootloader_api::BootInfo;

bootloader_api::entry_point!(kmain, config = &config::BOOTLOADER_CONFIG);

fn kmain(boot_info: &'static mut BootInfo) -> ! {
    let entry_tsc = arch::tsc::read();
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
    log::info!(
        "kernel: init done, {} from kernel entry",
        logger::Span(arch::tsc::read() - entry_tsc)
    );
    // A test mode from the command line, or an ordinary boot that ends with exit code 0.
    match cmdline.get("test") {
        Some(name) => selftest::run(name),
        None => exit::exit(0),
    }
}
