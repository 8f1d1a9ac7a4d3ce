//! Asynchronous preemption, as Go 1.19 does it (preempt.go, signal_unix.go `preemptM`/
//! `doSigPreempt`, preempt_amd64.s `asyncPreempt`, proc.go `preemptone`): a goroutine that runs
//! for over 10 ms without yielding is stopped by a signal, so that one spinning goroutine cannot
//! hold a P — and, with GOMAXPROCS=1, the whole program — forever.
//!
//! sysmon notices a P whose schedule tick has not moved for 10 ms (procm `retake`) and sends
//! SIGURG to the M holding it with tgkill ([`preemptone`]). The M's handler ([`sigpreempt`]),
//! on its signal stack, looks at where the goroutine was stopped. If that is a safe point — the
//! M holds no runtime locks, the goroutine is its current one and runs on its own stack, and the
//! PC lies outside the runtime's code — it makes the goroutine call `rt0_async_preempt` on
//! return from the signal, as if the interrupted instruction had been a call: the return address
//! is pushed on the goroutine's stack and the PC set (Go's `pushCall`). `rt0_async_preempt`
//! saves every register and the x87/SSE state, yields (the goroutine goes to the global run
//! queue, Go's gopreempt_m), and once the goroutine runs again restores them all and returns to
//! the interrupted instruction. The goroutine cannot tell, except by the time that passed.
//!
//! The safe-point rule stands in for Go's compiler metadata, which marks every instruction of
//! the runtime package unsafe: the programs' linker script puts the runtime crate's code in its
//! own section, whose bounds the handler compares the PC with (tests/programs/build.rs). Runtime
//! code touches its P's lock-free state (the mcache, the run queue, runnext, the free lists)
//! only there, and holds a lock (m.locks > 0) wherever another M could see a half-made change.
//! Runtime functions that are generic or `#[inline]` and get compiled into a program's own code
//! only call into the runtime; the one exception, a program that calls an mcache directly, is a
//! bare program (`bare_main!`), which never preempts (no sysmon). Code of `core` and `alloc`
//! that the runtime calls runs outside the section, and so does the vDSO's clock: the runtime
//! calls them only on data no other goroutine of the P can reach meanwhile (a new G before it is
//! queued, a lock-held buffer) or with nothing half-changed (a clock read before a timer is
//! touched).
//!
//! `GODEBUG=asyncpreemptoff=1` turns it off, as in Go; a goroutine that never yields then keeps
//! its P (Go's cooperative preemption at function entry needs stack-bound checks that Rust code
//! does not have).
use crate::runtime2::{G_RUNNABLE, G_RUNNING, P};
use crate::tls::getm_tls;
use core::sync::atomic::AtomicBool;
use core::sync::atomic::Ordering::Relaxed;

/// Go's forcePreemptNS: a goroutine may run this long before sysmon preempts it.
pub const FORCE_PREEMPT_NS: i64 = 10_000_000;

/// GODEBUG=asyncpreemptoff=1 (set by schedinit).
pub static ASYNC_PREEMPT_OFF: AtomicBool = AtomicBool::new(false);

/// Stack room the goroutine needs below the interrupted SP for rt0_async_preempt's frame (15
/// registers, the 512-byte FXSAVE area, alignment) and the yield it calls.
const PREEMPT_STACK_ROOM: usize = 4096;

/// preemptone: asks the M holding `pp` to stop its goroutine — by SIGURG to its thread (Go's
/// preemptM), unless async preemption is off or a signal is still on its way. Called by sysmon.
pub(crate) fn preemptone(pp: *mut P) {
    if ASYNC_PREEMPT_OFF.load(Relaxed) {
        return;
    }
    // Ps and Ms are never freed; `m` and `signal_pending` are atomics; `procid` is
    // written once by minit before the M runs goroutines.
    // SAFETY: so the block below is sound.
    unsafe {
        let mp = (*pp).m.load(Relaxed);
        if mp.is_null() || (*mp).signal_pending.swap(true, Relaxed) {
            return;
        }
        let tid = (*mp).procid as usize;
        crate::sys_linux_amd64::syscall3(
            abi::nr::SYS_TGKILL,
            crate::sys_linux_amd64::getpid() as usize,
            tid,
            abi::signal::SIGURG as usize,
        );
    }
}

/// initsig's part for preemption: the SIGURG handler, on the signal stack, restarting
/// interrupted system calls (Go installs every handler with SA_RESTART).
pub fn initsig() {
    #[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
    {
        use abi::signal::{KernelSigaction, SA_ONSTACK, SA_RESTART, SA_RESTORER, SA_SIGINFO, SIGURG};
        let act = KernelSigaction {
            sa_handler: sigpreempt as *const () as u64,
            sa_flags: SA_SIGINFO | SA_ONSTACK | SA_RESTORER | SA_RESTART,
            sa_restorer: crate::sys_linux_amd64::rt0_sigreturn as *const () as u64,
            sa_mask: 0,
        };
        // sigpreempt runs on the M's gsignal stack (SA_ONSTACK, installed by minit) and
        // only edits the frame the kernel passes it.
        // SAFETY: so the block below is sound.
        unsafe { crate::sys_linux_amd64::rt_sigaction(SIGURG, &act) };
    }
}

/// The SIGURG handler (Go's doSigPreempt): if the goroutine was stopped at a safe point, make it
/// call rt0_async_preempt when the signal returns.
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
extern "C" fn sigpreempt(_sig: i32, _info: *const abi::signal::Siginfo, ctx: *mut abi::signal::Ucontext) {
    let Some(mp) = this_m() else { return };
    // mp is this thread's M (checked by this_m); the handler runs on its thread, so its
    // plain fields read here were last written by this thread; `locks` is an atomic. With
    // SA_SIGINFO the kernel passes a valid ucontext, live and ours to edit for the call.
    // SAFETY: so the block below is sound.
    unsafe {
        (*mp).signal_pending.store(false, Relaxed);
        if ASYNC_PREEMPT_OFF.load(Relaxed) || (*mp).locks.load(Relaxed) != 0 {
            return;
        }
        let gp = core::ptr::read_volatile(&raw const (*mp).curg);
        if gp.is_null() || gp != crate::tls::getg() || (*gp).atomicstatus.load(Relaxed) != G_RUNNING {
            return; // on g0, or between goroutines
        }
        let mc = &mut (*ctx).uc_mcontext;
        let (pc, sp) = (mc.rip as usize, mc.rsp as usize);
        let stack = (*gp).stack;
        if in_runtime(pc) || sp > stack.hi || sp < stack.lo + PREEMPT_STACK_ROOM {
            return; // not a safe point, or not on the goroutine's own stack
        }
        // pushCall: the interrupted instruction becomes a call of rt0_async_preempt.
        let ret = sp - 8;
        (ret as *mut u64).write(pc as u64);
        mc.rsp = ret as u64;
        mc.rip = rt0_async_preempt as *const () as u64;
    }
}

/// This thread's M, if it is one of the runtime's: FS points at an M's TLS block whose M word
/// names that M (a program's own threads, from clone_thread, have their own FS or none).
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
fn this_m() -> Option<*mut crate::runtime2::M> {
    let mut fs = 0u64;
    // SAFETY: ARCH_GET_FS writes the FS base into `fs`, a valid local.
    let r = unsafe {
        crate::sys_linux_amd64::syscall2(abi::nr::SYS_ARCH_PRCTL, abi::prctl::ARCH_GET_FS, &raw mut fs as usize)
    };
    if r != 0 || fs == 0 {
        return None;
    }
    let mp = getm_tls();
    (!mp.is_null() && crate::tls::tls_base(mp) == fs as usize).then_some(mp)
}

/// Whether `pc` lies in the runtime's own code (the section the programs' linker script makes).
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
fn in_runtime(pc: usize) -> bool {
    unsafe extern "C" {
        static __rt0_runtime_text_start: u8;
        static __rt0_runtime_text_end: u8;
    }
    let (start, end) = (&raw const __rt0_runtime_text_start as usize, &raw const __rt0_runtime_text_end as usize);
    (start..end).contains(&pc)
}

/// asyncPreempt2: on the goroutine's stack, called by rt0_async_preempt with every register
/// saved: the goroutine yields its P (Go's gopreempt_m: to the global run queue) and returns
/// when it is scheduled again.
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
extern "C" fn async_preempt2() {
    crate::proc::casgstatus(crate::tls::getg(), G_RUNNING, G_RUNNABLE);
    crate::proc::mcall(crate::proc::Pending::Yield);
}

// asyncPreempt: entered as if called from the interrupted instruction (the return address on
// the goroutine's stack), with the stack aligned anyhow. Saves the flags and the fifteen general
// registers, aligns the stack, saves the x87/SSE state with FXSAVE, calls async_preempt2, and
// undoes it all in reverse; `ret` resumes the goroutine where it was stopped.
#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
core::arch::global_asm!(
    ".globl rt0_async_preempt",
    "rt0_async_preempt:",
    "push rbp",
    "mov rbp, rsp",
    "pushfq",
    "push rax",
    "push rcx",
    "push rdx",
    "push rbx",
    "push rsi",
    "push rdi",
    "push r8",
    "push r9",
    "push r10",
    "push r11",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "mov rbx, rsp",
    "sub rsp, 512",
    "and rsp, -16",
    "fxsave64 [rsp]",
    "cld",
    "call {preempt2}",
    "fxrstor64 [rsp]",
    "mov rsp, rbx",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop r11",
    "pop r10",
    "pop r9",
    "pop r8",
    "pop rdi",
    "pop rsi",
    "pop rbx",
    "pop rdx",
    "pop rcx",
    "pop rax",
    "popfq",
    "pop rbp",
    "ret",
    preempt2 = sym async_preempt2,
);

#[cfg(all(not(test), target_arch = "x86_64", target_os = "none"))]
unsafe extern "C" {
    /// The preemption trampoline (see the global_asm above); only ever entered through pushCall.
    fn rt0_async_preempt();
}
