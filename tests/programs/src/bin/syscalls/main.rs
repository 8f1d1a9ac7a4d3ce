//! Checks the success and error paths of every system call rt0's kernel implements against what Linux does, so
//! the same binary passes in QEMU and natively. One `syscalls: <check> ok` or `syscalls: <check> FAILED
//! (<detail>)` line per check, then `syscalls: N passed, M failed`; exits 0 only if every check passes.
//!
//! Where rt0 deliberately differs from Linux (W^X: memory both writable and executable is refused with EACCES),
//! the program asks `uname` which kernel it runs on and expects that kernel's answer — never either answer.
//!
//! The checks undo what they change (mappings, the break, FS, the signal mask, handlers, the alternate stack),
//! and install no handler that would run program code.
#![no_std]
#![no_main]

mod check;
mod fds;
mod io;
mod memory;
mod mremap;
mod process;
mod signal;
mod sys;
mod time;

use check::Checklist;

runtime::bare_main!(main);

fn main() {
    let mut c = Checklist::new();
    io::checks(&mut c);
    fds::checks(&mut c);
    memory::checks(&mut c, sys::on_rt0());
    mremap::checks(&mut c);
    time::checks(&mut c);
    process::checks(&mut c);
    signal::checks(&mut c);
    programs::exit_group(c.finish());
}
