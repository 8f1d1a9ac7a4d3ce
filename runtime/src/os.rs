//! What user code sees of the process (Go's os package over runtime/runtime1.go goargs/goenvs
//! and os/proc.go Exit): arguments, the environment, exit.
use crate::args;

/// os.Args: the arguments, argv[0] first (raw bytes).
pub fn args() -> impl Iterator<Item = &'static [u8]> {
    args::argslice()
}

/// os.Getenv: the value of `key`, if set (the first entry, as Go's gogetenv).
///
/// Compares `key=` against each entry in place and measures only the match, instead of
/// measuring every string first: start-up looks up half a dozen variables, and a long
/// environment made that the costliest part of reaching main.
pub fn getenv(key: &str) -> Option<&'static [u8]> {
    let key = key.as_bytes();
    let mut envp = args::initial_stack().envp_ptr();
    if envp.is_null() {
        return None;
    }
    loop {
        // SAFETY: envp walks the NULL-terminated envp array of the initial stack, which stays
        // mapped and unchanged for the life of the process.
        let entry = unsafe { *envp };
        if entry.is_null() {
            return None;
        }
        // SAFETY: `entry` is a NUL-terminated string; reading stops at the first mismatch, so
        // it never reads past the NUL (which mismatches any key byte and '=').
        let matches =
            unsafe { key.iter().enumerate().all(|(i, &b)| *entry.add(i) == b) && *entry.add(key.len()) == b'=' };
        if matches {
            // SAFETY: as above; the value runs from after '=' to the NUL.
            let value = unsafe { entry.add(key.len() + 1) };
            let mut len = 0;
            // SAFETY: scanning a NUL-terminated string.
            while unsafe { *value.add(len) } != 0 {
                len += 1;
            }
            // SAFETY: `len` bytes at `value` were just read.
            return Some(unsafe { core::slice::from_raw_parts(value, len) });
        }
        // SAFETY: the array is NULL-terminated and `entry` was not the terminator.
        envp = unsafe { envp.add(1) };
    }
}

/// os.Exit: ends the process with `code` at once; deferred calls do not run.
pub fn exit(code: i32) -> ! {
    crate::exit::exit(code)
}
