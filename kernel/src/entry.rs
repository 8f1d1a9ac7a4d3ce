//! The kernel's entry layer (Linux's kernel/entry/common.c and arch/x86/entry/common.c): the only
//! door between the arch stubs and policy. The stubs in `arch::trap` build a [`TrapFrame`] and call
//! the three functions here by name; each decides what the event means and, when it came from
//! ring 3, leaves through [`exit_to_user`] — the single place where the way back to ring 3 does
//! pending work: rescheduling, then delivering the thread's pending signals.
use crate::arch::{TrapFrame, apic, percpu, report, serial};
use crate::mm::tlb;
use crate::process::{account, fault, sched};

/// A `syscall` from ring 3 (Linux's `do_syscall_64`).
#[unsafe(no_mangle)]
pub extern "C" fn do_syscall_64(frame: &mut TrapFrame) {
    crate::syscall::dispatch(frame);
    exit_to_user(frame);
}

/// A CPU exception. From ring 3 it is the process's (demand paging or a signal); in the kernel,
/// #BP and #DB are reported and resumed and everything else is a kernel panic. An NMI while
/// another CPU panics is its order to stop (`smp::stop_others`).
#[unsafe(no_mangle)]
pub extern "C" fn do_exception(frame: &mut TrapFrame) {
    const NMI: u64 = 2;
    if frame.vector == NMI && crate::smp::stopping() {
        crate::smp::stop_here();
    }
    // #BP's entry stub stamps the TSC in its error-code slot (otherwise 0): `--trace-startup`
    // measures a stop's whole cost from there. Taken out before anything reads the frame.
    let bp_tsc = if frame.vector == 3 { core::mem::take(&mut frame.error_code) } else { 0 };
    if frame.came_from_user() {
        if account::enabled() {
            // A stop's int3 and the stub's instructions up to its stamp are not the program's.
            let t = if bp_tsc != 0 { bp_tsc - crate::arch::BREAKPOINT_ENTRY_HEAD } else { crate::arch::tsc::read() };
            account::user_exit(t);
        }
        let stop = fault::user_exception(frame, bp_tsc);
        exit_to_user(frame);
        if let Some(end) = stop {
            crate::process::trace::returned(end);
        }
        return;
    }
    match frame.vector {
        // Traps: RIP already points past the instruction; report and resume.
        1 | 3 => {
            report::report(frame);
            log::warn!("  resuming at rip={:#018x}", frame.rip);
        }
        _ => {
            crate::smp::stop_others();
            crate::logger::enter_fault();
            report::report(frame);
            crate::control::kernel_panic("unhandled CPU exception");
        }
    }
}

/// A device interrupt or an IPI: the APIC timer ends time slices and sleeps; COM1's input (routed
/// to the boot CPU) goes to the console, which wakes readers and raises the terminal's signals;
/// the reschedule IPI makes this CPU flush its TLB if asked, and look at its work bits on the way
/// back to ring 3 (an idle CPU's loop looks by itself); spurious ones are ignored (and get no
/// EOI). `tsc` is the common path's stamp at entry, for the interrupted thread's accounting.
#[unsafe(no_mangle)]
pub extern "C" fn do_interrupt(frame: &mut TrapFrame, tsc: u64) {
    const TIMER: u64 = apic::TIMER_VECTOR as u64;
    const COM1: u64 = serial::COM1_VECTOR as u64;
    const RESCHEDULE: u64 = apic::RESCHEDULE_VECTOR as u64;
    if account::enabled() && frame.came_from_user() {
        account::user_exit(tsc - crate::arch::IRQ_ENTRY_HEAD);
        if crate::process::trace::enabled() {
            crate::process::trace::interrupt();
        }
    }
    match frame.vector {
        RESCHEDULE => {
            apic::eoi();
            tlb::flush_if_asked();
        }
        TIMER => {
            apic::eoi();
            sched::timer_tick(frame.came_from_user());
        }
        COM1 => {
            crate::fd::console::input_interrupt();
            apic::eoi();
        }
        _ => {}
    }
    if frame.came_from_user() {
        exit_to_user(frame);
    }
}

/// An application processor, set up by `arch::smpboot` (Linux's `start_secondary`): it says so
/// and enters the scheduler's idle context.
#[unsafe(no_mangle)]
pub extern "C" fn start_secondary(cpu: u32) -> ! {
    crate::smp::secondary_start(cpu)
}

/// The way back to ring 3: do this CPU's pending work (Linux's `exit_to_user_mode_loop`), then
/// return to the stub, which restores `frame`.
#[inline(always)]
pub fn exit_to_user(frame: &mut TrapFrame) {
    let work = percpu::take_work();
    if work != 0 {
        exit_work(frame, work);
    }
}

/// The slow path, kept out of line so the common return pays one load: work may come up while
/// work is done (a switch lands on a thread with a signal pending), so it loops until none is
/// left, as Linux's exit_to_user_mode_loop does. A shootdown this call owes comes first (the
/// thread has not left the call), then a flush another CPU asked for.
#[cold]
#[inline(never)]
fn exit_work(frame: &mut TrapFrame, mut work: u64) {
    work &= !percpu::ACCOUNT;
    while work != 0 {
        if work & percpu::TLB_GATHER != 0 {
            tlb::finish();
        }
        if work & percpu::TLB_FLUSH != 0 {
            tlb::flush_requested();
        }
        if work & percpu::NEED_RESCHED != 0 {
            sched::schedule();
        }
        if work & percpu::SIGNAL_WORK != 0 {
            fault::deliver_pending(frame);
        }
        work = percpu::take_work() & !percpu::ACCOUNT;
    }
    // Last, once no switch is left to make: the return to ring 3 is stamped for the thread
    // that makes it.
    if account::enabled() {
        account::user_enter();
    }
}
