//! The in-QEMU tests, one test binary: every module below is one area (its own doc comment says
//! which). One binary rather than one per file because `cargo test` runs test binaries one after
//! another: each binary's slowest test then ran with the rest of the machine idle, and the runs
//! that need the machine to themselves ([`tests::run_alone`]) could only be ordered against the
//! tests of their own file. Here every test shares one pool of test threads and one machine
//! lock. `cargo test --test suite real::` runs one module.
mod alone;
mod boot;
mod exec;
mod faults;
mod gostd;
mod memory;
mod panics;
mod real;
mod runtime;
mod signals;
mod smp;
mod snapshot;
mod strace;
mod syscalls;
mod threads;
