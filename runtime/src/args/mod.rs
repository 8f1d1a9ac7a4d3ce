//! argc, argv, envp and the auxiliary vector, read in place from the initial stack.
//!
//! Mirrors Go's `runtime/runtime1.go` (`args`, `goargs`, `goenvs`) and `runtime/os_linux.go` (`sysargs`): `args`
//! only records argc and argv; envp is `argv[argc + 1..]` up to NULL, and auxv starts after envp's NULL. Nothing is
//! copied — strings are borrowed from the stack, as raw bytes up to their NUL (never assumed to be UTF-8).
//!
//! The layout (Linux `fs/binfmt_elf.c`, `create_elf_tables`), from the entry RSP upwards:
//!
//! ```text
//! argc | argv[0..argc] | NULL | envp[0..] | NULL | (key, value).. | (AT_NULL, 0) | .. strings, random bytes
//! ```

mod auxv;
#[cfg(test)]
mod tests;

pub use auxv::*;

use core::ffi::CStr;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// Three zero words: an empty argv (argc 0, NULL), an empty envp (NULL) and an empty auxv (AT_NULL).
static EMPTY_STACK: [usize; 4] = [0; 4];

/// A parsed view of an initial process stack: argc, argv, envp and auxv, borrowed for `'a`.
#[derive(Clone, Copy)]
pub struct InitialStack<'a> {
    argc: usize,
    argv: *const *const u8,
    envp: *const *const u8,
    auxv: *const usize,
    _stack: PhantomData<&'a [u8]>,
}

impl<'a> InitialStack<'a> {
    /// Parses the stack whose argc is `argc` and whose argv array starts at `argv`; a negative argc counts as 0.
    ///
    /// # Safety
    /// `argv` must point at `argc` string pointers, a NULL, envp pointers up to a NULL, and auxv pairs up to
    /// `AT_NULL`, as Linux's `execve` lays them out; every pointed-to string must be NUL-terminated; all of it must
    /// stay readable and unmodified for `'a`.
    pub unsafe fn from_raw(argc: isize, argv: *const *const u8) -> Self {
        let argc = argc.max(0) as usize;
        // SAFETY: argv[argc] is the NULL after the arguments, so argv + argc + 1 is envp's first slot.
        let envp = unsafe { argv.add(argc + 1) };
        let mut end = envp;
        // SAFETY: envp's entries are readable up to and including their NULL (the caller's contract).
        while !unsafe { *end }.is_null() {
            // SAFETY: the entry just read was not the NULL, so another slot follows.
            end = unsafe { end.add(1) };
        }
        // SAFETY: auxv begins right after envp's NULL.
        let auxv = unsafe { end.add(1) } as *const usize;
        InitialStack { argc, argv, envp, auxv, _stack: PhantomData }
    }

    /// A stack with no arguments, no environment and an empty auxv.
    pub fn empty() -> InitialStack<'static> {
        let base = EMPTY_STACK.as_ptr();
        // SAFETY: `EMPTY_STACK` is static and reads as argc 0: argv = [NULL], envp = [NULL], auxv = [AT_NULL, 0].
        unsafe { InitialStack::from_raw(0, base as *const *const u8) }
    }

    pub fn argc(&self) -> usize {
        self.argc
    }

    /// `argv[i]` without its NUL, or `None` when `i >= argc`.
    pub fn argv(&self, i: usize) -> Option<&'a [u8]> {
        if i >= self.argc {
            return None;
        }
        // SAFETY: i < argc, so argv[i] is one of the argument slots (from_raw's contract).
        let p = unsafe { *self.argv.add(i) };
        // SAFETY: a non-NULL argument pointer is a NUL-terminated string readable for 'a.
        (!p.is_null()).then(|| unsafe { cstr(p) })
    }

    /// The arguments, `argv[0..argc]` (Go's `goargs` / `argslice`).
    pub fn args(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let stack = *self;
        (0..self.argc).filter_map(move |i| stack.argv(i))
    }

    /// The environment entries (`KEY=VALUE`, not split), `envp[0..]` up to NULL (Go's `goenvs`).
    pub fn envs(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let mut next = self.envp;
        core::iter::from_fn(move || {
            // SAFETY: envp is readable up to its NULL, and `next` never moves past it.
            let p = unsafe { *next };
            if p.is_null() {
                return None;
            }
            // SAFETY: p was not the NULL, so the next slot is still inside envp; p is a NUL-terminated string.
            unsafe {
                next = next.add(1);
                Some(cstr(p))
            }
        })
    }

    /// The auxv `(key, value)` pairs, without the final `AT_NULL` (Go's `sysauxv`).
    pub fn auxv(&self) -> Auxv<'a> {
        // SAFETY: from_raw's contract: auxv pairs up to AT_NULL are readable for 'a.
        unsafe { Auxv::new(self.auxv) }
    }

    /// The value of the first auxv entry with key `key` (libc's `getauxval`), or `None` if there is none.
    pub fn getauxval(&self, key: usize) -> Option<usize> {
        self.auxv().find(|&(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of environment variable `key`, if set: the first `key=` entry (Go's `gogetenv`).
    ///
    /// Compares `key=` against each entry in place and measures only the match, instead of
    /// measuring every string first: start-up looks up half a dozen variables, and a long
    /// environment made that the costliest part of reaching main.
    pub fn getenv(&self, key: &str) -> Option<&'a [u8]> {
        let key = key.as_bytes();
        let mut envp = self.envp;
        loop {
            // SAFETY: envp walks the NULL-terminated envp array (from_raw's contract).
            let entry = unsafe { *envp };
            if entry.is_null() {
                return None;
            }
            // `entry` is a NUL-terminated string; reading stops at the first mismatch, and the NUL
            // mismatches any key byte and '='.
            let matches =
                // SAFETY: so the reads never go past the string's NUL.
                unsafe { key.iter().enumerate().all(|(i, &b)| *entry.add(i) == b) && *entry.add(key.len()) == b'=' };
            if matches {
                // SAFETY: as above; the value runs from after '=' to the NUL.
                let value = unsafe { entry.add(key.len() + 1) };
                let mut len = 0;
                // SAFETY: scanning a NUL-terminated string.
                while unsafe { *value.add(len) } != 0 {
                    len += 1;
                }
                // SAFETY: `len` bytes at `value` were just read; the string is readable for 'a.
                return Some(unsafe { core::slice::from_raw_parts(value, len) });
            }
            // SAFETY: the array is NULL-terminated and `entry` was not the terminator.
            envp = unsafe { envp.add(1) };
        }
    }

    /// Address of the argv array (the word after argc).
    pub fn argv_ptr(&self) -> *const *const u8 {
        self.argv
    }

    /// Address of the envp array (`argv + argc + 1`).
    pub fn envp_ptr(&self) -> *const *const u8 {
        self.envp
    }

    /// Address of the first auxv pair.
    pub fn auxv_ptr(&self) -> *const usize {
        self.auxv
    }
}

/// The bytes of the NUL-terminated string at `p`, without the NUL.
///
/// # Safety
/// `p` must point at a NUL-terminated string that stays readable and unmodified for `'a`.
unsafe fn cstr<'a>(p: *const u8) -> &'a [u8] {
    // SAFETY: the caller's contract.
    unsafe { CStr::from_ptr(p.cast()) }.to_bytes()
}

static ARGC: AtomicUsize = AtomicUsize::new(0);
static ARGV: AtomicPtr<*const u8> = AtomicPtr::new(core::ptr::null_mut());
static AUXV: AtomicPtr<usize> = AtomicPtr::new(core::ptr::null_mut());

/// Records the process's initial stack (Go's `args`, which calls `sysargs` to find auxv).
///
/// # Safety
/// `argc` and `argv` must describe a stack as [`InitialStack::from_raw`] requires, readable for the rest of the
/// process's life.
pub unsafe fn args(argc: isize, argv: *const *const u8) {
    // SAFETY: the caller's contract, with a 'static lifetime.
    let stack: InitialStack<'static> = unsafe { InitialStack::from_raw(argc, argv) };
    ARGC.store(stack.argc, Ordering::Relaxed);
    AUXV.store(stack.auxv.cast_mut(), Ordering::Relaxed);
    ARGV.store(stack.argv.cast_mut(), Ordering::Release);
}

/// The process's initial stack as recorded by [`args`], or an empty one before that.
pub fn initial_stack() -> InitialStack<'static> {
    let argv = ARGV.load(Ordering::Acquire);
    if argv.is_null() {
        return InitialStack::empty();
    }
    let argc = ARGC.load(Ordering::Relaxed);
    let auxv = AUXV.load(Ordering::Relaxed);
    // SAFETY: `args` stored these from a stack that is valid for the whole process; argv[argc] is NULL.
    let envp = unsafe { argv.add(argc + 1) };
    InitialStack { argc, argv, envp, auxv, _stack: PhantomData }
}

/// The number of arguments.
pub fn argc() -> usize {
    initial_stack().argc()
}

/// `argv[i]` as raw bytes, or `None` when `i >= argc`.
pub fn argv(i: usize) -> Option<&'static [u8]> {
    initial_stack().argv(i)
}

/// All arguments, `argv[0]` first (Go's `argslice`).
pub fn argslice() -> impl Iterator<Item = &'static [u8]> {
    initial_stack().args()
}

/// All environment entries, `KEY=VALUE` as raw bytes (Go's `envs`).
pub fn envs() -> impl Iterator<Item = &'static [u8]> {
    initial_stack().envs()
}

/// All auxv `(key, value)` pairs, without `AT_NULL`.
pub fn auxv() -> Auxv<'static> {
    initial_stack().auxv()
}

/// The value of auxv key `key` (libc's `getauxval`), or `None` when the kernel did not pass it.
pub fn getauxval(key: usize) -> Option<usize> {
    initial_stack().getauxval(key)
}
