//! The vDSO's functions on the host, over the host build's vvar page (ticks as nanoseconds,
//! realtime one second ahead); the fallbacks make the host's real system calls.
use super::*;
use abi::time::*;

fn gettime(clock: usize) -> (i32, u64) {
    let mut ts = Timespec { tv_sec: -1, tv_nsec: -1 };
    // SAFETY: `ts` is a writable local.
    let r = unsafe { __vdso_clock_gettime(clock as i32, &mut ts) };
    (r, ts.to_ns().unwrap_or(u64::MAX))
}

#[test]
fn served_clocks_never_go_back() {
    let mut last = 0;
    for _ in 0..10_000 {
        let (r, ns) = gettime(CLOCK_MONOTONIC);
        assert_eq!(r, 0);
        assert!(ns >= last, "{ns} < {last}");
        last = ns;
    }
}

#[test]
fn realtime_is_monotonic_plus_the_offset() {
    let (_, before) = gettime(CLOCK_MONOTONIC);
    let (r, real) = gettime(CLOCK_REALTIME);
    let (_, after) = gettime(CLOCK_MONOTONIC);
    assert_eq!(r, 0);
    assert!(before + NSEC_PER_SEC <= real && real <= after + NSEC_PER_SEC);
}

#[test]
fn other_clocks_make_the_system_call() {
    // CLOCK_PROCESS_CPUTIME_ID is not in the page: the host kernel answers.
    assert_eq!(gettime(CLOCK_PROCESS_CPUTIME_ID).0, 0);
    // A clock no kernel has: the system call's EINVAL, as −22.
    for bad in [100usize, 32, 31] {
        assert_eq!(gettime(bad).0, -(abi::errno::EINVAL as i32), "clock {bad}");
    }
}

#[test]
fn gettimeofday_and_time_read_realtime() {
    let mut tv = Timeval::default();
    let mut tz = [7i32; 2];
    // SAFETY: both are writable locals.
    assert_eq!(unsafe { __vdso_gettimeofday(&mut tv, &mut tz) }, 0);
    assert_eq!(tz, [0, 0]);
    assert!(tv.tv_sec >= 1 && (0..1_000_000).contains(&tv.tv_usec));
    // SAFETY: null pointers are allowed.
    assert_eq!(unsafe { __vdso_gettimeofday(core::ptr::null_mut(), core::ptr::null_mut()) }, 0);
    let mut t = 0i64;
    // SAFETY: `t` is a writable local; null is allowed.
    let (a, b) = unsafe { (__vdso_time(&mut t), __vdso_time(core::ptr::null_mut())) };
    assert!(a == t && b >= a && a >= tv.tv_sec);
}

#[test]
fn getres_and_getcpu() {
    let mut res = Timespec::default();
    // SAFETY: `res` is a writable local; null is allowed.
    unsafe {
        assert_eq!(__vdso_clock_getres(CLOCK_MONOTONIC_COARSE as i32, &mut res), 0);
        assert_eq!(res.to_ns(), Some(COARSE_RES_NS));
        assert_eq!(__vdso_clock_getres(CLOCK_MONOTONIC as i32, core::ptr::null_mut()), 0);
        assert_eq!(__vdso_clock_getres(-100, &mut res), -(abi::errno::EINVAL as i32));
    }
    let (mut cpu, mut node) = (u32::MAX, u32::MAX);
    // SAFETY: both are writable locals (the host build makes the getcpu system call).
    assert_eq!(unsafe { __vdso_getcpu(&mut cpu, &mut node, core::ptr::null_mut()) }, 0);
    assert!(cpu < 4096 && node < 64);
}
