//! The one process rt0 runs: exec (Linux fs/exec.c + binfmt_elf.c) builds a fresh address space
//! from the ramdisk's ELF, lays out the execve stack and drops to ring 3; exceptions taken in
//! ring 3 come back here as demand paging or signals; exit_group ends the run.
pub mod args;
pub mod elf;
pub mod sched;
pub mod sigframe;
pub mod signal;
pub mod stack;

use crate::arch::{TrapFrame, cpu, percpu, syscall, tsc};
use crate::logger::Span;
use crate::mm::aspace::{Access, AddressSpace, PAGE, PROT_READ, PROT_WRITE};
use alloc::format;
use signal::{Fault, SEGV_ACCERR, SEGV_MAPERR, SIGSEGV, Signals};
use spin::Mutex;

/// Top of the user stack (exclusive), as on Linux without randomization.
pub const STACK_TOP: u64 = 0x0000_7fff_ffff_f000;
/// Reserved stack size (RLIMIT_STACK's default); pages are committed on first touch, and the
/// page below the reservation stays unmapped as a guard.
pub const STACK_SIZE: u64 = 8 << 20;
/// Where mmap places mappings that come without a usable hint.
pub const MMAP_BASE: u64 = 0x0000_7f00_0000_0000;
/// Linux's limits on exec arguments: one string (MAX_ARG_STRLEN) and all of them together
/// (a quarter of the stack limit).
pub const MAX_ARG_STRLEN: usize = 32 * 4096;
pub const MAX_ARG_TOTAL: usize = (STACK_SIZE / 4) as usize;
/// Initial user RFLAGS: interrupts on (so the timer can preempt) and the always-one bit 1.
const USER_RFLAGS: u64 = 0x202;

/// The process's state as its syscalls see it.
pub struct Process {
    pub aspace: AddressSpace,
    pub brk_start: u64,
    pub brk: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    pub signals: Signals,
    pub start_tsc: u64,
}

pub const PID: u32 = 1;

static PROCESS: Mutex<Option<Process>> = Mutex::new(None);

/// Runs `f` on the current process.
pub fn with<R>(f: impl FnOnce(&mut Process) -> R) -> R {
    f(PROCESS.lock().as_mut().expect("no process"))
}

/// Loads the program in `elf_bytes`, builds its stack and enters it. Never returns: the run
/// ends with exit_group, a fatal signal, or (for an unloadable program) the bad-program exit.
pub fn exec(elf_bytes: &[u8], phys_offset: u64, features: &cpu::Features) -> ! {
    let start = tsc::read();
    let image = elf::check(elf_bytes).unwrap_or_else(|why| crate::exit::bad_program(&why));
    let args = args::load().unwrap_or_else(|why| crate::exit::bad_program(why));
    let total: usize = args.argv.iter().chain(&args.envp).map(|s| s.len() + 1 + 8).sum();
    if args.argv.iter().chain(&args.envp).any(|s| s.len() + 1 > MAX_ARG_STRLEN) || total > MAX_ARG_TOTAL {
        crate::exit::bad_program("argument list too long (E2BIG)");
    }
    let mut aspace = AddressSpace::new(phys_offset).unwrap_or_else(|| crate::exit::bad_program("out of memory"));
    elf::load(&image, elf_bytes, &mut aspace).unwrap_or_else(|why| crate::exit::bad_program(&why));
    aspace.map(STACK_TOP - STACK_SIZE, STACK_TOP, PROT_READ | PROT_WRITE, "stack");

    let (random, source) = random_bytes(features);
    let hwcap = core::arch::x86_64::__cpuid(1).edx as u64;
    let auxv = [
        (stack::AT_MINSIGSTKSZ, 2048),
        (stack::AT_HWCAP, hwcap),
        (stack::AT_PAGESZ, PAGE),
        (stack::AT_CLKTCK, 100),
        (stack::AT_PHDR, image.phdr),
        (stack::AT_PHENT, image.phent),
        (stack::AT_PHNUM, image.phnum),
        (stack::AT_BASE, 0),
        (stack::AT_FLAGS, 0),
        (stack::AT_ENTRY, image.entry),
        (stack::AT_UID, 0),
        (stack::AT_EUID, 0),
        (stack::AT_GID, 0),
        (stack::AT_EGID, 0),
        (stack::AT_SECURE, 0),
        (stack::AT_HWCAP2, 0),
        (stack::AT_RT0_TSC_HZ, if crate::logger::icount() { 0 } else { tsc::ticks_per_sec() }),
        (stack::AT_RT0_KERNEL_TSC, crate::ENTRY_TSC.load(core::sync::atomic::Ordering::Relaxed)),
    ];
    let st = stack::build(
        STACK_TOP,
        &stack::Entry { argv: &args.argv, envp: &args.envp, execfn: &args.argv[0], random, auxv: &auxv },
    );
    aspace.copy_out(st.sp, &st.bytes).unwrap_or_else(|e| crate::exit::bad_program(&format!("initial stack: {e:?}")));
    aspace.activate();
    log::info!(
        "exec: {} segments, entry {:#x}, brk {:#x}, AT_RANDOM from {source}",
        image.segments.len(),
        image.entry,
        image.end
    );
    log::info!(
        "L0->L1 entering ring 3: rip={:#x} rsp={:#x} argc={} envc={} auxv={} stack {} bytes, exec took {}, kernel entry to ring 3 {}",
        image.entry,
        st.sp,
        args.argv.len(),
        args.envp.len(),
        st.auxv_count,
        st.bytes.len(),
        Span(tsc::read() - start),
        Span(tsc::read() - crate::ENTRY_TSC.load(core::sync::atomic::Ordering::Relaxed))
    );
    *PROCESS.lock() = Some(Process {
        aspace,
        brk_start: image.end,
        brk: image.end,
        fs_base: 0,
        gs_base: 0,
        signals: Signals::new(),
        start_tsc: tsc::read(),
    });
    crate::exit::program_starting();
    let kstack_top = sched::init_main(PID);
    percpu::set_kernel_stack(kstack_top);
    // SAFETY: the process's page table is active and maps `entry` executable and the stack
    // writable for ring 3; the kernel stack is reserved for this thread.
    unsafe { syscall::enter_user(image.entry, st.sp, USER_RFLAGS, kstack_top) }
}

fn random_bytes(f: &cpu::Features) -> ([u8; 16], &'static str) {
    let mut out = [0u8; 16];
    let mut source = "";
    for half in out.chunks_mut(8) {
        let (v, s) = cpu::hardware_random(f).unwrap_or_else(|| {
            // No RDRAND/RDSEED: mix the TSC (weak; said so in the log).
            let t = tsc::read();
            (t.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (t >> 29), "tsc (no rdrand/rdseed)")
        });
        half.copy_from_slice(&v.to_le_bytes());
        source = s;
    }
    (out, source)
}

/// An exception taken in ring 3: demand paging, or a signal.
pub fn user_exception(frame: &mut TrapFrame) {
    let fault = if frame.vector == 14 {
        let addr = x86_64::registers::control::Cr2::read_raw();
        let access = if frame.error_code & 0x10 != 0 {
            Access::Exec
        } else if frame.error_code & 2 != 0 {
            Access::Write
        } else {
            Access::Read
        };
        let result = with(|p| p.aspace.fault(addr, access));
        match result {
            Ok(()) => return,
            Err(crate::mm::aspace::Fault::NotMapped) => Fault { signo: SIGSEGV, code: SEGV_MAPERR, addr },
            Err(crate::mm::aspace::Fault::NotAllowed) => Fault { signo: SIGSEGV, code: SEGV_ACCERR, addr },
            Err(crate::mm::aspace::Fault::OutOfMemory) => {
                log::error!("out of memory on a page fault at {addr:#x}; killing the process");
                exit_group(128 + 9)
            }
        }
    } else {
        signal::for_exception(frame)
    };
    deliver(frame, fault)
}

/// Delivers a synchronous signal: to the program's handler if it has one (and the signal is
/// neither blocked nor ignored — a blocked or ignored fault is forced to its default, as Linux's
/// `force_sig_fault` does), else the default action: a report line and exit status 128 + signo.
fn deliver(frame: &mut TrapFrame, f: Fault) {
    let handled = with(|p| {
        let bit = 1u64 << (f.signo - 1);
        let action = p.signals.actions[f.signo as usize - 1];
        let (old_mask, alt) = sched::with_current(|t| (t.sigmask, t.altstack));
        if action.handler <= 1 || old_mask & bit != 0 {
            return false;
        }
        if sigframe::setup(&mut p.aspace, frame, &f, &action, &alt, old_mask).is_err() {
            return false;
        }
        let blocked = action.mask | if action.flags & sigframe::SA_NODEFER == 0 { bit } else { 0 };
        sched::with_current(|t| t.sigmask |= blocked & !signal::UNBLOCKABLE);
        if action.flags & sigframe::SA_RESETHAND != 0 {
            p.signals.actions[f.signo as usize - 1] = signal::SigAction::default();
        }
        true
    });
    if !handled {
        kill(frame, f)
    }
}

/// The default action of a fatal signal.
fn kill(frame: &TrapFrame, f: Fault) -> ! {
    crate::logger::enter_fault();
    let region = PROCESS.lock().as_ref().and_then(|p| p.aspace.find(f.addr).map(|v| v.name)).unwrap_or("no mapping");
    log::error!("{} addr={:#x} pc={:#x} ({region})", signal::describe(f.signo), f.addr, frame.rip);
    exit_group(128 + f.signo as i32)
}

/// rt_sigreturn: back from a handler to the state its frame holds (possibly edited by the
/// handler). A frame that cannot be read is a SIGSEGV, as in Linux.
pub fn sigreturn(frame: &mut TrapFrame) {
    match with(|p| sigframe::restore(&mut p.aspace, frame)) {
        Ok(mask) => sched::with_current(|t| t.sigmask = mask & !signal::UNBLOCKABLE),
        Err(()) => kill(frame, Fault { signo: SIGSEGV, code: 0x80, addr: 0 }),
    }
}

/// Ends the process (every thread) with `code`, logging its run time.
pub fn exit_group(code: i32) -> ! {
    let ran = PROCESS.lock().as_ref().map_or(0, |p| tsc::read() - p.start_tsc);
    log::info!("exit_group({code}) after {} in the process", Span(ran));
    crate::exit::exit(code)
}
