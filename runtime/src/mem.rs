//! The OS memory layer under the allocator: reserve, commit, release and free address space, and grow the break.
//!
//! Mirrors Go's `runtime/mem_linux.go` (`sysReserveOS`, `sysMapOS`, `sysUsedOS`, `sysUnusedOS`, `sysFreeOS`) and
//! the address-space states of `runtime/mem.go`:
//!
//! - **None** → **Reserved**: [`sys_reserve`] / [`sys_reserve_at`] = `mmap(PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS)`,
//!   the latter with `MAP_FIXED_NOREPLACE` at a hint. Address space only; touching it faults.
//! - **Reserved** → **Ready**: [`sys_map`] = `mmap(MAP_FIXED, PROT_READ|PROT_WRITE)` over the reservation (Go's
//!   `sysMap`; on Linux Go's Prepared and Ready states are the same mapping, and [`sys_used`] has nothing to do
//!   for the small pages rt0 uses). Pages still cost nothing until first touched.
//! - **Ready** → **Prepared**: [`sys_unused`] = `madvise(MADV_DONTNEED)`: the physical pages go back to the OS;
//!   the range stays mapped and reads back as zeros.
//! - any → **None**: [`sys_free`] = `munmap`.
//!
//! Go never calls brk; rt0's persistent allocator does ([`sys_brk_grow`]), the way C's malloc does.

use crate::sys_linux_amd64::{syscall1, syscall2, syscall3, syscall6};
use abi::errno::EEXIST;
use abi::mman::{
    MADV_DONTNEED, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, PROT_NONE, PROT_READ, PROT_WRITE,
};
use abi::nr::{SYS_BRK, SYS_MADVISE, SYS_MMAP, SYS_MUNMAP};

/// Why a reservation at a hint failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReserveError {
    /// Something is already mapped there (`EEXIST`): try the next hint.
    Taken,
    /// Any other failure (`-errno`).
    Failed(isize),
}

/// An anonymous private `mmap` (no file, offset 0): the address or `-errno`.
///
/// # Safety
/// With `MAP_FIXED` in `flags`, `[addr, addr + len)` must hold nothing anyone still uses: it is replaced. Without
/// it (`MAP_FIXED_NOREPLACE` or a plain hint) existing mappings are never touched.
unsafe fn mmap(addr: usize, len: usize, prot: usize, flags: usize) -> isize {
    // SAFETY: an anonymous mapping reads no user memory; the caller vouches for any range MAP_FIXED replaces.
    unsafe { syscall6(SYS_MMAP, addr, len, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0) }
}

/// Reserves `len` bytes of address space at exactly `hint` (Go's `sysReserve` at an arena hint), inaccessible
/// until [`sys_map`]ped. Never replaces an existing mapping: `Taken` if anything is already there.
pub fn sys_reserve_at(hint: usize, len: usize) -> Result<usize, ReserveError> {
    // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping.
    let r = unsafe { mmap(hint, len, PROT_NONE, MAP_FIXED_NOREPLACE) };
    match r {
        r if r == -EEXIST => Err(ReserveError::Taken),
        r if r < 0 => Err(ReserveError::Failed(r)),
        r if r as usize == hint => Ok(hint),
        r => {
            // A kernel older than 4.17 ignores MAP_FIXED_NOREPLACE and treats the address as a plain hint.
            // SAFETY: `r` is the fresh reservation this call just made; nothing else refers to it.
            unsafe { sys_free(r as usize, len) };
            Err(ReserveError::Taken)
        }
    }
}

/// Reserves `len` bytes of address space wherever the kernel likes, `hint` only a suggestion.
pub fn sys_reserve(hint: usize, len: usize) -> Option<usize> {
    // SAFETY: without MAP_FIXED the address is only a hint; existing mappings are never touched.
    let r = unsafe { mmap(hint, len, PROT_NONE, 0) };
    (r >= 0).then_some(r as usize)
}

/// Makes `[addr, addr + len)` readable and writable (Go's `sysMap`): Reserved → Ready. Returns false on failure
/// (ENOMEM).
///
/// # Safety
/// The range must be page-aligned and lie inside a reservation the caller owns that holds no live data: the
/// `MAP_FIXED` mapping replaces whatever was there.
pub unsafe fn sys_map(addr: usize, len: usize) -> bool {
    // SAFETY: the caller guarantees the range is its own reservation with nothing live in it.
    unsafe { mmap(addr, len, PROT_READ | PROT_WRITE, MAP_FIXED) as usize == addr }
}

/// Go's `sysUsed`: tells the OS a released range is wanted again. On Linux with small pages the mapping already
/// serves a fault with a fresh zero page, so (like Go's `sysUsedOS` without huge pages) there is nothing to do.
#[inline]
pub fn sys_used(_addr: usize, _len: usize) {}

/// Gives the physical pages of `[addr, addr + len)` back to the OS (Go's `sysUnused`): Ready → Prepared. The range
/// stays mapped and reads back as zeros.
///
/// # Safety
/// The range must be page-aligned, mapped, and hold no data anyone still needs: its contents are discarded.
pub unsafe fn sys_unused(addr: usize, len: usize) {
    // SAFETY: the caller guarantees the range's contents are dead; madvise touches nothing else.
    unsafe { syscall3(SYS_MADVISE, addr, len, MADV_DONTNEED) };
}

/// Unmaps `[addr, addr + len)` (Go's `sysFree`): any state → None.
///
/// # Safety
/// Nothing may refer to the range afterwards: it may be handed out again by the kernel.
pub unsafe fn sys_free(addr: usize, len: usize) {
    // SAFETY: the caller guarantees the range is dead.
    unsafe { syscall2(SYS_MUNMAP, addr, len) };
}

/// Maps `len` bytes of fresh zeroed read/write memory anywhere (Go's `sysAlloc`), or 0 on failure.
pub fn sys_alloc(len: usize) -> usize {
    // SAFETY: no MAP_FIXED: the kernel picks a free range.
    let r = unsafe { mmap(0, len, PROT_READ | PROT_WRITE, 0) };
    if r < 0 { 0 } else { r as usize }
}

/// The current program break (`brk(0)` reports it without moving it).
pub fn sys_brk_current() -> usize {
    // SAFETY: brk with an address below the break's start only reports the break; it changes nothing.
    unsafe { syscall1(SYS_BRK, 0) as usize }
}

/// Moves the program break from `cur` up by `len` bytes and returns the start of the new memory (`cur`), or
/// `None` if the kernel refused (it then reports the old break). The new memory is zeroed.
///
/// # Safety
/// `cur` must be the current break, and no other code in the process may manage the break (true of rt0
/// programs; not of a process whose C library's malloc uses brk, such as a host test binary): otherwise a later
/// `brk` by that code could move the break back down over memory handed out from here.
pub unsafe fn sys_brk_grow(cur: usize, len: usize) -> Option<usize> {
    let want = cur.checked_add(len)?;
    // SAFETY: the break only moves up, into pages the kernel checks are free; the caller guarantees nobody else
    // moves it.
    let got = unsafe { syscall1(SYS_BRK, want) } as usize;
    (got >= want).then_some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_map_release_free_on_the_host() {
        const LEN: usize = 4 * abi::mman::PAGE_SIZE;
        // Well above anything the test binary maps; the hint is the point of sys_reserve_at.
        let hint = 0x5f00_0000_0000;
        let base = sys_reserve_at(hint, LEN).expect("reserve at a free hint");
        assert_eq!(base, hint);
        assert_eq!(sys_reserve_at(hint, LEN), Err(ReserveError::Taken), "a taken hint is refused, not replaced");
        // SAFETY: [base, base + LEN) is the reservation made above; the test owns it and nothing lives there.
        unsafe {
            assert!(sys_map(base, LEN));
            let p = base as *mut u64;
            p.write_volatile(0x1234);
            p.add(LEN / 8 - 1).write_volatile(0x5678);
            sys_unused(base, LEN);
            assert_eq!(p.read_volatile(), 0, "MADV_DONTNEED reads back zeros");
            assert_eq!(p.add(LEN / 8 - 1).read_volatile(), 0);
            sys_free(base, LEN);
        }
        assert_eq!(sys_reserve_at(hint, LEN), Ok(hint), "free unmapped it");
        // SAFETY: the test's own reservation.
        unsafe { sys_free(hint, LEN) };
    }

    #[test]
    fn brk_reports_a_break_and_sys_alloc_maps() {
        assert!(sys_brk_current() > 0);
        let p = sys_alloc(abi::mman::PAGE_SIZE);
        assert!(p != 0 && p.is_multiple_of(abi::mman::PAGE_SIZE));
        // SAFETY: a fresh private page owned by this test.
        unsafe { sys_free(p, abi::mman::PAGE_SIZE) };
    }
}
