//! clock_gettime, nanosleep, clock_nanosleep (Linux kernel/time/posix-timers.c,
//! posix-stubs.c). CLOCK_MONOTONIC counts from boot on the TSC; CLOCK_REALTIME adds the CMOS
//! clock read at the first call. A sleeping thread blocks until its deadline; the scheduler
//! arms the APIC timer for it and runs other threads or halts meanwhile.
use super::SysResult;
use crate::arch::{rtc, tsc};
use crate::process::{self, sched, uaccess::UserPtr};
use crate::time::{NSEC_PER_SEC, monotonic_ns, ticks_to_ns};
use abi::errno::EINVAL;
use abi::time::*;
use spin::Once;

/// (unix seconds, monotonic ns) at the moment the RTC was read.
static REALTIME_BASE: Once<(u64, u64)> = Once::new();

fn now(clock: u64) -> Result<u64, isize> {
    match clock as usize {
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => Ok(monotonic_ns()),
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => {
            let (secs, at) = *REALTIME_BASE.call_once(|| (rtc::unix_time(), monotonic_ns()));
            Ok(secs * NSEC_PER_SEC + (monotonic_ns() - at))
        }
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => {
            let start = process::with(|p| p.start_tsc);
            Ok(ticks_to_ns(tsc::read() - start))
        }
        _ => Err(EINVAL),
    }
}

fn read_timespec(addr: u64) -> Result<u64, isize> {
    UserPtr::<Timespec>::new(addr).read()?.to_ns().ok_or(EINVAL)
}

pub fn clock_gettime(clock: u64, tp: u64) -> SysResult {
    let t = now(clock)?;
    UserPtr::new(tp).write(&Timespec::from_ns(t))?;
    Ok(0)
}

/// Blocks the thread until `clock` reads `deadline` (converted to the monotonic clock the
/// scheduler's deadlines use).
fn sleep_until(clock: u64, deadline: u64) -> Result<(), isize> {
    let (c, m) = (now(clock)?, monotonic_ns());
    while now(clock)? < deadline {
        let mono_deadline = m.saturating_add(deadline.saturating_sub(c));
        sched::block(Some(mono_deadline));
    }
    Ok(())
}

pub fn nanosleep(req: u64, _rem: u64) -> SysResult {
    let d = read_timespec(req)?;
    sleep_until(CLOCK_MONOTONIC as u64, monotonic_ns().saturating_add(d))?;
    Ok(0)
}

pub fn clock_nanosleep(clock: u64, flags: u64, req: u64, _rem: u64) -> SysResult {
    if clock as usize == CLOCK_THREAD_CPUTIME_ID {
        return Err(EINVAL);
    }
    let t = read_timespec(req)?;
    let deadline = if flags as usize & TIMER_ABSTIME != 0 { t } else { now(clock)?.saturating_add(t) };
    sleep_until(clock, deadline)?;
    Ok(0)
}
