//! Finding the kernel's vDSO functions: the ELF the kernel maps into the process and names in the
//! auxv (AT_SYSINFO_EHDR) is read through its dynamic section, and `__vdso_clock_gettime` and
//! `__vdso_gettimeofday` are looked up by hash, name and version `LINUX_2.6`.
//!
//! Mirrors Go's `runtime/vdso_linux.go` (`vdsoauxv`, `vdsoInitFromSysinfoEhdr`, `vdsoFindVersion`,
//! `vdsoParseSymbols`, both the DT_GNU_HASH and the DT_HASH walk) and `vdso_linux_amd64.go` (the
//! symbol keys; Go's precomputed hashes are computed here by `abi::elf`'s const fns, and a test
//! checks them against Go's numbers). As in Go, a vDSO that is missing or unreadable leaves the
//! symbols at 0 and the callers make the system call. rt0's kernel maps its own vDSO (vdso/);
//! natively it is Linux's.
use abi::elf::*;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// `__vdso_clock_gettime`'s address, or 0 (Go's `vdsoClockgettimeSym`).
pub static CLOCK_GETTIME: AtomicUsize = AtomicUsize::new(0);
/// `__vdso_gettimeofday`'s address, or 0 (Go's `vdsoGettimeofdaySym`).
pub static GETTIMEOFDAY: AtomicUsize = AtomicUsize::new(0);

/// A version the symbols must carry (Go's `vdsoVersionKey`).
struct VersionKey {
    version: &'static [u8],
    ver_hash: u32,
}

/// A symbol to look up (Go's `vdsoSymbolKey`).
struct SymbolKey {
    name: &'static [u8],
    sym_hash: u32,
    gnu_hash: u32,
    ptr: &'static AtomicUsize,
}

const LINUX_VERSION: VersionKey = VersionKey { version: b"LINUX_2.6", ver_hash: elf_hash(b"LINUX_2.6") };

const fn key(name: &'static [u8], ptr: &'static AtomicUsize) -> SymbolKey {
    SymbolKey { name, sym_hash: elf_hash(name), gnu_hash: gnu_hash(name), ptr }
}

static SYMBOL_KEYS: [SymbolKey; 2] =
    [key(b"__vdso_gettimeofday", &GETTIMEOFDAY), key(b"__vdso_clock_gettime", &CLOCK_GETTIME)];

/// What the dynamic section says (Go's `vdsoInfo`), as raw pointers into the mapped image.
struct Info {
    load_offset: usize,
    symstrings: *const u8,
    symtab: *const Elf64Sym,
    versym: *const u16,
    verdef: *const Elf64Verdef,
    bucket: *const u32,
    nbucket: u32,
    chain: *const u32,
    /// DT_GNU_HASH: the index of the first symbol the table covers (Go's `symOff`).
    sym_off: u32,
    is_gnu_hash: bool,
}

/// Go's `vdsoauxv`: looks the symbols up in the vDSO at `ehdr` (AT_SYSINFO_EHDR's value).
///
/// # Safety
/// `ehdr` must be 0 or the address of an ELF image the kernel mapped readable for the life of the
/// process, as AT_SYSINFO_EHDR is.
pub unsafe fn vdsoauxv(ehdr: usize) {
    if ehdr == 0 {
        return;
    }
    // SAFETY: the caller's contract.
    if let Some(info) = unsafe { init_from_sysinfo_ehdr(ehdr) } {
        // SAFETY: `info` points into that image.
        unsafe { parse_symbols(&info, find_version(&info, &LINUX_VERSION)) };
    }
}

/// Go's `vdsoInitFromSysinfoEhdr`: the load offset and the tables the dynamic section names.
///
/// # Safety
/// As for [`vdsoauxv`].
unsafe fn init_from_sysinfo_ehdr(load_addr: usize) -> Option<Info> {
    // SAFETY: the image starts with its ELF header (caller).
    let hdr = unsafe { &*(load_addr as *const Elf64Ehdr) };
    let mut load_offset = None;
    let mut dyn_ = core::ptr::null::<Elf64Dyn>();
    for i in 0..hdr.e_phnum as usize {
        // SAFETY: e_phnum program headers follow at e_phoff in the mapped image.
        let pt = unsafe { &*((load_addr + hdr.e_phoff as usize) as *const Elf64Phdr).add(i) };
        match pt.p_type {
            PT_LOAD if load_offset.is_none() => {
                load_offset = Some(load_addr.wrapping_add(pt.p_offset.wrapping_sub(pt.p_vaddr) as usize))
            }
            PT_DYNAMIC => dyn_ = (load_addr + pt.p_offset as usize) as *const Elf64Dyn,
            _ => {}
        }
    }
    let load_offset = load_offset?;
    if dyn_.is_null() {
        return None;
    }
    let (mut hash, mut gnuhash) = (core::ptr::null::<u32>(), core::ptr::null::<u32>());
    let mut info = Info {
        load_offset,
        symstrings: core::ptr::null(),
        symtab: core::ptr::null(),
        versym: core::ptr::null(),
        verdef: core::ptr::null(),
        bucket: core::ptr::null(),
        nbucket: 0,
        chain: core::ptr::null(),
        sym_off: 0,
        is_gnu_hash: false,
    };
    for i in 0.. {
        // SAFETY: the dynamic section is an array ended by DT_NULL, inside the image.
        let dt = unsafe { &*dyn_.add(i) };
        let p = load_offset.wrapping_add(dt.d_val as usize);
        match dt.d_tag {
            DT_NULL => break,
            DT_STRTAB => info.symstrings = p as *const u8,
            DT_SYMTAB => info.symtab = p as *const Elf64Sym,
            DT_HASH => hash = p as *const u32,
            DT_GNU_HASH => gnuhash = p as *const u32,
            DT_VERSYM => info.versym = p as *const u16,
            DT_VERDEF => info.verdef = p as *const Elf64Verdef,
            _ => {}
        }
    }
    if info.symstrings.is_null() || info.symtab.is_null() || (hash.is_null() && gnuhash.is_null()) {
        return None;
    }
    if info.verdef.is_null() {
        info.versym = core::ptr::null();
    }
    // SAFETY: the hash table's header words and arrays lie where the dynamic section says.
    unsafe {
        if !gnuhash.is_null() {
            // The GNU table: nbucket, symoffset, bloom size (in words of 8 bytes: 2 u32 each), shift.
            info.nbucket = *gnuhash;
            info.sym_off = *gnuhash.add(1);
            let bloom_words = *gnuhash.add(2) as usize * 2;
            info.bucket = gnuhash.add(4 + bloom_words);
            info.chain = info.bucket.add(info.nbucket as usize);
            info.is_gnu_hash = true;
        } else {
            info.nbucket = *hash;
            info.bucket = hash.add(2);
            info.chain = info.bucket.add(info.nbucket as usize);
        }
    }
    Some(info)
}

/// The NUL-terminated string at `offset` in the string table, compared with `want`.
///
/// # Safety
/// `offset` must be a string-table offset the image itself gives.
unsafe fn name_is(info: &Info, offset: u32, want: &[u8]) -> bool {
    // strings in the table are NUL-terminated (caller); reading stops at the first
    // difference or at want's end, and then only the terminator is checked.
    // SAFETY: so the block below is sound.
    unsafe {
        let s = info.symstrings.add(offset as usize);
        want.iter().enumerate().all(|(i, &b)| *s.add(i) == b) && *s.add(want.len()) == 0
    }
}

/// Go's `vdsoFindVersion`: the index of version `ver` among the definitions, -1 if none matches.
///
/// # Safety
/// `info` must come from [`init_from_sysinfo_ehdr`].
unsafe fn find_version(info: &Info, ver: &VersionKey) -> i32 {
    let mut def = info.verdef;
    if def.is_null() {
        return 0;
    }
    loop {
        // SAFETY: the definitions chain through vd_next inside the image.
        let d = unsafe { &*def };
        if d.vd_flags & VER_FLG_BASE == 0 {
            // SAFETY: vd_aux is the offset of the definition's first name.
            let aux = unsafe { &*(def.cast::<u8>().add(d.vd_aux as usize) as *const Elf64Verdaux) };
            // SAFETY: vda_name is a string-table offset of the image.
            if d.vd_hash == ver.ver_hash && unsafe { name_is(info, aux.vda_name, ver.version) } {
                return (d.vd_ndx & 0x7fff) as i32;
            }
        }
        if d.vd_next == 0 {
            return -1;
        }
        // SAFETY: as above.
        def = unsafe { def.cast::<u8>().add(d.vd_next as usize) } as *const Elf64Verdef;
    }
}

/// Go's `vdsoParseSymbols`: stores each key's address when its symbol is found.
///
/// # Safety
/// `info` must come from [`init_from_sysinfo_ehdr`].
unsafe fn parse_symbols(info: &Info, version: i32) {
    let apply = |index: u32, k: &SymbolKey| -> bool {
        // SAFETY: hash chains hold indexes of the image's symbol table.
        let sym = unsafe { &*info.symtab.add(index as usize) };
        let (typ, bind) = (sym.st_info & 0xf, sym.st_info >> 4);
        if typ != STT_FUNC && typ != STT_NOTYPE || bind != STB_GLOBAL && bind != STB_WEAK || sym.st_shndx == SHN_UNDEF {
            return false;
        }
        // SAFETY: st_name is a string-table offset of the image.
        if !unsafe { name_is(info, sym.st_name, k.name) } {
            return false;
        }
        if !info.versym.is_null() && version != 0 {
            // SAFETY: with a verdef, the versym array has an entry per symbol.
            let v = unsafe { *info.versym.add(index as usize) };
            if v & 0x7fff != version as u16 {
                return false;
            }
        }
        k.ptr.store(info.load_offset.wrapping_add(sym.st_value as usize), Relaxed);
        true
    };
    if info.nbucket == 0 {
        return;
    }
    for k in &SYMBOL_KEYS {
        if !info.is_gnu_hash {
            // The old DT_HASH table: a bucket, then a chain ended by index 0.
            // SAFETY: bucket and chain entries are symbol indexes inside the table.
            let mut chain = unsafe { *info.bucket.add((k.sym_hash % info.nbucket) as usize) };
            while chain != 0 && !apply(chain, k) {
                // SAFETY: as above.
                chain = unsafe { *info.chain.add(chain as usize) };
            }
            continue;
        }
        // DT_GNU_HASH: a bucket names the first symbol of a run whose hashes end with bit 0 set.
        // SAFETY: as above.
        let mut index = unsafe { *info.bucket.add((k.gnu_hash % info.nbucket) as usize) };
        if index < info.sym_off {
            continue;
        }
        loop {
            // SAFETY: the chain has an entry for each symbol from sym_off on, up to the run's end.
            let hash = unsafe { *info.chain.add((index - info.sym_off) as usize) };
            if hash | 1 == k.gnu_hash | 1 && apply(index, k) || hash & 1 != 0 {
                break;
            }
            index += 1;
        }
    }
}

/// `clock_gettime(clock, ts)` through the vDSO if it has one, else the system call; the raw
/// result (−errno on failure). Called on the current stack: rt0's goroutine stacks have a guard
/// page, where Go's nanotime1 switches to g0 because its stack checks only allow NOSPLIT frames.
pub fn clock_gettime(clock: usize, ts: &mut abi::time::Timespec) -> isize {
    match CLOCK_GETTIME.load(Relaxed) {
        0 => {
            // SAFETY: the kernel writes one timespec into `ts`.
            unsafe { crate::sys_linux_amd64::syscall2(abi::nr::SYS_CLOCK_GETTIME, clock, ts as *mut _ as usize) }
        }
        f => {
            // `f` is the vDSO's __vdso_clock_gettime, found by name and version.
            // SAFETY: so it has this C signature and writes only `*ts`.
            let f: unsafe extern "C" fn(i32, *mut abi::time::Timespec) -> i32 = unsafe { core::mem::transmute(f) };
            // SAFETY: `ts` is a live, writable timespec.
            unsafe { f(clock as i32, ts) as isize }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go 1.19's vdso_linux_amd64.go writes these hashes down as constants.
    #[test]
    fn hashes_are_gos() {
        assert_eq!(LINUX_VERSION.ver_hash, 0x3ae75f6);
        assert_eq!((SYMBOL_KEYS[0].sym_hash, SYMBOL_KEYS[0].gnu_hash), (0x315ca59, 0xb01bca00));
        assert_eq!((SYMBOL_KEYS[1].sym_hash, SYMBOL_KEYS[1].gnu_hash), (0xd35ec75, 0x6e43a318));
    }

    /// The host's own vDSO (Linux's), found through the host's auxv, gives the time the system
    /// call gives.
    #[test]
    fn finds_the_hosts_vdso() {
        let ehdr = std::fs::read("/proc/self/auxv").ok().and_then(|b| {
            b.as_chunks::<16>()
                .0
                .iter()
                .map(|kv| kv.split_at(8))
                .map(|(k, v)| (u64::from_le_bytes(k.try_into().unwrap()), u64::from_le_bytes(v.try_into().unwrap())))
                .find(|&(k, _)| k == abi::auxv::AT_SYSINFO_EHDR as u64)
                .map(|(_, v)| v as usize)
        });
        let Some(ehdr) = ehdr else { return };
        // SAFETY: the host kernel's AT_SYSINFO_EHDR: its vDSO, mapped for the process's life.
        unsafe { vdsoauxv(ehdr) };
        assert_ne!(CLOCK_GETTIME.load(Relaxed), 0);
        assert_ne!(GETTIMEOFDAY.load(Relaxed), 0);
        let (mut a, mut b) = (abi::time::Timespec::default(), abi::time::Timespec::default());
        assert_eq!(clock_gettime(abi::time::CLOCK_MONOTONIC, &mut a), 0);
        // SAFETY: the kernel writes one timespec into `b`.
        unsafe {
            crate::sys_linux_amd64::syscall2(
                abi::nr::SYS_CLOCK_GETTIME,
                abi::time::CLOCK_MONOTONIC,
                &mut b as *mut _ as usize,
            )
        };
        assert!(a.to_ns().unwrap() <= b.to_ns().unwrap());
        assert_eq!(clock_gettime(1000, &mut a), -abi::errno::EINVAL);
    }
}
