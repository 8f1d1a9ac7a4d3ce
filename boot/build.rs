//! Takes the kernel ELF that cargo built (artifact dependency, target x86_64-unknown-none) and
//! splits it in two: `kernel.sym`, the full ELF with debug info for gdb, and `kernel.elf`, the
//! same file stripped of debug info and symbols, which is what goes on the disk image. The BIOS
//! stages read the whole file through real-mode disk calls, so every byte saved is boot time.
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let kernel = PathBuf::from(std::env::var_os("CARGO_BIN_FILE_KERNEL_kernel").expect("kernel artifact"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let sym = out.join("kernel.sym");
    let elf = out.join("kernel.elf");
    std::fs::copy(&kernel, &sym).expect("copy kernel symbols");
    let status = Command::new(objcopy()).arg("--strip-all").arg(&kernel).arg(&elf).status();
    match status {
        Ok(s) if s.success() => {}
        other => panic!("llvm-objcopy --strip-all failed ({other:?}); is the llvm-tools component installed?"),
    }
    println!("cargo:rustc-env=RT0_KERNEL_ELF={}", elf.display());
    println!("cargo:rustc-env=RT0_KERNEL_SYM={}", sym.display());
    println!("cargo:rustc-env=RT0_IMAGE_DIR={}", out.join("images").display());
    println!("cargo:rerun-if-changed={}", kernel.display());
}

/// llvm-objcopy from the toolchain's llvm-tools component.
fn objcopy() -> PathBuf {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc).args(["--print", "sysroot"]).output().expect("rustc --print sysroot");
    let sysroot = String::from_utf8(sysroot.stdout).unwrap();
    let host = std::env::var("HOST").unwrap();
    PathBuf::from(sysroot.trim()).join("lib/rustlib").join(host).join("bin/llvm-objcopy")
}
