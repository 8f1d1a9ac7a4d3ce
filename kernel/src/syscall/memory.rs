//! mmap, munmap, mremap, mprotect, madvise, brk (Linux mm/mmap.c, mm/mremap.c, mm/mprotect.c,
//! mm/madvise.c) over private anonymous memory; a file of the read-only tree maps as a private
//! copy of its bytes (a shared mapping of it reads the same: the file never changes). rt0 enforces W^X: a mapping may be writable or executable, never
//! both (EACCES), where Linux would allow it. `USER_END` is Linux's TASK_SIZE_MAX: mmap refuses
//! anything past it (ENOMEM).
//!
//! Overcommit is Linux's default heuristic (`vm.overcommit_memory` 0, mm/util.c
//! `__vm_enough_memory` under OVERCOMMIT_GUESS): memory a mapping may have to back — private
//! writable or shared, without MAP_NORESERVE (Linux's `accountable_mapping`, shmem's
//! `shmem_acct_size`) — is refused with ENOMEM when one call asks for more pages than the
//! machine has (total RAM; rt0 has no swap). mmap, brk and mremap's growth are checked, as in
//! Linux; mprotect is not (Linux charges a private mapping made writable, unless it was mapped
//! with MAP_NORESERVE, which rt0's VMAs do not record), so a huge mapping made writable later
//! is still bounded by its pages, each given on first write.
use super::SysResult;
use crate::mm::vma::{PAGE, USER_END, page_up};
use crate::process::{self, MMAP_BASE, elf::MMAP_MIN_ADDR};
use abi::errno::{EACCES, EEXIST, EFAULT, EINVAL, ENODEV, ENOMEM, EPERM};
use abi::mman::*;

fn prot_ok(prot: u64) -> Result<u32, isize> {
    let prot = prot as usize;
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC) != 0 {
        return Err(EINVAL);
    }
    if prot & PROT_WRITE != 0 && prot & PROT_EXEC != 0 {
        return Err(EACCES);
    }
    Ok(prot as u32)
}

/// `[addr, addr + len)` rounded to pages, if `addr` is aligned and it all lies in user space.
fn user_range(addr: u64, len: u64) -> Result<(u64, u64), isize> {
    if !addr.is_multiple_of(PAGE) || len == 0 {
        return Err(EINVAL);
    }
    let end = addr.checked_add(len).and_then(page_up).filter(|&e| e <= USER_END).ok_or(EINVAL)?;
    Ok((addr, end))
}

/// The heuristic's verdict on a call that may have to back `len` more bytes: ENOMEM when that is
/// more than all of RAM.
fn enough_memory(len: u64) -> Result<(), isize> {
    if len / PAGE > crate::mm::frame::total_count() { Err(ENOMEM) } else { Ok(()) }
}

/// Where a mapping goes without a usable hint (Linux's get_unmapped_area): the lowest gap at or
/// above MMAP_BASE, where rt0 keeps its mappings; if none fits (a mapping of more than the
/// terabyte above it), the highest gap below MMAP_BASE, top-down as Linux's default layout
/// searches, so that even a huge mapping lands as high as it can and the brk range above the
/// program stays free to grow.
fn unmapped_area(a: &crate::mm::aspace::AddressSpace, len: u64) -> Result<u64, isize> {
    a.find_free(MMAP_BASE, len).or_else(|| a.find_free_below(MMAP_MIN_ADDR, MMAP_BASE, len)).ok_or(ENOMEM)
}

pub fn mmap(addr: u64, len: u64, prot: u64, flags: u64, fd: u64, offset: u64) -> SysResult {
    let prot = prot_ok(prot)?;
    let flags = flags as usize;
    if !offset.is_multiple_of(PAGE) {
        return Err(EINVAL);
    }
    let file = if flags & MAP_ANONYMOUS == 0 { Some(process::file(fd)?) } else { None };
    if (flags & (MAP_SHARED | MAP_PRIVATE)).count_ones() != 1 || len == 0 {
        return Err(EINVAL);
    }
    // A file's bytes from `offset` (what the mapping copies): ENODEV for an object that cannot
    // be mapped, EACCES for a description not open for reading or a shared writable mapping
    // (every mappable file is read-only).
    let mut data: Option<alloc::vec::Vec<u8>> = None;
    if let Some(f) = &file {
        // The bytes from `offset`, at most `len` of them, gathered piece by piece.
        let mut copy = alloc::vec::Vec::new();
        let (from, want) = (usize::try_from(offset).unwrap_or(usize::MAX), usize::try_from(len).unwrap_or(usize::MAX));
        let mut at = 0usize;
        let mapped = f.file.map_bytes(&mut |piece| {
            let start = from.saturating_sub(at).min(piece.len());
            let end = from.saturating_add(want).saturating_sub(at).min(piece.len());
            if start < end {
                copy.extend_from_slice(&piece[start..end]);
            }
            at += piece.len();
        });
        if !mapped {
            return Err(ENODEV);
        }
        if !f.readable() || flags & MAP_SHARED != 0 && prot & PROT_WRITE as u32 != 0 {
            return Err(EACCES);
        }
        data = Some(copy);
    }
    let len = page_up(len).filter(|&l| l <= USER_END).ok_or(ENOMEM)?;
    if flags & MAP_NORESERVE == 0 && (flags & MAP_SHARED != 0 || prot & PROT_WRITE as u32 != 0) {
        enough_memory(len)?;
    }
    process::mm(|p| {
        let a = &mut p.aspace;
        if !a.may_map() {
            return Err(ENOMEM); // vm.max_map_count
        }
        let start = if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
            // Linux: a fixed range past TASK_SIZE_MAX (USER_END) is ENOMEM (mm/mmap.c __get_unmapped_area).
            if addr.checked_add(len).is_none_or(|e| e > USER_END) {
                return Err(ENOMEM);
            }
            let (start, end) = user_range(addr, len)?;
            if start < MMAP_MIN_ADDR {
                return Err(EPERM);
            }
            if flags & MAP_FIXED_NOREPLACE != 0 && !a.is_free(start, end) {
                return Err(EEXIST);
            }
            a.unmap(start, end).map_err(|()| ENOMEM)?;
            start
        } else {
            let hint = addr & !(PAGE - 1);
            let fits = hint >= MMAP_MIN_ADDR && hint.checked_add(len).is_some_and(|e| e <= USER_END);
            if fits && a.is_free(hint, hint + len) { hint } else { unmapped_area(a, len)? }
        };
        match data {
            None => a.map(start, start + len, prot, "anon"),
            Some(bytes) => {
                // Mapped readable, filled through the kernel's view, then given its protection.
                a.map(start, start + len, PROT_READ as u32, "file");
                if a.load(start, &bytes).is_err() {
                    let _ = a.unmap(start, start + len);
                    return Err(ENOMEM);
                }
                if prot != PROT_READ as u32 {
                    a.protect(start, start + len, prot).map_err(|()| ENOMEM)?;
                }
            }
        }
        Ok(start)
    })
}

pub fn munmap(addr: u64, len: u64) -> SysResult {
    let (start, end) = user_range(addr, len)?;
    process::mm(|p| p.aspace.unmap(start, end)).map_err(|()| ENOMEM)?;
    Ok(0)
}

/// mremap (Linux mm/mremap.c, as of 6.16's `do_mremap`): a shrink unmaps the tail in place; a
/// growth extends the mapping in place when the pages after it are free, else moves it
/// (MREMAP_MAYMOVE; ENOMEM without). MREMAP_FIXED moves it to `new_addr`, unmapping what was
/// there; MREMAP_DONTUNMAP moves it and leaves the old range mapped and empty. A move carries
/// the page-table entries, so the contents go with it. `addr` must lie in a mapping (EFAULT),
/// and a range that grows or moves in one mapping (neighbours of one protection count as one:
/// Linux merges them). Every check comes before any change.
pub fn mremap(addr: u64, old_len: u64, new_len: u64, flags: u64, new_addr: u64) -> SysResult {
    let has = |bit: usize| flags & bit as u64 != 0;
    let (may_move, fixed, dontunmap) = (has(MREMAP_MAYMOVE), has(MREMAP_FIXED), has(MREMAP_DONTUNMAP));
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) as u64 != 0 || !addr.is_multiple_of(PAGE) {
        return Err(EINVAL);
    }
    // PAGE_ALIGN, which wraps to 0. A zero new length is nonsensical; a zero old length is
    // Linux's way to duplicate shared memory, EINVAL for a private mapping below.
    let (old_len, new_len) = (page_up(old_len).unwrap_or(0), page_up(new_len).unwrap_or(0));
    if new_len == 0 || new_len > USER_END {
        return Err(EINVAL);
    }
    let moves = fixed || dontunmap;
    if moves
        && (new_addr > USER_END - new_len
            || !new_addr.is_multiple_of(PAGE)
            || !may_move
            || dontunmap && old_len != new_len
            || addr.wrapping_add(old_len) > new_addr && new_addr + new_len > addr)
    {
        return Err(EINVAL);
    }
    process::mm(|p| {
        let a = &mut p.aspace;
        let v = a.extent(addr).ok_or(EFAULT)?;
        if old_len < new_len || moves {
            if old_len == 0 {
                return Err(EINVAL);
            }
            // A shrink's tail may cross mapping boundaries; what stays may not.
            if old_len.min(new_len) > v.end - addr {
                return Err(EFAULT);
            }
        }
        if new_len > old_len && v.prot & PROT_WRITE as u32 != 0 {
            enough_memory(new_len - old_len)?; // Linux's vma_to_resize charges the growth
        }
        // Linux's move_vma: a move needs room for three more VMAs (mm/mremap.c).
        let no_room = a.map_count() + 3 >= MAX_MAP_COUNT;
        if moves && no_room {
            return Err(ENOMEM);
        }
        if fixed {
            a.unmap(new_addr, new_addr + new_len).map_err(|()| ENOMEM)?;
        }
        if old_len > new_len {
            // Linux's do_vmi_munmap of the tail: EINVAL past the user half.
            let (tail, len) = (addr + new_len, old_len - new_len);
            if tail > USER_END || len > USER_END - tail {
                return Err(EINVAL);
            }
            a.unmap(tail, tail + len).map_err(|()| ENOMEM)?;
        }
        let from_len = old_len.min(new_len);
        if moves {
            let to = if fixed { new_addr } else { moved_area(a, new_addr, new_len)? };
            a.move_pages(addr, from_len, to, new_len, dontunmap).map_err(|_| ENOMEM)?;
            return Ok(to);
        }
        if old_len >= new_len {
            return Ok(addr);
        }
        let grow = (v.end, v.end + (new_len - old_len));
        if addr + old_len == v.end && grow.1 <= USER_END && a.is_free(grow.0, grow.1) {
            a.map(grow.0, grow.1, v.prot, v.name);
            return Ok(addr);
        }
        if !may_move || no_room {
            return Err(ENOMEM);
        }
        let to = moved_area(a, addr, new_len)?;
        a.move_pages(addr, old_len, to, new_len, false).map_err(|_| ENOMEM)?;
        Ok(to)
    })
}

/// Where a mapping that moves goes (Linux's get_unmapped_area): at `hint` if that is free, else
/// where mmap without a hint would place it.
fn moved_area(a: &crate::mm::aspace::AddressSpace, hint: u64, len: u64) -> Result<u64, isize> {
    if hint >= MMAP_MIN_ADDR && hint.is_multiple_of(PAGE) && hint <= USER_END - len && a.is_free(hint, hint + len) {
        return Ok(hint);
    }
    unmapped_area(a, len)
}

/// mprotect, in Linux's order (mm/mprotect.c `do_mprotect_pkey`): alignment (EINVAL), a zero
/// length (0, whatever the protection), a range that wraps (ENOMEM), the protection (EINVAL,
/// and rt0's W^X EACCES), then a range not wholly mapped — kernel addresses included — ENOMEM.
pub fn mprotect(addr: u64, len: u64, prot: u64) -> SysResult {
    if !addr.is_multiple_of(PAGE) {
        return Err(EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let end = page_up(len).and_then(|l| addr.checked_add(l)).filter(|&e| e > addr).ok_or(ENOMEM)?;
    let prot = prot_ok(prot)?;
    if end > USER_END {
        return Err(ENOMEM);
    }
    process::mm(|p| p.aspace.protect(addr, end, prot)).map_err(|()| ENOMEM)?;
    Ok(0)
}

/// madvise, in Linux's order (mm/madvise.c `do_madvise`): the advice and alignment (EINVAL), a
/// length that rounds up to 0 or a range that wraps (EINVAL), a zero length (0), then a range
/// not wholly mapped — kernel addresses included — ENOMEM.
pub fn madvise(addr: u64, len: u64, advice: u64) -> SysResult {
    let known = matches!(
        advice as usize,
        MADV_NORMAL..=MADV_WILLNEED
            | MADV_DONTNEED
            | MADV_FREE
            | MADV_HUGEPAGE..=17
            | MADV_GUARD_INSTALL
            | MADV_GUARD_REMOVE
    );
    if !known || !addr.is_multiple_of(PAGE) {
        return Err(EINVAL);
    }
    let end = page_up(len).filter(|&l| len == 0 || l != 0).and_then(|l| addr.checked_add(l)).ok_or(EINVAL)?;
    if end == addr {
        return Ok(0);
    }
    if end > USER_END {
        return Err(ENOMEM);
    }
    match advice as usize {
        MADV_GUARD_INSTALL => return process::mm(|p| p.aspace.guard_install(addr, end)).map(|()| 0),
        MADV_GUARD_REMOVE => return process::mm(|p| p.aspace.guard_remove(addr, end)).map(|()| 0),
        _ => {}
    }
    process::mm(|p| {
        // Linux applies the advice to the mapped parts and reports a gap with ENOMEM at the end.
        // DONTNEED and FREE need the range mapped, not accessible, so PROT_NONE memory (a Go
        // arena given back) may be discarded too; the other advice is hints.
        if matches!(advice as usize, MADV_DONTNEED | MADV_FREE) {
            p.aspace.discard(addr, end);
        }
        if p.aspace.covers(addr, end) { Ok(0) } else { Err(ENOMEM) }
    })
}

/// brk(0) (or any address below the start) reports the current break; otherwise the break
/// moves there if the pages are free, and the result is the new (or, on failure, old) break.
pub fn brk(addr: u64) -> SysResult {
    process::mm(|p| {
        if addr < p.brk_start || addr >= MMAP_BASE {
            return Ok(p.brk);
        }
        let (old_end, new_end) = (page_up(p.brk).unwrap(), page_up(addr).unwrap());
        if new_end > old_end {
            if !p.aspace.is_free(old_end, new_end) || !p.aspace.may_map() || enough_memory(new_end - old_end).is_err() {
                return Ok(p.brk);
            }
            p.aspace.map(old_end, new_end, (PROT_READ | PROT_WRITE) as u32, "brk");
        } else if new_end < old_end && p.aspace.unmap(new_end, old_end).is_err() {
            return Ok(p.brk);
        }
        p.brk = addr;
        Ok(addr)
    })
}
