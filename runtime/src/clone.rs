//! Starting an OS thread with the raw clone system call (mirrors Go's `runtime·clone` in
//! sys_linux_amd64.s, used by `newosproc` in os_linux.go). The child comes back from the
//! syscall on its new stack with every other register as the parent had it, so the function
//! and its argument travel in callee-saved registers; when the function returns, the thread
//! exits (only that thread, as Go's `exit` after a thread's mstart).
#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".global rt0_clone",
    "rt0_clone:",
    // rdi = flags, rsi = stack, rdx = parent_tid, rcx = child_tid, r8 = tls, r9 = fn, [rsp+8] = arg
    "push r12",
    "push r13",
    "mov r12, r9",
    "mov r13, [rsp + 24]",
    "mov r10, rcx",
    "mov eax, 56", // SYS_clone
    "syscall",
    "test rax, rax",
    "jnz 2f",
    // Child: own stack, no frame to return to.
    "xor ebp, ebp",
    "and rsp, -16",
    "mov rdi, r13",
    "call r12",
    "xor edi, edi",
    "mov eax, 60", // SYS_exit: this thread only
    "syscall",
    "ud2",
    "2:",
    "pop r13",
    "pop r12",
    "ret",
);

unsafe extern "C" {
    fn rt0_clone(
        flags: u64,
        stack: usize,
        ptid: *mut u32,
        ctid: *mut u32,
        tls: usize,
        f: extern "C" fn(usize),
        arg: usize,
    ) -> isize;
}

/// Clone flags for a thread that shares everything, as Go's `cloneFlags` (plus the tid words).
pub const THREAD_FLAGS: u64 = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000;
pub const CLONE_SETTLS: u64 = 0x80000;
pub const CLONE_PARENT_SETTID: u64 = 0x100000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x200000;

/// Starts `f(arg)` on a new thread whose stack ends at `stack_top`; returns the new tid or
/// `-errno`.
///
/// # Safety
/// `stack_top` must be the 16-byte-aligned top of memory the new thread may use as its stack
/// for as long as it runs; `ptid`/`ctid` must be valid for the flags that name them; `tls` is
/// installed as the child's FS base with CLONE_SETTLS.
pub unsafe fn clone_thread(
    flags: u64,
    stack_top: usize,
    ptid: *mut u32,
    ctid: *mut u32,
    tls: usize,
    f: extern "C" fn(usize),
    arg: usize,
) -> isize {
    // SAFETY: forwarded from the caller; rt0_clone follows the SysV ABI in the parent.
    unsafe { rt0_clone(flags, stack_top, ptid, ctid, tls, f, arg) }
}
