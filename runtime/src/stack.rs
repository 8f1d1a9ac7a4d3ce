//! Goroutine and thread stacks (Go's stack.go: stackinit, stackalloc; mem_linux.go for the
//! mappings). Go starts goroutines at 2 KiB and copies stacks as they grow; Rust code cannot
//! move its stack, so rt0 gives each goroutine a fixed stack with an unmapped (PROT_NONE)
//! guard page below it — running into the guard is a SIGSEGV the runtime reports as Go's
//! `fatal error: stack overflow`. Stacks of dead goroutines stay with them on the free-g lists
//! and are reused by the next `newproc`, as in Go.
use crate::os_linux::{
    MAP_ANONYMOUS, MAP_PRIVATE, PROT_NONE, PROT_READ, PROT_WRITE, SYS_MMAP, SYS_MPROTECT, syscall3, syscall6,
};
use crate::runtime2::Stack;

/// Go's minimum goroutine stack, for the record (rt0 cannot grow stacks, see above).
pub const STACK_MIN: usize = 2048;
/// What rt0 gives every goroutine.
pub const GOROUTINE_STACK: usize = 64 * 1024;
/// g0 of a new M (Go: 16 KiB; rt0's g0 runs Rust code of unknown depth, so more).
pub const G0_STACK: usize = 64 * 1024;
/// The signal stack of every M (Go's gsignal: 32 KiB).
pub const GSIGNAL_STACK: usize = 32 * 1024;
/// m0's g0 uses the OS stack: [SP − 64 KiB, SP) (asm_amd64.s rt0_go).
pub const G0_OS_STACK: usize = 64 * 1024;
pub const GUARD: usize = 4096;

/// Stack pool orders Go keeps per size (2, 4, 8, 16 KiB); reported by stackinit.
pub const STACK_ORDERS: [usize; 4] = [2048, 4096, 8192, 16384];

/// Maps a stack of `size` bytes with a PROT_NONE guard page below it. None if out of memory.
pub fn stackalloc(size: usize) -> Option<Stack> {
    // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
    let base = unsafe {
        syscall6(SYS_MMAP, 0, size + GUARD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0)
    };
    if base < 0 {
        return None;
    }
    let base = base as usize;
    // SAFETY: turns the lowest page of the mapping just made into the guard.
    if unsafe { syscall3(SYS_MPROTECT, base, GUARD, PROT_NONE) } != 0 {
        return None;
    }
    Some(Stack { lo: base + GUARD, hi: base + GUARD + size })
}

/// Whether `addr` lies in the guard page below `stack`.
pub fn in_guard(stack: &Stack, addr: usize) -> bool {
    addr < stack.lo && addr >= stack.lo.saturating_sub(GUARD)
}
