//! The import graph the schedule runs on: packages in Go's link order, imports resolved once to positions.
//!
//! Mirrors what Go's linker gathers in `cmd/link/internal/ld/inittask.go` (`inittaskSym`: the `R_INITORDER` edges
//! and the `lexHeap` order of `<pkg>..inittask` symbol names), built in fixed arrays because the runtime may not
//! allocate here.

use super::Package;
use super::order::{Cycle, MAX_PACKAGES};
use core::cmp::Ordering;

/// The most resolved imports all packages together may have (rt0's limit; Go has none).
pub const MAX_IMPORTS: usize = 4 * MAX_PACKAGES;

/// The packages sorted in link order (a package's *position*), with the imports of each resolved to positions.
pub struct Graph<'a> {
    pkgs: &'a [Package],
    /// `sorted[pos]`: the index in `pkgs` of the package at position `pos`.
    sorted: [u16; MAX_PACKAGES],
    /// The imports of the package at `pos` are `deps[dep_start[pos]..dep_start[pos + 1]]`.
    dep_start: [u16; MAX_PACKAGES + 1],
    deps: [u16; MAX_IMPORTS],
}

impl<'a> Graph<'a> {
    /// # Panics
    /// If there are more than [`MAX_PACKAGES`] packages or [`MAX_IMPORTS`] resolved imports.
    pub fn new(pkgs: &'a [Package]) -> Graph<'a> {
        let n = pkgs.len();
        assert!(n <= MAX_PACKAGES, "{n} packages registered; rt0 initializes at most {MAX_PACKAGES}");
        let path = |i: u16| pkgs[usize::from(i)].path;
        // Ties (a path registered twice) keep registration order, in both sorts.
        let mut sorted = iota(n);
        sorted[..n].sort_unstable_by(|&a, &b| link_cmp(path(a), path(b)).then(a.cmp(&b)));
        let mut pos_of = [0u16; MAX_PACKAGES];
        for (pos, &i) in sorted[..n].iter().enumerate() {
            pos_of[usize::from(i)] = pos as u16;
        }
        // Plain byte order finds an import's packages faster than comparing inittask symbols.
        let mut by_path = iota(n);
        by_path[..n].sort_unstable_by(|&a, &b| path(a).cmp(path(b)).then(a.cmp(&b)));

        let mut graph = Graph { pkgs, sorted, dep_start: [0; MAX_PACKAGES + 1], deps: [0; MAX_IMPORTS] };
        let mut edges = 0;
        for pos in 0..n {
            graph.dep_start[pos] = edges as u16;
            for import in graph.at(pos).imports {
                let lo = by_path[..n].partition_point(|&i| path(i) < *import);
                for &i in by_path[lo..n].iter().take_while(|&&i| path(i) == *import) {
                    assert!(edges < MAX_IMPORTS, "more than {MAX_IMPORTS} imports registered");
                    graph.deps[edges] = pos_of[usize::from(i)];
                    edges += 1;
                }
            }
        }
        graph.dep_start[n] = edges as u16;
        graph
    }

    /// The number of packages.
    pub fn len(&self) -> usize {
        self.pkgs.len()
    }

    /// The index in the package slice of the package at position `pos`.
    pub fn index(&self, pos: usize) -> u16 {
        self.sorted[pos]
    }

    fn at(&self, pos: usize) -> &'a Package {
        &self.pkgs[usize::from(self.sorted[pos])]
    }

    /// The positions of the packages the package at `pos` imports, in its import order. An import that no package
    /// registered is absent; one registered twice appears twice (the importer waits for both).
    pub fn deps(&self, pos: usize) -> impl Iterator<Item = usize> + '_ {
        let range = usize::from(self.dep_start[pos])..usize::from(self.dep_start[pos + 1]);
        self.deps[range].iter().map(|&d| usize::from(d))
    }

    /// Marks the packages at `root` and everything they import, directly or not, in `live`.
    pub fn mark_reachable(&self, root: &str, live: &mut [bool; MAX_PACKAGES]) {
        let mut stack = [0u16; MAX_PACKAGES];
        let mut depth = 0;
        for pos in (0..self.len()).filter(|&pos| self.at(pos).path == root) {
            live[pos] = true;
            stack[depth] = pos as u16;
            depth += 1;
        }
        while depth > 0 {
            depth -= 1;
            for dep in self.deps(usize::from(stack[depth])) {
                // A position is pushed only when first marked, so the stack never holds more than all of them.
                if !live[dep] {
                    live[dep] = true;
                    stack[depth] = dep as u16;
                    depth += 1;
                }
            }
        }
    }

    /// A cycle among the live packages not yet `done`, given that none of them is ready.
    ///
    /// Depth-first from the lexically first such package, always descending into its first import that is not
    /// done. Every package on the way is blocked, so it has such an import and the walk never needs to back up; it
    /// must come back to a package already on its path, and the path from there is a cycle.
    pub fn find_cycle(&self, live: &[bool; MAX_PACKAGES], done: &[bool; MAX_PACKAGES]) -> Cycle<'a> {
        let mut path = [0u16; MAX_PACKAGES];
        let mut on_path = [false; MAX_PACKAGES];
        let mut len = 0;
        let blocked = |pos: usize| live[pos] && !done[pos];
        let mut pos = (0..self.len()).find(|&p| blocked(p)).expect("find_cycle called with every package initialized");
        while !on_path[pos] {
            on_path[pos] = true;
            path[len] = pos as u16;
            len += 1;
            pos = self.deps(pos).find(|&dep| !done[dep]).expect("a blocked package has an uninitialized import");
        }
        let from = path[..len].iter().position(|&p| usize::from(p) == pos).unwrap_or(0);
        let ring = &path[from..len];
        // Start at the lexically first member (the smallest position) so the report does not depend on the walk.
        let first = (0..ring.len()).min_by_key(|&k| ring[k]).unwrap_or(0);
        Cycle::new(self.pkgs, (0..ring.len()).map(|k| self.sorted[usize::from(ring[(first + k) % ring.len()])]))
    }
}

/// `[0, 1, .., n - 1, 0, ..]`.
fn iota(n: usize) -> [u16; MAX_PACKAGES] {
    let mut a = [0u16; MAX_PACKAGES];
    for (i, slot) in a[..n].iter_mut().enumerate() {
        *slot = i as u16;
    }
    a
}

/// The bytes of the symbol Go's linker sorts a package by: `objabi.PathToPrefix(path) + "..inittask"`.
///
/// `PathToPrefix` escapes as `%xx` (lowercase hex) every byte that is a control character or space, `%`, `"`, a
/// byte ≥ 0x7F, or a `.` after the last `/`.
pub fn inittask_symbol(path: &str) -> impl Iterator<Item = u8> + '_ {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let last_slash = path.rfind('/');
    let escaped = path.bytes().enumerate().flat_map(move |(r, c)| {
        let in_last_element = last_slash.is_none_or(|slash| r > slash);
        if c <= b' ' || (c == b'.' && in_last_element) || c == b'%' || c == b'"' || c >= 0x7F {
            [b'%', HEX[usize::from(c >> 4)], HEX[usize::from(c & 0xF)]].into_iter().take(3)
        } else {
            [c, 0, 0].into_iter().take(1)
        }
    });
    escaped.chain(b"..inittask".iter().copied())
}

/// Compares two import paths the way Go's linker orders their packages.
pub fn link_cmp(a: &str, b: &str) -> Ordering {
    if a == b { Ordering::Equal } else { inittask_symbol(a).cmp(inittask_symbol(b)) }
}
