//! `--trace-startup` beside an untraced run: did the stops change what the program does?
//!
//! Both runs have the kernel's per-thread accounting on (`kernel/src/process/account.rs`; the
//! untraced one through `--account`), which logs the first thread's own user-mode count (no
//! other thread's work, no kernel time, no stop) at each of its system calls. Those calls are
//! points both runs reach without a trap. A stop of the traced run lies after its first thread's
//! j-th call (the stops report the calls since the previous one); the traced thread's work
//! from that call to the stop, added to the untraced run's count at the same call, places the
//! stop in the untraced run. Layer by layer, the first thread's own count is then the same
//! figure measured the same way in both runs, and [`table`] prints the two and their gap, then
//! every thread's user and kernel figures at exit in both runs (where a TSC span's difference
//! goes: Go's sysmon does more while the stops stretch the run).
use crate::trace::{Hit, Row, parse_hit, rows_of};

/// The first thread's system calls and its user count at each (number, count), from the
/// kernel's `account: tid 1 user at its N syscalls: NR:COUNT …` line at exit.
pub fn marks(log: &str) -> Option<Vec<(u16, u64)>> {
    let rest = log.lines().find_map(|l| l.split_once("] account: tid 1 user at its ").map(|(_, r)| r))?;
    let (_, list) = rest.split_once("syscalls:")?;
    list.split_whitespace()
        .map(|w| {
            let (nr, user) = w.split_once(':')?;
            Some((nr.parse().ok()?, user.parse().ok()?))
        })
        .collect()
}

/// The traced run's stops, each with the first thread's count where the untraced run has it,
/// up to where the runs' first threads made different calls; then the first stop that has no
/// counterpart, and the layer its stretch belongs to (what a stop reports came since the
/// previous stop, so the previous stop's layer). An error when a figure is missing.
fn placed(traced: &str, untraced: &str) -> Result<(Vec<Hit>, Option<Parting>), String> {
    let t = marks(traced).ok_or("the traced run logged no syscall counts")?;
    let u = marks(untraced).ok_or("the untraced run logged no syscall counts (--account)")?;
    let same = t.iter().zip(&u).position(|(a, b)| a.0 != b.0).unwrap_or(t.len().min(u.len()));
    let mut j = 0usize;
    let mut out: Vec<Hit> = Vec::new();
    for h in traced.lines().filter_map(parse_hit) {
        j += h.syscalls as usize;
        let user = h.user.ok_or("a stop without the first thread's user count")?;
        let at = match j {
            0 => user,
            _ if j > same => {
                let layer = out.last().map_or(h.layer, |p| p.layer);
                return Ok((out, Some((h.name, layer))));
            }
            _ => u[j - 1].1 + user.saturating_sub(t[j - 1].1),
        };
        let mut h = h;
        h.user = Some(at);
        out.push(h);
    }
    Ok((out, None))
}

/// Per layer: (layer, the first thread's own count traced, untraced).
pub type Layers = Vec<(u8, u64, u64)>;

/// Where the runs' first threads part: the first stop without a counterpart, and its stretch's
/// layer.
type Parting = (String, u8);

/// The layers wholly before the stretch where the runs' first threads part (make different
/// system calls: sysmon's doing), and that stretch's layer; every layer and None when they do
/// not part.
pub fn layers_until_apart(traced: &str, untraced: &str) -> Result<(Layers, Option<u8>), String> {
    compare(traced, untraced).map(|(layers, apart)| (layers, apart.map(|(_, layer)| layer)))
}

/// Per layer: (layer, the first thread's own count traced, untraced); an error when the runs'
/// first threads made different calls before a stop (it then has no counterpart).
pub fn layers(traced: &str, untraced: &str) -> Result<Layers, String> {
    match compare(traced, untraced)? {
        (layers, None) => Ok(layers),
        (_, Some((name, _))) => Err(format!("the runs' first threads made different calls before {name}")),
    }
}

/// [`layers_until_apart`], with the name of the first stop that has no counterpart.
fn compare(traced: &str, untraced: &str) -> Result<(Layers, Option<Parting>), String> {
    let (placed, apart) = placed(traced, untraced)?;
    let (ours, _) = crate::trace::rows(traced).ok_or("no stops were hit")?;
    let (theirs, _) = rows_of(&placed).ok_or("no stops were hit before the runs parted")?;
    let find = |rows: &[Row], l: u8| rows.iter().find(|r| r.layer == l).map_or(0, |r| r.user);
    let whole = |l: u8| apart.as_ref().is_none_or(|(_, a)| l < *a);
    let layers = ours.iter().filter(|r| whole(r.layer)).map(|r| (r.layer, r.user, find(&theirs, r.layer))).collect();
    Ok((layers, apart))
}

/// The gap of `a` from `b` in percent.
fn gap(a: u64, b: u64) -> f64 {
    (a as f64 - b as f64) * 100.0 / (b.max(1) as f64)
}

/// The two runs' first-thread counts side by side, by layer and over the whole run (the
/// kernel's figure at exit).
pub fn table(traced: &str, untraced: &str) -> String {
    let rows = match layers(traced, untraced) {
        Ok(rows) => rows,
        Err(e) => return format!("untraced comparison: {e}\n"),
    };
    let mut out =
        String::from("layer   own user traced   untraced    gap   (the first thread's own user-mode count)\n");
    for (l, a, b) in &rows {
        out += &format!("L{l}     {a:>15} {b:>10} {:>+6.2}%\n", gap(*a, *b));
    }
    let (ta, ua) = (crate::trace::accounts(traced), crate::trace::accounts(untraced));
    let first = |a: &[(u32, u64, u64)]| a.iter().find(|t| t.0 == 1).map(|t| t.1);
    if let (Some(a), Some(b)) = (first(&ta), first(&ua)) {
        out += &format!("whole run {a:>12} {b:>10} {:>+6.2}%\n", gap(a, b));
    }
    // Every thread at exit: where a TSC span's difference between the runs goes.
    let cost = crate::trace::rows(traced).map_or(0, |r| r.1);
    out += &format!(
        "thread  user traced   untraced  kernel traced   untraced   (at exit; the traced kernel figures hold the stops, {cost} in all)\n"
    );
    for (tid, user, kernel) in &ta {
        let (u, k) = match ua.iter().find(|t| t.0 == *tid) {
            Some(t) => (t.1.to_string(), t.2.to_string()),
            None => ("-".into(), "-".into()),
        };
        out += &format!("tid {tid:<3} {user:>11} {u:>10} {kernel:>14} {k:>10}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACED: &str = "\
[        100i L1] trace: a at 0x1: 100 since the ELF entry, 0 syscalls (), 0 page faults, trap cost 0, other threads 0 syscalls (), 0 page faults, first thread's user 10, interrupts 0
[        900i L2] trace: b at 0x2: 900 since the ELF entry, 2 syscalls (brk mmap), 0 page faults, trap cost 50, other threads 0 syscalls (), 0 page faults, first thread's user 500, interrupts 0
[       2000i L3] trace: c at 0x3: 2000 since the ELF entry, 1 syscalls (write), 0 page faults, trap cost 90, other threads 0 syscalls (), 0 page faults, first thread's user 1200, interrupts 1
[       2100i L0] account: tid 1 user 1300 kernel 700
[       2101i L0] account: tid 1 user at its 3 syscalls: 12:200 9:450 1:1100
";

    #[test]
    fn stops_are_placed_after_the_same_syscall_in_the_untraced_run() {
        // The untraced run's first thread did 20 more before its second call, 30 more by its third.
        let untraced = "[ 1i L0] account: tid 1 user 1350 kernel 600\n[ 2i L0] account: tid 1 user at its 3 syscalls: 12:200 9:470 1:1130\n";
        assert_eq!(marks(untraced).unwrap(), [(12, 200), (9, 470), (1, 1130)]);
        // L1: 10 → 500 traced (after call 2: 450 + 50) and 10 → 520 untraced (470 + 50).
        // L2: 500 → 1200 traced; 520 → 1230 untraced (after call 3: 1130 + 100).
        assert_eq!(layers(TRACED, untraced).unwrap(), [(1, 490, 510), (2, 700, 710), (3, 0, 0)]);
        let t = table(TRACED, untraced);
        assert!(t.contains("L1") && t.contains("490") && t.contains("510") && t.contains("-3.92%"), "{t}");
        assert!(t.contains("whole run") && t.contains("1300") && t.contains("1350"), "{t}");
        assert!(t.lines().any(|l| l.starts_with("tid 1 ") && l.contains(" 700 ") && l.ends_with(" 600")), "{t}");
    }

    #[test]
    fn different_calls_before_a_stop_leave_it_without_a_counterpart() {
        let untraced = "[ 2i L0] account: tid 1 user at its 3 syscalls: 12:200 10:470 1:1130\n";
        assert!(layers(TRACED, untraced).unwrap_err().contains("different calls"));
        assert!(table(TRACED, "").contains("--account"));
    }

    #[test]
    fn runs_that_part_compare_the_layers_before_the_parting() {
        // The third call differs: stop c cannot be placed, and its stretch is L2's (b's), so
        // only L1 is whole in both runs.
        let untraced = "[ 2i L0] account: tid 1 user at its 3 syscalls: 12:200 9:470 35:1130\n";
        assert_eq!(layers_until_apart(TRACED, untraced).unwrap(), (vec![(1, 490, 510)], Some(2)));
        // Runs that do not part: every layer, as `layers` gives them.
        let same = "[ 2i L0] account: tid 1 user at its 3 syscalls: 12:200 9:470 1:1130\n";
        assert_eq!(layers_until_apart(TRACED, same).unwrap(), (layers(TRACED, same).unwrap(), None));
    }
}
