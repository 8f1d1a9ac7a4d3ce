//! `--trace-startup`: the runner reads the program's symbol table (the `object` crate; Rust names
//! demangled with `rustc-demangle`), picks its start-up functions — Go's (`runtime.rt0_go`,
//! `runtime.schedinit`, every package's `init`, `main.main`, …) or rt0's runtime's (the same
//! steps under their Rust names, and the program's `rt0_main`) — each with the boot layer GO-STARTUP.md puts it in, and hands
//! the list to the kernel as the fw_cfg file `opt/rt0/trace`. The kernel stops the program at
//! each one's first execution and logs it (`process/trace.rs`); [`table`] folds those lines
//! into a per-layer table. A stripped program (Go's `-ldflags=-s`) has no symbols: nothing to
//! trace, and the runner says so.
use object::{Object, ObjectSymbol, SymbolKind};

/// One stop: a function's file address, its layer, its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stop {
    pub addr: u64,
    pub layer: u8,
    pub name: String,
}

/// The layer of a start-up function, by name (Go's or rt0's), if it is one.
pub fn layer_of(name: &str) -> Option<u8> {
    // Go's assembly functions carry their ABI in the symbol table (`runtime.rt0_go.abi0`).
    let name = name.strip_suffix(".abi0").unwrap_or(name);
    let exact: &[(&str, u8)] = &[
        ("_rt0_amd64_linux", 1),
        ("_rt0_amd64", 1),
        ("runtime.rt0_go", 1),
        ("runtime.check", 1),
        ("runtime::rt0::rt0_go", 1),
        ("runtime::runtime1::check", 1),
        ("runtime.args", 2),
        ("runtime.osinit", 2),
        ("runtime::args::args", 2),
        ("runtime::os_linux::osinit", 2),
        ("runtime.schedinit", 3),
        ("runtime.mallocinit", 3),
        ("runtime.mcommoninit", 3),
        ("runtime.goargs", 3),
        ("runtime.goenvs", 3),
        ("runtime.gcinit", 3),
        ("runtime.procresize", 3),
        ("runtime::proc::schedinit", 3),
        ("runtime::malloc::mallocinit", 3),
        ("runtime::proc::mcommoninit", 3),
        ("runtime::proc::procresize", 3),
        ("runtime.newproc", 4),
        ("runtime.mstart", 4),
        ("runtime.schedule", 4),
        ("runtime.main", 4),
        ("runtime.newm", 4),
        ("runtime.sysmon", 4),
        ("runtime.gcenable", 4),
        ("runtime.doInit", 4),
        ("runtime::proc::newproc", 4),
        ("runtime::proc::mstart", 4),
        ("runtime::proc::schedule", 4),
        ("runtime::proc::main", 4),
        ("runtime::sysmon::mstart", 4),
        ("main.main", 5),
        // An rt0 program's main as `runtime::main!` exports it (the user's function is usually
        // inlined into it, leaving no symbol of its own).
        ("rt0_main", 5),
        ("runtime.exit", 5),
        ("os.Exit", 5),
        ("runtime::exit::exit", 5),
    ];
    if let Some((_, l)) = exact.iter().find(|(n, _)| *n == name) {
        return Some(*l);
    }
    // Go's package inits: `pkg.init` and `pkg.init.N`, run from runtime.main through doInit.
    let init = name.rsplit_once(".init").is_some_and(|(pkg, rest)| {
        let package = pkg.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c));
        package
            && !pkg.is_empty()
            && (rest.is_empty() || rest.starts_with('.') && rest[1..].chars().all(|c| c.is_ascii_digit()))
    });
    if init && !name.contains("::") {
        return Some(4);
    }
    // An rt0 program's own main: `<crate>::main`, outside the runtime.
    if let Some((krate, "main")) = name.split_once("::")
        && krate != "runtime"
        && !krate.contains('<')
    {
        return Some(5);
    }
    None
}

/// The stops of the ELF `bytes`: its text symbols that are start-up functions, by address.
pub fn stops(bytes: &[u8]) -> Result<Vec<Stop>, String> {
    let file = object::File::parse(bytes).map_err(|e| format!("reading the ELF: {e}"))?;
    let mut out: Vec<Stop> = Vec::new();
    for sym in file.symbols() {
        // Go marks some assembly functions' symbols without a type (STT_NOTYPE); the kernel
        // skips an address that is not executable.
        if !matches!(sym.kind(), SymbolKind::Text | SymbolKind::Unknown) || sym.address() == 0 {
            continue;
        }
        let Ok(raw) = sym.name() else { continue };
        let name = format!("{:#}", rustc_demangle::demangle(raw));
        // An `.abi0` symbol is Go's assembly function, or a wrapper beside the function itself:
        // it stands in only where there is no plain symbol of the name.
        if let Some(plain) = name.strip_suffix(".abi0")
            && file.symbols().any(|s| s.name() == Ok(plain))
        {
            continue;
        }
        let name = name.strip_suffix(".abi0").map_or_else(|| name.clone(), str::to_string);
        if let Some(layer) = layer_of(&name)
            && !out.iter().any(|s| s.addr == sym.address())
        {
            out.push(Stop { addr: sym.address(), layer, name });
        }
    }
    if out.is_empty() {
        return Err("the program has no start-up symbols to trace (stripped?)".into());
    }
    out.sort_by_key(|s| s.addr);
    Ok(out)
}

/// The fw_cfg file: `ADDR LAYER NAME` lines.
pub fn encode(stops: &[Stop]) -> String {
    stops.iter().map(|s| format!("{:x} {} {}\n", s.addr, s.layer, s.name)).collect()
}

/// One stop as the kernel logged it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) layer: u8,
    pub(crate) name: String,
    since: u64,
    pub(crate) syscalls: u64,
    faults: u64,
    cost: u64,
    /// Syscalls and page faults of the other threads (sysmon, other Ms) in the stretch.
    other_syscalls: u64,
    other_faults: u64,
    /// The first thread's own user-mode count since the ELF entry (kernel accounting; absent
    /// in logs from before it was added).
    pub(crate) user: Option<u64>,
    /// Device interrupts that hit ring 3 in the stretch (time-driven: noise).
    interrupts: u64,
}

pub(crate) fn parse_hit(line: &str) -> Option<Hit> {
    let (head, rest) = line.split_once("] trace: ")?;
    let layer = head.rsplit_once(" L")?.1.parse().ok()?;
    let (name, rest) = rest.split_once(" at ")?;
    let num = |after: &str| -> Option<u64> {
        let (_, tail) = rest.split_once(after)?;
        tail.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
    };
    let since = rest.split_once(": ")?.1.split(' ').next()?.parse().ok()?;
    let syscalls = rest.split_once(" since the ELF entry, ")?.1.split(' ').next()?.parse().ok()?;
    let faults = rest.split_once("), ")?.1.split(' ').next()?.parse().ok()?;
    // The other threads' part (absent in logs from before it was added: none counted).
    let (other_syscalls, other_faults) = match rest.split_once(", other threads ") {
        Some((_, o)) => (o.split(' ').next()?.parse().ok()?, o.rsplit_once("), ")?.1.split(' ').next()?.parse().ok()?),
        None => (0, 0),
    };
    Some(Hit {
        layer,
        name: name.to_string(),
        since,
        syscalls,
        faults,
        cost: num("trap cost ")?,
        other_syscalls,
        other_faults,
        user: num("first thread's user "),
        interrupts: num(", interrupts ").unwrap_or(0),
    })
}

/// One layer of a traced run: the functions stopped at in it, the count (TSC ticks;
/// instructions under `--icount`) from its first stop to the next layer's, and the syscalls
/// and page faults in that stretch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub layer: u8,
    pub names: Vec<String>,
    pub count: u64,
    pub syscalls: u64,
    pub faults: u64,
    /// Syscalls and page faults of threads other than the first (Go's sysmon, other Ms) in the
    /// stretch: their work is in `count` too, and is what varies between runs.
    pub other_syscalls: u64,
    pub other_faults: u64,
    /// The first thread's own user-mode count in the stretch (instructions under `--icount`):
    /// no other thread's work, no kernel time, no stop; what an untraced `--account` run
    /// measures the same way.
    pub user: u64,
    /// Device interrupts (the timer, mostly for sysmon's sleeps) that hit ring 3 in the stretch.
    pub interrupts: u64,
    /// An earlier stretch was noisy: what other threads did there can steer the first thread
    /// here without their being active here (Go's sysmon retaking a P changes the path the next
    /// `exitsyscall` takes: L5's write has been seen 18 instructions apart between runs).
    pub after_noise: bool,
}

impl Row {
    /// Whether other threads were active, or the timer struck, in the stretch.
    pub fn active(&self) -> bool {
        self.other_syscalls + self.other_faults + self.interrupts > 0
    }

    /// Whether the row's count may vary run to run: other threads were active in it or before
    /// it ([`Row::after_noise`]).
    pub fn noisy(&self) -> bool {
        self.active() || self.after_noise
    }
}

/// The layers of a traced run's log, and the stops' own cost; None if no stop was hit.
pub fn rows(log: &str) -> Option<(Vec<Row>, u64)> {
    rows_of(&log.lines().filter_map(parse_hit).collect::<Vec<Hit>>())
}

/// [`rows`] of the stops `hits`.
pub(crate) fn rows_of(hits: &[Hit]) -> Option<(Vec<Row>, u64)> {
    let last = hits.last()?;
    // Each stop reports what happened since the previous one: that belongs to the previous
    // stop's layer (what came before the first stop, to the first's).
    let mut rows: Vec<Row> = Vec::new();
    let row = |rows: &mut Vec<Row>, layer: u8| -> usize {
        match rows.iter().position(|r| r.layer == layer) {
            Some(i) => i,
            None => {
                rows.push(Row {
                    layer,
                    names: Vec::new(),
                    count: 0,
                    syscalls: 0,
                    faults: 0,
                    other_syscalls: 0,
                    other_faults: 0,
                    user: 0,
                    interrupts: 0,
                    after_noise: false,
                });
                rows.len() - 1
            }
        }
    };
    // Start-up only moves forward: a stop of an earlier layer after a later one (rt0's sysmon
    // thread reaching its mstart once the main thread first yields, in L5) is listed in its
    // own layer but does not take the first thread's stretch back there.
    let mut at: Vec<u8> = Vec::with_capacity(hits.len());
    for h in hits {
        at.push(at.last().map_or(h.layer, |&l| l.max(h.layer)));
    }
    for (i, h) in hits.iter().enumerate() {
        let owner = if i == 0 { at[0] } else { at[i - 1] };
        let o = row(&mut rows, owner);
        rows[o].syscalls += h.syscalls;
        rows[o].faults += h.faults;
        rows[o].other_syscalls += h.other_syscalls;
        rows[o].other_faults += h.other_faults;
        rows[o].interrupts += h.interrupts;
        let n = row(&mut rows, h.layer);
        rows[n].names.push(h.name.clone());
        let r = row(&mut rows, at[i]);
        let next = hits.get(i + 1).map_or(h.since, |n| n.since);
        rows[r].count += next.saturating_sub(h.since);
        let next_user = hits.get(i + 1).and_then(|n| n.user).or(h.user);
        rows[r].user += next_user.unwrap_or(0).saturating_sub(h.user.unwrap_or(0));
    }
    rows.sort_by_key(|r| r.layer);
    for i in 1..rows.len() {
        rows[i].after_noise = rows[i - 1].noisy();
    }
    Some((rows, last.cost))
}

/// The per-layer table of a traced run's log: layer, functions stopped at, the count (TSC ticks;
/// instructions under `--icount`) from the layer's first stop to the next layer's, the first
/// thread's syscalls and page faults in that stretch, its share of the whole, and the other
/// threads' syscalls/faults there — labelled as the noise that makes that row's count differ
/// between runs; then the stops' own cost.
pub fn table(log: &str) -> String {
    let Some((rows, cost)) = rows(log) else {
        return "trace: no stops were hit\n".into();
    };
    let total: u64 = rows.iter().map(|r| r.count).sum::<u64>().max(1);
    let mut out = String::from(
        "layer  functions  count (TSC; instructions with --icount)  own user  syscalls  faults  share  other threads\n",
    );
    for r in &rows {
        let noise = match (r.active(), r.after_noise) {
            (true, _) => format!("{}/{}/{} (sysmon noise)", r.other_syscalls, r.other_faults, r.interrupts),
            (false, true) => "- (after sysmon noise)".into(),
            (false, false) => "-".into(),
        };
        out += &format!(
            "L{}     {:>9}  {:>40}  {:>8}  {:>8}  {:>6}  {:>4.1}%  {noise}\n",
            r.layer,
            r.names.len(),
            r.count,
            r.user,
            r.syscalls,
            r.faults,
            r.count as f64 * 100.0 / total as f64
        );
    }
    if rows.iter().any(Row::noisy) {
        out += "other threads: their syscalls/faults in the stretch, and the interrupts that hit ring 3 there (sysmon's timer); their work is in its count, which varies run to run\n";
    }
    if rows.iter().any(|r| r.after_noise && !r.active()) {
        out += "after sysmon noise: no other thread was active in the stretch, but what they did before can steer the first thread's path (Go's sysmon retaking a P)\n";
    }
    let stops: usize = rows.iter().map(|r| r.names.len()).sum();
    let own: u64 = rows.iter().map(|r| r.user).sum();
    out += &format!(
        "{stops} stops from the first to the last: {total}; the stops themselves cost {cost} (not counted above)\n"
    );
    out += &format!(
        "own user: the first thread's own user-mode count ({own} in all), which an untraced --account run measures the same way\n"
    );
    out
}

/// Each thread's figures from the kernel's `account:` line at exit: (tid, user, kernel).
pub fn accounts(log: &str) -> Vec<(u32, u64, u64)> {
    let Some(line) = log.lines().find_map(|l| l.split_once("] account: ").map(|(_, r)| r)) else {
        return Vec::new();
    };
    line.split(", ")
        .filter_map(|t| {
            let w: Vec<&str> = t.split(' ').collect();
            match w[..] {
                ["tid", tid, "user", u, "kernel", k] => Some((tid.parse().ok()?, u.parse().ok()?, k.parse().ok()?)),
                _ => None,
            }
        })
        .collect()
}

/// Two traced runs side by side by layer (`--compare`): for each layer, each run's count,
/// syscalls and faults, and the functions it stopped at (the first few by name).
pub fn compare(a: (&str, &str), b: (&str, &str)) -> String {
    let (ra, rb) = (rows(a.1).map(|r| r.0).unwrap_or_default(), rows(b.1).map(|r| r.0).unwrap_or_default());
    let find = |rows: &[Row], l: u8| rows.iter().find(|r| r.layer == l).cloned();
    let mut out = format!(
        "layer  {:>14} {:>9} {:>8} {:>6}  {:>14} {:>9} {:>8} {:>6}   (count: instructions under --icount; own: the first thread's user-mode ones)\n",
        format!("{} count", short(a.0)),
        "own",
        "syscalls",
        "faults",
        format!("{} count", short(b.0)),
        "own",
        "syscalls",
        "faults"
    );
    let mut layers: Vec<u8> = ra.iter().chain(rb.iter()).map(|r| r.layer).collect();
    layers.sort_unstable();
    layers.dedup();
    let cell = |r: &Option<Row>| match r {
        Some(r) => {
            format!(
                "{:>14} {:>9} {:>8} {:>6}{}",
                r.count,
                r.user,
                r.syscalls,
                r.faults,
                if r.noisy() { "*" } else { " " }
            )
        }
        None => format!("{:>14} {:>9} {:>8} {:>6} ", "-", "-", "-", "-"),
    };
    let mut what = String::new();
    for l in layers {
        let (x, y) = (find(&ra, l), find(&rb, l));
        out += &format!("L{l}     {}  {}\n", cell(&x), cell(&y));
        for (who, r) in [(a.0, &x), (b.0, &y)] {
            if let Some(r) = r {
                let names: Vec<&str> = r.names.iter().map(String::as_str).take(6).collect();
                let more = r.names.len().saturating_sub(names.len());
                let more = if more > 0 { format!(" … and {more} more") } else { String::new() };
                what += &format!("  L{l} {}: {}{more}\n", short(who), names.join(", "));
            }
        }
    }
    if ra.iter().chain(rb.iter()).any(Row::noisy) {
        out += "* other threads (sysmon, other Ms) made syscalls or took faults, or the timer struck, in the stretch: the \
                first thread's are shown, and the count, which holds their work too, varies run to run\n";
    }
    out + "what each layer stopped at:\n" + &what
}

/// A program's file name, for a column head.
fn short(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_up_functions_get_their_layers() {
        assert_eq!(layer_of("runtime.rt0_go"), Some(1));
        assert_eq!(layer_of("runtime.schedinit"), Some(3));
        assert_eq!(layer_of("fmt.init"), Some(4));
        assert_eq!(layer_of("os.init.0"), Some(4));
        assert_eq!(layer_of("internal/poll.init.1"), Some(4));
        assert_eq!(layer_of("main.main"), Some(5));
        assert_eq!(layer_of("demo::main"), Some(5));
        assert_eq!(layer_of("rt0_main"), Some(5));
        assert_eq!(layer_of("runtime::proc::main"), Some(4));
        assert_eq!(layer_of("runtime.initsig"), None);
        assert_eq!(layer_of("fmt.initx"), None);
        assert_eq!(layer_of("runtime.(*mheap).init"), None);
        assert_eq!(layer_of("runtime.rt0_go.abi0"), Some(1));
        assert_eq!(layer_of("runtime::proc::main::{{closure}}"), None);
    }

    #[test]
    fn compare_puts_two_runs_side_by_side_by_layer() {
        let a = "[        100i L1] trace: rt0_go at 0x401000: 100 since the ELF entry, 0 syscalls (), 1 page faults, trap cost 0
[        400i L5] trace: demo::main at 0x404000: 400 since the ELF entry, 2 syscalls (a b), 0 page faults, trap cost 40
";
        let b = "[        100i L1] trace: runtime.rt0_go at 0x401000: 100 since the ELF entry, 0 syscalls (), 0 page faults, trap cost 0
[        900i L3] trace: runtime.schedinit at 0x403000: 900 since the ELF entry, 5 syscalls (a b c d e), 3 page faults, trap cost 50
[       1900i L5] trace: main.main at 0x404000: 1900 since the ELF entry, 1 syscalls (f), 0 page faults, trap cost 90
";
        let t = compare(("/x/demo", a), ("/y/hello", b));
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].contains("demo count") && lines[0].contains("hello count"), "{t}");
        // L1: rt0 300 (to its L5 stop) with the 2 syscalls reported there; Go 800 with 5.
        assert!(lines[1].starts_with("L1") && lines[1].contains(" 300 ") && lines[1].contains(" 800 "), "{t}");
        assert!(lines[2].starts_with("L3") && lines[2].contains(" - "), "{t}");
        assert!(t.contains("L3 hello: runtime.schedinit"), "{t}");
    }

    #[test]
    fn the_table_counts_each_stretch_for_the_layer_it_starts_in() {
        let log = "\
[        100i L1] trace: runtime.rt0_go at 0x401000: 100 since the ELF entry, 0 syscalls (), 1 page faults, trap cost 0
[        300i L2] trace: runtime.osinit at 0x402000: 300 since the ELF entry, 1 syscalls (arch_prctl), 2 page faults, trap cost 50
[        700i L3] trace: runtime.schedinit at 0x403000: 700 since the ELF entry, 2 syscalls (sched_getaffinity mmap), 0 page faults, trap cost 90
[       1000i L5] trace: main.main at 0x404000: 1000 since the ELF entry, 3 syscalls (a b c), 4 page faults, trap cost 120
";
        let t = table(log);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[1].starts_with("L1") && lines[1].contains(" 200 ") && lines[1].ends_with("22.2%  -"), "{t}");
        // L1's stretch holds osinit's report: 1 syscall, 2 faults (and the first stop's 1 fault).
        assert!(lines[1].contains("       1       3"), "{t}");
        assert!(lines[3].starts_with("L3") && lines[3].contains(" 300 "), "{t}");
        assert!(lines[4].starts_with("L5"), "{t}");
        assert!(t.contains("4 stops from the first to the last: 900; the stops themselves cost 120"), "{t}");
        assert!(!t.contains("noise"), "{t}");
    }

    #[test]
    fn a_later_stop_of_an_earlier_layer_keeps_the_stretch_in_the_later_one() {
        let log = "\
[        100i L4] trace: runtime::proc::main at 0x401000: 100 since the ELF entry, 0 syscalls (), 0 page faults, trap cost 0, other threads 0 syscalls (), 0 page faults, first thread's user 50
[        300i L5] trace: rt0_main at 0x402000: 300 since the ELF entry, 1 syscalls (clone), 0 page faults, trap cost 10, other threads 0 syscalls (), 0 page faults, first thread's user 200
[       5000i L4] trace: runtime::sysmon::mstart at 0x403000: 5000 since the ELF entry, 2 syscalls (write mmap), 0 page faults, trap cost 20, other threads 0 syscalls (), 0 page faults, first thread's user 4000
[       6000i L5] trace: runtime::exit::exit at 0x404000: 6000 since the ELF entry, 1 syscalls (write), 0 page faults, trap cost 30, other threads 1 syscalls (gettid), 0 page faults, first thread's user 4900
";
        let (rows, cost) = rows(log).unwrap();
        assert_eq!(cost, 30);
        let l4 = &rows[0];
        assert_eq!((l4.layer, l4.count, l4.user, l4.syscalls), (4, 200, 150, 1));
        assert_eq!(l4.names, ["runtime::proc::main", "runtime::sysmon::mstart"]);
        let l5 = &rows[1];
        assert_eq!((l5.layer, l5.count, l5.user, l5.syscalls, l5.other_syscalls), (5, 5700, 4700, 3, 1));
        assert_eq!(l5.names, ["rt0_main", "runtime::exit::exit"]);
    }

    /// Three stops; other threads were active between the second and the third (in L4).
    const NOISY_L4: &str = "\
[        100i L3] trace: runtime.schedinit at 0x401000: 100 since the ELF entry, 0 syscalls (), 1 page faults, trap cost 0, other threads 0 syscalls (), 0 page faults
[        300i L4] trace: runtime.main at 0x402000: 300 since the ELF entry, 1 syscalls (clone), 2 page faults, trap cost 50, other threads 0 syscalls (), 0 page faults
[        700i L5] trace: main.main at 0x403000: 700 since the ELF entry, 2 syscalls (write mmap), 0 page faults, trap cost 90, other threads 3 syscalls (nanosleep nanosleep futex), 1 page faults
";

    #[test]
    fn other_threads_activity_labels_its_stretch_as_noise() {
        let log = NOISY_L4;
        let (rows, _) = rows(log).unwrap();
        assert_eq!((rows[0].other_syscalls, rows[0].other_faults, rows[0].noisy()), (0, 0, false));
        assert_eq!((rows[1].syscalls, rows[1].other_syscalls, rows[1].other_faults), (2, 3, 1));
        let t = table(log);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[1].starts_with("L3") && lines[1].ends_with("  -"), "{t}");
        assert!(lines[2].starts_with("L4") && lines[2].ends_with("3/1/0 (sysmon noise)"), "{t}");
        assert!(t.contains("varies run to run"), "{t}");
    }

    #[test]
    fn a_quiet_stretch_after_a_noisy_one_is_labelled_as_following_it() {
        let log = &format!(
            "{NOISY_L4}[        800i L5] trace: runtime.exit at 0x404000: 800 since the ELF entry, 1 syscalls (write), 0 page faults, trap cost 90, other threads 0 syscalls (), 0 page faults\n"
        );
        let (rows, _) = rows(log).unwrap();
        assert_eq!(
            rows.iter().map(|r| (r.active(), r.noisy())).collect::<Vec<_>>(),
            [(false, false), (true, true), (false, true)]
        );
        let t = table(log);
        assert!(t.lines().nth(3).is_some_and(|l| l.starts_with("L5") && l.ends_with("- (after sysmon noise)")), "{t}");
        assert!(t.contains("retaking a P"), "{t}");
    }
}
