//! rt0 kernel: the ring-0 half of rt0, as a library so that its pure logic (ELF checks, the
//! execve stack, argument limits, the command line, VMA arithmetic, the RTC date) is unit-tested
//! on the host by `cargo test`. `main.rs` is the thin binary: the boot order, one call per step.
//!
//! Module map (each names what it mirrors):
//! - [`arch`] — x86-64: descriptor tables, entry stubs, trap frame, fault report, APIC, TSC,
//!   serial, fw_cfg, context switch. Entered only through [`entry`]; never imports policy.
//! - [`entry`] — the one door from the arch stubs to policy: syscalls, exceptions, interrupts,
//!   and `exit_to_user`, the single way back to ring 3.
//! - [`time`] — the kernel clock (monotonic ns, the entry timestamp, spans).
//! - [`mm`] — frames, heap, page tables, VMAs, user address spaces, user-memory access.
//! - [`process`] — exec, threads, the scheduler, futexes, signals.
//! - [`fd`] — descriptors and the objects they name: consoles, pipes, eventfds, epoll.
//! - [`syscall`] — the Linux syscalls, one table line each.
//! - [`control`] — the runner protocol (start/exit/panic/badexec lines).
//! - [`smp`] — the CPUs: the application processors started, the count of those online.
#![cfg_attr(not(test), no_std)]
// Statics the CPU also uses (TSS, IST and per-CPU blocks) are reached through `&raw mut`, never
// through references to a `static mut`.
#![allow(clippy::deref_addrof)]
// Kernel-internal results whose failure has one meaning (the caller turns it into EFAULT,
// ENOMEM or SIGSEGV) carry no error value.
#![allow(clippy::result_unit_err)]

extern crate alloc;

pub mod arch;
pub mod bootinfo;
pub mod cmdline;
pub mod config;
pub mod control;
pub mod entry;
pub mod fd;
pub mod logger;
pub mod mm;
pub mod net;
pub mod panic;
pub mod process;
pub mod selftest;
pub mod smp;
pub mod snapshot;
pub mod syscall;
pub mod time;
