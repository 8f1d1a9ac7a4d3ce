//! osinit (Go's os_linux.go): the CPU count from the affinity mask (getproccount: popcount of
//! sched_getaffinity, at least 1). Go also reads the transparent-huge-page size here; rt0's
//! kernel has no huge pages, so it does not.
use crate::os_linux::{SYS_SCHED_GETAFFINITY, syscall3};

/// Number of CPUs this process may run on.
pub fn getproccount() -> i32 {
    let mut mask = [0u64; 16]; // 1024 CPUs
    // SAFETY: the kernel writes at most size_of_val(&mask) bytes into the local mask.
    let r = unsafe { syscall3(SYS_SCHED_GETAFFINITY, 0, size_of_val(&mask), mask.as_mut_ptr() as usize) };
    if r < 0 {
        return 1;
    }
    let words = (r as usize / 8).min(mask.len());
    mask[..words].iter().map(|w| w.count_ones() as i32).sum::<i32>().max(1)
}
