//! Micro-benchmark of the allocator's fast path (`runtime::malloc`): malloc + free of a 32-byte object through
//! the P's mcache, timed with `rdtsc` from ring 3. Under `rt0 --icount` the TSC counts guest instructions, so
//! each figure is instructions per malloc+free pair (loop and rdtsc overhead included, amortised over the
//! iterations). It is measured with 1,000, 10,000 and 100,000 other 32-byte objects live, which should not
//! matter: the fast path pops and pushes a span's free list in O(1). Prints one line:
//! `mallocbench live=1000 insns_per_malloc_free=N live=10000 insns_per_malloc_free=N live=100000 insns_per_malloc_free=N`.
//!
//! Built with `bare_main!`: no scheduler or sysmon thread runs alongside, so nothing else is counted; the
//! allocator sets itself up on first use.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::fmt::Write;
use runtime::malloc::{self, MCache};
use runtime::print::{STDOUT, Writer};

runtime::bare_main!(main);

const OBJ: usize = 32;
const ALIGN: usize = 8;
const ITERS: u64 = 100_000;
const WARMUP: u64 = 1_000;
const LIVE: [usize; 3] = [1_000, 10_000, 100_000];

fn rdtsc() -> u64 {
    // SAFETY: rdtsc is allowed in ring 3 (CR4.TSD clear) and has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Runs `n` malloc+free pairs; returns the TSC ticks they took.
#[inline(never)]
fn pairs(c: &mut MCache, n: u64) -> u64 {
    let t0 = rdtsc();
    for _ in 0..n {
        let p = c.alloc(OBJ, ALIGN);
        // SAFETY: `p` was just allocated with this size and alignment (or is null, which free ignores).
        unsafe { c.free(p, OBJ, ALIGN) };
    }
    rdtsc() - t0
}

fn main() {
    // SAFETY: the current P's mcache, used only by this (the only) thread.
    let c = unsafe { &mut *malloc::current_mcache() };
    let mut out = Writer::new(STDOUT);
    let _ = write!(out, "mallocbench");
    for live in LIVE {
        let objs: Vec<*mut u8> = (0..live).map(|_| c.alloc(OBJ, ALIGN)).collect();
        assert!(objs.iter().all(|p| !p.is_null()), "out of memory");
        pairs(c, WARMUP);
        let per_pair = pairs(c, ITERS) / ITERS;
        let _ = write!(out, " live={live} insns_per_malloc_free={per_pair}");
        for p in objs {
            // SAFETY: each object freed once.
            unsafe { c.free(p, OBJ, ALIGN) };
        }
    }
    let _ = writeln!(out);
}
