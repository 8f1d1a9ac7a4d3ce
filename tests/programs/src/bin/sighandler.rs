//! Synchronous signals caught by handlers, checked the same way on rt0 and on Linux: a SIGSEGV
//! on a PROT_NONE page and on an unmapped page (handler on the alternate stack repairs the
//! mapping and returns, the access retries and succeeds), a SIGILL from `ud2` (handler moves
//! the ucontext's RIP past it), siginfo fields, the mask while the handler runs, and every
//! register — general and SSE — intact after rt_sigreturn. Then signals sent by the program itself
//! (tgkill, tkill, kill, a write to a pipe without reader): delivered before the sending call
//! returns, with SI_TKILL/SI_USER and the sender's pid, held while blocked and delivered when
//! unblocked.
#![no_std]
#![no_main]

use abi::errno::{EINVAL, EPIPE, ESRCH};
use abi::mman::{MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PAGE_SIZE, PROT_NONE, PROT_READ, PROT_WRITE};
use abi::nr::{
    SYS_CLOSE, SYS_GETPID, SYS_GETTID, SYS_KILL, SYS_MMAP, SYS_MPROTECT, SYS_MUNMAP, SYS_PIPE2, SYS_RT_SIGACTION,
    SYS_RT_SIGPROCMASK, SYS_RT_SIGRETURN, SYS_SIGALTSTACK, SYS_TGKILL, SYS_TKILL, SYS_WRITE,
};
use abi::signal::{
    ILL_ILLOPN, KernelSigaction, SA_ONSTACK, SA_RESTORER, SA_SIGINFO, SEGV_ACCERR, SEGV_MAPERR, SI_TKILL, SI_USER,
    SIG_BLOCK, SIG_UNBLOCK, SIGILL, SIGPIPE, SIGSEGV, SIGSET_SIZE, SIGUSR1, SIGUSR2, Siginfo, StackT, Ucontext,
    sigmask,
};
use core::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use programs::{exit_group, syscall2, syscall4, syscall6};
use runtime::println;

runtime::bare_main!(main);

const ALT_SIZE: usize = 64 * 1024;

core::arch::global_asm!(
    ".global rt0_test_restorer",
    "rt0_test_restorer:",
    "mov eax, {nr}",
    "syscall",
    "ud2",
    nr = const SYS_RT_SIGRETURN,
);
unsafe extern "C" {
    fn rt0_test_restorer();
}

#[repr(C, align(16))]
struct Alt([u8; ALT_SIZE]);
static mut ALT: Alt = Alt([0; ALT_SIZE]);

static SEGV_ADDR: AtomicUsize = AtomicUsize::new(0);
static SEGV_CODE: AtomicUsize = AtomicUsize::new(0);
static SEGV_ON_ALT: AtomicUsize = AtomicUsize::new(0);
static SEGV_UC_ONSTACK: AtomicUsize = AtomicUsize::new(0);
static SEGV_MASKED: AtomicUsize = AtomicUsize::new(0);
static ILL_ADDR: AtomicUsize = AtomicUsize::new(0);
static ILL_UC_RIP: AtomicUsize = AtomicUsize::new(0);
static ILL_CODE: AtomicUsize = AtomicUsize::new(0);
static ASYNC_RUNS: AtomicUsize = AtomicUsize::new(0);
static ASYNC_SIGNO: AtomicUsize = AtomicUsize::new(0);
static ASYNC_CODE: AtomicUsize = AtomicUsize::new(0);
static ASYNC_PID: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_async(sig: i32, info: *const Siginfo, _uc: *mut Ucontext) {
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let info = unsafe { &*info };
    ASYNC_RUNS.fetch_add(1, SeqCst);
    ASYNC_SIGNO.store(sig as usize, SeqCst);
    ASYNC_CODE.store(info.si_code as u32 as usize, SeqCst);
    ASYNC_PID.store(info.si_pid() as usize, SeqCst);
}

fn sys(r: isize) -> usize {
    r as usize
}

extern "C" fn on_segv(_sig: i32, info: *const Siginfo, uc: *mut Ucontext) {
    let local = 0u8;
    let here = &local as *const u8 as usize;
    let alt = (&raw const ALT) as usize;
    // SAFETY: the kernel passes valid siginfo and ucontext pointers to an SA_SIGINFO handler.
    let (info, uc) = unsafe { (&*info, &*uc) };
    let (addr, code, ss_flags) = (info.si_addr() as usize, info.si_code, uc.uc_stack.ss_flags);
    SEGV_ADDR.store(addr, SeqCst);
    SEGV_CODE.store(code as usize, SeqCst);
    SEGV_ON_ALT.store((alt..alt + ALT_SIZE).contains(&here) as usize, SeqCst);
    SEGV_UC_ONSTACK.store(ss_flags as usize, SeqCst);
    let mut mask = 0u64;
    // SAFETY: reads the current mask into `mask`.
    unsafe { syscall4(SYS_RT_SIGPROCMASK, SIG_BLOCK, 0, &mut mask as *mut u64 as usize, SIGSET_SIZE) };
    SEGV_MASKED.store((mask & sigmask(SIGSEGV) != 0) as usize, SeqCst);
    // Repair: make the page readable and writable (mapping it first if it is gone).
    let page = addr & !(PAGE_SIZE - 1);
    // SAFETY: changes only the test's own page at `page`.
    unsafe {
        if programs::syscall3(SYS_MPROTECT, page, PAGE_SIZE, PROT_READ | PROT_WRITE) != 0 {
            syscall6(
                SYS_MMAP,
                page,
                PAGE_SIZE,
                PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                usize::MAX,
                0,
            );
        }
    }
}

extern "C" fn on_ill(_sig: i32, info: *const Siginfo, uc: *mut Ucontext) {
    // SAFETY: as in on_segv; nothing else holds a reference to the frame while the handler runs.
    let (info, uc) = unsafe { (&*info, &mut *uc) };
    ILL_ADDR.store(info.si_addr() as usize, SeqCst);
    ILL_CODE.store(info.si_code as usize, SeqCst);
    let rip = &mut uc.uc_mcontext.rip;
    ILL_UC_RIP.store(*rip as usize, SeqCst);
    // Move the saved RIP past the 2-byte ud2.
    *rip += 2;
    // SAFETY: clobbers xmm0 only (declared), so rt_sigreturn must bring it back.
    unsafe { core::arch::asm!("pxor xmm0, xmm0", out("xmm0") _) };
}

type Handler = extern "C" fn(i32, *const Siginfo, *mut Ucontext);

fn install(sig: i32, handler: Handler) -> isize {
    let act = KernelSigaction {
        sa_handler: handler as usize as u64,
        sa_flags: SA_SIGINFO | SA_ONSTACK | SA_RESTORER,
        sa_restorer: rt0_test_restorer as *const () as usize as u64,
        sa_mask: 0,
    };
    // SAFETY: a valid kernel_sigaction for the handler above.
    unsafe { syscall4(SYS_RT_SIGACTION, sig as usize, &act as *const KernelSigaction as usize, 0, SIGSET_SIZE) }
}

struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    fn check(&mut self, name: &str, ok: bool, got: usize, want: usize) {
        if ok {
            self.passed += 1;
            println!("sighandler: {name} ok");
        } else {
            self.failed += 1;
            println!("sighandler: {name} FAILED (got {got:#x}, want {want:#x})");
        }
    }
}

fn main() {
    let mut c = Checks { passed: 0, failed: 0 };
    let ss = StackT { ss_sp: (&raw const ALT) as u64, ss_flags: 0, _pad: 0, ss_size: ALT_SIZE as u64 };
    // SAFETY: registers the test's static alternate stack.
    let r = unsafe { syscall2(SYS_SIGALTSTACK, &ss as *const StackT as usize, 0) };
    c.check("sigaltstack", r == 0, r as usize, 0);
    c.check("install SIGSEGV handler", install(SIGSEGV, on_segv) == 0, 0, 0);
    c.check("install SIGILL handler", install(SIGILL, on_ill) == 0, 0, 0);

    // SIGSEGV on a PROT_NONE page: si_code SEGV_ACCERR.
    // SAFETY: an anonymous mapping owned by the test.
    let none = sys(unsafe { syscall6(SYS_MMAP, 0, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0) });
    let target = (none + 0x10) as *mut u64;
    // SAFETY: faults; the handler makes the page writable and the store is retried.
    unsafe { target.write_volatile(0x5eed) };
    // SAFETY: the page is mapped read/write now.
    let back = unsafe { target.read_volatile() };
    c.check("PROT_NONE store retried after handler", back == 0x5eed, back as usize, 0x5eed);
    c.check(
        "si_addr is the faulting address",
        SEGV_ADDR.load(SeqCst) == none + 0x10,
        SEGV_ADDR.load(SeqCst),
        none + 0x10,
    );
    let accerr = SEGV_ACCERR as usize;
    c.check("si_code SEGV_ACCERR", SEGV_CODE.load(SeqCst) == accerr, SEGV_CODE.load(SeqCst), accerr);
    c.check("handler ran on the alternate stack", SEGV_ON_ALT.load(SeqCst) == 1, SEGV_ON_ALT.load(SeqCst), 1);
    // uc_stack.ss_flags describes the interrupted code's stack (Linux `__save_altstack`), which
    // was the main stack: 0, not SS_ONSTACK.
    c.check(
        "uc_stack flags of the interrupted stack",
        SEGV_UC_ONSTACK.load(SeqCst) == 0,
        SEGV_UC_ONSTACK.load(SeqCst),
        0,
    );
    c.check("SIGSEGV blocked inside its handler", SEGV_MASKED.load(SeqCst) == 1, SEGV_MASKED.load(SeqCst), 1);
    let mut mask = 1u64;
    // SAFETY: reads the current mask.
    unsafe { syscall4(SYS_RT_SIGPROCMASK, SIG_BLOCK, 0, &mut mask as *mut u64 as usize, SIGSET_SIZE) };
    c.check("mask restored after rt_sigreturn", mask == 0, mask as usize, 0);

    // SIGSEGV on an unmapped page: si_code SEGV_MAPERR; the handler maps it.
    // SAFETY: the test unmaps its own page, then touches it.
    unsafe { syscall2(SYS_MUNMAP, none, PAGE_SIZE) };
    // SAFETY: faults; the handler maps the page and the load is retried (reads zero).
    let v = unsafe { (none as *const u64).read_volatile() };
    c.check("unmapped load retried, reads zero", v == 0, v as usize, 0);
    let maperr = SEGV_MAPERR as usize;
    c.check("si_code SEGV_MAPERR", SEGV_CODE.load(SeqCst) == maperr, SEGV_CODE.load(SeqCst), maperr);

    // SIGILL from ud2: the handler skips it. The registers the kernel, the handler call and the
    // restorer's `syscall` all overwrite (rdi, rsi, rdx, rax, rcx, r11, xmm0) come back intact.
    let mut regs = [0u64; 7];
    let ud2_at: usize;
    // SAFETY: ud2 raises SIGILL and the handler advances RIP past it; `regs` receives 7 words.
    unsafe {
        core::arch::asm!(
            "mov rdi, 0x1111",
            "mov rsi, 0x2222",
            "mov rdx, 0x3333",
            "mov rcx, 0x4444",
            "mov r11, 0x5555",
            "mov rax, 0x5656",
            "movq xmm0, rax",
            "mov rax, 0x7777",
            "lea {at}, [rip + 2f]",
            "2: ud2",
            "mov [{p}], rdi",
            "mov [{p} + 8], rsi",
            "mov [{p} + 16], rdx",
            "mov [{p} + 24], rcx",
            "mov [{p} + 32], r11",
            "mov [{p} + 40], rax",
            "movq [{p} + 48], xmm0",
            p = in(reg) regs.as_mut_ptr(),
            at = out(reg) ud2_at,
            out("rdi") _, out("rsi") _, out("rdx") _, out("rcx") _, out("r11") _, out("rax") _, out("xmm0") _,
        );
    }
    c.check("SIGILL si_addr is the ud2", ILL_ADDR.load(SeqCst) == ud2_at, ILL_ADDR.load(SeqCst), ud2_at);
    c.check("ucontext rip is the ud2", ILL_UC_RIP.load(SeqCst) == ud2_at, ILL_UC_RIP.load(SeqCst), ud2_at);
    let illopn = ILL_ILLOPN as usize;
    c.check("si_code ILL_ILLOPN", ILL_CODE.load(SeqCst) == illopn, ILL_CODE.load(SeqCst), illopn);
    let want = [0x1111u64, 0x2222, 0x3333, 0x4444, 0x5555, 0x7777, 0x5656];
    for (name, (got, want)) in ["rdi", "rsi", "rdx", "rcx", "r11", "rax", "xmm0"].iter().zip(regs.iter().zip(want)) {
        let mut label = [0u8; 16];
        let text = b"restored ";
        label[..text.len()].copy_from_slice(text);
        label[text.len()..text.len() + name.len()].copy_from_slice(name.as_bytes());
        let label = core::str::from_utf8(&label[..text.len() + name.len()]).unwrap();
        c.check(label, *got == want, *got as usize, want as usize);
    }

    sent_signals(&mut c);

    println!("sighandler: {} passed, {} failed", c.passed, c.failed);
    exit_group(if c.failed == 0 { 0 } else { 1 })
}

/// Signals the program sends itself, each caught by `on_async`.
fn sent_signals(c: &mut Checks) {
    // SAFETY: getpid and gettid take no arguments.
    let (pid, tid) = unsafe { (programs::syscall0(SYS_GETPID) as usize, programs::syscall0(SYS_GETTID) as usize) };
    for sig in [SIGUSR1, SIGUSR2, SIGPIPE] {
        c.check("install a handler for a sent signal", install(sig, on_async) == 0, 0, 0);
    }
    let runs = || ASYNC_RUNS.load(SeqCst);

    // SAFETY: tgkill to this very thread; the handler only stores to atomics.
    let r = unsafe { programs::syscall3(SYS_TGKILL, pid, tid, SIGUSR1 as usize) };
    c.check("tgkill self returns 0", r == 0, r as usize, 0);
    c.check("tgkill: handler ran before tgkill returned", runs() == 1, runs(), 1);
    c.check(
        "tgkill: si_code SI_TKILL",
        ASYNC_CODE.load(SeqCst) == SI_TKILL as u32 as usize,
        ASYNC_CODE.load(SeqCst),
        SI_TKILL as u32 as usize,
    );
    c.check("tgkill: si_pid is the sender", ASYNC_PID.load(SeqCst) == pid, ASYNC_PID.load(SeqCst), pid);

    // SAFETY: kill to this process; the handler only stores to atomics.
    let r = unsafe { programs::syscall2(SYS_KILL, pid, SIGUSR2 as usize) };
    c.check("kill self returns 0", r == 0, r as usize, 0);
    c.check(
        "kill: handler ran with SIGUSR2",
        runs() == 2 && ASYNC_SIGNO.load(SeqCst) == SIGUSR2 as usize,
        ASYNC_SIGNO.load(SeqCst),
        SIGUSR2 as usize,
    );
    c.check(
        "kill: si_code SI_USER",
        ASYNC_CODE.load(SeqCst) == SI_USER as usize,
        ASYNC_CODE.load(SeqCst),
        SI_USER as usize,
    );

    // Blocked: held pending, delivered as soon as the mask lets it through.
    let block = sigmask(SIGUSR1);
    // SAFETY: blocks SIGUSR1, then sends it with tkill.
    let r = unsafe {
        syscall4(SYS_RT_SIGPROCMASK, SIG_BLOCK, &block as *const u64 as usize, 0, SIGSET_SIZE);
        programs::syscall2(SYS_TKILL, tid, SIGUSR1 as usize)
    };
    c.check("tkill of a blocked signal returns 0, no handler yet", r == 0 && runs() == 2, runs(), 2);
    // SAFETY: unblocks SIGUSR1.
    unsafe { syscall4(SYS_RT_SIGPROCMASK, SIG_UNBLOCK, &block as *const u64 as usize, 0, SIGSET_SIZE) };
    c.check("unblocking delivers the pending signal", runs() == 3, runs(), 3);

    // SAFETY: signal 0 checks existence only; the bad calls are refused before anything happens.
    let (zero, gone, big, neg) = unsafe {
        (
            programs::syscall3(SYS_TGKILL, pid, tid, 0),
            programs::syscall3(SYS_TGKILL, pid, 0x3fff_fff0, SIGUSR1 as usize),
            programs::syscall3(SYS_TGKILL, pid, tid, 65),
            programs::syscall2(SYS_TKILL, usize::MAX, SIGUSR1 as usize),
        )
    };
    c.check("tgkill signal 0 checks the thread exists", zero == 0 && runs() == 3, zero as usize, 0);
    c.check("tgkill of a missing thread ESRCH", gone == -ESRCH, gone as usize, (-ESRCH) as usize);
    c.check("tgkill signal 65 EINVAL", big == -EINVAL, big as usize, (-EINVAL) as usize);
    c.check("tkill tid -1 EINVAL", neg == -EINVAL, neg as usize, (-EINVAL) as usize);

    // A write to a pipe whose reader is gone: EPIPE, and SIGPIPE to the writer.
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two ints; the read end is closed at once.
    let r = unsafe {
        programs::syscall2(SYS_PIPE2, fds.as_mut_ptr() as usize, 0);
        programs::syscall1(SYS_CLOSE, fds[0] as usize);
        programs::syscall3(SYS_WRITE, fds[1] as usize, b"x".as_ptr() as usize, 1)
    };
    c.check("write without reader EPIPE", r == -EPIPE, r as usize, (-EPIPE) as usize);
    c.check(
        "and SIGPIPE ran its handler",
        runs() == 4 && ASYNC_SIGNO.load(SeqCst) == SIGPIPE as usize,
        ASYNC_SIGNO.load(SeqCst),
        SIGPIPE as usize,
    );
    // SAFETY: closes the write end.
    unsafe { programs::syscall1(SYS_CLOSE, fds[1] as usize) };
}
