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

/// gettimeofday: CLOCK_REALTIME in microseconds; the time zone, if asked for, is UTC.
pub fn gettimeofday(tv: u64, tz: u64) -> SysResult {
    let ns = now(CLOCK_REALTIME as u64)?;
    if tv != 0 {
        UserPtr::new(tv)
            .write(&Timeval { tv_sec: (ns / NSEC_PER_SEC) as i64, tv_usec: (ns % NSEC_PER_SEC / 1000) as i64 })?;
    }
    if tz != 0 {
        UserPtr::new(tz).write(&[0i32; 2])?;
    }
    Ok(0)
}

/// time: seconds since the epoch, also stored at `tloc` if given.
pub fn time(tloc: u64) -> SysResult {
    let secs = now(CLOCK_REALTIME as u64)? / NSEC_PER_SEC;
    if tloc != 0 {
        UserPtr::new(tloc).write(&(secs as i64))?;
    }
    Ok(secs)
}

/// clock_getres: 1 ns for the high-resolution clocks, a 4 ms tick for the coarse ones (Linux's
/// with HZ=250).
pub fn clock_getres(clock: u64, res: u64) -> SysResult {
    now(clock)?; // EINVAL for a clock that does not exist
    let ns = match clock as usize {
        CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => 4_000_000,
        _ => 1,
    };
    if res != 0 {
        UserPtr::new(res).write(&Timespec::from_ns(ns))?;
    }
    Ok(0)
}
