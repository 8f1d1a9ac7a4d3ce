//! mmap, munmap, mprotect, madvise, brk (Linux mm/mmap.c, mm/mprotect.c, mm/madvise.c): the calls a Go-style
//! heap makes — reserve address space PROT_NONE, commit pieces of it, give pages back — and their error paths.

use crate::check::{Checklist, Outcome, Ret, detail, expect_eq, expect_errno, fail, succeeded};
use crate::sys::{self, Mapping, PAGE, fill, find_not};
use runtime::sys_linux_amd64::*;

/// How much address space the reservation check takes (one Go heap arena).
const RESERVE_BYTES: usize = 64 << 20;
/// Where inside the reservation the committed page goes.
const COMMIT_OFFSET: usize = 16 << 20;
/// Go's first heap arena hint on linux/amd64: free in a fresh process, so the kernel must honour it exactly.
const ARENA_HINT: usize = 0x00c0_0000_0000;
/// How far the brk checks move the break.
const BRK_STEP: usize = 64 << 10;

const ANON: usize = MAP_PRIVATE | MAP_ANONYMOUS;
const RW: usize = PROT_READ | PROT_WRITE;

pub fn checks(c: &mut Checklist, rt0: bool) {
    anonymous(c);
    c.report("mmap PROT_NONE reserve + MAP_FIXED commit", reserve_commit());
    c.report("mmap MAP_FIXED_NOREPLACE over mapping EEXIST", noreplace_existing());
    c.report("mmap free hint honoured", free_hint());
    c.report("mmap MAP_FIXED replaces only its range", fixed_replaces());
    let unaligned = sys::mmap(ARENA_HINT + 1, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1);
    c.report("mmap MAP_FIXED_NOREPLACE unaligned EINVAL", expect_errno(unaligned, EINVAL));
    c.report("mmap last user page ENOMEM", last_page());
    c.report("mmap len 0 EINVAL", expect_errno(sys::mmap(0, 0, RW, ANON, -1), EINVAL));
    c.report("mmap fd -1 without MAP_ANONYMOUS EBADF", expect_errno(sys::mmap(0, PAGE, RW, MAP_PRIVATE, -1), EBADF));
    let untyped = sys::mmap(0, PAGE, RW, MAP_ANONYMOUS, -1);
    c.report("mmap neither MAP_PRIVATE nor MAP_SHARED EINVAL", expect_errno(untyped, EINVAL));
    c.report("mmap PROT_WRITE|PROT_EXEC", mmap_wx(rt0));
    c.report("mprotect PROT_WRITE|PROT_EXEC", mprotect_wx(rt0));
    c.report("munmap unaligned EINVAL", munmap_unaligned());
    c.report("munmap frees the range", munmap_frees());
    c.report("munmap len 0 EINVAL", munmap_empty());
    c.report("mprotect unmapped ENOMEM", mprotect_unmapped());
    c.report("mprotect RW->R->RW keeps contents", mprotect_round_trip());
    c.report("mprotect PROT_NONE->RW commits", mprotect_commit());
    c.report("syscall writing to a read-only page EFAULT", write_to_readonly());
    c.report("syscall writing to an untouched page", write_to_untouched());
    c.report("write from a PROT_NONE page EFAULT", write_from_prot_none());
    c.report("madvise MADV_DONTNEED zeroes", madvise_dontneed());
    c.report("madvise MADV_DONTNEED on PROT_NONE", madvise_prot_none());
    brk(c);
}

/// A fresh mapping for a check, or its failure as the check's detail.
fn map(len: usize, prot: usize) -> Result<Mapping, crate::check::Detail> {
    Mapping::new(0, len, prot, false).map_err(|ret| detail!("mmap failed with {}", Ret(ret)))
}

/// `[addr, addr + len)` reads as `byte` everywhere.
///
/// # Safety
/// The range must be mapped readable.
unsafe fn expect_all(addr: usize, len: usize, byte: u8) -> Outcome {
    // SAFETY: the caller's range.
    match unsafe { find_not(addr, len, byte) } {
        None => Ok(()),
        Some(i) => fail!("byte at {:#x} is not {byte:#x}", addr + i),
    }
}

fn anonymous(c: &mut Checklist) {
    let m = match map(2 * PAGE, RW) {
        Ok(m) => m,
        Err(detail) => return c.report("mmap anonymous", Err(detail)),
    };
    let aligned = if m.addr.is_multiple_of(PAGE) { Ok(()) } else { fail!("{:#x}", m.addr) };
    c.report("mmap anonymous page-aligned", aligned);
    // SAFETY: `m` is a fresh read-write mapping of `m.len` bytes that only these volatile accesses touch.
    c.report("mmap anonymous reads zero", unsafe { expect_all(m.addr, m.len, 0) });
    // SAFETY: as above.
    unsafe { fill(m.addr, m.len, 0x5a) };
    // SAFETY: as above.
    c.report("mmap anonymous write/read back", unsafe { expect_all(m.addr, m.len, 0x5a) });
}

/// Reserve address space PROT_NONE, commit one page inside it with MAP_FIXED, use the page (Go's
/// sysReserve → sysMap).
fn reserve_commit() -> Outcome {
    let reservation = map(RESERVE_BYTES, PROT_NONE)?;
    let page = reservation.addr + COMMIT_OFFSET;
    // SAFETY: MAP_FIXED replaces one page of our own PROT_NONE reservation, which holds no Rust object.
    let ret = unsafe { syscall6(SYS_MMAP, page, PAGE, RW, ANON | MAP_FIXED, usize::MAX, 0) };
    expect_eq(succeeded(ret)?, page)?;
    // SAFETY: the page was just committed read-write; only these volatile accesses touch it.
    unsafe {
        expect_all(page, PAGE, 0)?;
        fill(page, PAGE, 0xc3);
        expect_all(page, PAGE, 0xc3)
    }
}

/// MAP_FIXED over the middle page of three: that page is fresh (zeros), its neighbours keep their contents.
fn fixed_replaces() -> Outcome {
    let m = map(3 * PAGE, RW)?;
    // SAFETY: a fresh read-write mapping that only these volatile accesses touch.
    unsafe { fill(m.addr, m.len, 0x11) };
    let middle = m.addr + PAGE;
    // SAFETY: MAP_FIXED replaces the middle page of our own mapping, which holds no Rust object.
    let ret = unsafe { syscall6(SYS_MMAP, middle, PAGE, RW, ANON | MAP_FIXED, usize::MAX, 0) };
    expect_eq(succeeded(ret)?, middle)?;
    // SAFETY: all three pages are mapped read-write and only these volatile accesses touch them.
    unsafe {
        expect_all(m.addr, PAGE, 0x11)?;
        expect_all(middle, PAGE, 0)?;
        expect_all(middle + PAGE, PAGE, 0x11)
    }
}

/// The last page below 2^47 is not user memory on Linux (TASK_SIZE_MAX = 2^47 - 4096), so that a `syscall` at
/// the very end of user space can never return to the non-canonical 2^47 through SYSRET.
fn last_page() -> Outcome {
    const LAST_PAGE: usize = (1 << 47) - PAGE;
    let ret = sys::mmap(LAST_PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1);
    if ret >= 0 {
        drop(Mapping { addr: ret as usize, len: PAGE });
    }
    expect_errno(ret, ENOMEM)
}

fn noreplace_existing() -> Outcome {
    let m = map(PAGE, RW)?;
    let ret = sys::mmap(m.addr, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1);
    if ret >= 0 {
        // The kernel mapped elsewhere (an old kernel that ignores the flag): do not leak it.
        drop(Mapping { addr: ret as usize, len: PAGE });
    }
    expect_errno(ret, EEXIST)
}

fn free_hint() -> Outcome {
    let m = Mapping::new(ARENA_HINT, 16 * PAGE, RW, false).map_err(|ret| detail!("failed with {}", Ret(ret)))?;
    expect_eq(m.addr, ARENA_HINT)
}

/// rt0 enforces W^X and refuses memory that is both writable and executable (EACCES); Linux allows it.
fn mmap_wx(rt0: bool) -> Outcome {
    match (Mapping::new(0, PAGE, RW | PROT_EXEC, false), rt0) {
        (Err(ret), true) => expect_errno(ret, EACCES),
        (Err(ret), false) => fail!("failed with {}, Linux allows W+X", Ret(ret)),
        (Ok(m), true) => fail!("mapped at {:#x}, rt0 must refuse W+X with -EACCES", m.addr),
        (Ok(_), false) => Ok(()),
    }
}

fn mprotect_wx(rt0: bool) -> Outcome {
    let m = map(PAGE, RW)?;
    // SAFETY: changes the protection of our own mapping, which holds no Rust object.
    let ret = unsafe { syscall3(SYS_MPROTECT, m.addr, PAGE, RW | PROT_EXEC) };
    if rt0 { expect_errno(ret, EACCES) } else { expect_eq(succeeded(ret)?, 0) }
}

fn munmap_unaligned() -> Outcome {
    let m = map(2 * PAGE, RW)?;
    // SAFETY: the kernel must refuse the unaligned address; even if it did not, the range is our own mapping.
    expect_errno(unsafe { syscall2(SYS_MUNMAP, m.addr + 1, PAGE) }, EINVAL)
}

fn munmap_empty() -> Outcome {
    let m = map(PAGE, RW)?;
    // SAFETY: a zero length is refused; the address is our own mapping in any case.
    expect_errno(unsafe { syscall2(SYS_MUNMAP, m.addr, 0) }, EINVAL)
}

/// After munmap the range is free: MAP_FIXED_NOREPLACE there succeeds at exactly that address.
fn munmap_frees() -> Outcome {
    let (addr, len) = map(4 * PAGE, RW)?.leak();
    // SAFETY: unmaps our own mapping, which holds no Rust object.
    expect_eq(succeeded(unsafe { syscall2(SYS_MUNMAP, addr, len) })?, 0)?;
    let again = Mapping::new(addr, len, RW, true).map_err(|ret| detail!("remap failed with {}", Ret(ret)))?;
    expect_eq(again.addr, addr)?;
    // SAFETY: a fresh read-write mapping that only these volatile accesses touch.
    unsafe { expect_all(again.addr, again.len, 0) }
}

/// mprotect over a hole fails with ENOMEM.
fn mprotect_unmapped() -> Outcome {
    let m = map(3 * PAGE, RW)?;
    let hole = m.addr + PAGE;
    // SAFETY: unmaps the middle page of our own mapping (its Drop unmaps the rest; munmap ignores the hole).
    succeeded(unsafe { syscall2(SYS_MUNMAP, hole, PAGE) })?;
    // SAFETY: the range is the hole just made, inside our own mapping.
    expect_errno(unsafe { syscall3(SYS_MPROTECT, hole, PAGE, PROT_READ) }, ENOMEM)
}

fn mprotect_round_trip() -> Outcome {
    let m = map(PAGE, RW)?;
    // SAFETY: a fresh read-write mapping that only these volatile accesses touch.
    unsafe { fill(m.addr, PAGE, 0x3c) };
    for (step, prot) in [("R", PROT_READ), ("RW", RW)] {
        // SAFETY: changes the protection of our own mapping, which holds no Rust object.
        let ret = unsafe { syscall3(SYS_MPROTECT, m.addr, PAGE, prot) };
        succeeded(ret).map_err(|_| detail!("mprotect {step}: {}", Ret(ret)))?;
        // SAFETY: the page is readable under both protections.
        unsafe { expect_all(m.addr, PAGE, 0x3c)? };
    }
    // SAFETY: writable again after the RW step.
    unsafe {
        fill(m.addr, PAGE, 0x4d);
        expect_all(m.addr, PAGE, 0x4d)
    }
}

/// Commit by mprotect rather than MAP_FIXED: a PROT_NONE page made read-write reads zeros and keeps a write.
fn mprotect_commit() -> Outcome {
    let m = map(PAGE, PROT_NONE)?;
    // SAFETY: changes the protection of our own mapping, which holds no Rust object.
    expect_eq(succeeded(unsafe { syscall3(SYS_MPROTECT, m.addr, PAGE, RW) })?, 0)?;
    // SAFETY: the page is read-write now and only these volatile accesses touch it.
    unsafe {
        expect_all(m.addr, PAGE, 0)?;
        fill(m.addr, PAGE, 0x99);
        expect_all(m.addr, PAGE, 0x99)
    }
}

/// A system call that stores a result (clock_gettime) into a read-only page fails with EFAULT.
fn write_to_readonly() -> Outcome {
    let m = map(PAGE, PROT_READ)?;
    // SAFETY: the page is read-only: the kernel must refuse to write it; it is our own mapping in any case.
    let ret = unsafe { syscall2(SYS_CLOCK_GETTIME, crate::sys::CLOCK_MONOTONIC, m.addr) };
    expect_errno(ret, EFAULT)?;
    // SAFETY: the page stays readable.
    unsafe { expect_all(m.addr, PAGE, 0) }
}

/// The kernel's store into a mapped page the program never touched succeeds (the page is faulted in for it).
fn write_to_untouched() -> Outcome {
    let m = map(PAGE, RW)?;
    // SAFETY: the kernel writes one 16-byte timespec into our own read-write mapping.
    let ret = unsafe { syscall2(SYS_CLOCK_GETTIME, crate::sys::CLOCK_MONOTONIC, m.addr) };
    expect_eq(succeeded(ret)?, 0)?;
    // SAFETY: readable; the timespec starts the page.
    match unsafe { find_not(m.addr, 16, 0) } {
        Some(_) => Ok(()),
        None => fail!("the timespec reads as zero"),
    }
}

fn write_from_prot_none() -> Outcome {
    let m = map(PAGE, PROT_NONE)?;
    expect_errno(sys::write_raw(runtime::print::STDOUT, m.addr, 16), EFAULT)
}

fn madvise_dontneed() -> Outcome {
    let m = map(2 * PAGE, RW)?;
    // SAFETY: a fresh read-write mapping that only these volatile accesses touch.
    unsafe { fill(m.addr, m.len, 0xe7) };
    // SAFETY: drops the pages of our own mapping, which holds no Rust object.
    expect_eq(succeeded(unsafe { syscall3(SYS_MADVISE, m.addr, m.len, MADV_DONTNEED) })?, 0)?;
    // SAFETY: the mapping stays readable; its pages now read as zeros.
    unsafe { expect_all(m.addr, m.len, 0) }
}

/// MADV_DONTNEED needs mapped pages, not accessible ones: on a PROT_NONE reservation (Go's sysUnused of
/// arena space it has given back) it succeeds.
fn madvise_prot_none() -> Outcome {
    let m = map(2 * PAGE, PROT_NONE)?;
    // SAFETY: drops the pages of our own mapping, which holds no Rust object.
    expect_eq(succeeded(unsafe { syscall3(SYS_MADVISE, m.addr, m.len, MADV_DONTNEED) })?, 0)
}

/// `brk(addr)`: the new break, or the current one when `addr` is refused (brk never returns an errno).
///
/// # Safety
/// Moving the break down must not free memory in use; nothing in this program but these checks uses the heap
/// the break delimits.
unsafe fn brk_to(addr: usize) -> usize {
    // SAFETY: the caller's promise.
    unsafe { syscall1(SYS_BRK, addr) as usize }
}

fn brk(c: &mut Checklist) {
    // SAFETY: brk(0) only asks for the current break.
    let start = unsafe { brk_to(0) };
    // SAFETY: as above.
    let again = unsafe { brk_to(0) };
    let current = if start == 0 || start != again { fail!("{start:#x} then {again:#x}") } else { Ok(()) };
    c.report("brk(0) returns the current break", current);

    // SAFETY: grows the break over fresh pages that nothing uses.
    let grown = unsafe { brk_to(start + BRK_STEP) };
    c.report("brk grow 64 KiB", expect_eq(grown, start + BRK_STEP));
    if grown == start + BRK_STEP {
        // SAFETY: the kernel just made `[start, grown)` part of the heap, which only this check touches.
        let zero_rw = unsafe {
            expect_all(start, BRK_STEP, 0).and_then(|()| {
                fill(start, BRK_STEP, 0x77);
                expect_all(start, BRK_STEP, 0x77)
            })
        };
        c.report("brk grown memory zero and writable", zero_rw);
    }

    // SAFETY: gives back the pages just grown, which nothing uses any more.
    c.report("brk shrink back", expect_eq(unsafe { brk_to(start) }, start));
    // SAFETY: regrows over pages nothing uses; they must read as zeros again (the shrink freed them).
    let regrown = unsafe { brk_to(start + BRK_STEP) };
    let fresh = match regrown == start + BRK_STEP {
        // SAFETY: `[start, regrown)` is heap again, and only this check touches it.
        true => unsafe { expect_all(start.next_multiple_of(PAGE), regrown - start.next_multiple_of(PAGE), 0) },
        false => fail!("regrow returned {regrown:#x}"),
    };
    c.report("brk regrown pages read zero", fresh);
    // SAFETY: back to where the program started.
    unsafe { brk_to(start) };

    c.report("brk into a mapping refused", brk_blocked(start));

    // SAFETY: an address below the heap's start is refused; the break stays where it is.
    c.report("brk(1) leaves the break unchanged", expect_eq(unsafe { brk_to(1) }, start));
}

/// A mapping just above the break stops it: growing over it leaves the break where it was.
fn brk_blocked(start: usize) -> Outcome {
    let wall = start.next_multiple_of(PAGE) + BRK_STEP;
    let m = Mapping::new(wall, PAGE, RW, true).map_err(|ret| detail!("mmap at {wall:#x}: {}", Ret(ret)))?;
    // SAFETY: the kernel must refuse to move the break over the mapping; had it, the pages are unused.
    let ret = unsafe { brk_to(m.addr + 2 * PAGE) };
    if ret != start {
        // SAFETY: undo a wrongly grown break.
        unsafe { brk_to(start) };
    }
    expect_eq(ret, start)
}
