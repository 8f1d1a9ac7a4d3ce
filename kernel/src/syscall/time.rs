//! clock_gettime, nanosleep, clock_nanosleep (Linux kernel/time/posix-timers.c,
//! posix-stubs.c). CLOCK_MONOTONIC counts from boot on the TSC; CLOCK_REALTIME adds the CMOS
//! clock read at the first call. A sleeping thread blocks until its deadline; the scheduler
//! arms the APIC timer for it and runs other threads or halts meanwhile.
use super::{EINVAL, SysResult, efault};
use crate::arch::{rtc, tsc};
use crate::process;
use spin::Once;

const CLOCK_REALTIME: u64 = 0;
const CLOCK_MONOTONIC: u64 = 1;
const CLOCK_PROCESS_CPUTIME_ID: u64 = 2;
const CLOCK_THREAD_CPUTIME_ID: u64 = 3;
const CLOCK_MONOTONIC_RAW: u64 = 4;
const CLOCK_REALTIME_COARSE: u64 = 5;
const CLOCK_MONOTONIC_COARSE: u64 = 6;
const CLOCK_BOOTTIME: u64 = 7;
const TIMER_ABSTIME: u64 = 1;
const NS: u64 = 1_000_000_000;

/// (unix seconds, monotonic ns) at the moment the RTC was read.
static REALTIME_BASE: Once<(u64, u64)> = Once::new();

/// Nanoseconds since reset. Under icount the TSC counts instructions and QEMU's virtual clock
/// runs one nanosecond per instruction, so the count already is nanoseconds.
pub fn monotonic_ns() -> u64 {
    let t = tsc::read();
    match tsc::ticks_per_sec() {
        0 => t,
        hz => (t as u128 * NS as u128 / hz as u128) as u64,
    }
}

fn now(clock: u64) -> Result<u64, i64> {
    match clock {
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => Ok(monotonic_ns()),
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => {
            let (secs, at) = *REALTIME_BASE.call_once(|| (rtc::unix_time(), monotonic_ns()));
            Ok(secs * NS + (monotonic_ns() - at))
        }
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => {
            let start = process::with(|p| p.start_tsc);
            let hz = tsc::ticks_per_sec();
            let ticks = tsc::read() - start;
            Ok(if hz == 0 { ticks } else { (ticks as u128 * NS as u128 / hz as u128) as u64 })
        }
        _ => Err(EINVAL),
    }
}

fn read_timespec(addr: u64) -> Result<u64, i64> {
    let mut raw = [0u8; 16];
    process::with(|p| p.aspace.copy_in(addr, &mut raw)).map_err(efault)?;
    let sec = i64::from_le_bytes(raw[..8].try_into().unwrap());
    let nsec = i64::from_le_bytes(raw[8..].try_into().unwrap());
    if sec < 0 || !(0..NS as i64).contains(&nsec) {
        return Err(EINVAL);
    }
    Ok((sec as u64).saturating_mul(NS).saturating_add(nsec as u64))
}

fn write_timespec(addr: u64, ns: u64) -> Result<(), i64> {
    let mut raw = [0u8; 16];
    raw[..8].copy_from_slice(&(ns / NS).to_le_bytes());
    raw[8..].copy_from_slice(&(ns % NS).to_le_bytes());
    process::with(|p| p.aspace.copy_out(addr, &raw)).map_err(efault)
}

pub fn clock_gettime(clock: u64, tp: u64) -> SysResult {
    let t = now(clock)?;
    write_timespec(tp, t)?;
    Ok(0)
}

/// Blocks the thread until `clock` reads `deadline` (converted to the monotonic clock the
/// scheduler's deadlines use).
fn sleep_until(clock: u64, deadline: u64) -> Result<(), i64> {
    let (c, m) = (now(clock)?, monotonic_ns());
    while now(clock)? < deadline {
        let mono_deadline = m.saturating_add(deadline.saturating_sub(c));
        crate::process::sched::block(None, Some(mono_deadline));
    }
    Ok(())
}

pub fn nanosleep(req: u64, _rem: u64) -> SysResult {
    let d = read_timespec(req)?;
    sleep_until(CLOCK_MONOTONIC, monotonic_ns().saturating_add(d))?;
    Ok(0)
}

pub fn clock_nanosleep(clock: u64, flags: u64, req: u64, _rem: u64) -> SysResult {
    if matches!(clock, CLOCK_THREAD_CPUTIME_ID) {
        return Err(EINVAL);
    }
    let t = read_timespec(req)?;
    let deadline = if flags & TIMER_ABSTIME != 0 { t } else { now(clock)?.saturating_add(t) };
    sleep_until(clock, deadline)?;
    Ok(0)
}
