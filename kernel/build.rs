//! Builds the vDSO (vdso/): compiles the crate for x86_64-unknown-none with the toolchain's
//! rustc, links it with rust-lld into a shared object laid out by vdso/vdso.lds and versioned
//! by vdso/vdso.ver (Linux's arch/x86/entry/vdso/Makefile does the same with its C files), checks
//! the result with the `object` crate as Linux's vdso2c does (no relocations, one PT_LOAD at
//! address 0, every exported symbol present), and leaves it in OUT_DIR/vdso.so for
//! `include_bytes!` in kernel/src/vdso.rs.
//!
//! Why a real link rather than an image assembled by hand: the functions are ordinary Rust
//! (sharing `abi::vdso::ticks_to_ns` with the kernel's own clock), and lld already writes the
//! hash tables, version definitions and dynamic section that Go, musl and glibc parse. The
//! target has no `cdylib` support, hence the two direct tool invocations instead of cargo.
use object::elf;
use object::read::elf::{ElfFile64, FileHeader, ProgramHeader, SectionHeader};
use object::{Object, ObjectSection, ObjectSymbol};
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "x86_64-unknown-none";

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("..");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    for dir in ["abi/src", "vdso/src", "vdso/vdso.lds", "vdso/vdso.ver"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let common = ["--edition=2024", "--target", TARGET, "-C", "opt-level=2", "-C", "panic=abort"];
    run(Command::new(&rustc)
        .args(common)
        .args(["--crate-type=rlib", "--crate-name=abi", "-o"])
        .arg(out.join("libabi.rlib"))
        .arg(root.join("abi/src/lib.rs")));
    run(Command::new(&rustc)
        .args(common)
        .args(["--crate-type=rlib", "--crate-name=vdso", "-C", "codegen-units=1", "-C", "relocation-model=pic"])
        .args(["-C", "debug-assertions=off", "-C", "overflow-checks=off", "-L"])
        .arg(&out)
        .arg(format!("--extern=abi={}", out.join("libabi.rlib").display()))
        .arg(format!("--emit=obj={}", out.join("vdso.o").display()))
        .arg(root.join("vdso/src/lib.rs")));
    let so = out.join("vdso.so");
    run(Command::new(tool(&rustc, "rust-lld"))
        .args(["-flavor", "gnu", "-shared", "--hash-style=both", "-Bsymbolic", "--no-undefined", "--gc-sections"])
        .args(["--build-id=none", "-z", "noexecstack", "-z", "max-page-size=4096"])
        .arg(format!("--soname={}", abi::vdso::VDSO_SONAME))
        .arg("-T")
        .arg(root.join("vdso/vdso.lds"))
        .arg(format!("--version-script={}", root.join("vdso/vdso.ver").display()))
        .arg("-o")
        .arg(&so)
        .arg(out.join("vdso.o")));
    check(&so);
}

fn run(cmd: &mut Command) {
    match cmd.status() {
        Ok(s) if s.success() => {}
        other => panic!("vdso: {cmd:?} failed ({other:?})"),
    }
}

/// A binary of the toolchain's host tools (llvm-tools / rust-lld).
fn tool(rustc: &str, name: &str) -> PathBuf {
    let sysroot = Command::new(rustc).args(["--print", "sysroot"]).output().expect("rustc --print sysroot");
    let sysroot = String::from_utf8(sysroot.stdout).unwrap();
    let host = std::env::var("HOST").unwrap();
    PathBuf::from(sysroot.trim()).join("lib/rustlib").join(host).join("bin").join(name)
}

/// vdso2c's checks: the image must work wherever it is mapped, with nothing to relocate.
fn check(so: &Path) {
    let data = std::fs::read(so).expect("read vdso.so");
    let file = ElfFile64::<object::LittleEndian>::parse(&*data).expect("vdso.so is ELF64");
    let e = file.endian();
    let loads: Vec<_> = file.elf_program_headers().iter().filter(|p| p.p_type(e) == elf::PT_LOAD).collect();
    assert!(loads.len() == 1 && loads[0].p_vaddr(e) == 0 && loads[0].p_offset(e) == 0, "vdso: one PT_LOAD at 0");
    assert_eq!(file.elf_header().e_type(e), elf::ET_DYN);
    for s in file.sections() {
        let t = s.elf_section_header().sh_type(e);
        assert!(t != elf::SHT_RELA && t != elf::SHT_REL, "vdso: relocation section {:?}", s.name());
        assert!(s.name() != Ok(".data") || s.size() == 0, "vdso: writable data");
    }
    for want in abi::vdso::VDSO_SYMBOLS {
        let plain = want.trim_start_matches("__vdso_");
        for name in [want, plain] {
            let found = file.dynamic_symbols().any(|s| s.name() == Ok(name) && s.is_definition());
            assert!(found, "vdso: {name} not exported");
        }
    }
}
