//! exec (Linux fs/exec.c + fs/binfmt_elf.c): a fresh address space from an ELF — the booted
//! program's, or one execve names — the execve stack with argv, env and auxv, and the drop to
//! ring 3.
use super::uaccess::{Errno, UserPtr};
use super::{
    Mm, MmCell, PID, Process, ProcessCell, STACK_TOP, args, binfmt_script, elf, sched, signal::Signals, stack,
};
use crate::arch::{TrapFrame, cpu, percpu, syscall, tsc};
use crate::mm::aspace::{AddressSpace, PAGE};
use crate::time::{self, Span};
use abi::auxv::*;
use abi::errno::{E2BIG, EACCES, EAGAIN, EFAULT, ELOOP, ENOENT, ENOEXEC, ENOMEM};
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

/// A loaded program: its address space, entry point, initial stack pointer and break.
struct Loaded {
    aspace: AddressSpace,
    entry: u64,
    sp: u64,
    brk: u64,
    bias: u64,
    auxv_count: usize,
    stack_bytes: usize,
    random_source: &'static str,
}

/// Linux's load_elf_binary after the point of no return, without touching the caller: a fresh
/// address space with the segments of `image`, the stack reservation with the execve stack
/// (argv, envp, auxv; AT_EXECFN `execfn`) and the vDSO.
fn load(
    image: &elf::Image,
    elf_bytes: &[u8],
    (argv, envp, execfn): (&[Vec<u8>], &[Vec<u8>], &[u8]),
    phys_offset: u64,
    features: &cpu::Features,
    trace: bool,
) -> Result<Loaded, alloc::string::String> {
    let mut aspace = AddressSpace::new(phys_offset).ok_or("out of memory")?;
    elf::load(image, elf_bytes, &mut aspace)?;
    if trace {
        // `--trace-startup`: an int3 over each function the runner named.
        super::trace::plant(&mut aspace, image.bias);
    }
    let bottom = stack_bottom(image).ok_or("a segment lies over the stack")?;
    aspace.map(bottom, STACK_TOP, (PROT_READ | PROT_WRITE) as u32, "stack");
    // The vDSO and its vvar page, top down below the mmap base (after the ELF, as Linux's
    // load_elf_binary calls arch_setup_additional_pages).
    let vdso = super::vdso::map(&mut aspace).ok_or("no room for the vDSO")?;
    let (random, random_source) = random_bytes(features);
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
    let st = stack::build(STACK_TOP, &stack::Entry { argv, envp, execfn, random, auxv: &auxv });
    aspace.copy_out(st.sp, &st.bytes).map_err(|e| format!("initial stack: {e:?}"))?;
    Ok(Loaded {
        aspace,
        entry: image.entry,
        sp: st.sp,
        brk: image.brk,
        bias: image.bias,
        auxv_count: st.auxv_count,
        stack_bytes: st.bytes.len(),
        random_source,
    })
}

/// The program the runner booted and the name it gave it (argv[0]): execve of that name, or of
/// `/proc/self/exe` from a process running it, loads it again (a Go test binary re-running
/// itself through `os.Args[0]`).
static BOOTED: spin::Once<(&'static [u8], Vec<u8>)> = spin::Once::new();

/// The direct map's offset, for the address spaces execve makes.
static PHYS_OFFSET: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Loads the program in `elf_bytes`, builds its stack and enters it. Never returns: the run
/// ends with exit_group, a fatal signal, or (for an unloadable program) the bad-program exit.
/// `boot_stack_top`: the stack kmain runs on, which becomes the main thread's kernel stack.
pub fn exec(elf_bytes: &'static [u8], phys_offset: u64, boot_stack_top: u64, features: &cpu::Features) -> ! {
    let start = tsc::read();
    let image = elf::check(elf_bytes).unwrap_or_else(|why| crate::control::bad_program(&why));
    let args = args::load().unwrap_or_else(|why| crate::control::bad_program(why));
    check_limits(&args.argv, &args.envp).unwrap_or_else(|why| crate::control::bad_program(why));
    BOOTED.call_once(|| (elf_bytes, args.argv[0].clone()));
    PHYS_OFFSET.store(phys_offset, core::sync::atomic::Ordering::Relaxed);
    let l = load(&image, elf_bytes, (&args.argv, &args.envp, &args.argv[0]), phys_offset, features, true)
        .unwrap_or_else(|why| crate::control::bad_program(&why));
    l.aspace.activate();
    let kind = if image.bias != 0 { format!("static-pie at {:#x}", image.bias) } else { "ET_EXEC".into() };
    log::info!(
        "exec: {kind}, {} segments, entry {:#x}, brk {:#x}, AT_RANDOM from {}",
        image.segments.len(),
        image.entry,
        image.brk,
        l.random_source
    );
    log::info!(
        "L0->L1 entering ring 3: rip={:#x} rsp={:#x} argc={} envc={} auxv={} stack {} bytes, exec took {}, kernel entry to ring 3 {}",
        image.entry,
        l.sp,
        args.argv.len(),
        args.envp.len(),
        l.auxv_count,
        l.stack_bytes,
        Span(tsc::read() - start),
        Span(tsc::read() - time::entry_tsc())
    );
    let mm = MmCell::new(Mm { aspace: l.aspace, brk_start: l.brk, brk: l.brk, load_bias: l.bias });
    let cell = alloc::sync::Arc::new(ProcessCell {
        pid: PID,
        cwd: core::sync::atomic::AtomicUsize::new(crate::fd::rofs::cwd()),
        state: spin::Mutex::new(Process {
            signals: Signals::new(),
            start_tsc: tsc::read(),
            fds: crate::fd::FdTable::with_consoles(),
            limits: super::rlimit::Limits::new(),
            exe: None,
        }),
    });
    super::task::init_first(cell.clone());
    crate::control::program_starting();
    let kstack_top = sched::init_main(PID, boot_stack_top, cell, mm);
    percpu::set_kernel_stack(kstack_top);
    if super::account::enabled() {
        super::account::start();
    }
    // The process's page table is active: it maps `entry` executable and the stack writable.
    // SAFETY: those mappings are ring 3's, and the kernel stack is reserved for this thread.
    unsafe { syscall::enter_user(l.entry, l.sp, USER_RFLAGS, kstack_top) }
}

/// The bytes of the program `name` names for execve: a regular file of the file tree with an
/// execute bit (ENOENT, ENOTDIR, ELOOP from the walk; EACCES for anything else), the booted
/// program under the name the runner gave it, or `/proc/self/exe`: the caller's own program.
fn program_bytes(name: &[u8]) -> Result<Program, Errno> {
    let booted = BOOTED.get();
    if name == b"/proc/self/exe" {
        return match super::with(|p| p.exe.clone()) {
            Some(bytes) => Ok(Program::Tree(bytes)),
            None => booted.map(|b| Program::Booted(b.0)).ok_or(ENOENT),
        };
    }
    match crate::syscall::path::resolve_name(abi::fcntl::AT_FDCWD as u64, name, true) {
        Ok(crate::syscall::path::Found::Node(n)) => {
            let (regular, mode) = {
                let t = crate::fd::rofs::tree();
                let node = &t.nodes[n];
                (matches!(node.kind, crate::fd::tree::Kind::File(_)), crate::fd::rofs::stat_of(n).st_mode)
            };
            if !regular || mode & 0o111 == 0 {
                return Err(EACCES);
            }
            let file = crate::fd::rofs::open(n, abi::fcntl::O_RDONLY);
            let mut bytes = Vec::new();
            file.file.map_bytes(&mut |piece| bytes.extend_from_slice(piece));
            Ok(Program::Tree(alloc::sync::Arc::new(bytes)))
        }
        Ok(crate::syscall::path::Found::DevNull) => Err(EACCES),
        Err(ENOENT) if booted.is_some_and(|b| b.1 == name) => Ok(Program::Booted(booted.expect("checked").0)),
        Err(e) => Err(e),
    }
}

/// Where an execve's program lives.
enum Program {
    Booted(&'static [u8]),
    Tree(alloc::sync::Arc<Vec<u8>>),
}

/// Reads a NULL-terminated array of string pointers (argv, envp); NULL is an empty array.
/// EFAULT for an unreadable pointer or string, E2BIG past Linux's limits.
fn user_strings(at: u64) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if at == 0 {
        return Ok(out);
    }
    let mut total = 0usize;
    for i in 0.. {
        let p = UserPtr::<u64>::new(at.checked_add(i * 8).ok_or(EFAULT)?).read()?;
        if p == 0 {
            break;
        }
        let mut s = Vec::new();
        let mut chunk = [0u8; 256];
        loop {
            let from = p.checked_add(s.len() as u64).ok_or(EFAULT)?;
            let want = chunk.len().min((PAGE - from % PAGE) as usize);
            let got = super::mm(|m| m.aspace.copy_in_upto(from, &mut chunk[..want]));
            if let Some(nul) = chunk[..got].iter().position(|&b| b == 0) {
                s.extend_from_slice(&chunk[..nul]);
                break;
            }
            s.extend_from_slice(&chunk[..got]);
            if got < want {
                return Err(EFAULT);
            }
            if s.len() + 1 > MAX_ARG_STRLEN {
                return Err(E2BIG);
            }
        }
        total += s.len() + 1 + 8;
        if s.len() + 1 > MAX_ARG_STRLEN || total > MAX_ARG_TOTAL {
            return Err(E2BIG);
        }
        out.push(s);
    }
    Ok(out)
}

/// execve(path, argv, envp) (Linux fs/exec.c `do_execveat_common`, `begin_new_exec`): the
/// program is found (ENOENT, EACCES, …), read and checked (ENOEXEC), its arguments copied
/// (EFAULT, E2BIG); from there on the caller's address space is replaced by a fresh one with the
/// execve stack and the vDSO, its close-on-exec descriptors are closed, its caught signals go
/// back to SIG_DFL, its alternate stack and TLS bases are cleared, and a vfork parent goes on.
/// On success the thread leaves for the new program's entry with every register zero.
pub fn execve(frame: &mut TrapFrame, path: u64, argv: u64, envp: u64) -> Result<u64, Errno> {
    let name = crate::syscall::path::user_path(path)?;
    if name.is_empty() {
        return Err(ENOENT);
    }
    let mut program = program_bytes(&name)?;
    let mut argv = user_strings(argv)?;
    let envp = user_strings(envp)?;
    // `#!` scripts (binfmt_script.rs): the interpreter runs with the script's path in argv,
    // itself perhaps a script, up to Linux's depth.
    let mut path = name.clone();
    for depth in 0.. {
        let Program::Tree(file) = &program else { break };
        if !binfmt_script::is_script(file) {
            break;
        }
        if depth == binfmt_script::MAX_DEPTH {
            return Err(ELOOP);
        }
        let line = binfmt_script::parse(file)?;
        argv = binfmt_script::argv(&line, &path, &argv);
        check_limits(&argv, &envp).map_err(|_| E2BIG)?;
        // Linux's open_exec("") finds the current directory, which is no regular file.
        program = if line.interpreter.is_empty() { Err(EACCES) } else { program_bytes(&line.interpreter) }?;
        path = line.interpreter;
    }
    let bytes: &[u8] = match &program {
        Program::Booted(b) => b,
        Program::Tree(b) => b,
    };
    let image = elf::check(bytes).map_err(|why| {
        log::info!("execve {}: {why}: ENOEXEC", alloc::string::String::from_utf8_lossy(&name));
        ENOEXEC
    })?;
    // Linux's de_thread: the other threads go first (a process already ending cannot exec).
    if sched::live_in_group() > 1 && !sched::kill_others_for_exec() {
        return Err(EAGAIN);
    }
    let phys_offset = PHYS_OFFSET.load(core::sync::atomic::Ordering::Relaxed);
    let l = load(&image, bytes, (&argv, &envp, &name), phys_offset, &cpu::features(), false).map_err(|why| {
        log::warn!("execve: {why}: ENOMEM");
        ENOMEM
    })?;
    // The point of no return.
    l.aspace.activate();
    let mm = MmCell::new(Mm { aspace: l.aspace, brk_start: l.brk, brk: l.brk, load_bias: l.bias });
    drop(sched::replace_mm(Some(mm)));
    let closed = super::with(|p| {
        p.exe = match program {
            Program::Booted(_) => None,
            Program::Tree(b) => Some(b),
        };
        p.signals.reset_for_exec();
        p.fds.take_cloexec()
    });
    drop(closed);
    sched::with_current(|t| {
        t.altstack = abi::signal::StackT::NONE;
        t.clear_child_tid = 0;
        t.robust_list = 0;
        t.fs_base = 0;
        t.gs_base = 0;
    });
    x86_64::registers::model_specific::FsBase::write(x86_64::VirtAddr::new(0));
    x86_64::registers::model_specific::KernelGsBase::write(x86_64::VirtAddr::new(0));
    super::task::vfork_done();
    let (cs, ss) = (frame.cs, frame.ss);
    *frame = TrapFrame { rip: l.entry, rsp: l.sp, rflags: USER_RFLAGS, cs, ss, ..TrapFrame::default() };
    frame.clear_syscall();
    Ok(0)
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
