//! rt0's runtime: the part of every rt0 program that runs before and around the user's `main`.
//!
//! It re-enacts Go's start-up on linux/amd64 (see `GO-STARTUP.md`) and speaks to the kernel only through Linux
//! system calls, so a program built with it is a genuine static Linux ELF: it runs unchanged on rt0's kernel in QEMU
//! and on a real Linux host. Each module mirrors one Go file or one Linux interface and says which in its docs:
//!
//! - [`rt0`] — the ELF entry point and `rt0_go` (Go's `rt0_linux_amd64.s`, `asm_amd64.s`).
//! - [`os_linux`] — raw system calls, their numbers and errno values (Go's `sys_linux_amd64.s`).
//! - [`args`] — argc/argv/envp/auxv from the initial stack (Go's `runtime1.go` `args`, `os_linux.go` `sysargs`).
//! - [`string`] — `atoi` for numbers in arguments and environment variables (Go's `string.go`).
//! - [`print`](mod@print) — `print!`/`println!`/`eprint!`/`eprintln!` on fd 1 and 2 (Go's `print.go`).
//! - `panic` — the panic handler: `panic: <msg>`, a goroutine header, exit code 2 (Go's `panic.go`).
//!
//! # Writing a program
//!
//! A program is a `#![no_std] #![no_main]` binary that links this crate and names its main function with
//! [`main!`]:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//!
//! runtime::main!(main);
//!
//! fn main() {
//!     runtime::println!("hello, {}", "world");
//! }
//! ```
//!
//! The kernel (or Linux) enters at `_rt0_amd64_linux`; `rt0_go` calls the user's `main` through the symbol
//! `rt0_main`, and when `main` returns the process ends with `exit_group(0)`, as a Go program does.
//!
//! The entry code and the panic handler exist only when building for `x86_64-unknown-none`; on the host this crate
//! is plain pure logic, so `cargo test -p runtime` unit-tests it there.
#![cfg_attr(not(test), no_std)]

pub mod args;
pub mod clone;
pub mod os_linux;
#[cfg(all(not(test), target_os = "none"))]
mod panic;
pub mod print;
pub mod rt0;
pub mod string;

/// Names the program's main function: `runtime::main!(main);`.
///
/// Expands to the `rt0_main` symbol that [`rt0`] calls once start-up is done (Go's `runtime.main` calling
/// `main_main`). When the function returns, the program exits with status 0.
#[macro_export]
macro_rules! main {
    ($main:path) => {
        /// The program's main function, called by the runtime after start-up (Go's `main.main`).
        #[unsafe(no_mangle)]
        pub fn rt0_main() {
            $main()
        }
    };
}
