//! clock_gettime, nanosleep, clock_nanosleep (Linux kernel/time/posix-timers.c,
//! posix-stubs.c). CLOCK_MONOTONIC counts from boot on the TSC; CLOCK_REALTIME adds the offset
//! of the CMOS clock read once (crate::time, shared with the vDSO's vvar page). A sleeping thread blocks until its deadline; the scheduler
//! arms the APIC timer for it and runs other threads or halts meanwhile.
use super::SysResult;
use crate::arch::tsc;
use crate::process::restart::Restart;
use crate::process::thread::Wake;
use crate::process::{self, sched, uaccess::UserPtr};
pub use crate::time::realtime_ns;
use crate::time::{NSEC_PER_SEC, monotonic_ns, ticks_to_ns};
use abi::errno::{EINVAL, ERESTART_RESTARTBLOCK, ERESTARTNOHAND};
use abi::time::*;

fn now(clock: u64) -> Result<u64, isize> {
    match clock as usize {
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => Ok(monotonic_ns()),
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => Ok(realtime_ns()),
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => {
            let start = process::with(|p| p.start_tsc);
            Ok(ticks_to_ns(tsc::read() - start))
        }
        _ => Err(EINVAL),
    }
}

/// The monotonic deadline of the absolute CLOCK_REALTIME time `t` (now, if `t` is past).
pub fn realtime_to_monotonic(t: u64) -> u64 {
    let real = now(CLOCK_REALTIME as u64).unwrap_or(0);
    monotonic_ns().saturating_add(t.saturating_sub(real))
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
/// scheduler's deadlines use). A signal ends the sleep as Linux's do_nanosleep does: an absolute
/// sleep with ERESTARTNOHAND (it runs again as it was), a relative one with
/// ERESTART_RESTARTBLOCK, the time left written to `rem` (when given) and the deadline kept for
/// restart_syscall.
fn sleep_until(clock: u64, deadline: u64, absolute: bool, rem: u64) -> SysResult {
    loop {
        let c = now(clock)?;
        if c >= deadline {
            return Ok(0);
        }
        if sched::block(Some(monotonic_ns().saturating_add(deadline - c))) != Wake::Interrupted {
            continue;
        }
        if absolute {
            return Err(ERESTARTNOHAND);
        }
        sched::with_current(|t| t.restart = Some(Restart::Sleep { clock, deadline, rem }));
        if rem != 0 {
            let left = deadline.saturating_sub(now(clock)?);
            UserPtr::new(rem).write(&Timespec::from_ns(left))?;
        }
        return Err(ERESTART_RESTARTBLOCK);
    }
}

/// restart_syscall's way on with an interrupted relative sleep.
pub fn restart_sleep(clock: u64, deadline: u64, rem: u64) -> SysResult {
    sleep_until(clock, deadline, false, rem)
}

pub fn nanosleep(req: u64, rem: u64) -> SysResult {
    let d = read_timespec(req)?;
    sleep_until(CLOCK_MONOTONIC as u64, monotonic_ns().saturating_add(d), false, rem)
}

pub fn clock_nanosleep(clock: u64, flags: u64, req: u64, rem: u64) -> SysResult {
    if clock as usize == CLOCK_THREAD_CPUTIME_ID {
        return Err(EINVAL);
    }
    let t = read_timespec(req)?;
    let absolute = flags as usize & TIMER_ABSTIME != 0;
    let deadline = if absolute { t } else { now(clock)?.saturating_add(t) };
    sleep_until(clock, deadline, absolute, rem)
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
