//! The vDSO and its data page (Linux's `arch/x86/entry/vdso/vma.c`, `map_vdso`): at exec the
//! image kernel/build.rs linked from vdso/ is copied into the process below the mmap base, top
//! down as Linux's `get_unmapped_area` places it (so below a static-pie's image), with the vvar
//! page right under it; the image's address goes in the auxv as AT_SYSINFO_EHDR.
//!
//! The vvar page holds [`VvarData`]: the TSC calibration and the realtime offset, which the
//! kernel fixes before the first program runs and never changes (see abi::vdso). It is written
//! once at exec and read-only to the process, so each process has its own copy and nothing is
//! shared between address spaces.
use crate::mm::aspace::{AddressSpace, PAGE};
use crate::process::elf::MMAP_MIN_ADDR;
use abi::mman::{MMAP_BASE_NORANDOM, PROT_EXEC, PROT_READ};
use abi::vdso::{MONOTONIC_CLOCKS, REALTIME_CLOCKS, VVAR_SIZE, VvarData};

/// The linked image (an ET_DYN at address 0, one PT_LOAD, no relocations: build.rs checks).
static IMAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vdso.so"));

/// What the vvar page says now: the clock the kernel's clock_gettime reads, and getcpu's
/// CPUNODE segment (every CPU's GDT has one).
pub fn vvar_data() -> VvarData {
    VvarData {
        mult: crate::time::tsc_mult(),
        realtime_offset: crate::time::realtime_offset(),
        clocks: MONOTONIC_CLOCKS | REALTIME_CLOCKS,
        cpunode: 1,
    }
}

/// Maps the vvar page and the vDSO into `aspace`; returns the image's address
/// (AT_SYSINFO_EHDR), or None when no gap below the mmap base fits them.
pub fn map(aspace: &mut AddressSpace) -> Option<u64> {
    let image_len = (IMAGE.len() as u64).next_multiple_of(PAGE);
    let vvar = aspace.find_free_below(MMAP_MIN_ADDR, MMAP_BASE_NORANDOM as u64, VVAR_SIZE + image_len)?;
    let base = vvar + VVAR_SIZE;
    aspace.map(vvar, base, PROT_READ as u32, "[vvar]");
    aspace.map(base, base + image_len, (PROT_READ | PROT_EXEC) as u32, "[vdso]");
    let data = vvar_data();
    // SAFETY: VvarData is plain old data (integers, repr(C), no padding), read here as its bytes.
    let bytes = unsafe { core::slice::from_raw_parts((&raw const data).cast::<u8>(), size_of::<VvarData>()) };
    aspace.load(vvar, bytes).ok()?;
    aspace.load(base, IMAGE).ok()?;
    Some(base)
}
