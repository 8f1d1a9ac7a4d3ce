//! Exits through `exit_group` with the status given as the first argument (decimal, default 0), the way Go's
//! `os.Exit(n)` does. Linux keeps the low 8 bits of the status. A malformed argument prints a message on stderr and
//! exits with 2.
#![no_std]
#![no_main]

use runtime::print::{STDERR, Writer};
use runtime::{args, string, sys_linux_amd64 as os_linux};

runtime::bare_main!(main);

/// Exit status for a malformed argument (Go's usage-error convention).
const USAGE_EXIT_CODE: i32 = 2;

fn main() {
    let code = match args::argv(1) {
        None => 0,
        Some(arg) => match string::atoi32(arg) {
            Some(code) => code,
            None => {
                let mut err = Writer::new(STDERR);
                err.write_bytes(b"exitcode: bad exit code \"");
                err.write_bytes(arg);
                err.write_bytes(b"\" (want a decimal integer)\n");
                err.flush();
                USAGE_EXIT_CODE
            }
        },
    };
    os_linux::exit_group(code)
}
