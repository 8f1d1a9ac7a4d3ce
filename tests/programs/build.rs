//! Link the programs as genuine static Linux executables when building for `x86_64-unknown-none`.
//!
//! The target's defaults make a static PIE; a Linux program here is ET_EXEC at Go's fixed base 0x400000, entered at
//! `_rt0_amd64_linux`, with no interpreter and no run-time relocations. rust-lld keeps read-only data, code and
//! writable data in separate segments, so no segment is both writable and executable. The
//! runtime crate's code goes first, in a section of its own (`.text.rt0_runtime`, for the
//! preemption handler's safe-point test).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("TARGET").as_deref() != Ok("x86_64-unknown-none") {
        return;
    }
    for arg in ["--image-base=0x400000", "-no-pie", "--entry=_rt0_amd64_linux"] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    // The runtime crate's code in a section of its own, whose bounds the preemption handler
    // reads: a goroutine stopped there is not at a safe point (runtime/src/preempt.rs). INSERT
    // keeps the linker's default layout for everything else.
    let script = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("runtime-text.ld");
    std::fs::write(
        &script,
        "SECTIONS {\n  .text.rt0_runtime : {\n    __rt0_runtime_text_start = .;\n    \
         *libruntime-*.rlib:*(.text .text.*)\n    __rt0_runtime_text_end = .;\n  }\n} INSERT BEFORE .text;\n",
    )
    .unwrap();
    println!("cargo:rustc-link-arg-bins=-T{}", script.display());
}
