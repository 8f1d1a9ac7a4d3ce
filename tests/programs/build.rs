//! Link the programs as genuine static Linux executables when building for `x86_64-unknown-none`.
//!
//! The target's defaults make a static PIE; a Linux program here is ET_EXEC at Go's fixed base 0x400000, entered at
//! `_rt0_amd64_linux`, with no interpreter and no run-time relocations. rust-lld keeps read-only data, code and
//! writable data in separate segments, so no segment is both writable and executable.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("TARGET").as_deref() != Ok("x86_64-unknown-none") {
        return;
    }
    for arg in ["--image-base=0x400000", "-no-pie", "--entry=_rt0_amd64_linux"] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
}
