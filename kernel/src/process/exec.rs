//! exec (Linux fs/exec.c + fs/binfmt_elf.c): a fresh address space from the ramdisk's ELF, the
//! execve stack with argv, env and auxv, and the drop to ring 3.
use super::{PID, PROCESS, Process, STACK_TOP, args, elf, sched, signal::Signals, stack};
use crate::arch::{cpu, percpu, syscall, tsc};
use crate::mm::aspace::{AddressSpace, PAGE};
use crate::time::{self, Span};
use abi::auxv::*;
use abi::mman::{PROT_READ, PROT_WRITE};
use abi::rt0::{AT_RT0_KERNEL_TSC, AT_RT0_TSC_HZ, MAX_ARG_STRLEN, MAX_ARG_TOTAL};
use alloc::format;
use alloc::vec::Vec;

/// Initial user RFLAGS: interrupts on (so the timer can preempt) and the always-one bit 1.
const USER_RFLAGS: u64 = 0x202;

/// Linux's limits on exec arguments (fs/exec.c): one string at most MAX_ARG_STRLEN bytes with
/// its NUL, and all strings plus their pointers at most a quarter of the stack limit. E2BIG
/// otherwise.
pub fn check_limits(argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<(), &'static str> {
    let all = || argv.iter().chain(envp);
    let total: usize = all().map(|s| s.len() + 1 + size_of::<u64>()).sum();
    if all().any(|s| s.len() + 1 > MAX_ARG_STRLEN) || total > MAX_ARG_TOTAL {
        return Err("argument list too long (E2BIG)");
    }
    Ok(())
}

/// Where the stack reservation (`abi::rt0::STACK_SIZE` below [`STACK_TOP`]) begins: lower down
/// only as far as Linux's stack guard gap above a segment that lies in it (Linux's stack grows
/// down on demand and stops that gap short of the mapping below). None when a segment leaves
/// no room even for the page the arguments go in.
fn stack_bottom(image: &elf::Image) -> Option<u64> {
    let lowest = STACK_TOP - abi::rt0::STACK_SIZE as u64;
    let below = image
        .segments
        .iter()
        .filter(|s| s.memsz > 0 && s.vaddr < STACK_TOP)
        .map(|s| (s.vaddr + s.memsz).next_multiple_of(PAGE))
        .filter(|&end| end.saturating_add(abi::mman::STACK_GUARD_GAP as u64) > lowest)
        .max();
    match below {
        None => Some(lowest),
        Some(end) => {
            let bottom = end.saturating_add(abi::mman::STACK_GUARD_GAP as u64);
            (bottom < STACK_TOP - PAGE).then_some(bottom)
        }
    }
}

/// Loads the program in `elf_bytes`, builds its stack and enters it. Never returns: the run
/// ends with exit_group, a fatal signal, or (for an unloadable program) the bad-program exit.
/// `boot_stack_top`: the stack kmain runs on, which becomes the main thread's kernel stack.
pub fn exec(elf_bytes: &[u8], phys_offset: u64, boot_stack_top: u64, features: &cpu::Features) -> ! {
    let start = tsc::read();
    let image = elf::check(elf_bytes).unwrap_or_else(|why| crate::control::bad_program(&why));
    let args = args::load().unwrap_or_else(|why| crate::control::bad_program(why));
    check_limits(&args.argv, &args.envp).unwrap_or_else(|why| crate::control::bad_program(why));
    let mut aspace = AddressSpace::new(phys_offset).unwrap_or_else(|| crate::control::bad_program("out of memory"));
    elf::load(&image, elf_bytes, &mut aspace).unwrap_or_else(|why| crate::control::bad_program(&why));
    // `--trace-startup`: an int3 over each function the runner named.
    super::trace::plant(&mut aspace, image.bias);
    let bottom = stack_bottom(&image).unwrap_or_else(|| crate::control::bad_program("a segment lies over the stack"));
    aspace.map(bottom, STACK_TOP, (PROT_READ | PROT_WRITE) as u32, "stack");
    // The vDSO and its vvar page, top down below the mmap base (after the ELF, as Linux's
    // load_elf_binary calls arch_setup_additional_pages).
    let vdso = super::vdso::map(&mut aspace).unwrap_or_else(|| crate::control::bad_program("no room for the vDSO"));

    let (random, source) = random_bytes(features);
    let hwcap = core::arch::x86_64::__cpuid(1).edx as u64;
    let auxv = [
        (AT_SYSINFO_EHDR, vdso),
        (AT_MINSIGSTKSZ, abi::signal::MINSIGSTKSZ as u64),
        (AT_HWCAP, hwcap),
        (AT_PAGESZ, PAGE),
        (AT_CLKTCK, 100),
        (AT_PHDR, image.phdr),
        (AT_PHENT, image.phent),
        (AT_PHNUM, image.phnum),
        // The interpreter's load address (fs/binfmt_elf.c): there is none.
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, image.entry),
        (AT_UID, 0),
        (AT_EUID, 0),
        (AT_GID, 0),
        (AT_EGID, 0),
        (AT_SECURE, 0),
        (AT_HWCAP2, 0),
        (AT_RT0_TSC_HZ, if time::icount() { 0 } else { tsc::ticks_per_sec() }),
        (AT_RT0_KERNEL_TSC, time::entry_tsc()),
    ];
    let st = stack::build(
        STACK_TOP,
        &stack::Entry { argv: &args.argv, envp: &args.envp, execfn: &args.argv[0], random, auxv: &auxv },
    );
    aspace.copy_out(st.sp, &st.bytes).unwrap_or_else(|e| crate::control::bad_program(&format!("initial stack: {e:?}")));
    aspace.activate();
    let kind = if image.bias != 0 { format!("static-pie at {:#x}", image.bias) } else { "ET_EXEC".into() };
    log::info!(
        "exec: {kind}, {} segments, entry {:#x}, brk {:#x}, AT_RANDOM from {source}",
        image.segments.len(),
        image.entry,
        image.brk
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
        Span(tsc::read() - time::entry_tsc())
    );
    *PROCESS.lock() = Some(Process {
        aspace,
        brk_start: image.brk,
        brk: image.brk,
        load_bias: image.bias,
        fs_base: 0,
        gs_base: 0,
        signals: Signals::new(),
        start_tsc: tsc::read(),
        fds: crate::fd::FdTable::with_consoles(),
        limits: super::rlimit::Limits::new(),
    });
    crate::control::program_starting();
    let kstack_top = sched::init_main(PID, boot_stack_top);
    percpu::set_kernel_stack(kstack_top);
    if super::account::enabled() {
        super::account::start();
    }
    // The process's page table is active: it maps `entry` executable and the stack writable.
    // SAFETY: those mappings are ring 3's, and the kernel stack is reserved for this thread.
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
