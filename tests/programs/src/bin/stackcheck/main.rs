//! Checks the program's own initial stack against the layout Linux's `execve` builds (`fs/binfmt_elf.c`,
//! `create_elf_tables`): alignment, argc/argv/envp/auxv, the auxv keys a static program gets and their values, and
//! that the strings and random bytes lie above the auxv array. Exits 0 only if every check passes.
#![no_std]
#![no_main]

mod check;
mod elf;

use check::{Checklist, Outcome, expect_eq, fail};
use core::ffi::{CStr, c_char};
use runtime::args::{self, InitialStack, *};
use runtime::rt0;

runtime::bare_main!(main);

/// Walks stop after this many words: a missing terminator fails the check instead of running off the stack.
const MAX_WORDS: usize = 1 << 16;

fn main() {
    let mut c = Checklist::new();
    let stack = args::initial_stack();
    let sp = rt0::entry_sp() as *const usize;
    c.report("entry sp 16-byte aligned", check_aligned(sp as usize));
    // SAFETY: `sp` is the kernel-provided entry RSP, which points at argc on the (still mapped) initial stack.
    let argc_word = unsafe { *sp };
    c.report("entry sp points at argc", entry_is_argc(sp, argc_word, &stack));
    // SAFETY: argv has argc slots and then its terminating slot, all on the initial stack.
    let argv_end = unsafe { *stack.argv_ptr().add(stack.argc()) };
    let argv_null = if argv_end.is_null() { Ok(()) } else { fail!("argv[argc] = {argv_end:p}") };
    c.report("argv[argc] is NULL", argv_null);
    let auxv = walk_envp(&mut c, &stack);
    let auxv_end = walk_auxv(&mut c, auxv);
    check_keys(&mut c, auxv_end);
    c.report("argv strings above auxv", strings_above(stack.args(), auxv_end));
    c.report("envp strings above auxv", strings_above(stack.envs(), auxv_end));
    runtime::sys_linux_amd64::exit_group(c.finish());
}

fn check_aligned(sp: usize) -> Outcome {
    if sp != 0 && sp.is_multiple_of(16) { Ok(()) } else { fail!("entry sp {sp:#x}") }
}

fn entry_is_argc(sp: *const usize, argc_word: usize, stack: &InitialStack<'_>) -> Outcome {
    expect_eq(argc_word, stack.argc())?;
    expect_eq(stack.argv_ptr() as usize, sp as usize + 8)
}

/// Walks envp on the raw stack up to its NULL; returns where auxv begins (checked against the runtime's view).
fn walk_envp(c: &mut Checklist, stack: &InitialStack<'_>) -> *const usize {
    let envp = stack.envp_ptr() as *const usize;
    // SAFETY: envp is NULL-terminated; the walk stops at the NULL or at MAX_WORDS.
    let len = (0..MAX_WORDS).find(|&i| unsafe { *envp.add(i) } == 0);
    let Some(len) = len else {
        c.report("envp NULL-terminated", fail!("no NULL within {MAX_WORDS} words"));
        return stack.auxv_ptr();
    };
    let auxv = envp.wrapping_add(len + 1);
    let outcome = if len != stack.envs().count() {
        fail!("{len} entries, runtime saw {}", stack.envs().count())
    } else {
        expect_eq(auxv as usize, stack.auxv_ptr() as usize)
    };
    c.report("envp NULL-terminated", outcome);
    auxv
}

/// Walks the auxv pairs up to AT_NULL; returns the address just past the AT_NULL pair.
fn walk_auxv(c: &mut Checklist, auxv: *const usize) -> usize {
    // SAFETY: auxv pairs end with AT_NULL; the walk stops there or at MAX_WORDS pairs.
    let pairs = (0..MAX_WORDS).find(|&i| unsafe { *auxv.add(2 * i) } == AT_NULL);
    let outcome = match pairs {
        Some(n) if n == args::auxv().count() => Ok(()),
        Some(n) => fail!("{n} pairs, runtime saw {}", args::auxv().count()),
        None => fail!("no AT_NULL within {MAX_WORDS} pairs"),
    };
    c.report("auxv ends with AT_NULL", outcome);
    auxv as usize + 16 * (pairs.unwrap_or(0) + 1)
}

/// The value of `key`, or a "missing" failure.
fn aux(key: usize) -> Result<usize, check::Detail> {
    match getauxval(key) {
        Some(v) => Ok(v),
        None => fail!("missing"),
    }
}

fn check_keys(c: &mut Checklist, auxv_end: usize) {
    let phdrs = aux(AT_PHDR).and_then(|p| elf::check_phdrs(p, aux(AT_PHNUM)?, rt0::entry_point()));
    c.report("AT_PHDR", phdrs);
    c.report("AT_PHENT", aux(AT_PHENT).and_then(|v| expect_eq(v, elf::PHDR_SIZE)));
    c.report("AT_PHNUM", aux(AT_PHNUM).and_then(|v| expect_eq(v, elf::ehdr().e_phnum.into())));
    c.report("AT_PAGESZ", aux(AT_PAGESZ).and_then(|v| expect_eq(v, 4096)));
    c.report("AT_BASE", aux(AT_BASE).and_then(|v| expect_eq(v, 0)));
    c.report("AT_FLAGS", aux(AT_FLAGS).map(drop));
    c.report("AT_ENTRY", aux(AT_ENTRY).and_then(|v| expect_eq(v, rt0::entry_point())));
    for (name, key) in [("AT_UID", AT_UID), ("AT_EUID", AT_EUID), ("AT_GID", AT_GID), ("AT_EGID", AT_EGID)] {
        c.report(name, aux(key).map(drop));
    }
    c.report("AT_SECURE", aux(AT_SECURE).and_then(|v| if v <= 1 { Ok(()) } else { fail!("{v}") }));
    c.report("AT_RANDOM", aux(AT_RANDOM).and_then(|p| check_random(p, auxv_end)));
    c.report("AT_HWCAP", aux(AT_HWCAP).map(drop));
    c.report("AT_HWCAP2", aux(AT_HWCAP2).map(drop));
    c.report("AT_CLKTCK", aux(AT_CLKTCK).and_then(|v| expect_eq(v, 100)));
    c.report("AT_PLATFORM", aux(AT_PLATFORM).and_then(|p| check_string(p, auxv_end, Some(b"x86_64"))));
    c.report("AT_EXECFN", aux(AT_EXECFN).and_then(|p| check_string(p, auxv_end, None)));
}

/// AT_RANDOM: 16 readable bytes above the auxv array.
fn check_random(p: usize, auxv_end: usize) -> Outcome {
    if p < auxv_end {
        return fail!("{p:#x} is below the end of auxv {auxv_end:#x}");
    }
    // SAFETY: AT_RANDOM points at 16 bytes the kernel copied onto the initial stack, which stays mapped.
    let _bytes = unsafe { core::ptr::read_volatile(p as *const [u8; 16]) };
    Ok(())
}

/// A NUL-terminated string above the auxv array, non-empty, and equal to `want` if given.
fn check_string(p: usize, auxv_end: usize, want: Option<&[u8]>) -> Outcome {
    if p < auxv_end {
        return fail!("{p:#x} is below the end of auxv {auxv_end:#x}");
    }
    // SAFETY: the kernel's string pointers in auxv point at NUL-terminated strings on the initial stack.
    let s = unsafe { CStr::from_ptr(p as *const c_char) }.to_bytes();
    match want {
        _ if s.is_empty() => fail!("empty string"),
        Some(want) if s != want => fail!("{:?}, want {:?}", s.escape_ascii(), want.escape_ascii()),
        _ => Ok(()),
    }
}

/// Every string starts above the auxv array (Linux copies them to the top of the stack, above the tables).
fn strings_above<'a>(strings: impl Iterator<Item = &'a [u8]>, auxv_end: usize) -> Outcome {
    for (i, s) in strings.enumerate() {
        if (s.as_ptr() as usize) < auxv_end {
            return fail!("string {i} at {:p} is below the end of auxv {auxv_end:#x}", s.as_ptr());
        }
    }
    Ok(())
}
