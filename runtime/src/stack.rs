//! Goroutine and thread stacks (Go's stack.go: stackinit, stackalloc; mem_linux.go for the
//! mappings). Go starts goroutines at 2 KiB and copies stacks as they grow; Rust code cannot
//! move its stack, so rt0 gives each goroutine a fixed stack with a guard page below it —
//! running into the guard is a SIGSEGV the runtime reports as Go's `fatal error: stack
//! overflow`. Stacks of dead goroutines stay with them on the free-g lists and are reused by
//! the next `newproc`, as in Go.
//!
//! The guard is a guard marker (Linux 6.13's MADV_GUARD_INSTALL) where the kernel has them:
//! no VMA of its own, so the number of goroutines is not bounded by `vm.max_map_count`
//! (65,530 mappings; a PROT_NONE page splits the heap's mapping in two per stack, about 32,700
//! stacks). On an older kernel (EINVAL) the guard is PROT_NONE (mprotect).
use crate::runtime2::Stack;
use crate::sys_linux_amd64::syscall3;
use abi::errno::EINVAL;
use abi::mman::{MADV_GUARD_INSTALL, PAGE_SIZE, PROT_NONE};
use abi::nr::{SYS_MADVISE, SYS_MPROTECT};
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};

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
/// The guard below every goroutine stack: one page.
pub const GUARD: usize = PAGE_SIZE;
/// Go's stack pools hold stacks of this many orders (2, 4, 8, 16 KiB); rt0 has no pools.
pub const NUM_STACK_ORDERS: usize = 4;

/// A goroutine stack of `size` bytes with a guard page below it: page-aligned memory from the
/// heap (already committed, so no mapping call) whose lowest page then becomes the guard — one
/// system call per stack, and stacks are reused with their G, never freed.
pub fn stackalloc(size: usize) -> Option<Stack> {
    let layout = core::alloc::Layout::from_size_align(size + GUARD, GUARD).ok()?;
    // SAFETY: non-zero size; the memory is never freed (see above).
    let base = unsafe { alloc::alloc::alloc(layout) } as usize;
    if base == 0 {
        return None;
    }
    guard(base).then_some(Stack { lo: base + GUARD, hi: base + GUARD + size })
}

/// Whether MADV_GUARD_INSTALL was refused (EINVAL: a kernel before Linux 6.13): mprotect from
/// then on.
static NO_GUARD_MARKERS: AtomicBool = AtomicBool::new(false);

/// Turns the page at `base` — the lowest page of a fresh stack allocation, which nothing else
/// uses — into a guard.
fn guard(base: usize) -> bool {
    if !NO_GUARD_MARKERS.load(Relaxed) {
        // SAFETY: discards the page's contents (none yet) and marks it; nothing else uses it.
        let r = unsafe { syscall3(SYS_MADVISE, base, GUARD, MADV_GUARD_INSTALL) };
        if r == 0 {
            return true;
        }
        if r != -EINVAL {
            return false;
        }
        NO_GUARD_MARKERS.store(true, Relaxed);
    }
    // SAFETY: as above; the page becomes inaccessible.
    unsafe { syscall3(SYS_MPROTECT, base, GUARD, PROT_NONE) == 0 }
}

/// A stack from the heap, without a guard page — for g0 of new Ms and for gsignal, as Go's
/// malg takes them from the heap: their depth is bounded by the runtime's own code, and a
/// committed heap span costs no system call.
pub fn heapstack(size: usize) -> Option<Stack> {
    let layout = core::alloc::Layout::from_size_align(size, 16).ok()?;
    // SAFETY: non-zero size; the memory is never freed (Ms live until the process ends).
    let p = unsafe { alloc::alloc::alloc(layout) };
    (!p.is_null()).then(|| Stack { lo: p as usize, hi: p as usize + size })
}

/// Whether `addr` lies in the guard page below `stack`.
pub fn in_guard(stack: &Stack, addr: usize) -> bool {
    addr < stack.lo && addr >= stack.lo.saturating_sub(GUARD)
}
