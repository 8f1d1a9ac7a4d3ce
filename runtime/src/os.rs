//! What user code sees of the process (Go's os package over runtime/runtime1.go goargs/goenvs
//! and os/proc.go Exit): arguments, the environment, exit.
use crate::args;

/// os.Args: the arguments, argv[0] first (raw bytes).
pub fn args() -> impl Iterator<Item = &'static [u8]> {
    args::argslice()
}

/// os.Getenv: the value of `key`, if set (the first entry, as Go's gogetenv).
pub fn getenv(key: &str) -> Option<&'static [u8]> {
    args::initial_stack().getenv(key)
}

/// os.Exit: ends the process with `code` at once; deferred calls do not run.
pub fn exit(code: i32) -> ! {
    crate::exit::exit(code)
}
