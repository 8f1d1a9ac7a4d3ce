//! clock_gettime, nanosleep, clock_nanosleep (Linux kernel/time/posix-timers.c, kernel/time/hrtimer.c).

use crate::check::{Checklist, Outcome, expect_eq, expect_errno, fail, succeeded};
use crate::sys::{self, CLOCK_MONOTONIC, CLOCK_REALTIME, NSEC_PER_SEC, Timespec, UNMAPPED_ADDR};
use runtime::sys_linux_amd64::{EFAULT, EINVAL, SYS_CLOCK_GETTIME, syscall2};

/// 2020-01-01T00:00:00Z in Unix seconds: any real clock is past it.
const Y2020: i64 = 1_577_836_800;
/// A clock id Linux does not define.
const CLOCK_BAD: usize = 99;
const MS: u64 = 1_000_000;
const TIMER_ABSTIME: usize = 1;

pub fn checks(c: &mut Checklist) {
    c.report("clock_gettime MONOTONIC non-decreasing", monotonic());
    c.report("clock_gettime REALTIME after 2020", realtime());
    let mut ts = Timespec::default();
    c.report("clock_gettime clock 99 EINVAL", expect_errno(sys::clock_gettime(CLOCK_BAD, &mut ts), EINVAL));
    // SAFETY: the destination is unmapped, so the kernel writes nothing (EFAULT).
    let bad_tp = unsafe { syscall2(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, UNMAPPED_ADDR) };
    c.report("clock_gettime tp 0x1000 EFAULT", expect_errno(bad_tp, EFAULT));

    c.report("nanosleep 2 ms", sleeps(2 * MS, sys::nanosleep));
    let bad = Timespec { sec: 0, nsec: NSEC_PER_SEC as i64 };
    c.report("nanosleep tv_nsec 1e9 EINVAL", expect_errno(sys::nanosleep(&bad), EINVAL));
    let negative = Timespec { sec: -1, nsec: 0 };
    c.report("nanosleep negative tv_sec EINVAL", expect_errno(sys::nanosleep(&negative), EINVAL));
    c.report("clock_nanosleep relative 1 ms", sleeps(MS, |req| sys::clock_nanosleep(CLOCK_MONOTONIC, 0, req)));
    let past = Timespec { sec: 0, nsec: 1 };
    let abs = sys::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past);
    c.report("clock_nanosleep TIMER_ABSTIME in the past", succeeded(abs).and_then(|v| expect_eq(v, 0)));
    let bad = sys::clock_nanosleep(CLOCK_BAD, 0, &past);
    c.report("clock_nanosleep clock 99 EINVAL", expect_errno(bad, EINVAL));
}

fn monotonic() -> Outcome {
    let (mut a, mut b) = (Timespec::default(), Timespec::default());
    expect_eq(succeeded(sys::clock_gettime(CLOCK_MONOTONIC, &mut a))?, 0)?;
    expect_eq(succeeded(sys::clock_gettime(CLOCK_MONOTONIC, &mut b))?, 0)?;
    if !(0..NSEC_PER_SEC as i64).contains(&a.nsec) || !(0..NSEC_PER_SEC as i64).contains(&b.nsec) {
        return fail!("tv_nsec out of range: {} then {}", a.nsec, b.nsec);
    }
    if b.ns() >= a.ns() { Ok(()) } else { fail!("{}.{:09} then {}.{:09}", a.sec, a.nsec, b.sec, b.nsec) }
}

fn realtime() -> Outcome {
    let mut ts = Timespec::default();
    expect_eq(succeeded(sys::clock_gettime(CLOCK_REALTIME, &mut ts))?, 0)?;
    if ts.sec > Y2020 { Ok(()) } else { fail!("{} s", ts.sec) }
}

/// `sleep` for `ns` returns 0 and CLOCK_MONOTONIC advances by at least `ns` across it.
fn sleeps(ns: u64, sleep: impl FnOnce(&Timespec) -> isize) -> Outcome {
    let before = sys::monotonic_ns();
    expect_eq(succeeded(sleep(&Timespec::from_ns(ns)))?, 0)?;
    let slept = sys::monotonic_ns().saturating_sub(before);
    if slept >= ns { Ok(()) } else { fail!("monotonic advanced {slept} ns, want >= {ns}") }
}
