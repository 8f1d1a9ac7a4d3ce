//! The ELF entry point: `_rt0_amd64_linux` → `_rt0_amd64` → `rt0_go`.
//!
//! Mirrors Go's `runtime/rt0_linux_amd64.s` (`_rt0_amd64_linux`) and `runtime/asm_amd64.s` (`_rt0_amd64`,
//! `runtime·rt0_go`). The kernel (rt0's, or Linux's `execve`) jumps to the ELF entry with RSP pointing at argc,
//! followed by argv[0..argc], NULL, envp..., NULL, auxv pairs and AT_NULL (see [`crate::args`]). No register but
//! RSP carries information; RSP is 16-byte aligned there.
//!
//! - `_rt0_amd64_linux` only jumps to `_rt0_amd64`, as in Go.
//! - `_rt0_amd64` loads argc (`[rsp]`) into RDI and argv (`rsp + 8`) into RSI — envp is not extracted here; it is
//!   found later as `argv[argc + 1..]`.
//! - `rt0_go`'s first instructions (assembly: Rust cannot own SP) record the entry RSP in [`entry_sp`], reserve
//!   five words and align the stack to 16 bytes (Go's `SUBQ $(5*8), SP; ANDQ $~15, SP`) and call [`rt0_go`]
//!   with argc, argv and SP before and after — the rest of asm_amd64.s rt0_go, step by step, which never
//!   returns.
//!
//! The assembly is only assembled for the bare-metal target (`x86_64-unknown-none`): on the host the crate is
//! unit-tested with the ordinary Rust start-up.

use crate::args::{self, InitialStack};
use crate::exit::PROGRAM_TSC;
use crate::proc::{self, G0, M0};
use crate::runtime2::G;
use crate::stack::G0_OS_STACK;
use crate::tls::{arch_set_fs, getg, setg, settls, tls_base};
use crate::{runtime1, step, trace};
use abi::auxv::{AT_PAGESZ, AT_RANDOM, AT_SECURE, AT_SYSINFO_EHDR};
use core::sync::atomic::{AtomicUsize, Ordering};

/// Go's _StackGuard on linux/amd64: the guard band above g0's stack bottom.
const STACK_GUARD: usize = 928;

unsafe extern "Rust" {
    /// 1 for `runtime::bare_main!` programs (kernel tests): entry and args only.
    fn rt0_bare() -> bool;
}

/// RSP as the kernel handed it to `_rt0_amd64_linux`: the address of argc. Written once by `rt0_go` before any Rust
/// code runs; 0 if the program did not start through `_rt0_amd64_linux`.
static ENTRY_SP: AtomicUsize = AtomicUsize::new(0);

/// The stack pointer at the ELF entry point (the address of argc on the initial stack), or 0 when the program did
/// not enter through `_rt0_amd64_linux` (host unit tests).
pub fn entry_sp() -> usize {
    ENTRY_SP.load(Ordering::Relaxed)
}

#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
core::arch::global_asm!(
    ".pushsection .text._rt0_amd64_linux, \"ax\", @progbits",
    // rt0_linux_amd64.s: the ELF entry point.
    ".globl _rt0_amd64_linux",
    ".type _rt0_amd64_linux, @function",
    "_rt0_amd64_linux:",
    "    jmp _rt0_amd64",
    ".size _rt0_amd64_linux, . - _rt0_amd64_linux",
    // asm_amd64.s: argc → RDI, argv → RSI.
    ".globl _rt0_amd64",
    ".type _rt0_amd64, @function",
    "_rt0_amd64:",
    "    mov rdi, qword ptr [rsp]",
    "    lea rsi, [rsp + 8]",
    "    jmp rt0_go",
    ".size _rt0_amd64, . - _rt0_amd64",
    // asm_amd64.s: runtime·rt0_go — reserve 5 words, AND $~15, SP; then the Rust half.
    ".globl rt0_go",
    ".type rt0_go, @function",
    "rt0_go:",
    // The outermost frame: a zero frame pointer ends stack walks here.
    "    xor ebp, ebp",
    "    mov qword ptr [rip + {entry_sp}], rsp",
    "    mov rdx, rsp",
    "    sub rsp, 40",
    "    and rsp, -16",
    "    mov rcx, rsp",
    "    call {rt0_go}",
    // rt0_go never returns; trap if it somehow does.
    "    ud2",
    ".size rt0_go, . - rt0_go",
    ".popsection",
    entry_sp = sym ENTRY_SP,
    rt0_go = sym rt0_go,
);

/// The address of the ELF entry point `_rt0_amd64_linux` (what `AT_ENTRY` in the auxiliary vector should hold).
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
pub fn entry_point() -> usize {
    unsafe extern "C" {
        fn _rt0_amd64_linux();
    }
    _rt0_amd64_linux as *const () as usize
}

/// asm_amd64.s rt0_go after its first instructions, in its order: g0's stack, cpuid, settls and
/// the TLS self-test, m0/g0, check, args, osinit, schedinit, newproc(runtime.main), mstart.
/// `sp_before`/`sp_after`: RSP before and after `AND $~15`.
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
extern "C" fn rt0_go(argc: isize, argv: *const *const u8, sp_before: usize, sp_after: usize) -> ! {
    PROGRAM_TSC.store(trace::rdtsc(), Ordering::Relaxed);
    // SAFETY: defined by the program's main macro; no preconditions.
    if unsafe { rt0_bare() } {
        // Kernel test programs: entry and args only (no TLS, no scheduler, no log).
        // SAFETY: argc/argv come straight from the initial stack, which stays mapped and unchanged.
        unsafe { args::args(argc, argv) };
        // SAFETY: as above.
        unsafe { proc::rt0_main() };
        crate::exit::exit(0);
    }
    // Create istack out of the given (operating system) stack.
    let (lo, guard) = g0_stack(sp_after);
    // Find out information about the processor we're on.
    let cpu = Cpuid::read();
    // settls: FS → &m0.tls[1].
    let tls = settls(&raw mut M0);
    // From here the thread's TLS is set, so the initial stack may be read: rt0's log takes its
    // switches from the environment and the auxv, and the lines so far are printed now.
    // SAFETY: argc/argv come straight from the initial stack, which stays mapped and unchanged.
    let stack = unsafe { InitialStack::from_raw(argc, argv) };
    trace::init(&stack);
    step!(
        1,
        "rt0_go: SP {sp_before:#x} → reserve 5 words, AND $~15 → {sp_after:#x} (16-byte aligned; the L1 lines up to settls print after it, when the log may read its switches)"
    );
    step!(1, "g0 stack: [{lo:#x}, {sp_after:#x}) on the OS stack, stackguard0 {guard:#x}");
    step!(1, "cpuid: vendor {} (isIntel={}), processorVersionInfo {:#x}", cpu.vendor(), cpu.is_intel(), cpu.version);
    let broken = stack.getenv("RT0_BREAK_TLS").is_some();
    if broken {
        // Test switch: FS one word up, so the self-test below must fail.
        arch_set_fs(tls_base(&raw mut M0) + 8);
    }
    step!(
        1,
        "settls: arch_prctl(ARCH_SET_FS, &m0.tls[1]) = {tls} (the seed says GS; Go uses FS){}",
        if broken { "; RT0_BREAK_TLS moved FS one word up" } else { "" }
    );
    tls_selftest();
    // Set the per-goroutine and per-mach "registers": &g0 in the TLS slot; link m0 and g0.
    setg(&raw mut G0);
    // No other M's code ever names G0 or M0 (every other M has its own g0).
    // SAFETY: G0 and M0 are this thread's, and no other thread exists yet.
    unsafe {
        (*(&raw mut M0)).g0 = &raw mut G0;
        (*(&raw mut G0)).m = &raw mut M0;
        // 0(FS): the M itself, for getm (see tls).
        (*(&raw mut M0)).tls[crate::tls::TLS_M] = &raw mut M0 as usize;
    }
    step!(1, "m0.g0 = &g0, g0.m = &m0 (zeroed statics in .bss), getg() = {:#x}", getg() as usize);
    runtime1::check();
    // SAFETY: argc/argv come straight from the initial stack, which stays mapped and unchanged.
    unsafe { args::args(argc, argv) };
    fastrandinit();
    vdsoinit();
    log_args();
    crate::os_linux::osinit();
    proc::schedinit();
    // Create a new goroutine to start the program.
    let gp = proc::newproc(proc::main, 0);
    log_newproc(gp);
    // Start this M.
    proc::mstart()
}

/// g0's stack is the OS stack: hi = SP, lo = SP − 64 KiB (not a separate 8 KB stack). Returns
/// lo and stackguard0.
fn g0_stack(sp: usize) -> (usize, usize) {
    // SAFETY: called once, first thing in rt0_go, before any other thread exists or anything reads G0.
    let g0 = unsafe { &mut *(&raw mut G0) };
    g0.stack.hi = sp;
    g0.stack.lo = sp - G0_OS_STACK;
    g0.stackguard0 = g0.stack.lo + STACK_GUARD;
    (g0.stack.lo, g0.stackguard0)
}

/// CPUID leaves 0 (vendor) and 1 (processorVersionInfo), as rt0_go reads them.
struct Cpuid {
    vendor: [u8; 12],
    version: u32,
}

impl Cpuid {
    fn read() -> Cpuid {
        let v = core::arch::x86_64::__cpuid(0);
        let mut vendor = [0u8; 12];
        vendor[..4].copy_from_slice(&v.ebx.to_le_bytes());
        vendor[4..8].copy_from_slice(&v.edx.to_le_bytes());
        vendor[8..].copy_from_slice(&v.ecx.to_le_bytes());
        Cpuid { vendor, version: core::arch::x86_64::__cpuid(1).eax }
    }

    fn vendor(&self) -> &str {
        core::str::from_utf8(&self.vendor).unwrap_or("?")
    }

    fn is_intel(&self) -> bool {
        &self.vendor == b"GenuineIntel"
    }
}

/// rt0_go's TLS check: store 0x123 through FS, read it back from m0.tls[0]; a mismatch throws.
fn tls_selftest() {
    setg(0x123 as *mut G);
    // SAFETY: a plain read of a word of M0 that only this thread writes (through FS).
    let seen = unsafe { (*(&raw const M0)).tls[0] };
    if seen != 0x123 {
        crate::eprintln!("runtime: TLS self-test failed: stored 0x123 through FS, m0.tls[0] = {seen:#x}");
        crate::panic::throw("settls");
    }
    step!(1, "tls self-test: 0x123 stored at -8(FS) read back from m0.tls[0]");
}

/// Seeds fastrand from the 16 bytes AT_RANDOM points at (Go's startupRandomData, which seeds
/// each M's fastrand).
fn fastrandinit() {
    let random = args::getauxval(AT_RANDOM).unwrap_or(0);
    if random != 0 {
        // AT_RANDOM points at 16 random bytes the kernel put on the initial stack, which stays
        // mapped for the whole run.
        // SAFETY: the address comes from the kernel's auxv; 8 of those 16 bytes are read, unaligned.
        let seed = unsafe { (random as *const u64).read_unaligned() };
        crate::sema::fastrand_seed(seed);
    }
}

/// sysargs' AT_SYSINFO_EHDR case (Go's `vdsoauxv`): the vDSO's clock functions, if the kernel
/// maps one.
fn vdsoinit() {
    let ehdr = args::getauxval(AT_SYSINFO_EHDR).unwrap_or(0);
    // The kernel maps the image AT_SYSINFO_EHDR names readable for the life of the process.
    // SAFETY: so it can be read at any time.
    unsafe { crate::vdso_linux::vdsoauxv(ehdr) };
}

/// The L2 line for Go's `args`: what sysargs takes from the auxv.
fn log_args() {
    let pagesz = args::getauxval(AT_PAGESZ).unwrap_or(0);
    let secure = args::getauxval(AT_SECURE).unwrap_or(0);
    let random = args::getauxval(AT_RANDOM).unwrap_or(0);
    let vdso = args::getauxval(AT_SYSINFO_EHDR).unwrap_or(0);
    let found = if crate::vdso_linux::CLOCK_GETTIME.load(Ordering::Relaxed) != 0 { "found" } else { "absent" };
    step!(
        2,
        "args: argc={}, auxv AT_PAGESZ={pagesz} AT_RANDOM at {random:#x} (fastrand seeded from it, as Go's) AT_SECURE={secure} AT_SYSINFO_EHDR={vdso:#x} (__vdso_clock_gettime {found}); no strings copied",
        args::argc()
    );
}

/// The L4 line for the first newproc.
fn log_newproc(gp: *mut G) {
    // gp was just created by newproc and sits in P0.runnext.
    // SAFETY: only this thread runs yet (sysmon starts later, from runtime.main).
    let (lo, hi, goid) = unsafe { ((*gp).stack.lo, (*gp).stack.hi, (*gp).goid) };
    step!(
        4,
        "newproc: runtime.main is goroutine {goid}, stack [{lo:#x}, {hi:#x}) + guard page, fake return into goexit, in P0.runnext"
    );
}
