//! runtime.main's init phases (proc.go main → doInit): the runtime's own packages first, then
//! (after gcenable) every other package in the linker's order. Bridges `inittask` (ordering,
//! registration) to the clock and the allocator's counters for GODEBUG=inittrace, which prints
//! Go's `init <pkg> @<ms> ms, <ms> ms clock, <bytes> bytes, <allocs> allocs` per package.
use crate::inittask::{self, InitHooks, Package};
use crate::malloc::read_memstats;
use crate::print::{STDERR, Writer};
use crate::sys_linux_amd64::nanotime;
use crate::{INITTRACE, step};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Go's runtimeInitTime: when runtime.main started (the "@" of inittrace lines).
pub static RUNTIME_INIT_NS: AtomicU64 = AtomicU64::new(0);

struct Trace {
    start_ns: u64,
    bytes: u64,
    allocs: u64,
}

impl InitHooks for Trace {
    fn before(&mut self, _: &Package) {
        let m = read_memstats();
        (self.bytes, self.allocs) = (m.total_alloc, m.mallocs);
        self.start_ns = nanotime();
    }

    fn after(&mut self, pkg: &Package) {
        let end = nanotime();
        let m = read_memstats();
        let mut w = Writer::new(STDERR);
        let _ = inittask::trace_line(
            &mut w,
            pkg.path(),
            self.start_ns.saturating_sub(RUNTIME_INIT_NS.load(Relaxed)),
            end - self.start_ns,
            m.total_alloc - self.bytes,
            m.mallocs - self.allocs,
        );
    }
}

fn run(root: Option<&str>) -> usize {
    // Ordering needs ~12 KiB of scratch; skip it when nothing in scope has init work (the
    // usual case for the runtime's own packages). A cycle among packages none of which has
    // init work therefore goes unreported — it could not change what runs.
    let in_scope = |p: &&Package| root.is_none_or(|r| p.path() == r || p.path().starts_with("runtime/"));
    if !inittask::packages().iter().filter(in_scope).any(|p| !p.inits().is_empty() && !p.is_initialized()) {
        return 0;
    }
    let mut trace = Trace { start_ns: 0, bytes: 0, allocs: 0 };
    let hooks: Option<&mut dyn InitHooks> = if INITTRACE.load(Relaxed) { Some(&mut trace) } else { None };
    let result = match root {
        Some(r) => inittask::run_inits_from(r, hooks),
        None => inittask::run_inits(hooks),
    };
    result.unwrap_or_else(|cycle| inittask::throw_cycle(&cycle))
}

pub fn runtime_inits() {
    let n = run(Some("runtime"));
    step!(4, "runtime inits: {n} of the runtime's packages had init work");
}

pub fn package_inits() {
    let registered = inittask::packages().len();
    let n = run(None);
    step!(
        4,
        "package inits: {n} packages initialized, of {registered} registered (topological over imports, ties by import path)"
    );
}
