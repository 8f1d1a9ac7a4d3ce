//! `--trace-startup`'s stops (Linux's uprobes, much reduced): the runner names functions of the
//! program (address, boot layer, name) in the fw_cfg file `opt/rt0/trace`, one
//! `ADDR LAYER NAME` line each; after exec the kernel writes an int3 over the first byte of each
//! in the process's own copy of its text. The first execution traps (#BP from ring 3, through
//! `fault::user_exception`): the kernel puts the byte back for good, moves the pc back onto it,
//! logs the stop and resumes, so each function runs unchanged from then on and the program
//! cannot tell (it never sees the trap; only a program that reads its own text before the
//! function first runs would).
//!
//! Each stop is logged as `[t L<layer>] trace: <name> at <addr>: <n> since the ELF entry,
//! <k> syscalls (<names>), <f> page faults, trap cost <c>, other threads <k2> syscalls (<names>),
//! <f2> page faults, first thread's user <u>, interrupts <i>` — u the first thread's own
//! user-mode count since the entry (`process::account`), i the device interrupts that hit ring 3
//! since the previous stop; n the TSC since the program's entry (instructions under `--icount`) at the
//! int3, less what the stops before cost, k and f the first thread's since the previous stop, k2
//! and f2 every other thread's (their work falls in the count too, and varies run to run), c the stops' own cost so far, whole: from the #BP entry stub's TSC
//! stamp (plus the int3 and the stub's pushes before it) through the handler and the way back
//! (`exit_to_user`) to the last Rust code before `iretq` (plus the fixed tail after it); see
//! `arch::trap::breakpoint`. The cost also takes in what recording each syscall and page fault
//! costs (the thread's id, a lock, a push), so that the counts between stops are the program's
//! own.
use crate::arch::tsc;
use crate::arch::{BREAKPOINT_ENTRY_HEAD, BREAKPOINT_EXIT_TAIL};
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;

/// Most stops a run may ask for.
pub const MAX_POINTS: usize = 4096;
const INT3: u8 = 0xcc;

struct Point {
    addr: u64,
    layer: u8,
    name: String,
    orig: u8,
    hit: bool,
}

#[derive(Default)]
struct State {
    points: Vec<Point>,
    /// Syscall numbers of the first thread since the previous stop.
    syscalls: Vec<u16>,
    /// Syscall numbers of every other thread (Go's sysmon, other Ms) since the previous stop:
    /// the stretches they fall in are the ones that differ between runs.
    others: Vec<u16>,
}

static ON: AtomicBool = AtomicBool::new(false);
static STATE: Mutex<State> = Mutex::new(State { points: Vec::new(), syscalls: Vec::new(), others: Vec::new() });
/// Page faults of the first thread, and of the others, since the previous stop.
static FAULTS: AtomicU64 = AtomicU64::new(0);
static OTHER_FAULTS: AtomicU64 = AtomicU64::new(0);
/// TSC ticks spent in the stops.
static COST: AtomicU64 = AtomicU64::new(0);
/// Device interrupts (the timer, an IPI) that hit ring 3 since the previous stop: time-driven,
/// so a stretch with one is not the same run to run.
static INTERRUPTS: AtomicU64 = AtomicU64::new(0);

/// Whether stops are planted (the syscall and fault paths record only then).
#[inline]
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Parses `ADDR LAYER NAME` lines (hex address, decimal layer); malformed lines are skipped.
fn parse(text: &[u8]) -> Vec<(u64, u8, String)> {
    let mut out = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let Ok(line) = core::str::from_utf8(line) else { continue };
        let mut f = line.splitn(3, ' ');
        let (Some(a), Some(l), Some(n)) = (f.next(), f.next(), f.next()) else { continue };
        let (Ok(addr), Ok(layer)) = (u64::from_str_radix(a.trim_start_matches("0x"), 16), l.parse::<u8>()) else {
            continue;
        };
        if out.len() < MAX_POINTS {
            out.push((addr, layer, String::from(n)));
        }
    }
    out
}

/// Reads the runner's list and plants an int3 at each address (file addresses, moved by the
/// static-pie `bias`) in `aspace`, which is the new process's. Addresses the program does not
/// map executable are skipped.
pub fn plant(aspace: &mut crate::mm::aspace::AddressSpace, bias: u64) {
    let Some((_, size)) = crate::arch::fw_cfg::find(abi::rt0::FW_CFG_TRACE) else { return };
    let mut text = alloc::vec![0u8; size.min(MAX_POINTS * 300)];
    crate::arch::fw_cfg::read_file(abi::rt0::FW_CFG_TRACE, &mut text);
    let mut st = STATE.lock();
    for (addr, layer, name) in parse(&text) {
        let addr = addr + bias;
        let mut orig = [0u8];
        let exec = aspace.find(addr).is_some_and(|v| v.prot & abi::mman::PROT_EXEC as u32 != 0);
        // (An int3 already there is the program's own: it is left alone.)
        if !exec
            || st.points.iter().any(|p| p.addr == addr)
            || aspace.copy_in(addr, &mut orig).is_err()
            || orig[0] == INT3
        {
            continue;
        }
        if aspace.load(addr, &[INT3]).is_ok() {
            st.points.push(Point { addr, layer, name, orig: orig[0], hit: false });
        }
    }
    log::info!("trace: {} stops planted", st.points.len());
    ON.store(!st.points.is_empty(), Ordering::Relaxed);
    if !st.points.is_empty() {
        crate::syscall::hook();
        // Each stop reports the first thread's own user-mode count, as an untraced run with
        // `account` measures it.
        super::account::enable();
    }
}

/// A syscall `nr` was made. What recording it costs counts with the stops' cost (it is
/// tracing's, not the program's).
pub fn syscall(nr: usize) {
    let t0 = tsc::read();
    let first = super::sched::current_tid() == super::PID;
    let mut st = STATE.lock();
    if first { &mut st.syscalls } else { &mut st.others }.push(nr as u16);
    drop(st);
    COST.fetch_add(tsc::read() - t0, Ordering::Relaxed);
}

/// A page fault was served.
pub fn fault() {
    let t0 = tsc::read();
    let first = super::sched::current_tid() == super::PID;
    if first { &FAULTS } else { &OTHER_FAULTS }.fetch_add(1, Ordering::Relaxed);
    COST.fetch_add(tsc::read() - t0, Ordering::Relaxed);
}

/// A device interrupt arrived while ring 3 ran.
pub fn interrupt() {
    let t0 = tsc::read();
    INTERRUPTS.fetch_add(1, Ordering::Relaxed);
    COST.fetch_add(tsc::read() - t0, Ordering::Relaxed);
}

/// `calls` by name, space-separated.
fn names(calls: &[u16]) -> String {
    let mut names = String::new();
    for (k, nr) in calls.iter().enumerate() {
        if k > 0 {
            names.push(' ');
        }
        names.push_str(abi::nr::name(*nr as usize).unwrap_or("?"));
    }
    names
}

/// A #BP from ring 3 with the pc at `rip`, its entry stub's TSC stamp `entry`: if it is one of
/// the stops, logs it, restores the byte, and returns the pc to resume at (the stop's address)
/// and the TSC at the handler's end (for [`returned`]); None for any other int3.
pub fn breakpoint(rip: u64, start_tsc: u64, entry: u64) -> Option<(u64, u64)> {
    let t0 = tsc::read();
    let addr = rip.checked_sub(1)?;
    let entry = entry.saturating_sub(BREAKPOINT_ENTRY_HEAD);
    let mut st = STATE.lock();
    let i = st.points.iter().position(|p| p.addr == addr)?;
    if st.points[i].hit {
        // Another thread reached the int3 before the first one's stop put the byte back: it
        // only has to run the function from its start.
        drop(st);
        COST.fetch_add(t0 - entry, Ordering::Relaxed);
        return Some((addr, tsc::read()));
    }
    let orig = st.points[i].orig;
    crate::process::mm(|p| p.aspace.load(addr, &[orig])).ok()?;
    st.points[i].hit = true;
    let calls = core::mem::take(&mut st.syscalls);
    let others = core::mem::take(&mut st.others);
    let cost = COST.load(Ordering::Relaxed);
    let since = entry.saturating_sub(start_tsc).saturating_sub(cost);
    let own = super::sched::accounts().iter().find(|a| a.0 == super::PID).map_or(0, |a| a.1);
    let p = &st.points[i];
    crate::logger::line_in_layer(
        p.layer,
        format_args!(
            "trace: {} at {:#x}: {since} since the ELF entry, {} syscalls ({}), {} page faults, trap cost {cost}, other threads {} syscalls ({}), {} page faults, first thread's user {own}, interrupts {}",
            p.name,
            p.addr,
            calls.len(),
            names(&calls),
            FAULTS.swap(0, Ordering::Relaxed),
            others.len(),
            names(&others),
            OTHER_FAULTS.swap(0, Ordering::Relaxed),
            INTERRUPTS.swap(0, Ordering::Relaxed)
        ),
    );
    drop(st);
    let end = tsc::read();
    COST.fetch_add(end - entry, Ordering::Relaxed);
    Some((addr, end))
}

/// A stop's way back to ring 3 is done but for the fixed tail: its cost since the handler's
/// `end` goes to the stops' cost. Out of line, so the instructions after its stamp stay the
/// ones `BREAKPOINT_EXIT_TAIL` counts.
#[inline(never)]
pub fn returned(end: u64) {
    // (The thread's user time starts again where #BP's common path stamps it.)
    COST.fetch_add(tsc::read() - end + BREAKPOINT_EXIT_TAIL, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_parses_and_skips_what_is_malformed() {
        let p = parse(b"401000 1 _rt0_amd64_linux\n0x401234 3 runtime.schedinit\nzz 1 x\n401000\n\n42 9 a b c");
        assert_eq!(p.len(), 3);
        assert_eq!(p[0], (0x401000, 1, String::from("_rt0_amd64_linux")));
        assert_eq!(p[1], (0x401234, 3, String::from("runtime.schedinit")));
        assert_eq!(p[2], (0x42, 9, String::from("a b c")));
    }
}
