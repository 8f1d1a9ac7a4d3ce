//! rt0_go's `check` and the environment knobs the runtime reads at start-up: `GODEBUG`, `GOGC` and `GOMAXPROCS`.
//!
//! Mirrors Go's `runtime/runtime1.go` (`check`, `parsedebugvars`, `parsegodebug`, the `dbgvars` table), `readGOGC` in
//! `runtime/mgcpacer.go`, and the `GOMAXPROCS` lines of `schedinit` in `runtime/proc.go`. All three are pure
//! functions of the variable's value as raw bytes; the caller looks the variable up (Go's `gogetenv`, which cannot
//! tell an unset variable from an empty one — both parse as "not a number" here).
//!
//! Every number goes through Go's `atoi32` ([`go_atoi32`]): an optional `-`, then ASCII digits only — no `+`, no
//! spaces — and it must fit in an `i32`. A bad value is ignored silently, as in Go: no message, the default stays.

#[cfg(test)]
mod tests;

use crate::{step, string};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};

/// runtime·check: sizes, atomics and CAS behave as the runtime assumes; throws otherwise.
pub fn check() {
    let ok_sizes = size_of::<i8>() == 1
        && size_of::<i16>() == 2
        && size_of::<i32>() == 4
        && size_of::<i64>() == 8
        && size_of::<usize>() == 8;
    let a = AtomicU32::new(1);
    let cas = a.compare_exchange(1, 2, SeqCst, SeqCst).is_ok()
        && a.compare_exchange(1, 3, SeqCst, SeqCst).is_err()
        && a.load(SeqCst) == 2;
    let b = AtomicU64::new(u64::MAX);
    let add = b.fetch_add(1, SeqCst) == u64::MAX && b.load(SeqCst) == 0;
    if !(ok_sizes && cas && add) {
        crate::panic::throw("check failed");
    }
    step!(1, "check: type sizes, atomic cas/xadd ok");
}

/// `GOGC` when unset or unparsable: collect when the heap has grown 100% since the last collection.
pub const DEFAULT_GOGC: i32 = 100;
/// What `GOGC=off` reads as; Go's `setGCPercent` turns every negative value into this, meaning "no collection".
pub const GOGC_OFF: i32 = -1;

/// The runtime's debugging variables set through `GODEBUG` (a subset of Go's `debug` struct).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DebugVars {
    /// `inittrace=1`: print one line per package init (`init <pkg> @… ms, …`).
    pub inittrace: i32,
    /// `schedtrace=X`: print a `SCHED` line every X milliseconds (from sysmon).
    pub schedtrace: i32,
    /// `scheddetail=1` (with `schedtrace`): print the state of every P, M and G as well.
    pub scheddetail: i32,
    /// `gctrace=1`: print a line per garbage collection.
    pub gctrace: i32,
    /// `asyncpreemptoff=1`: no signal-based (SIGURG) preemption.
    pub asyncpreemptoff: i32,
    /// `invalidptr=0`: do not crash on invalid pointers in pointer-typed slots. Defaults to 1.
    pub invalidptr: i32,
    /// `tracebackancestors=N`: tracebacks also show where the goroutine and N of its ancestors were created.
    pub tracebackancestors: i32,
}

impl DebugVars {
    /// The values before `GODEBUG` is applied (Go's defaults at the top of `parsedebugvars`).
    pub const DEFAULT: DebugVars = DebugVars {
        inittrace: 0,
        schedtrace: 0,
        scheddetail: 0,
        gctrace: 0,
        asyncpreemptoff: 0,
        invalidptr: 1,
        tracebackancestors: 0,
    };
}

impl Default for DebugVars {
    fn default() -> Self {
        DebugVars::DEFAULT
    }
}

/// A `GODEBUG` key and the variable it sets (Go's `dbgVar`).
type DbgVar = (&'static str, fn(&mut DebugVars) -> &mut i32);

/// The keys the runtime knows (Go's `dbgvars`); any other key is ignored.
const DBGVARS: &[DbgVar] = &[
    ("asyncpreemptoff", |d| &mut d.asyncpreemptoff),
    ("gctrace", |d| &mut d.gctrace),
    ("inittrace", |d| &mut d.inittrace),
    ("invalidptr", |d| &mut d.invalidptr),
    ("scheddetail", |d| &mut d.scheddetail),
    ("schedtrace", |d| &mut d.schedtrace),
    ("tracebackancestors", |d| &mut d.tracebackancestors),
];

/// Parses a `GODEBUG` value over the defaults (Go's `parsedebugvars` with an empty compile-time default).
pub fn parse_godebug(value: &[u8]) -> DebugVars {
    let mut vars = DebugVars::DEFAULT;
    apply_godebug(&mut vars, value);
    vars
}

/// Applies a `GODEBUG` value to `vars` (Go's `parsegodebug` at start-up).
///
/// The value is comma-separated `key=value` fields, read left to right, so a later field for the same key wins.
/// A field without `=` is skipped; the key is everything before the first `=`. A known key whose value is not a
/// valid `atoi32` number leaves the variable as it was.
pub fn apply_godebug(vars: &mut DebugVars, value: &[u8]) {
    for field in value.split(|&b| b == b',') {
        let Some(eq) = field.iter().position(|&b| b == b'=') else { continue };
        let (key, value) = (&field[..eq], &field[eq + 1..]);
        for (name, var) in DBGVARS {
            if name.as_bytes() == key
                && let Some(n) = go_atoi32(value)
            {
                *var(vars) = n;
            }
        }
    }
}

/// The GC percentage from `GOGC` (Go's `readGOGC`): unset or unparsable → 100; `off` → −1; otherwise the number,
/// where any negative value means "off" too.
pub fn read_gogc(value: Option<&[u8]>) -> i32 {
    match value {
        Some(b"off") => GOGC_OFF,
        Some(value) => go_atoi32(value).unwrap_or(DEFAULT_GOGC),
        None => DEFAULT_GOGC,
    }
}

/// The number of Ps (Go's `schedinit`): a valid positive `GOMAXPROCS` wins, anything else (unset, unparsable,
/// zero, negative, too big for an `i32`) gives `ncpu`.
///
/// Go has no upper limit since Go 1.10 (1.9 and earlier capped it at `_MaxGomaxprocs` = 1024), so neither does
/// this, nor rt0's procresize, which grows allp to any count as Go 1.19's does.
pub fn gomaxprocs(value: Option<&[u8]>, ncpu: i32) -> i32 {
    match value.and_then(go_atoi32) {
        Some(n) if n > 0 => n,
        _ => ncpu,
    }
}

/// Go's runtime `atoi32`, exactly: like [`string::atoi32`], except that a lone `-` reads as 0 (Go's `atoi` accepts
/// a sign followed by no digits).
pub fn go_atoi32(s: &[u8]) -> Option<i32> {
    if s == b"-" { Some(0) } else { string::atoi32(s) }
}
