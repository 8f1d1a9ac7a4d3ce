//! Clocks and time values (`include/uapi/linux/time.h`, `time_types.h`).

pub const CLOCK_REALTIME: usize = 0;
pub const CLOCK_MONOTONIC: usize = 1;
pub const CLOCK_PROCESS_CPUTIME_ID: usize = 2;
pub const CLOCK_THREAD_CPUTIME_ID: usize = 3;
pub const CLOCK_MONOTONIC_RAW: usize = 4;
pub const CLOCK_REALTIME_COARSE: usize = 5;
pub const CLOCK_MONOTONIC_COARSE: usize = 6;
pub const CLOCK_BOOTTIME: usize = 7;
/// clock_nanosleep's flag: the time is a deadline, not an interval.
pub const TIMER_ABSTIME: usize = 1;

pub const NSEC_PER_SEC: u64 = 1_000_000_000;

/// `struct timespec` (`__kernel_timespec` on x86-64).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

/// `struct timeval`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Timeval {
    pub tv_sec: i64,
    pub tv_usec: i64,
}

const _: () = assert!(size_of::<Timespec>() == 16);
const _: () = assert!(size_of::<Timeval>() == 16);

impl Timespec {
    /// The timespec of `ns` nanoseconds.
    #[inline]
    pub const fn from_ns(ns: u64) -> Timespec {
        Timespec { tv_sec: (ns / NSEC_PER_SEC) as i64, tv_nsec: (ns % NSEC_PER_SEC) as i64 }
    }

    /// Nanoseconds, or None if the value is not a valid timespec (negative, or tv_nsec out of
    /// 0..1e9: Linux's EINVAL); saturates at u64::MAX.
    #[inline]
    pub const fn to_ns(&self) -> Option<u64> {
        if self.tv_sec < 0 || self.tv_nsec < 0 || self.tv_nsec >= NSEC_PER_SEC as i64 {
            return None;
        }
        Some((self.tv_sec as u64).saturating_mul(NSEC_PER_SEC).saturating_add(self.tv_nsec as u64))
    }
}
