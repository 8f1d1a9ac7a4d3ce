//! rt0 kernel binary: the bootloader (rust-osdev bootloader 0.11) enters [`kmain`] in long mode
//! with paging on, the whole of physical memory mapped at [`config::PHYS_MAP_BASE`] and a stack
//! with a guard page. `kmain` is the boot order written once, one step per line, the same step
//! names the L0 log prints (the model is Redox's `kstart` and Linux's `start_kernel`). Everything
//! else is the `kernel` library.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod boot {
    use bootloader_api::BootInfo;
    use kernel::*;

    bootloader_api::entry_point!(kmain, config = &config::BOOTLOADER_CONFIG);
    fn kmain(boot_info: &'static mut BootInfo) -> ! {
        let entry_tsc = time::mark_entry();
        // Kernel command line from the runner (QEMU fw_cfg `opt/rt0/cmdline`); needed first because it
        // says whether to log and whether rdtsc counts instructions (`icount`).
        let cmdline = cmdline::load();
        // Serial console (COM1) behind a spin lock, wired to the `log` crate; timestamps from the TSC.
        logger::init(&cmdline);
        log::info!("kernel: entered, cmdline \"{}\"", cmdline.raw());
        // What the bootloader handed over: memory map, physical-memory offset, ramdisk.
        let handoff = bootinfo::summarize(boot_info);
        // GDT with kernel/user segments and a TSS whose IST stacks serve #DF, NMI and #MC.
        let boot_tss = arch::gdt::init();
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
        // SAFETY: CPU 0's block, on CPU 0, once, with the TSS gdt::init loaded.
        unsafe { arch::percpu::init(0, boot_tss) };
        arch::syscall::init();
        // Threads' kernel stacks get their own page-table slot before any address space copies
        // the kernel half.
        process::thread::init();
        // The local APIC timer, measured against the TSC, preempts threads and ends sleeps.
        // The TSC's calibration (started at logger::init) completes here if nothing needed it yet.
        time::calibrated();
        let apic_per_ms = arch::apic::init(handoff.phys_offset, arch::tsc::ticks_per_ms(), time::icount());
        log::info!("apic: timer {apic_per_ms} ticks/ms, one-shot on vector {}", arch::apic::TIMER_VECTOR);
        // The ACPI MADT: the processors, the I/O APICs and the ISA interrupt overrides.
        let madt = handoff.rsdp.ok_or("no RSDP").and_then(|rsdp| arch::acpi::Madt::read(rsdp, handoff.phys_offset));
        // The other CPUs, started from a real-mode trampoline; they idle in `hlt`.
        smp::init(madt.as_ref().ok(), handoff.phys_offset);
        // Console input: COM1's IRQ 4, found in the ACPI MADT, routed through the I/O APIC.
        match madt
            .as_ref()
            .map_err(|why| *why)
            .and_then(|madt| arch::serial::route_input_interrupt(madt, handoff.phys_offset, arch::apic::id()))
        {
            Ok(r) => log::info!(
                "console: COM1 irq {} -> gsi {} (I/O APIC {:#x} pin {}{}{}), vector {:#x}",
                arch::serial::COM1_IRQ,
                r.gsi,
                r.ioapic,
                r.pin,
                if r.level { ", level" } else { ", edge" },
                if r.active_low { ", active low" } else { "" },
                arch::serial::COM1_VECTOR
            ),
            Err(why) => log::warn!("console: input interrupt not routed ({why}): a blocked read(0) will not wake"),
        }
        // The program's stdout: a virtio console when the runner attached one, else COM2.
        let phys = |va: u64| mm::paging::translate(x86_64::VirtAddr::new(va)).map_or(0, |p| p.as_u64());
        let consoles = arch::virtio_console::init(phys);
        if consoles.stdout {
            log::info!("stdout: virtio console, port 0's transmit queue (a buffer per request)");
        } else {
            log::info!("stdout: COM2 (no virtio console)");
        }
        // The log and stderr: on the virtio log console from here, when the runner attached one.
        if arch::serial::hand_over_log() {
            log::info!(
                "log: on the virtio log console (PCI 00:{:02x}.0, a buffer per line) from here; COM1 keeps stdin",
                abi::rt0::LOG_CONSOLE_SLOT
            );
        } else {
            log::info!("log: COM1 (no virtio log console)");
        }
        log::info!("syscall: entry at LSTAR, per-CPU block on GS (swapgs), Linux x86-64 numbering");
        // A snapshot-making boot stops here; a machine restored from it goes on with its run's
        // command line.
        let cmdline = snapshot::ready_point(cmdline);
        // `strace` on the command line: every syscall of the program printed as strace does.
        if cmdline.flag("strace") {
            syscall::strace::enable();
        }
        // `account`: each thread's user and kernel time, counted at every ring transition.
        if cmdline.flag("account") {
            process::account::enable();
        }
        log::info!("kernel: init done, {} from kernel entry", time::Span(arch::tsc::read() - entry_tsc));
        // A kernel self-test from the command line, else the program: from fw_cfg (the runner's
        // way) or the image's ramdisk.
        if let Some(name) = cmdline.get("test") {
            selftest::run(name)
        }
        let elf = match process::image::program(handoff.ramdisk) {
            Some(elf) => elf,
            None => {
                log::info!("kernel: no program (fw_cfg or ramdisk), nothing to run");
                control::exit(0)
            }
        };
        // The read-only file tree from fw_cfg, mapped before the process's address space copies
        // the kernel half.
        fd::rofs::load();
        process::exec(elf, handoff.phys_offset, handoff.boot_stack_top, &features)
    }
}

/// On the host the kernel binary has nothing to do: it is a bare-metal program (`cargo run`
/// boots it in QEMU); only its library half runs here, in unit tests.
#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("the rt0 kernel runs on bare metal: use `cargo run` to boot it in QEMU");
    std::process::exit(2);
}
