//! `#!` scripts (Linux fs/binfmt_script.c): a file that starts with `#!` names the program that
//! runs it. execve reads the first line (at most [`BUF_SIZE`] bytes, Linux's BINPRM_BUF_SIZE),
//! takes the interpreter's path and an optional argument from it, and runs the interpreter with
//! argv `[interpreter, argument?, script path, argv[1..]]`: the caller's argv[0] gives way to
//! the path the script was executed by. An interpreter may itself be a script, up to
//! [`MAX_DEPTH`] rewrites (Linux's exec_binprm), then ELOOP.
//!
//! Pure byte logic, host-tested; exec.rs looks the interpreter up and loads it.
use abi::errno::ENOEXEC;
use alloc::vec::Vec;

/// How much of the file Linux looks at for the `#!` line (BINPRM_BUF_SIZE).
pub const BUF_SIZE: usize = 256;

/// How many files an execve may try before the one it runs: Linux's exec_binprm searches for a
/// handler at most six times (depth 0 to 5), so five scripts may lead to the program and a
/// sixth is ELOOP.
pub const MAX_DEPTH: usize = 5;

/// A `#!` line: the interpreter's path and its optional argument (the rest of the line, one
/// argument, spaces inside it kept).
#[derive(Debug, PartialEq, Eq)]
pub struct Shebang {
    pub interpreter: Vec<u8>,
    pub arg: Option<Vec<u8>>,
}

/// Whether `file` is a script for this handler (it starts with `#!`).
pub fn is_script(file: &[u8]) -> bool {
    file.starts_with(b"#!")
}

fn spacetab(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The C string at `at` in `b` (up to its NUL).
fn c_str(b: &[u8], at: usize) -> Vec<u8> {
    b[at..].iter().take_while(|&&c| c != 0).copied().collect()
}

/// Parses the `#!` line of `file` (which [`is_script`]) as Linux's load_script does, over the
/// same zero-padded buffer of the file's first [`BUF_SIZE`] bytes: ENOEXEC when the line names
/// no interpreter, or when no newline ends it in the buffer (a NUL stops the search) and nothing
/// shows where the interpreter's path ends (it may be cut short). Checked against Linux 6.18's
/// execve of each case in the tests below.
pub fn parse(file: &[u8]) -> Result<Shebang, isize> {
    let mut b = [0u8; BUF_SIZE];
    let n = file.len().min(BUF_SIZE);
    b[..n].copy_from_slice(&file[..n]);
    let last = BUF_SIZE - 1;
    // First non-space/tab, and first space/tab/NUL, in b[from..=to] (Linux's
    // next_non_spacetab and next_terminator, both inclusive of their last byte).
    let non_spacetab = |b: &[u8], from: usize, to: usize| (from..=to).find(|&i| !spacetab(b[i]));
    let terminator = |b: &[u8], from: usize, to: usize| (from..=to).find(|&i| spacetab(b[i]) || b[i] == 0);
    let mut end = match b.iter().take_while(|&&c| c != 0).position(|&c| c == b'\n') {
        Some(nl) => nl,
        None => {
            let first = non_spacetab(&b, 2, last).ok_or(ENOEXEC)?;
            terminator(&b, first, last).ok_or(ENOEXEC)?;
            last
        }
    };
    // b[1] is '!', so the trim stops there.
    while spacetab(b[end - 1]) {
        end -= 1;
    }
    let name = non_spacetab(&b, 2, end).filter(|&i| i != end).ok_or(ENOEXEC)?;
    let sep = terminator(&b, name, end);
    let arg = sep.filter(|&s| b[s] != 0).and_then(|s| non_spacetab(&b, s, end));
    b[end] = 0;
    if let Some(s) = sep {
        b[s] = 0;
    }
    Ok(Shebang { interpreter: c_str(&b, name), arg: arg.map(|a| c_str(&b, a)) })
}

/// The interpreter's argv for a script executed as `path` with `argv`: `[interpreter, arg?,
/// path, argv[1..]]` (Linux's remove_arg_zero, then the pushes in binfmt_script.c).
pub fn argv(s: &Shebang, path: &[u8], argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(argv.len() + 2);
    out.push(s.interpreter.clone());
    if let Some(arg) = &s.arg {
        out.push(arg.clone());
    }
    out.push(path.to_vec());
    out.extend(argv.iter().skip(1).cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
        let s = parse(line).unwrap_or_else(|e| panic!("{:?}: {e}", core::str::from_utf8(line)));
        (s.interpreter, s.arg)
    }

    #[test]
    fn interpreter_and_the_rest_of_the_line_as_one_argument() {
        assert_eq!(ok(b"#!/bin/sh\necho hi\n"), (b"/bin/sh".to_vec(), None));
        assert_eq!(ok(b"#! /bin/sh \t\n"), (b"/bin/sh".to_vec(), None));
        assert_eq!(ok(b"#!/usr/bin/env  python3 -u  \nx"), (b"/usr/bin/env".to_vec(), Some(b"python3 -u".to_vec())));
        assert_eq!(ok(b"#!/bin/busybox\techo\n"), (b"/bin/busybox".to_vec(), Some(b"echo".to_vec())));
        // A NUL ends the interpreter's path and the line.
        assert_eq!(ok(b"#!/bin/sh\0 -x\n"), (b"/bin/sh".to_vec(), None));
        // The whole file is the line when it has no newline and the path visibly ends.
        assert_eq!(ok(b"#!/bin/sh -e"), (b"/bin/sh".to_vec(), Some(b"-e".to_vec())));
        // There the buffer's zero padding ends the line, so trailing spaces stay in the argument.
        assert_eq!(ok(b"#!/bin/sh -e  "), (b"/bin/sh".to_vec(), Some(b"-e  ".to_vec())));
    }

    #[test]
    fn no_interpreter_or_a_path_that_may_be_cut_short_is_enoexec() {
        assert_eq!(parse(b"#!\n"), Err(ENOEXEC));
        assert_eq!(parse(b"#!   \t \nexit 0\n"), Err(ENOEXEC));
        // A short file without a newline ends in the buffer's zero padding, which ends the path.
        assert_eq!(ok(b"#!/bin/sh"), (b"/bin/sh".to_vec(), None));
        // `#!` alone names the empty path (execve then finds the current directory: EACCES).
        assert_eq!(ok(b"#!"), (Vec::new(), None));
        // No newline and nothing in the buffer after the path: it may go on past what was read.
        let mut long = b"#!/".to_vec();
        long.resize(400, b'a');
        assert_eq!(parse(&long), Err(ENOEXEC));
        // A long line with the path's end inside the buffer: its argument is cut at the buffer.
        let mut cut = b"#!/bin/echo ".to_vec();
        cut.resize(400, b'x');
        let s = parse(&cut).unwrap();
        assert_eq!((&s.interpreter[..], s.arg.map(|a| a.len())), (&b"/bin/echo"[..], Some(BUF_SIZE - 1 - 12)));
    }

    #[test]
    fn the_script_path_takes_argv0s_place() {
        let s = Shebang { interpreter: b"/bin/sh".to_vec(), arg: Some(b"-e".to_vec()) };
        let argv0 = [b"run".to_vec(), b"a".to_vec(), b"b".to_vec()];
        let want: Vec<Vec<u8>> =
            [&b"/bin/sh"[..], b"-e", b"/t/run.sh", b"a", b"b"].iter().map(|a| a.to_vec()).collect();
        assert_eq!(argv(&s, b"/t/run.sh", &argv0), want);
        let bare = Shebang { interpreter: b"/bin/sh".to_vec(), arg: None };
        assert_eq!(argv(&bare, b"x", &[]), [b"/bin/sh".to_vec(), b"x".to_vec()]);
    }
}
