//! The order packages initialize in: Go 1.21+'s linker schedule, and import cycles.
//!
//! Mirrors Go's `cmd/link/internal/ld/inittask.go` (`inittaskSym`), which since Go 1.21 decides the order at link
//! time. The language spec states the rule: "Given the list of all packages, sorted by import path, in each step the
//! first uninitialized package in the list for which all imports (if any) are already initialized is initialized."
//! Before Go 1.21 the runtime walked imports depth-first in source order: with `main` importing `z` then `a`, Go
//! 1.19 runs `z` first, Go 1.21+ runs `a` first.
//!
//! Details that follow the linker:
//! - "Sorted" means by the inittask symbol's name, `objabi.PathToPrefix(path) + "..inittask"`, compared bytewise
//!   (the linker's `lexHeap`). This is the import-path order except where a path is a prefix of another followed by
//!   a byte below `.` (`example.com/x-y` sorts before `example.com/x`), or where the last path element holds a `.`,
//!   which the prefix escapes as `%2e` (`a/b.c` sorts before `a/b`).
//! - Packages without init functions take part (edges pass through them) but never run.
//! - An import that no package registered has no init work anywhere, and is ignored.
//!
//! Go rejects import cycles when building; rt0 finds them here, at start-up, and names every package in one.
//!
//! Nothing here allocates (it may run before the heap exists, and must not count against `inittrace`'s allocation
//! numbers): the scratch space is fixed arrays on the stack, about 12 KiB, sized by [`MAX_PACKAGES`] and
//! [`MAX_IMPORTS`](super::MAX_IMPORTS).

#![allow(clippy::result_large_err, reason = "no allocator: a Cycle carries its members in a fixed array")]

use super::Package;
use super::graph::Graph;
use core::fmt;

/// The most packages one program may register (rt0's limit; Go has none).
pub const MAX_PACKAGES: usize = 512;

/// Packages in the order they initialize, as indices into the slice given to [`order`].
pub struct Order {
    len: usize,
    idx: [u16; MAX_PACKAGES],
}

impl Order {
    /// The number of packages in the order.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no packages at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The package indices, first to initialize first.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.idx[..self.len].iter().map(|&i| usize::from(i))
    }

    fn push(&mut self, i: u16) {
        self.idx[self.len] = i;
        self.len += 1;
    }
}

impl fmt::Debug for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// An import cycle: each member imports the next, and the last imports the first. The lexically first member
/// comes first.
pub struct Cycle<'a> {
    pkgs: &'a [Package],
    len: usize,
    members: [u16; MAX_PACKAGES],
}

impl<'a> Cycle<'a> {
    /// The cycle whose members, in import order, are `pkgs[i]` for each `i` in `members`.
    pub(super) fn new(pkgs: &'a [Package], members: impl Iterator<Item = u16>) -> Cycle<'a> {
        let mut cycle = Cycle { pkgs, len: 0, members: [0; MAX_PACKAGES] };
        for i in members {
            cycle.members[cycle.len] = i;
            cycle.len += 1;
        }
        cycle
    }

    /// The import paths of the cycle's members, in import order.
    pub fn members(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.members[..self.len].iter().map(|&i| self.pkgs[usize::from(i)].path)
    }
}

/// `import cycle not allowed: a -> b -> c -> a` (Go's build error, naming the whole cycle).
impl fmt::Display for Cycle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("import cycle not allowed: ")?;
        for path in self.members() {
            write!(f, "{path} -> ")?;
        }
        f.write_str(self.members().next().unwrap_or(""))
    }
}

impl fmt::Debug for Cycle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The order all of `pkgs` initialize in, or an import cycle among them.
///
/// # Panics
/// If `pkgs` has more than [`MAX_PACKAGES`] entries.
pub fn order(pkgs: &[Package]) -> Result<Order, Cycle<'_>> {
    schedule(pkgs, None)
}

/// The order in which the packages that `root` reaches through imports (`root` included) initialize, scheduled on
/// their own (as Go's linker does for the runtime's packages); empty if no package is `root`.
///
/// # Panics
/// If `pkgs` has more than [`MAX_PACKAGES`] entries.
pub fn order_from<'a>(pkgs: &'a [Package], root: &str) -> Result<Order, Cycle<'a>> {
    schedule(pkgs, Some(root))
}

/// The spec's rule, step by step, over the packages `root` reaches (all packages if `root` is `None`).
fn schedule<'a>(pkgs: &'a [Package], root: Option<&str>) -> Result<Order, Cycle<'a>> {
    let graph = Graph::new(pkgs);
    let n = graph.len();
    let mut live = [false; MAX_PACKAGES];
    match root {
        None => live[..n].fill(true),
        Some(root) => graph.mark_reachable(root, &mut live),
    }
    let total = live.iter().filter(|&&l| l).count();
    let mut done = [false; MAX_PACKAGES];
    let mut order = Order { len: 0, idx: [0; MAX_PACKAGES] };
    while order.len < total {
        let ready = |pos: usize| live[pos] && !done[pos] && graph.deps(pos).all(|dep| done[dep]);
        match (0..n).find(|&pos| ready(pos)) {
            Some(pos) => {
                done[pos] = true;
                order.push(graph.index(pos));
            }
            None => return Err(graph.find_cycle(&live, &done)),
        }
    }
    Ok(order)
}
