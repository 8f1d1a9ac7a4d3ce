//! Finding QEMU and OVMF on the host, and installing Debian's packages when they are missing and
//! the runner may (it runs as root), so that `cargo run` / `cargo test` are all a person types.
use std::path::{Path, PathBuf};
use std::process::Command;

pub const QEMU: &str = "qemu-system-x86_64";
/// Debian's OVMF firmware (package `ovmf`): read-only code and a template for the variables.
pub const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
pub const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";

/// The path of `qemu-system-x86_64`, installing `qemu-system-x86` first if needed and allowed.
pub fn qemu() -> Result<PathBuf, String> {
    ensure(|| which(QEMU), "qemu-system-x86", QEMU)
}

/// Makes sure OVMF (UEFI firmware for QEMU) is present.
pub fn ovmf() -> Result<(), String> {
    ensure(|| Path::new(OVMF_CODE).exists().then(|| PathBuf::from(OVMF_CODE)), "ovmf", OVMF_CODE).map(drop)
}

fn ensure(find: impl Fn() -> Option<PathBuf>, package: &str, what: &str) -> Result<PathBuf, String> {
    if let Some(p) = find() {
        return Ok(p);
    }
    let command = format!("apt-get update && apt-get install -y {package}");
    if !is_root() {
        return Err(format!("{what} not found; install it with: sudo sh -c '{command}'"));
    }
    eprintln!("rt0: {what} not found; running: {command}");
    let ok = Command::new("sh")
        .arg("-c")
        .arg(format!("DEBIAN_FRONTEND=noninteractive {command} >&2"))
        .status()
        .is_ok_and(|s| s.success());
    match find() {
        Some(p) if ok => Ok(p),
        _ => Err(format!("{what} still missing after `{command}`")),
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(program)).find(|p| p.is_file())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}
