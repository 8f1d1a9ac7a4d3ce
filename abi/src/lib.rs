//! The Linux x86-64 ABI as rt0 speaks it, defined once: system-call numbers ([`nr`]), errno values
//! ([`errno`]), flags and the `#[repr(C)]` structs that cross the user/kernel boundary, each module
//! named after the uapi header it mirrors, each struct checked against Linux's size and offsets at
//! compile time. [`rt0`] is rt0's own protocol between runner, kernel and runtime.
//!
//! Types follow where Linux puts a value: syscall numbers, syscall-argument flags and auxv keys are
//! `usize` (a register), errno values `isize` (negated in RAX), and struct fields keep their C
//! types (so `SA_*` is `u64` like `sa_flags`, `SS_*` is `i32` like `ss_flags`, signal numbers
//! `i32` like `si_signo`).
#![no_std]

pub mod auxv;
pub mod bootparam;
pub mod dirent;
pub mod elf;
pub mod epoll;
pub mod errno;
pub mod eventfd;
pub mod fcntl;
pub mod futex;
pub mod ioctl;
pub mod mman;
pub mod nr;
pub mod poll;
pub mod prctl;
pub mod random;
pub mod resource;
pub mod rt0;
pub mod sched;
pub mod signal;
pub mod socket;
pub mod stat;
pub mod time;
pub mod uio;
pub mod utsname;
pub mod vdso;
pub mod virtio;
pub mod wait;
