//! Synchronous signals caught by handlers, checked the same way on rt0 and on Linux: a SIGSEGV
//! on a PROT_NONE page and on an unmapped page (handler on the alternate stack repairs the
//! mapping and returns, the access retries and succeeds), a SIGILL from `ud2` (handler moves
//! the ucontext's RIP past it), siginfo fields, the mask while the handler runs, and every
//! register — general and SSE — intact after rt_sigreturn.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use runtime::println;
use runtime::sys_linux_amd64::{KernelSigaction as KSigaction, *};

runtime::bare_main!(main);

const SIGILL: usize = 4;
const SIGSEGV: usize = 11;
const SA_SIGINFO: u64 = 0x4;
const SA_ONSTACK: u64 = 0x0800_0000;
const SA_RESTORER: u64 = 0x0400_0000;
const PAGE: usize = 4096;
const ALT_SIZE: usize = 64 * 1024;
/// Offsets in siginfo and ucontext (Linux x86-64 ABI).
const SI_CODE: usize = 8;
const SI_ADDR: usize = 16;
const UC_STACK_FLAGS: usize = 24;
const UC_RIP: usize = 40 + 16 * 8;

core::arch::global_asm!(".global rt0_test_restorer", "rt0_test_restorer:", "mov eax, 15", "syscall", "ud2");
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

fn sys(r: isize) -> usize {
    r as usize
}

extern "C" fn on_segv(_sig: i32, info: *const u8, uc: *mut u8) {
    let local = 0u8;
    let here = &local as *const u8 as usize;
    let alt = (&raw const ALT) as usize;
    // SAFETY: the kernel passes valid siginfo and ucontext pointers to an SA_SIGINFO handler.
    let (addr, code, ss_flags) = unsafe {
        (
            (info.add(SI_ADDR) as *const usize).read(),
            (info.add(SI_CODE) as *const i32).read(),
            (uc.add(UC_STACK_FLAGS) as *const i32).read(),
        )
    };
    SEGV_ADDR.store(addr, SeqCst);
    SEGV_CODE.store(code as usize, SeqCst);
    SEGV_ON_ALT.store((alt..alt + ALT_SIZE).contains(&here) as usize, SeqCst);
    SEGV_UC_ONSTACK.store(ss_flags as usize, SeqCst);
    let mut mask = 0u64;
    // SAFETY: reads the current mask into `mask`.
    unsafe { syscall4(SYS_RT_SIGPROCMASK, 0, 0, &mut mask as *mut u64 as usize, 8) };
    SEGV_MASKED.store((mask >> (SIGSEGV - 1)) as usize & 1, SeqCst);
    // Repair: make the page readable and writable (mapping it first if it is gone).
    let page = addr & !(PAGE - 1);
    // SAFETY: changes only the test's own page at `page`.
    unsafe {
        if syscall3(SYS_MPROTECT, page, PAGE, PROT_READ | PROT_WRITE) != 0 {
            syscall6(
                SYS_MMAP,
                page,
                PAGE,
                PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                usize::MAX,
                0,
            );
        }
    }
}

extern "C" fn on_ill(_sig: i32, info: *const u8, uc: *mut u8) {
    // SAFETY: as in on_segv; the handler moves the saved RIP past the 2-byte ud2.
    unsafe {
        ILL_ADDR.store((info.add(SI_ADDR) as *const usize).read(), SeqCst);
        ILL_CODE.store((info.add(SI_CODE) as *const i32).read() as usize, SeqCst);
        let rip = uc.add(UC_RIP) as *mut usize;
        ILL_UC_RIP.store(rip.read(), SeqCst);
        rip.write(rip.read() + 2);
        // Clobber SSE registers: rt_sigreturn must bring them back.
        core::arch::asm!("pxor xmm0, xmm0", out("xmm0") _);
    }
}

fn install(sig: usize, handler: extern "C" fn(i32, *const u8, *mut u8)) -> isize {
    let act = KSigaction {
        sa_handler: handler as usize as u64,
        sa_flags: SA_SIGINFO | SA_ONSTACK | SA_RESTORER,
        sa_restorer: rt0_test_restorer as *const () as u64,
        sa_mask: 0,
    };
    // SAFETY: a valid kernel_sigaction for the handler above.
    unsafe { syscall4(SYS_RT_SIGACTION, sig, &act as *const KSigaction as usize, 0, 8) }
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
    let none = sys(unsafe { syscall6(SYS_MMAP, 0, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0) });
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
    c.check("si_code SEGV_ACCERR", SEGV_CODE.load(SeqCst) == 2, SEGV_CODE.load(SeqCst), 2);
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
    unsafe { syscall4(SYS_RT_SIGPROCMASK, 0, 0, &mut mask as *mut u64 as usize, 8) };
    c.check("mask restored after rt_sigreturn", mask == 0, mask as usize, 0);

    // SIGSEGV on an unmapped page: si_code SEGV_MAPERR; the handler maps it.
    // SAFETY: the test unmaps its own page, then touches it.
    unsafe { syscall2(SYS_MUNMAP, none, PAGE) };
    // SAFETY: faults; the handler maps the page and the load is retried (reads zero).
    let v = unsafe { (none as *const u64).read_volatile() };
    c.check("unmapped load retried, reads zero", v == 0, v as usize, 0);
    c.check("si_code SEGV_MAPERR", SEGV_CODE.load(SeqCst) == 1, SEGV_CODE.load(SeqCst), 1);

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
    c.check("si_code ILL_ILLOPN", ILL_CODE.load(SeqCst) == 2, ILL_CODE.load(SeqCst), 2);
    let want = [0x1111u64, 0x2222, 0x3333, 0x4444, 0x5555, 0x7777, 0x5656];
    for (name, (got, want)) in ["rdi", "rsi", "rdx", "rcx", "r11", "rax", "xmm0"].iter().zip(regs.iter().zip(want)) {
        let mut label = [0u8; 16];
        let text = b"restored ";
        label[..text.len()].copy_from_slice(text);
        label[text.len()..text.len() + name.len()].copy_from_slice(name.as_bytes());
        let label = core::str::from_utf8(&label[..text.len() + name.len()]).unwrap();
        c.check(label, *got == want, *got as usize, want as usize);
    }

    println!("sighandler: {} passed, {} failed", c.passed, c.failed);
    exit_group(if c.failed == 0 { 0 } else { 1 })
}
