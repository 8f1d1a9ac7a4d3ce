//! Go's start-up, step by step, from the Rust half of rt0_go to main.main (asm_amd64.s rt0_go,
//! runtime1.go args/check, os_linux.go osinit, proc.go schedinit/main). Each step is one call
//! and one log line named as GO-STARTUP.md names it; where the seed article is wrong the line
//! says what Go really does.
use crate::asm_amd64::{getg, setg, settls};
use crate::exit::{MAIN_TSC, PROGRAM_TSC};
use crate::proc::{G0, M0, NCPU};
use crate::runtime2::G;
use crate::stack::G0_OS_STACK;
use crate::{args, malloc, os, osinit, proc, runtime1, step, sysmon, trace};
use core::sync::atomic::Ordering::{Relaxed, SeqCst};

/// Go's _StackGuard on linux/amd64: the guard band above g0's stack bottom.
const STACK_GUARD: usize = 928;

unsafe extern "Rust" {
    /// Defined by the program through `runtime::main!` (Go's main.main).
    fn rt0_main();
    /// 1 for `runtime::bare_main!` programs (kernel tests): entry and args only.
    fn rt0_bare() -> bool;
}

/// The Rust half of rt0_go. `sp_before`/`sp_after`: RSP before and after `AND $~15`.
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
pub(crate) extern "C" fn rt0_start(argc: isize, argv: *const *const u8, sp_before: usize, sp_after: usize) -> ! {
    PROGRAM_TSC.store(trace::rdtsc(), Relaxed);
    // SAFETY: argc/argv come straight from the initial stack, which stays mapped and unchanged.
    unsafe { args::args(argc, argv) };
    // SAFETY: defined by the program's main macro; no preconditions.
    if unsafe { rt0_bare() } {
        // SAFETY: as above.
        unsafe { rt0_main() };
        crate::exit::exit(0);
    }
    trace::init();
    l1_rt0_go(sp_before, sp_after);
    l2_args_osinit();
    l3_schedinit();
    // L4: the main goroutine, then this thread becomes the scheduler.
    let gp = proc::newproc(runtime_main, 0);
    // SAFETY: gp was just created.
    let (lo, hi, goid) = unsafe { ((*gp).stack.lo, (*gp).stack.hi, (*gp).goid) };
    step!(
        4,
        "newproc: runtime.main is goroutine {goid}, stack [{lo:#x}, {hi:#x}) + guard page, fake return into goexit, in P0.runnext"
    );
    proc::mstart()
}

fn l1_rt0_go(sp_before: usize, sp_after: usize) {
    step!(1, "rt0_go: SP {sp_before:#x} → reserve 5 words, AND $~15 → {sp_after:#x} (16-byte aligned)");
    // g0's stack is the OS stack: hi = SP, lo = SP − 64 KiB (not a separate 8 KB stack).
    // SAFETY: start-up runs on one thread before anything else can see G0/M0.
    unsafe {
        let g0 = &mut *(&raw mut G0);
        g0.stack.hi = sp_after;
        g0.stack.lo = sp_after - G0_OS_STACK;
        g0.stackguard0 = g0.stack.lo + STACK_GUARD;
        step!(
            1,
            "g0 stack: [{:#x}, {:#x}) on the OS stack, stackguard0 {:#x}",
            g0.stack.lo,
            g0.stack.hi,
            g0.stackguard0
        );
    }
    let v = core::arch::x86_64::__cpuid(0);
    let mut vendor = [0u8; 12];
    vendor[..4].copy_from_slice(&v.ebx.to_le_bytes());
    vendor[4..8].copy_from_slice(&v.edx.to_le_bytes());
    vendor[8..].copy_from_slice(&v.ecx.to_le_bytes());
    let version = core::arch::x86_64::__cpuid(1).eax;
    let vendor = core::str::from_utf8(&vendor).unwrap_or("?");
    step!(1, "cpuid: vendor {vendor} (isIntel={}), processorVersionInfo {version:#x}", vendor == "GenuineIntel");
    // settls: FS (not GS, as the seed says) → &m0.tls[1]; the g slot is -8(FS) = m0.tls[0].
    // SAFETY: start-up is single-threaded; M0 is a static.
    let m0 = &raw mut M0;
    let broken = os::getenv("RT0_BREAK_TLS").is_some();
    let r = if broken {
        // Test switch: point FS one word off, so the self-test below must fail.
        // SAFETY: ARCH_SET_FS with a user address changes only this thread's FS base.
        unsafe {
            crate::os_linux::syscall2(crate::os_linux::SYS_ARCH_PRCTL, 0x1002, (&raw mut (*m0).tls) as usize + 16)
        }
    } else {
        settls(m0)
    };
    step!(1, "settls: arch_prctl(ARCH_SET_FS, &m0.tls[1]) = {r} (the seed says GS; Go uses FS)");
    // Self-test: store 0x123 through FS, read it back from m0.tls[0].
    setg(0x123 as *mut G);
    // SAFETY: M0 is a static; this is a plain read of its tls word.
    let seen = unsafe { (*m0).tls[0] };
    if seen != 0x123 {
        crate::eprintln!("runtime: TLS self-test failed: stored 0x123 through FS, m0.tls[0] = {seen:#x}");
        proc::throw("settls");
    }
    step!(1, "tls self-test: 0x123 stored at -8(FS) read back from m0.tls[0]");
    // &g0 into the TLS slot; link m0 and g0.
    // SAFETY: single-threaded start-up; G0 and M0 are statics.
    unsafe {
        setg(&raw mut G0);
        (*m0).g0 = &raw mut G0;
        (*(&raw mut G0)).m = m0;
    }
    step!(1, "m0.g0 = &g0, g0.m = &m0 (zeroed statics in .bss), getg() = {:#x}", getg() as usize);
    check();
}

/// runtime·check: sizes, atomics and CAS behave as the runtime assumes.
fn check() {
    use core::sync::atomic::{AtomicU32, AtomicU64};
    let ok_sizes = size_of::<i8>() == 1
        && size_of::<i16>() == 2
        && size_of::<i32>() == 4
        && size_of::<i64>() == 8
        && size_of::<usize>() == 8;
    let a = AtomicU32::new(1);
    let cas = a.compare_exchange(1, 2, SeqCst, SeqCst).is_ok()
        && a.compare_exchange(1, 3, SeqCst, SeqCst).is_err()
        && a.load(SeqCst) == 2;
    let b = AtomicU64::new(u64::MAX);
    let add = b.fetch_add(1, SeqCst) == u64::MAX && b.load(SeqCst) == 0;
    if !(ok_sizes && cas && add) {
        proc::throw("check failed");
    }
    step!(1, "check: type sizes, atomic cas/xadd ok");
}

fn l2_args_osinit() {
    let pagesz = args::getauxval(crate::args::AT_PAGESZ).unwrap_or(0);
    let secure = args::getauxval(crate::args::AT_SECURE).unwrap_or(0);
    let random = args::getauxval(crate::args::AT_RANDOM).unwrap_or(0);
    step!(
        2,
        "args: argc={}, auxv AT_PAGESZ={pagesz} AT_RANDOM at {random:#x} (startup random seed) AT_SECURE={secure}; no strings copied",
        args::argc()
    );
    let ncpu = osinit::getproccount();
    NCPU.store(ncpu, Relaxed);
    step!(2, "osinit: ncpu={ncpu} (popcount of sched_getaffinity); env not parsed here");
}

fn l3_schedinit() {
    proc::sched_lockinit();
    step!(3, "schedinit: locks ready, sched.maxmcount=10000");
    let dbg = runtime1::parse_godebug(os::getenv("GODEBUG").unwrap_or(b""));
    sysmon::SCHEDTRACE_MS.store(dbg.schedtrace, Relaxed);
    crate::INITTRACE.store(dbg.inittrace != 0, Relaxed);
    step!(3, "GODEBUG: inittrace={} schedtrace={} (unknown keys ignored)", dbg.inittrace, dbg.schedtrace);
    step!(
        3,
        "stackinit: pools for orders {:?} B; rt0 goroutine stacks are {} KiB + guard (Rust cannot grow them)",
        crate::stack::STACK_ORDERS,
        crate::stack::GOROUTINE_STACK / 1024
    );
    malloc::mallocinit();
    step!(
        3,
        "mallocinit: mheap, 68 size classes, mcache0; arenas of 64 MiB reserved lazily from hint 0xc000000000; persistentalloc on brk"
    );
    proc::mcommoninit(proc::m0());
    step!(3, "mcommoninit: m0 id 0, gsignal with a 32 KiB stack, linked into allm");
    step!(3, "goargs/goenvs: {} args, {} env entries", os::args().count(), args::envs().count());
    let gogc = runtime1::read_gogc(os::getenv("GOGC"));
    step!(
        3,
        "gcinit: GOGC={}{} (reported only: rt0 frees explicitly, there is no collector)",
        gogc,
        if gogc < 0 { " (off)" } else { "" }
    );
    let procs = runtime1::gomaxprocs(os::getenv("GOMAXPROCS"), NCPU.load(Relaxed));
    proc::procresize(procs);
    step!(3, "procresize: gomaxprocs={procs}; P0 takes mcache0 and is acquired by m0 (_Prunning), {} idle", procs - 1);
}

/// runtime.main (proc.go main), goroutine 1.
extern "C" fn runtime_main(_: usize) {
    crate::inittask_run::RUNTIME_INIT_NS.store(trace::nanotime(), Relaxed);
    proc::MAIN_STARTED.store(true, SeqCst);
    step!(4, "runtime.main: goroutine {} on its own stack, mainStarted, maxstacksize=1GB", proc::goid());
    sysmon::start();
    crate::inittask_run::runtime_inits();
    step!(
        4,
        "gcenable: no collector to start; the write barrier stays off (on only during a mark phase — the seed says otherwise)"
    );
    crate::inittask_run::package_inits();
    MAIN_TSC.store(trace::rdtsc(), Relaxed);
    step!(5, "main.main");
    // SAFETY: defined by the program's main macro; no preconditions.
    unsafe { rt0_main() };
    step!(5, "main.main returned: exit(0) = exit_group(0); other goroutines are not waited for");
    crate::exit::exit(0)
}
