//! mremap (Linux mm/mremap.c): shrinking and growing in place, moving with MREMAP_MAYMOVE (the
//! contents go along), MREMAP_FIXED and MREMAP_DONTUNMAP, and the error paths — EINVAL for bad
//! flags, alignment or sizes, EFAULT for an old range that is not one mapping, ENOMEM for a
//! growth that may not move.

use crate::check::{Checklist, Outcome, Ret, detail, expect_eq, expect_errno, fail, succeeded};
use crate::sys::{Mapping, fill, find_not};
use abi::errno::{EFAULT, EINVAL, ENOMEM};
use abi::mman::*;
use abi::nr::{SYS_MREMAP, SYS_MUNMAP};
use programs::{syscall2, syscall5};

const RW: usize = PROT_READ | PROT_WRITE;
const P: usize = PAGE_SIZE;

pub fn checks(c: &mut Checklist) {
    c.report("mremap unaligned old_address EINVAL", errors(|m| mremap(m + 1, P, P, 0, 0), EINVAL));
    c.report("mremap unknown flag EINVAL", errors(|m| mremap(m, P, 2 * P, 8, 0), EINVAL));
    let fixed = |m| mremap(m, P, P, MREMAP_FIXED, m + 8 * P);
    c.report("mremap MREMAP_FIXED without MREMAP_MAYMOVE EINVAL", errors(fixed, EINVAL));
    c.report("mremap new_size 0 EINVAL", errors(|m| mremap(m, P, 0, MREMAP_MAYMOVE, 0), EINVAL));
    let resize = |m| mremap(m, P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
    c.report("mremap MREMAP_DONTUNMAP with a new size EINVAL", errors(resize, EINVAL));
    let overlap = |m| mremap(m, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, m + P);
    c.report("mremap MREMAP_FIXED onto itself EINVAL", errors(overlap, EINVAL));
    c.report("mremap unmapped old range EFAULT", unmapped(P, 2 * P));
    // Linux 6.16 and later look the mapping up first, whatever the sizes.
    c.report("mremap same size of an unmapped range EFAULT", unmapped(P, P));
    c.report("mremap shrink of an unmapped range EFAULT", unmapped(2 * P, P));
    c.report("mremap old_size 0 of a private mapping EINVAL", errors(|m| mremap(m, 0, P, MREMAP_MAYMOVE, 0), EINVAL));
    let past_end = |m| mremap(m, 1 << 63, P, 0, 0);
    c.report("mremap shrink past the user half EINVAL", errors(past_end, EINVAL));
    c.report(
        "mremap old range past its mapping EFAULT",
        errors(|m| mremap(m, 8 * P, 9 * P, MREMAP_MAYMOVE, 0), EFAULT),
    );
    c.report("mremap grow without MREMAP_MAYMOVE ENOMEM", errors(|m| mremap(m, P, 2 * P, 0, 0), ENOMEM));
    c.report("mremap shrink in place", shrink());
    c.report("mremap grow in place", grow_in_place());
    c.report("mremap MREMAP_MAYMOVE moves the contents", moves());
    c.report("mremap MREMAP_FIXED replaces the target", fixed_target());
    c.report("mremap MREMAP_DONTUNMAP leaves the old range empty", dontunmap());
}

fn mremap(addr: usize, old: usize, new: usize, flags: usize, new_addr: usize) -> isize {
    // SAFETY: every call here remaps only the check's own mappings, which hold no Rust object.
    unsafe { syscall5(SYS_MREMAP, addr, old, new, flags, new_addr) }
}

fn munmap(addr: usize, len: usize) {
    // SAFETY: the check's own range, which holds no Rust object.
    unsafe { syscall2(SYS_MUNMAP, addr, len) };
}

/// A fresh read-write mapping of `pages` pages filled with `byte`.
fn filled(pages: usize, byte: u8) -> Result<Mapping, crate::check::Detail> {
    let m = Mapping::new(0, pages * P, RW, false).map_err(|ret| detail!("mmap failed with {}", Ret(ret)))?;
    // SAFETY: a fresh read-write mapping that only these volatile accesses touch.
    unsafe { fill(m.addr, m.len, byte) };
    Ok(m)
}

/// `[addr, addr + len)` reads as `byte` everywhere.
fn holds(addr: usize, len: usize, byte: u8) -> Outcome {
    // SAFETY: the callers pass ranges mapped readable by the call they check.
    match unsafe { find_not(addr, len, byte) } {
        None => Ok(()),
        Some(i) => fail!("byte at {:#x} is not {byte:#x}", addr + i),
    }
}

/// Whether nothing is mapped at `[addr, addr + len)`: MAP_FIXED_NOREPLACE gets exactly it.
fn is_free(addr: usize, len: usize) -> Outcome {
    let m = Mapping::new(addr, len, RW, true).map_err(|ret| detail!("{addr:#x} is still mapped ({})", Ret(ret)))?;
    expect_eq(m.addr, addr)
}

/// `call` on a fresh three-page mapping fails with `errno` and leaves it as it was.
fn errors(call: impl FnOnce(usize) -> isize, errno: isize) -> Outcome {
    let m = filled(3, 1)?;
    expect_errno(call(m.addr), errno)?;
    holds(m.addr, m.len, 1)
}

/// mremap from an unmapped page (a mapped one after it) of `old_len` to `new_len` bytes.
fn unmapped(old_len: usize, new_len: usize) -> Outcome {
    let m = filled(2, 1)?;
    munmap(m.addr, P);
    expect_errno(mremap(m.addr, old_len, new_len, MREMAP_MAYMOVE, 0), EFAULT)
}

fn shrink() -> Outcome {
    let m = filled(3, 0x21)?;
    expect_eq(succeeded(mremap(m.addr, 3 * P, P + 1, 0, 0))?, m.addr)?;
    holds(m.addr, 2 * P, 0x21)?;
    is_free(m.addr + 2 * P, P)
}

fn grow_in_place() -> Outcome {
    let m = filled(4, 0x42)?;
    munmap(m.addr + 2 * P, 2 * P);
    expect_eq(succeeded(mremap(m.addr, 2 * P, 4 * P, 0, 0))?, m.addr)?;
    holds(m.addr, 2 * P, 0x42)?;
    holds(m.addr + 2 * P, 2 * P, 0)
}

fn moves() -> Outcome {
    let m = filled(3, 0x63)?;
    // The third page blocks growing the first two in place.
    let to = succeeded(mremap(m.addr, 2 * P, 8 * P, MREMAP_MAYMOVE, 0))?;
    let _moved = Mapping { addr: to, len: 8 * P };
    if to == m.addr {
        return fail!("grew in place over the third page");
    }
    holds(to, 2 * P, 0x63)?;
    holds(to + 2 * P, 6 * P, 0)?;
    holds(m.addr + 2 * P, P, 0x63)?;
    is_free(m.addr, 2 * P)
}

fn fixed_target() -> Outcome {
    let src = filled(2, 0x5a)?;
    let dst = filled(3, 0x11)?;
    let flags = MREMAP_MAYMOVE | MREMAP_FIXED;
    expect_eq(succeeded(mremap(src.addr, 2 * P, 2 * P, flags, dst.addr))?, dst.addr)?;
    holds(dst.addr, 2 * P, 0x5a)?;
    holds(dst.addr + 2 * P, P, 0x11)?;
    is_free(src.addr, 2 * P)
}

fn dontunmap() -> Outcome {
    let m = filled(2, 0x77)?;
    let to = succeeded(mremap(m.addr, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0))?;
    let _moved = Mapping { addr: to, len: 2 * P };
    holds(to, 2 * P, 0x77)?;
    holds(m.addr, 2 * P, 0)
}
