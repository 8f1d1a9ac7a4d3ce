//! The ELF auxiliary vector: the names of abi's `AT_*` keys, and an iterator over the `(key, value)` pairs.
//!
//! Mirrors Go's `runtime/os_linux.go` (`_AT_*` constants, `sysauxv`) and Linux's `include/uapi/linux/auxvec.h`,
//! `arch/x86/include/uapi/asm/auxvec.h`. The vector is a run of `(key, value)` word pairs ended by `AT_NULL`.

use core::marker::PhantomData;

pub use abi::auxv::*;

/// The symbolic name of an auxv key (`AT_PHDR` for 3), or `None` for a key this runtime does not know.
pub fn auxv_name(key: usize) -> Option<&'static str> {
    Some(match key {
        AT_NULL => "AT_NULL",
        AT_IGNORE => "AT_IGNORE",
        AT_EXECFD => "AT_EXECFD",
        AT_PHDR => "AT_PHDR",
        AT_PHENT => "AT_PHENT",
        AT_PHNUM => "AT_PHNUM",
        AT_PAGESZ => "AT_PAGESZ",
        AT_BASE => "AT_BASE",
        AT_FLAGS => "AT_FLAGS",
        AT_ENTRY => "AT_ENTRY",
        AT_NOTELF => "AT_NOTELF",
        AT_UID => "AT_UID",
        AT_EUID => "AT_EUID",
        AT_GID => "AT_GID",
        AT_EGID => "AT_EGID",
        AT_PLATFORM => "AT_PLATFORM",
        AT_HWCAP => "AT_HWCAP",
        AT_CLKTCK => "AT_CLKTCK",
        AT_SECURE => "AT_SECURE",
        AT_BASE_PLATFORM => "AT_BASE_PLATFORM",
        AT_RANDOM => "AT_RANDOM",
        AT_HWCAP2 => "AT_HWCAP2",
        AT_RSEQ_FEATURE_SIZE => "AT_RSEQ_FEATURE_SIZE",
        AT_RSEQ_ALIGN => "AT_RSEQ_ALIGN",
        AT_HWCAP3 => "AT_HWCAP3",
        AT_HWCAP4 => "AT_HWCAP4",
        AT_EXECFN => "AT_EXECFN",
        AT_SYSINFO_EHDR => "AT_SYSINFO_EHDR",
        AT_MINSIGSTKSZ => "AT_MINSIGSTKSZ",
        _ => return None,
    })
}

/// Iterator over the auxv `(key, value)` pairs, stopping before `AT_NULL`.
#[derive(Clone)]
pub struct Auxv<'a> {
    next: *const usize,
    _stack: PhantomData<&'a usize>,
}

impl<'a> Auxv<'a> {
    /// # Safety
    /// `vector` must point at `(key, value)` word pairs ended by an `AT_NULL` key, all valid to read for `'a`.
    pub(super) unsafe fn new(vector: *const usize) -> Self {
        Auxv { next: vector, _stack: PhantomData }
    }
}

impl Iterator for Auxv<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        // SAFETY: `new`'s contract: every pair up to and including AT_NULL is readable; we never step past AT_NULL.
        let (key, value) = unsafe { (*self.next, *self.next.add(1)) };
        if key == AT_NULL {
            return None;
        }
        // SAFETY: the pair just read was not AT_NULL, so another pair follows it.
        self.next = unsafe { self.next.add(2) };
        Some((key, value))
    }
}
