//! The initial process stack, laid out as Linux's execve does (fs/binfmt_elf.c
//! `create_elf_tables`, fs/exec.c `copy_strings`). From the top of the stack down:
//!
//! ```text
//! 8 zero bytes (end marker)
//! AT_EXECFN string, environment strings, argument strings   (argv[0]'s string lowest)
//! AT_PLATFORM string "x86_64"
//! 16 AT_RANDOM bytes
//! padding to 16 bytes
//! auxv pairs … AT_NULL
//! envp[0..envc], NULL
//! argv[0..argc], NULL
//! argc                                                       ← RSP, 16-byte aligned
//! ```
use abi::auxv::{AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM};
use alloc::vec;
use alloc::vec::Vec;

/// Everything the stack holds besides the strings' addresses, which are computed here.
pub struct Entry<'a> {
    pub argv: &'a [Vec<u8>],
    pub envp: &'a [Vec<u8>],
    pub execfn: &'a [u8],
    pub random: [u8; 16],
    /// (key, value) pairs before the string-valued ones; AT_RANDOM/AT_EXECFN/AT_PLATFORM and
    /// AT_NULL are added here.
    pub auxv: &'a [(usize, u64)],
}

/// The finished stack image: `bytes` go at `sp`, and `sp` is the process's initial RSP.
pub struct Stack {
    pub sp: u64,
    pub bytes: Vec<u8>,
    pub auxv_count: usize,
}

/// Lays the stack out below `top` (page-aligned).
pub fn build(top: u64, e: &Entry) -> Stack {
    const PLATFORM: &[u8] = b"x86_64\0";
    // Strings, from the top down: 8 zero bytes, execfn, env (last first), argv (last first).
    let mut p = top - 8;
    let mut place = |s: &[u8]| {
        p -= s.len() as u64 + 1;
        p
    };
    let execfn_at = place(e.execfn);
    let env_at: Vec<u64> = e.envp.iter().rev().map(|s| place(s)).collect::<Vec<_>>().into_iter().rev().collect();
    let arg_at: Vec<u64> = e.argv.iter().rev().map(|s| place(s)).collect::<Vec<_>>().into_iter().rev().collect();
    let platform_at = p - PLATFORM.len() as u64;
    let random_at = (platform_at - 16) & !15;
    let mut auxv: Vec<(usize, u64)> = e.auxv.to_vec();
    auxv.extend([(AT_RANDOM, random_at), (AT_EXECFN, execfn_at), (AT_PLATFORM, platform_at), (AT_NULL, 0)]);
    let words = 1 + e.argv.len() + 1 + e.envp.len() + 1 + 2 * auxv.len();
    let sp = (random_at - 8 * words as u64) & !15;

    let mut bytes = vec![0u8; (top - sp) as usize];
    let mut put = |at: u64, data: &[u8]| {
        let off = (at - sp) as usize;
        bytes[off..off + data.len()].copy_from_slice(data);
    };
    put(execfn_at, e.execfn);
    for (s, &at) in e.envp.iter().zip(&env_at).chain(e.argv.iter().zip(&arg_at)) {
        put(at, s); // the NUL after each string is already zero
    }
    put(platform_at, PLATFORM);
    put(random_at, &e.random);
    let mut w = sp;
    let mut word = |v: u64| {
        put(w, &v.to_le_bytes());
        w += 8;
    };
    word(e.argv.len() as u64);
    arg_at.iter().for_each(|&a| word(a));
    word(0);
    env_at.iter().for_each(|&a| word(a));
    word(0);
    for &(k, v) in &auxv {
        word(k as u64);
        word(v);
    }
    Stack { sp, bytes, auxv_count: auxv.len() }
}
