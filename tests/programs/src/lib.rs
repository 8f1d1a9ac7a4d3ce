//! What the test programs share beside the runtime: the raw system-call entry points.
//!
//! The numbers, flags and structs they pass come from `abi`; the calls themselves are the runtime's (its raw
//! syscall module mirrors Go's `sys_linux_amd64.s`). This is the one place a program names that module, so a
//! program says `programs::syscall3(abi::nr::SYS_READ, …)` and never which runtime file holds the instruction.
#![no_std]

pub use runtime::sys_linux_amd64::clone_thread;
pub use runtime::sys_linux_amd64::{
    exit_group, exit_thread, getpid, gettid, syscall0, syscall1, syscall2, syscall3, syscall4,
};
pub use runtime::sys_linux_amd64::{syscall5, syscall6, write};

/// A mode word (argv[1]) the program does not know: `<program>: unknown mode "<word>"` on stderr
/// and exit status 2 (Go's usage-error convention).
pub fn unknown_mode(program: &str, word: &[u8]) -> ! {
    runtime::eprintln!("{program}: unknown mode {:?}", core::str::from_utf8(word));
    runtime::os::exit(2)
}
