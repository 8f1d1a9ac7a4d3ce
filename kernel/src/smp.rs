//! The CPUs the kernel runs on (Linux's kernel/smp.c `smp_init` and kernel/cpu.c's online
//! mask): the boot CPU is CPU 0; every other enabled processor the ACPI MADT lists is started
//! (`arch::smpboot`) and numbered 1, 2, … in MADT order as it comes up, so the online CPUs are
//! always 0..[`online_cpus`].
//!
//! Once up, an application processor enters its idle context in the scheduler
//! (`process::sched::idle_loop`) and runs the process's threads as they become runnable.
use crate::arch::acpi::Madt;
use crate::arch::percpu::MAX_CPUS;
use crate::arch::smpboot::{Trampoline, UP_DEADLINE_MS};
use crate::arch::{apic, gdt};
use crate::mm::{frame, paging};
use crate::process::thread::KernelStack;
use crate::time::Span;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// CPUs up: the boot CPU and every AP that answered.
static ONLINE: AtomicU32 = AtomicU32::new(1);

/// How many CPUs are online (numbered 0..n).
pub fn online_cpus() -> u32 {
    ONLINE.load(Ordering::Acquire)
}

/// Starts every application processor the MADT lists, one at a time, and logs one line per CPU
/// (its APIC id, and for an AP the TSC ticks — instructions under icount — from INIT to up),
/// then how many are online. Runs on the boot CPU before any process exists (the trampoline
/// is identity-mapped in the lower half meanwhile).
pub fn init(madt: Option<&Madt>, phys_offset: u64) {
    let me = apic::id();
    crate::arch::percpu::this().apic_id.store(me, Ordering::Relaxed);
    log::info!("smp: cpu 0 (apic {me}) is the boot processor");
    let aps = madt.map_or(&[][..], |m| m.cpus());
    let mut aps = aps.iter().copied().filter(|&id| id != me).peekable();
    if aps.peek().is_some() {
        match frame::alloc_low() {
            Some(page) => {
                // SAFETY: the frame is ours for good, and no process address space exists yet.
                match unsafe { paging::map_identity(page) } {
                    Ok(()) => {
                        let phys = page.start_address().as_u64();
                        // a page below 1 MiB that is ours,
                        // SAFETY: identity-mapped until unmapped below, once every AP is up or parked.
                        let t = unsafe { Trampoline::install(phys, phys_offset) };
                        aps.for_each(|id| start(&t, id));
                        paging::unmap_identity(page);
                    }
                    Err(e) => log::warn!("smp: the trampoline page cannot be mapped ({e:?}): one CPU"),
                }
            }
            None => log::warn!("smp: no usable page below 1 MiB for the trampoline: one CPU"),
        }
    }
    let n = online_cpus();
    log::info!("smp: {n} CPU{} online", if n == 1 { "" } else { "s" });
}

/// Starts the AP `apic_id` as the next CPU.
fn start(t: &Trampoline, apic_id: u32) {
    let cpu = online_cpus();
    if cpu as usize >= MAX_CPUS {
        return log::warn!("smp: apic {apic_id} left out: the kernel supports {MAX_CPUS} CPUs");
    }
    let Some(stack) = KernelStack::new() else {
        return log::warn!("smp: apic {apic_id} left out: no memory for its stack");
    };
    let tables = gdt::alloc_ap(cpu);
    match t.start(apic_id, cpu, stack.top(), tables) {
        Ok(b) => {
            ONLINE.store(cpu + 1, Ordering::Release);
            log::info!(
                "smp: cpu {cpu} (apic {apic_id}) up in {} from its first instruction, {} from INIT",
                Span(b.own),
                Span(b.from_init)
            );
        }
        Err(why) => log::warn!("smp: apic {apic_id} left out: {why} (deadline {UP_DEADLINE_MS} ms from INIT)"),
    }
    // The AP runs on the stack for good; one that failed may have written to it before INIT
    // parked it, so neither it nor the tables are used again.
    core::mem::forget(stack);
}

/// An AP's life, from the entry layer: a line to say it is up, then the scheduler's idle
/// context, which runs threads as they come.
pub fn secondary_start(cpu: u32) -> ! {
    log::info!(
        "smp: cpu {cpu} (apic {}) online: its GDT, TSS and IST stacks, GS block, SYSCALL, APIC; idle",
        apic::id()
    );
    crate::process::sched::idle_loop()
}

/// Set once a CPU panics: the others stop at its NMI.
static STOPPING: AtomicBool = AtomicBool::new(false);
/// How many CPUs have stopped.
static STOPPED: AtomicU32 = AtomicU32::new(0);
/// How long a panicking CPU waits for the others to stop before it reports anyway. The wait
/// ends as soon as every other CPU has stopped; the bound only matters for a CPU that never
/// answers. Linux's `native_stop_other_cpus` waits up to a second too. Under TCG a CPU halted
/// in `hlt` answers the NMI only once the host schedules its vCPU thread, and with four vCPUs
/// on two host cores 10 ms was seen to be too short (one of three CPUs stopped in a CI run).
const STOP_WAIT_MS: u64 = 1000;

/// A kernel panic on this CPU: every other CPU is sent an NMI and stops (Linux's
/// `smp_send_stop`), so the report is the last thing on the console and whole. Once: a CPU that
/// panics while another already does stops at that one's NMI.
pub fn stop_others() {
    let others = online_cpus().saturating_sub(1);
    if others == 0 || STOPPING.swap(true, Ordering::AcqRel) {
        return;
    }
    apic::send_nmi_to_others();
    let start = crate::arch::tsc::read();
    let window = crate::arch::tsc::ticks_per_ms() * STOP_WAIT_MS;
    while STOPPED.load(Ordering::Acquire) < others && crate::arch::tsc::read() - start < window {
        core::hint::spin_loop();
    }
}

/// How many CPUs stopped at a panicking CPU's NMI.
pub fn stopped_cpus() -> u32 {
    STOPPED.load(Ordering::Acquire)
}

/// Whether a CPU has asked the others to stop.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::Acquire)
}

/// This CPU got the panicking CPU's NMI: it stops for good.
pub fn stop_here() -> ! {
    STOPPED.fetch_add(1, Ordering::AcqRel);
    crate::arch::halt_forever()
}
