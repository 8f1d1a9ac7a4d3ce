//! rt0's vDSO contract (Linux `arch/x86/entry/vdso/`, `include/vdso/datapage.h`): what the
//! kernel puts in the read-only data page (vvar) mapped right below the vDSO image, the
//! symbols and version the image exports, and the one conversion from TSC ticks to
//! nanoseconds that the kernel's clock_gettime and the vDSO both use — so the two can never
//! disagree.
//!
//! The clock is a pure function of the TSC: monotonic = ticks × mult >> [`TSC_SHIFT`], realtime =
//! monotonic + the offset fixed when the kernel first read the CMOS clock. The kernel never
//! changes either after boot (rt0 has no clock_settime or NTP slewing), so the page needs no
//! sequence count; Linux's vdso_data carries one because its clocksource updates each tick.

use crate::time::{
    CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME,
    CLOCK_REALTIME_COARSE, NSEC_PER_SEC,
};

/// The version every symbol is exported under (Linux's x86-64 vdso.lds.S).
pub const VDSO_VERSION: &str = "LINUX_2.6";
/// The image's DT_SONAME (Linux's).
pub const VDSO_SONAME: &str = "linux-vdso.so.1";
/// The symbols exported under [`VDSO_VERSION`], each also under its plain name as a weak alias.
pub const VDSO_SYMBOLS: [&str; 5] =
    ["__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu", "__vdso_clock_getres"];

/// Bytes of the vvar area, which ends where the vDSO image begins (Linux's layout: the data
/// below the code, so nothing dangles past the image's PT_LOAD).
pub const VVAR_SIZE: u64 = 4096;

/// Fixed-point shift of [`VvarData::mult`].
pub const TSC_SHIFT: u32 = 32;

/// The GDT selector (RPL 3) of each CPU's CPUNODE segment, whose limit is that CPU's number
/// (node 0): `lsl` on it is the vDSO's getcpu, as Linux's `vdso_read_cpunode` without RDPID.
/// rt0's GDT index 7 (Linux uses 15: rt0's GDT is shorter).
pub const CPUNODE_SELECTOR: u16 = (7 << 3) | 3;
/// Bits of the CPUNODE limit holding the CPU number; the node sits above them (always 0 here).
pub const CPUNODE_CPU_MASK: u32 = 0xfff;

/// The clocks read as the monotonic TSC clock (CLOCK_BOOTTIME too: rt0 never suspends). The
/// coarse ones read the same precise value as the kernel's clock_gettime gives them.
pub const MONOTONIC_CLOCKS: u32 =
    1 << CLOCK_MONOTONIC | 1 << CLOCK_MONOTONIC_RAW | 1 << CLOCK_MONOTONIC_COARSE | 1 << CLOCK_BOOTTIME;
/// The clocks read as monotonic + the realtime offset.
pub const REALTIME_CLOCKS: u32 = 1 << CLOCK_REALTIME | 1 << CLOCK_REALTIME_COARSE;
/// The coarse clocks: a resolution of Linux's 4 ms tick (HZ=250) in clock_getres.
pub const COARSE_CLOCKS: u32 = 1 << CLOCK_REALTIME_COARSE | 1 << CLOCK_MONOTONIC_COARSE;
/// clock_getres of a coarse clock, in nanoseconds.
pub const COARSE_RES_NS: u64 = 4_000_000;

/// The vvar page's contents, written by the kernel at exec and read-only to the process.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VvarData {
    /// Nanoseconds per TSC tick, times 2^[`TSC_SHIFT`] (2^32 under icount: a tick is a nanosecond).
    pub mult: u64,
    /// CLOCK_REALTIME − CLOCK_MONOTONIC in nanoseconds.
    pub realtime_offset: u64,
    /// The clocks the vDSO serves (bit n: clock id n); any other goes to the system call.
    pub clocks: u32,
    /// Nonzero when the CPUNODE segment exists (else getcpu makes the system call).
    pub cpunode: u32,
}

const _: () = assert!(size_of::<VvarData>() == 24 && size_of::<VvarData>() as u64 <= VVAR_SIZE);

/// [`VvarData::mult`] for a TSC of `hz` ticks per second; 0 means the TSC counts instructions
/// (QEMU icount, one nanosecond each).
pub const fn tsc_mult(hz: u64) -> u64 {
    match hz {
        0 => 1 << TSC_SHIFT,
        hz => (((NSEC_PER_SEC as u128) << TSC_SHIFT) / hz as u128) as u64,
    }
}

/// TSC ticks to nanoseconds: the kernel's clock and the vDSO's, bit for bit.
#[inline(always)]
pub const fn ticks_to_ns(ticks: u64, mult: u64) -> u64 {
    ((ticks as u128 * mult as u128) >> TSC_SHIFT) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icount_ticks_are_nanoseconds() {
        for t in [0, 1, 123_456_789, u64::MAX] {
            assert_eq!(ticks_to_ns(t, tsc_mult(0)), t);
        }
    }

    #[test]
    fn calibrated_conversion_is_close_and_monotonic() {
        for hz in [1_000_000_000u64, 2_496_000_000, 3_000_000_001] {
            let m = tsc_mult(hz);
            // One second of ticks is a second, within a nanosecond per second of rounding.
            assert!(NSEC_PER_SEC - ticks_to_ns(hz, m) <= 1);
            // An hour of ticks, within 2 ns per second.
            let hour = ticks_to_ns(hz * 3600, m);
            assert!(3600 * NSEC_PER_SEC - hour <= 2 * 3600, "{hz}: {hour}");
            let mut last = 0;
            for t in (0..10_000u64).map(|i| i * 997) {
                let ns = ticks_to_ns(t, m);
                assert!(ns >= last);
                last = ns;
            }
        }
    }

    #[test]
    fn clock_sets_are_disjoint() {
        assert_eq!(MONOTONIC_CLOCKS & REALTIME_CLOCKS, 0);
        assert_eq!(COARSE_CLOCKS & !(MONOTONIC_CLOCKS | REALTIME_CLOCKS), 0);
    }
}
