//! The kernel ABI structs the checks pass (x86-64 layouts, `include/uapi/`), the addresses they use as bad
//! pointers, and typed wrappers over the raw system calls.
//!
//! A wrapper is safe when the kernel can only touch memory its reference arguments cover, or reads (never writes)
//! what a raw address names. Calls that can change memory Rust may be using (`MAP_FIXED`, `munmap`, `mprotect`,
//! `madvise`, `brk`, `ARCH_SET_FS`) stay raw `syscallN` calls at their check, each with its own `SAFETY` comment.

use abi::mman::{MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE};
use abi::nr::*;
use abi::signal::{KernelSigaction, Sigset, StackT};
use abi::time::{CLOCK_MONOTONIC, NSEC_PER_SEC, Timespec};
use abi::uio::Iovec;
use abi::utsname::Utsname;
use core::ptr;
use programs::{syscall1, syscall2, syscall3, syscall4, syscall6};

/// The first address of the kernel half (Linux's `TASK_SIZE_MAX` rounded up): never accessible to a program.
pub const KERNEL_ADDR: usize = 0xffff_8000_0000_0000;
/// An address in the second page, which neither kernel maps unless asked to (rt0's `mmap_min_addr` is 64 KiB;
/// Linux's is at least 4 KiB, and nothing here maps that low).
pub const UNMAPPED_ADDR: usize = 0x1000;

/// A timespec in nanoseconds (valid ones only: the clocks never return anything else).
pub fn ns(ts: &Timespec) -> u64 {
    ts.tv_sec as u64 * NSEC_PER_SEC + ts.tv_nsec as u64
}

/// An iovec over `buf`.
pub fn iovec(buf: &[u8]) -> Iovec {
    Iovec { iov_base: buf.as_ptr() as u64, iov_len: buf.len() as u64 }
}

pub fn uname(buf: &mut Utsname) -> isize {
    // SAFETY: the kernel writes one `struct new_utsname` into `buf`, which is exactly that size.
    unsafe { syscall1(SYS_UNAME, ptr::from_mut(buf) as usize) }
}

/// Whether the program runs on rt0's kernel (its `uname` release says so) rather than on Linux: the few
/// behaviours where rt0 deliberately differs (W^X) are expected per system.
pub fn on_rt0() -> bool {
    let mut u = Utsname::ZERO;
    uname(&mut u) == 0 && Utsname::field(&u.release).windows(3).any(|w| w == b"rt0")
}

/// `write(fd, addr, len)` with a raw address: the kernel only reads from it, so any address is memory-safe.
pub fn write_raw(fd: i32, addr: usize, len: usize) -> isize {
    // SAFETY: write reads from `addr`; a bad address is the kernel's to reject (EFAULT), nothing is written.
    unsafe { syscall3(SYS_WRITE, fd as usize, addr, len) }
}

pub fn writev(fd: i32, iov: &[Iovec], iovcnt: usize) -> isize {
    // SAFETY: writev only reads: `iovcnt` iovecs at `iov` (the checks pass at most `iov.len()` unless they expect
    // the count to be refused before any is read) and the buffers they name.
    unsafe { syscall3(SYS_WRITEV, fd as usize, iov.as_ptr() as usize, iovcnt) }
}

/// `mmap` that cannot replace an existing mapping (no `MAP_FIXED`): it only adds memory, so it is safe.
pub fn mmap(addr: usize, len: usize, prot: usize, flags: usize, fd: i32) -> isize {
    assert!(flags & MAP_FIXED == 0, "MAP_FIXED can replace memory in use; call syscall6 with a SAFETY comment");
    // SAFETY: without MAP_FIXED the kernel only ever maps new memory (MAP_FIXED_NOREPLACE fails rather than
    // replace), so nothing Rust uses changes.
    unsafe { syscall6(SYS_MMAP, addr, len, prot, flags, fd as usize, 0) }
}

/// A private anonymous mapping made by these checks, unmapped on drop. Nothing but raw volatile accesses
/// ([`fill`], [`find_not`]) ever touches it.
pub struct Mapping {
    pub addr: usize,
    pub len: usize,
}

impl Mapping {
    /// Maps `len` bytes with `prot` at `hint` (`MAP_FIXED_NOREPLACE` when `exact`), or returns the raw failure.
    pub fn new(hint: usize, len: usize, prot: usize, exact: bool) -> Result<Self, isize> {
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | if exact { MAP_FIXED_NOREPLACE } else { 0 };
        match mmap(hint, len, prot, flags, -1) {
            ret @ -4095..0 => Err(ret),
            addr => Ok(Mapping { addr: addr as usize, len }),
        }
    }

    /// Gives up ownership: the caller unmaps (or has unmapped) the range.
    pub fn leak(self) -> (usize, usize) {
        let range = (self.addr, self.len);
        core::mem::forget(self);
        range
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the range is this mapping's own, which no Rust object lives in.
        unsafe { syscall2(SYS_MUNMAP, self.addr, self.len) };
    }
}

/// Writes `byte` over `[addr, addr + len)` with volatile stores.
///
/// # Safety
/// The range must be mapped writable and hold no Rust object.
pub unsafe fn fill(addr: usize, len: usize, byte: u8) {
    for i in 0..len {
        // SAFETY: inside the writable range the caller vouches for.
        unsafe { ptr::write_volatile((addr + i) as *mut u8, byte) };
    }
}

/// The offset of the first byte of `[addr, addr + len)` that is not `byte`, read with volatile loads.
///
/// # Safety
/// The range must be mapped readable.
pub unsafe fn find_not(addr: usize, len: usize, byte: u8) -> Option<usize> {
    // SAFETY: inside the readable range the caller vouches for.
    (0..len).find(|&i| unsafe { ptr::read_volatile((addr + i) as *const u8) } != byte)
}

pub fn clock_gettime(clock: usize, tp: &mut Timespec) -> isize {
    // SAFETY: the kernel writes one `struct timespec` into `tp`.
    unsafe { syscall2(SYS_CLOCK_GETTIME, clock, ptr::from_mut(tp) as usize) }
}

/// CLOCK_MONOTONIC in nanoseconds (0 if the call fails, which its own check reports).
pub fn monotonic_ns() -> u64 {
    let mut ts = Timespec::default();
    clock_gettime(CLOCK_MONOTONIC, &mut ts);
    ns(&ts)
}

pub fn nanosleep(req: &Timespec) -> isize {
    // SAFETY: the kernel reads `req`; with a NULL `rem` it writes nothing.
    unsafe { syscall2(SYS_NANOSLEEP, ptr::from_ref(req) as usize, 0) }
}

pub fn clock_nanosleep(clock: usize, flags: usize, req: &Timespec) -> isize {
    // SAFETY: as for nanosleep.
    unsafe { syscall4(SYS_CLOCK_NANOSLEEP, clock, flags, ptr::from_ref(req) as usize, 0) }
}

pub fn getrandom(buf: &mut [u8], flags: usize) -> isize {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe { syscall3(SYS_GETRANDOM, buf.as_mut_ptr() as usize, buf.len(), flags) }
}

pub fn rt_sigaction(
    sig: i32,
    act: Option<&KernelSigaction>,
    oact: Option<&mut KernelSigaction>,
    sigsetsize: usize,
) -> isize {
    let act = act.map_or(0, |a| ptr::from_ref(a) as usize);
    let oact = oact.map_or(0, |a| ptr::from_mut(a) as usize);
    // The only handlers these checks install are SIG_IGN and SIG_DFL, which never run program code.
    // SAFETY: the kernel reads one `kernel_sigaction` at `act`, writes one at `oact` (either may be NULL).
    unsafe { syscall4(SYS_RT_SIGACTION, sig as usize, act, oact, sigsetsize) }
}

pub fn rt_sigprocmask(how: usize, set: Option<&Sigset>, oset: Option<&mut Sigset>, sigsetsize: usize) -> isize {
    let set = set.map_or(0, |s| ptr::from_ref(s) as usize);
    let oset = oset.map_or(0, |s| ptr::from_mut(s) as usize);
    // SAFETY: the kernel reads one mask at `set` and writes one at `oset` (either may be NULL).
    unsafe { syscall4(SYS_RT_SIGPROCMASK, how, set, oset, sigsetsize) }
}

pub fn sigaltstack(ss: Option<&StackT>, old: Option<&mut StackT>) -> isize {
    let ss = ss.map_or(0, |s| ptr::from_ref(s) as usize);
    let old = old.map_or(0, |s| ptr::from_mut(s) as usize);
    // SAFETY: the kernel reads one `stack_t` at `ss` and writes one at `old`. It only records the stack; with no
    // handlers installed, nothing ever runs on it.
    unsafe { syscall2(SYS_SIGALTSTACK, ss, old) }
}
