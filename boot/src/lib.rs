//! rt0's disk images: the rust-osdev bootloader (BIOS, or UEFI behind a flag) + the kernel +
//! an optional ramdisk (the program, from the process issue on) + the bootloader's boot config.
//!
//! The kernel was built and stripped by `build.rs`; images are assembled at run time with
//! `bootloader::DiskImageBuilder`, because what goes into them (ramdisk, boot log on or off)
//! depends on the runner's flags. Building one takes a few milliseconds; images are cached by
//! content key next to the kernel artifact.
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// The stripped kernel ELF that the bootloader loads.
pub const KERNEL_ELF: &str = env!("RT0_KERNEL_ELF");
/// The unstripped kernel ELF, for gdb.
pub const KERNEL_SYMBOLS: &str = env!("RT0_KERNEL_SYM");
const IMAGE_DIR: &str = env!("RT0_IMAGE_DIR");

/// Firmware interface the image boots through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Firmware {
    Bios,
    Uefi,
}

/// What goes into one image.
#[derive(Clone, Debug, Hash)]
pub struct ImageSpec {
    pub firmware: Firmware,
    /// Loaded by the bootloader next to the kernel; the kernel sees its address and length.
    pub ramdisk: Option<PathBuf>,
    /// The bootloader's own serial log (the first half of the L0 log).
    pub bootloader_log: bool,
}

/// Builds (or reuses) the image for `spec` and returns its path.
pub fn image(spec: &ImageSpec) -> Result<PathBuf, String> {
    let dir = Path::new(IMAGE_DIR);
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let key = cache_key(spec)?;
    let ext = if spec.firmware == Firmware::Bios { "bios.img" } else { "uefi.img" };
    let path = dir.join(format!("rt0-{key:016x}.{ext}"));
    if path.exists() {
        return Ok(path);
    }
    let mut builder = bootloader::DiskImageBuilder::new(PathBuf::from(KERNEL_ELF));
    if let Some(ramdisk) = &spec.ramdisk {
        builder.set_ramdisk(ramdisk.clone());
    }
    let mut config = bootloader::BootConfig::default();
    config.serial_logging = spec.bootloader_log;
    config.frame_buffer_logging = false;
    config.log_level = bootloader_boot_config::LevelFilter::Info;
    builder.set_boot_config(&config);
    // Build under a unique name and rename: parallel tests may ask for the same image at once.
    let tmp = dir.join(format!("{key:016x}.{}.{:?}.tmp", std::process::id(), std::thread::current().id()));
    let built = match spec.firmware {
        Firmware::Bios => builder.create_bios_image(&tmp),
        Firmware::Uefi => builder.create_uefi_image(&tmp),
    };
    built.map_err(|e| format!("building the disk image: {e:#}"))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("renaming {}: {e}", tmp.display()))?;
    Ok(path)
}

/// Hash of the spec and of the exact bytes of the kernel and ramdisk (sizes and modification
/// times stand in for the bytes, which is what cargo itself trusts).
fn cache_key(spec: &ImageSpec) -> Result<u64, String> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    spec.hash(&mut h);
    for file in std::iter::once(Path::new(KERNEL_ELF)).chain(spec.ramdisk.as_deref()) {
        let meta = std::fs::metadata(file).map_err(|e| format!("{}: {e}", file.display()))?;
        meta.len().hash(&mut h);
        meta.modified().ok().hash(&mut h);
    }
    Ok(h.finish())
}
