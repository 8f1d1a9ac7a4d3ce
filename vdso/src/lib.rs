//! rt0's vDSO (Linux's `arch/x86/entry/vdso/vclock_gettime.c`, `vgetcpu.c` and
//! `lib/vdso/gettimeofday.c`): the clock reads a process makes without entering the kernel.
//! kernel/build.rs compiles this crate for x86_64-unknown-none and links it with `vdso.lds` and
//! `vdso.ver` into a position-independent shared object with no relocations; the kernel maps it
//! into every process below the stack, the vvar page right under it, and names it in the auxv
//! (AT_SYSINFO_EHDR). Go's runtime (vdso_linux.go), musl (src/internal/vdso.c) and glibc
//! (dl-vdso) find the functions by name and version (`LINUX_2.6`).
//!
//! A served clock is read from the TSC with the kernel's calibration in the vvar page
//! ([`abi::vdso::VvarData`]), through the same [`abi::vdso::ticks_to_ns`] as the kernel's own
//! clock_gettime, so a program mixing the two never sees time step back. Any clock the page does
//! not list (the CPU-time clocks, a bad id) goes to the real system call and gets its answer
//! (EINVAL returned as −22, Linux's vDSO convention). Results are stored through the caller's
//! pointers without checks, as Linux's vDSO does: a bad pointer is the caller's SIGSEGV.
//!
//! Built for the host (tests, clippy), the vvar page is a static that takes a TSC tick as a
//! nanosecond (the icount calibration), so the functions can be called and checked there too.
#![no_std]

use abi::nr::{SYS_CLOCK_GETRES, SYS_CLOCK_GETTIME, SYS_GETCPU, SYS_GETTIMEOFDAY, SYS_TIME};
use abi::time::{NSEC_PER_SEC, Timespec, Timeval};
use abi::vdso::{
    COARSE_CLOCKS, COARSE_RES_NS, CPUNODE_CPU_MASK, CPUNODE_SELECTOR, REALTIME_CLOCKS, VvarData, ticks_to_ns,
};
use core::arch::asm;

/// The vvar page the kernel maps right below this image (the linker script's `__rt0_vvar`).
#[cfg(target_os = "none")]
#[inline(always)]
fn vvar() -> &'static VvarData {
    let p: *const VvarData;
    // SAFETY: `lea` only computes the address; it touches no memory.
    unsafe { asm!("lea {}, [rip + __rt0_vvar]", out(reg) p, options(pure, nomem, nostack, preserves_flags)) };
    // The kernel maps the page read-only before the process starts and never unmaps it while a
    // thread of the process can run, and no one writes it afterwards.
    // SAFETY: so a shared reference for the process's life is sound.
    unsafe { &*p }
}

/// The host build's stand-in for the vvar page: TSC ticks taken as nanoseconds, the realtime
/// clock one second after the monotonic one, and the CPUNODE segment absent.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn vvar() -> &'static VvarData {
    static HOST: VvarData = VvarData {
        mult: abi::vdso::tsc_mult(0),
        realtime_offset: NSEC_PER_SEC,
        clocks: abi::vdso::MONOTONIC_CLOCKS | REALTIME_CLOCKS,
        cpunode: 0,
    };
    &HOST
}

/// The TSC, ordered after earlier loads (Linux's `rdtsc_ordered`: `lfence; rdtsc`), so a read
/// is never taken before one the program made earlier on another CPU was seen.
#[inline(always)]
fn rdtsc() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: lfence and rdtsc read no memory and write only EDX:EAX.
    unsafe { asm!("lfence", "rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags)) };
    (hi as u64) << 32 | lo as u64
}

/// The real system call `nr` with two arguments; its raw result (−errno on failure).
#[inline(always)]
fn syscall2(nr: usize, a1: usize, a2: usize) -> isize {
    let ret: isize;
    // The syscalls made here (clock_gettime, clock_getres, gettimeofday, time, getcpu) only write
    // through the caller's pointers, which the caller handed to the vDSO for that purpose.
    // SAFETY: so the call breaks nothing the caller did not ask for.
    unsafe {
        asm!("syscall", inlateout("rax") nr as isize => ret, in("rdi") a1, in("rsi") a2,
            out("rcx") _, out("r11") _, options(nostack));
    }
    ret
}

/// The bit of `clock` among the vvar page's served clocks, or None (negative ids are the CPU
/// clocks of other processes, Linux's `CLOCKFD` encoding: always the system call).
#[inline(always)]
fn served(v: &VvarData, clock: i32) -> Option<u32> {
    let bit = 1u32.checked_shl(clock as u32)?;
    (v.clocks & bit != 0).then_some(bit)
}

/// Nanoseconds on the clock whose bit is `bit`.
#[inline(always)]
fn read(v: &VvarData, bit: u32) -> u64 {
    let ns = ticks_to_ns(rdtsc(), v.mult);
    if REALTIME_CLOCKS & bit != 0 { ns.wrapping_add(v.realtime_offset) } else { ns }
}

/// `clock_gettime(clock, ts)`.
///
/// # Safety
/// `ts` must be valid for a write of a [`Timespec`] (else the program faults, as on Linux).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __vdso_clock_gettime(clock: i32, ts: *mut Timespec) -> i32 {
    let v = vvar();
    match served(v, clock) {
        Some(bit) => {
            let ns = read(v, bit);
            // SAFETY: the caller passes a writable timespec.
            unsafe { ts.write(Timespec::from_ns(ns)) };
            0
        }
        None => syscall2(SYS_CLOCK_GETTIME, clock as isize as usize, ts as usize) as i32,
    }
}

/// `gettimeofday(tv, tz)`: CLOCK_REALTIME in microseconds; the time zone, if asked for, is UTC
/// (the kernel's `sys_tz` is never set in rt0).
///
/// # Safety
/// `tv` and `tz` must each be null or valid for a write of their struct.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __vdso_gettimeofday(tv: *mut Timeval, tz: *mut [i32; 2]) -> i32 {
    let v = vvar();
    let Some(bit) = served(v, abi::time::CLOCK_REALTIME as i32) else {
        return syscall2(SYS_GETTIMEOFDAY, tv as usize, tz as usize) as i32;
    };
    if !tv.is_null() {
        let ns = read(v, bit);
        let t = Timeval { tv_sec: (ns / NSEC_PER_SEC) as i64, tv_usec: (ns % NSEC_PER_SEC / 1000) as i64 };
        // SAFETY: a non-null `tv` is writable (caller).
        unsafe { tv.write(t) };
    }
    if !tz.is_null() {
        // SAFETY: a non-null `tz` is writable (caller).
        unsafe { tz.write([0; 2]) };
    }
    0
}

/// `time(t)`: seconds since the epoch, also stored at `t` if it is not null.
///
/// # Safety
/// `t` must be null or valid for a write of an i64.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __vdso_time(t: *mut i64) -> i64 {
    let v = vvar();
    let Some(bit) = served(v, abi::time::CLOCK_REALTIME as i32) else {
        return syscall2(SYS_TIME, t as usize, 0) as i64;
    };
    let secs = (read(v, bit) / NSEC_PER_SEC) as i64;
    if !t.is_null() {
        // SAFETY: a non-null `t` is writable (caller).
        unsafe { t.write(secs) };
    }
    secs
}

/// `getcpu(cpu, node, cache)`: the CPU the caller runs on as it asks (it may move right after,
/// as on Linux), from the limit of this CPU's CPUNODE segment; node 0. `cache` is unused, as
/// since Linux 2.6.24.
///
/// # Safety
/// `cpu` and `node` must each be null or valid for a write of a u32.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __vdso_getcpu(cpu: *mut u32, node: *mut u32, _cache: *mut u8) -> i32 {
    if vvar().cpunode == 0 {
        return syscall2(SYS_GETCPU, cpu as usize, node as usize) as i32;
    }
    let p: u32;
    // lsl reads the descriptor's limit through the GDT, which the kernel keeps mapped;
    // with a DPL-3 descriptor it is allowed at CPL 3 and never faults.
    // SAFETY: so the block below is sound.
    unsafe { asm!("lsl {0:e}, {1:e}", out(reg) p, in(reg) CPUNODE_SELECTOR as u32, options(nomem, nostack)) };
    if !cpu.is_null() {
        // SAFETY: a non-null `cpu` is writable (caller).
        unsafe { cpu.write(p & CPUNODE_CPU_MASK) };
    }
    if !node.is_null() {
        // SAFETY: a non-null `node` is writable (caller).
        unsafe { node.write(p >> 12) };
    }
    0
}

/// `clock_getres(clock, res)`: 1 ns for a served clock, the 4 ms tick for a coarse one.
///
/// # Safety
/// `res` must be null or valid for a write of a [`Timespec`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __vdso_clock_getres(clock: i32, res: *mut Timespec) -> i32 {
    let Some(bit) = served(vvar(), clock) else {
        return syscall2(SYS_CLOCK_GETRES, clock as isize as usize, res as usize) as i32;
    };
    if !res.is_null() {
        let ns = if COARSE_CLOCKS & bit != 0 { COARSE_RES_NS } else { 1 };
        // SAFETY: a non-null `res` is writable (caller).
        unsafe { res.write(Timespec::from_ns(ns)) };
    }
    0
}

// The plain names, weak aliases of the `__vdso_` ones, as Linux's vDSO exports them.
#[cfg(target_os = "none")]
core::arch::global_asm!(
    ".weak clock_gettime",
    ".type clock_gettime, @function",
    ".set clock_gettime, __vdso_clock_gettime",
    ".weak gettimeofday",
    ".type gettimeofday, @function",
    ".set gettimeofday, __vdso_gettimeofday",
    ".weak time",
    ".type time, @function",
    ".set time, __vdso_time",
    ".weak getcpu",
    ".type getcpu, @function",
    ".set getcpu, __vdso_getcpu",
    ".weak clock_getres",
    ".type clock_getres, @function",
    ".set clock_getres, __vdso_clock_getres",
);

#[cfg(test)]
mod tests;
