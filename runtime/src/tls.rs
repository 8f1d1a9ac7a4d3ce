//! The g register: Go keeps the current g at -8(FS), the first word of the M's TLS block, and so
//! does rt0 (the seed article says GS; Go uses FS on linux/amd64).
//!
//! Mirrors Go's `runtime/stubs.go` `getg` (a compiler intrinsic there), the `get_tls`/`g(CX)`
//! macros of `go_tls.h`, and `runtime·settls` in `sys_linux_amd64.s`: `settls(&m.tls[0])` adds 8
//! and calls `arch_prctl(ARCH_SET_FS, addr)`, so that -8(FS) is `m.tls[0]`.
use crate::runtime2::{G, M};
use crate::sys_linux_amd64::syscall2;
use abi::nr::SYS_ARCH_PRCTL;
use abi::prctl::ARCH_SET_FS;

/// The current g (Go's `getg()`): the word at -8(FS).
#[inline(always)]
pub fn getg() -> *mut G {
    let g: *mut G;
    // Before settls (it is never called then) this would read whatever FS maps.
    // SAFETY: FS points at an M's tls[1] once `settls` ran on this thread; the load has no effects.
    unsafe { core::arch::asm!("mov {}, qword ptr fs:[-8]", out(reg) g, options(nostack, readonly, preserves_flags)) };
    g
}

/// TLS words after the g slot: `tls[1]` (0(FS)) holds the M itself and `tls[2]` (8(FS)) the P
/// it holds (null without one), so that the scheduler finds both with one load (Go reaches them
/// through g.m and g.m.p). Written by mcommoninit, acquirep, releasep and procresize.
pub const TLS_M: usize = 1;
pub const TLS_P: usize = 2;
/// `tls[3]` (16(FS)): the mcache of the P the M holds (null without one), which the allocator reads once
/// several Ps run at once (malloc's `current_mcache`, Go's `getMCache`). Kept with `TLS_P`.
pub const TLS_MCACHE: usize = 3;

/// The current M: the word at 0(FS).
#[inline(always)]
pub fn getm_tls() -> *mut M {
    let m: *mut M;
    // FS points at an M's tls[1] once `settls` ran on this thread, and mcommoninit stored
    // the M's own address there before any caller runs; the load has no effects.
    // SAFETY: so the block below is sound.
    unsafe { core::arch::asm!("mov {}, qword ptr fs:[0]", out(reg) m, options(nostack, readonly, preserves_flags)) };
    m
}

/// The current M's P: the word at 8(FS) (null if it holds none).
#[inline(always)]
pub fn getp_tls() -> *mut crate::runtime2::P {
    let p: *mut crate::runtime2::P;
    // SAFETY: as for getm_tls: tls[2] is this thread's M's own word, kept by acquirep/releasep.
    unsafe { core::arch::asm!("mov {}, qword ptr fs:[8]", out(reg) p, options(nostack, readonly, preserves_flags)) };
    p
}

/// The mcache of the current M's P: the word at 16(FS) (null if it holds none).
#[inline(always)]
pub fn getmcache_tls() -> *mut crate::malloc::MCache {
    let c: *mut crate::malloc::MCache;
    // SAFETY: as for getm_tls: tls[3] is this thread's M's own word, kept by acquirep/releasep.
    unsafe { core::arch::asm!("mov {}, qword ptr fs:[16]", out(reg) c, options(nostack, readonly, preserves_flags)) };
    c
}

/// Sets the current g.
#[inline(always)]
pub fn setg(g: *mut G) {
    // SAFETY: as for getg; -8(FS) is this thread's M's own tls[0] word, which no other thread reads or writes.
    unsafe { core::arch::asm!("mov qword ptr fs:[-8], {}", in(reg) g, options(nostack, preserves_flags)) };
}

/// The FS base for M `m`: `&m.tls[1]`, so that -8(FS) is `m.tls[0]` (Go's `settls`: DI + 8).
pub fn tls_base(m: *mut M) -> usize {
    m as usize + core::mem::offset_of!(M, tls) + size_of::<usize>()
}

/// Points this thread's FS at `base` with arch_prctl(ARCH_SET_FS); returns the syscall's result.
pub(crate) fn arch_set_fs(base: usize) -> isize {
    // Until the caller stores a g there, nothing reads through FS (the runtime's Rust code uses
    // no #[thread_local]s).
    // SAFETY: ARCH_SET_FS changes only this thread's FS base and touches no memory.
    unsafe { syscall2(SYS_ARCH_PRCTL, ARCH_SET_FS, base) }
}

/// Go's settls: FS → `&m.tls[1]` on this thread. Returns the syscall's result.
pub(crate) fn settls(m: *mut M) -> isize {
    arch_set_fs(tls_base(m))
}
