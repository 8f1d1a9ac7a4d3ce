//! Package initialization: packages register at link time, and their `init` functions run in Go 1.21+'s order.
//!
//! Mirrors Go's `runtime/proc.go` (the `initTask` record, `doInit`, `doInit1`) together with the part of Go's linker
//! that decides the order, `cmd/link/internal/ld/inittask.go` (see [`order`] for the rules and [`trace_line`] for
//! `GODEBUG=inittrace=1`).
//!
//! # Registration
//!
//! Go's compiler emits one `<pkg>..inittask` record per package: its init functions plus one relocation per import.
//! rt0's [`package!`](crate::package) emits the same record as a [`Package`] static in the ELF section
//! `rt0_inittasks`, marked `#[used]`. The section's name is a C identifier, so the linker (rust-lld, like GNU ld)
//! defines `__start_rt0_inittasks` and `__stop_rt0_inittasks` around the records of every object file, and keeps
//! the section because those symbols are referenced (by [`packages`]). Nothing in `main` has to name a package:
//! linking it in is enough, as in Go.
//!
//! ```ignore
//! runtime::package! { path: "example.com/a", imports: ["example.com/b"], init: [init_a1, init_a2] }
//! ```
//!
//! The runtime registers itself as package `runtime` (no imports, no init functions yet), which also keeps the
//! section, and so the two symbols, present in every program.
//!
//! # Running
//!
//! Go runs the runtime's own packages first (`doInit(runtime_inittasks)`, before `gcenable`), then every other
//! package (`doInit(m.inittasks)`). rt0 offers the same two steps, [`run_inits_from`]`("runtime", ..)` and
//! [`run_inits`]; a package that already ran is skipped (Go's `initTask.state`). The order is computed in full
//! before any init function runs, so an import cycle stops the program before any package initializes — as Go's
//! build would have refused it.

#![allow(clippy::result_large_err, reason = "no allocator: a Cycle carries its members in a fixed array")]

mod graph;
mod order;
#[cfg(test)]
mod tests;
mod trace;

pub use graph::MAX_IMPORTS;
pub use order::{Cycle, MAX_PACKAGES, Order, order, order_from};
pub use trace::{fmt_ns_as_ms, trace_line};

use crate::panic::throw;
use core::sync::atomic::{AtomicU8, Ordering};

/// [`Package::state`] values (Go's `initTask.state`): not yet run, running, done.
const UNINITIALIZED: u8 = 0;
const RUNNING: u8 = 1;
const DONE: u8 = 2;

/// One package's init record (Go's `initTask`, plus the imports Go keeps as linker relocations).
///
/// Built by [`package!`](crate::package) for the linker section, or directly with [`Package::new`] for a plain slice
/// (unit tests, [`run_inits_in`]).
#[repr(C)]
pub struct Package {
    path: &'static str,
    imports: &'static [&'static str],
    inits: &'static [fn()],
    state: AtomicU8,
}

impl Package {
    /// A package at import path `path` that imports `imports` and runs `inits`, in that order, when initialized.
    pub const fn new(path: &'static str, imports: &'static [&'static str], inits: &'static [fn()]) -> Package {
        Package { path, imports, inits, state: AtomicU8::new(UNINITIALIZED) }
    }

    /// The import path.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// The import paths this package imports (any order; paths that no package registered are ignored).
    pub fn imports(&self) -> &'static [&'static str] {
        self.imports
    }

    /// The init functions, in the order they run.
    pub fn inits(&self) -> &'static [fn()] {
        self.inits
    }

    /// Whether this package's init functions have all run.
    pub fn is_initialized(&self) -> bool {
        self.state.load(Ordering::Acquire) == DONE
    }
}

/// Registers a package at link time: `runtime::package! { path: "a", imports: ["b", "c"], init: [init_a] }`.
///
/// `imports` and `init` may be empty lists. Expands to a `#[used]` [`Package`](crate::inittask::Package) static in
/// section `rt0_inittasks`; see [`inittask`](crate::inittask).
#[macro_export]
macro_rules! package {
    (
        path: $path:expr,
        imports: [$($import:expr),* $(,)?],
        init: [$($init:path),* $(,)?] $(,)?
    ) => {
        const _: () = {
            #[used]
            #[unsafe(link_section = "rt0_inittasks")]
            static INITTASK: $crate::inittask::Package =
                $crate::inittask::Package::new($path, &[$($import),*], &[$($init as fn()),*]);
        };
    };
}

// The runtime's own package (Go's `runtime..inittask`). It also guarantees that section `rt0_inittasks` exists.
crate::package! { path: "runtime", imports: [], init: [] }

/// Every registered package, in link order (the records between `__start_rt0_inittasks` and
/// `__stop_rt0_inittasks`).
pub fn packages() -> &'static [Package] {
    unsafe extern "C" {
        /// Defined by the linker at the start and end of section `rt0_inittasks`.
        static __start_rt0_inittasks: u8;
        static __stop_rt0_inittasks: u8;
    }
    let start = (&raw const __start_rt0_inittasks).cast::<Package>();
    let stop = (&raw const __stop_rt0_inittasks).cast::<Package>();
    let bytes = stop as usize - start as usize;
    assert!(
        bytes.is_multiple_of(size_of::<Package>()),
        "section rt0_inittasks holds something other than Package records"
    );
    // SAFETY: the section holds only `Package` statics emitted by `package!` (all of one type, so of one size and
    // alignment; LLVM keeps a sectioned global's alignment exactly, so the linker packs them with no gaps), between
    // the two linker-defined symbols. They are statics, so they live, unmoved, for the whole program.
    unsafe { core::slice::from_raw_parts(start, bytes / size_of::<Package>()) }
}

/// What the caller measures around one package's init functions (Go's `doInit1` reads `nanotime()` and the
/// `inittrace` allocation counters before and after). Called only for packages that run, i.e. that have init
/// functions; [`trace_line`] formats Go's line from the numbers.
pub trait InitHooks {
    /// Just before `pkg`'s first init function.
    fn before(&mut self, pkg: &Package);
    /// Just after `pkg`'s last init function.
    fn after(&mut self, pkg: &Package);
}

/// Runs every registered package that has not run yet, in Go's order (Go's `doInit(m.inittasks)`).
///
/// Returns how many packages ran, or the import cycle that makes an order impossible (then nothing ran).
pub fn run_inits(hooks: Option<&mut (dyn InitHooks + '_)>) -> Result<usize, Cycle<'static>> {
    run_inits_in(packages(), None, hooks)
}

/// Runs the registered packages that `root` reaches through imports (`root` included) that have not run yet, in
/// Go's order over just those packages (Go's `doInit(runtime_inittasks)` with `root = "runtime"`).
pub fn run_inits_from(root: &str, hooks: Option<&mut (dyn InitHooks + '_)>) -> Result<usize, Cycle<'static>> {
    run_inits_in(packages(), Some(root), hooks)
}

/// [`run_inits`] (or, with a `root`, [`run_inits_from`]) over `pkgs` instead of the registered packages.
pub fn run_inits_in<'a>(
    pkgs: &'a [Package],
    root: Option<&str>,
    mut hooks: Option<&mut (dyn InitHooks + '_)>,
) -> Result<usize, Cycle<'a>> {
    let order = match root {
        None => order(pkgs)?,
        Some(root) => order_from(pkgs, root)?,
    };
    let mut ran = 0;
    for i in order.iter() {
        if doinit1(&pkgs[i], hooks.as_deref_mut()) {
            ran += 1;
        }
    }
    Ok(ran)
}

/// Go's `doInit1`: runs `pkg`'s init functions once, bracketed by the hooks. Returns whether it ran them now.
fn doinit1(pkg: &Package, mut hooks: Option<&mut (dyn InitHooks + '_)>) -> bool {
    if pkg.inits.is_empty() {
        // Go's linker leaves such packages out of the schedule: they order others but never run.
        return false;
    }
    match pkg.state.compare_exchange(UNINITIALIZED, RUNNING, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => {}
        Err(DONE) => return false,
        Err(_) => throw(format_args!("recursive call during initialization of {}", pkg.path)),
    }
    if let Some(hooks) = hooks.as_deref_mut() {
        hooks.before(pkg);
    }
    for init in pkg.inits {
        init();
    }
    if let Some(hooks) = hooks {
        hooks.after(pkg);
    }
    pkg.state.store(DONE, Ordering::Release);
    true
}

/// Reports an import cycle the way Go reports a fatal error and exits with status 2:
/// `fatal error: import cycle not allowed: a -> b -> a` on standard error.
pub fn throw_cycle(cycle: &Cycle<'_>) -> ! {
    throw(format_args!("{cycle}"))
}
