//! Reads standard input up to the first newline (however many `read` calls it takes) and
//! prints `readline: <line>` and its length: fd 0 as a program sees it on rt0 (the serial
//! console) and on Linux (a pipe).
#![no_std]
#![no_main]

use runtime::print::{STDOUT, Writer};
use runtime::sys_linux_amd64::{SYS_READ, exit_group, syscall3};

runtime::bare_main!(main);

fn main() {
    let mut line = [0u8; 256];
    let mut len = 0;
    while len < line.len() {
        // SAFETY: reads into the unused tail of `line`.
        let n = unsafe { syscall3(SYS_READ, 0, line[len..].as_mut_ptr() as usize, line.len() - len) };
        if n <= 0 {
            break;
        }
        len += n as usize;
        if line[..len].contains(&b'\n') {
            break;
        }
    }
    let end = line[..len].iter().position(|&b| b == b'\n').unwrap_or(len);
    let mut out = Writer::new(STDOUT);
    out.write_bytes(b"readline: ");
    out.write_bytes(&line[..end]);
    out.write_bytes(b"\n");
    out.flush();
    exit_group(if end < len { 0 } else { 1 })
}
