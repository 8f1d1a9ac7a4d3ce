//! rt0's disk images: the rust-osdev bootloader (BIOS, or UEFI behind a flag) + the kernel +
//! an optional ramdisk (the program, from the process issue on) + the bootloader's boot config.
//!
//! The kernel was built and stripped by `build.rs`; images are assembled at run time with
//! `bootloader::DiskImageBuilder`, because what goes into them (ramdisk, boot log on or off)
//! depends on the runner's flags. Building one takes a few milliseconds; images are cached by
//! content key next to the kernel artifact, and the cache is bounded ([`MAX_CACHE_BYTES`], least
//! recently used images go first).
mod copy;
mod stack;

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The stripped kernel ELF that the bootloader loads.
pub const KERNEL_ELF: &str = env!("RT0_KERNEL_ELF");
/// The unstripped kernel ELF, for gdb.
pub const KERNEL_SYMBOLS: &str = env!("RT0_KERNEL_SYM");
const IMAGE_DIR: &str = env!("RT0_IMAGE_DIR");

/// The image cache keeps at most this many bytes of images (about 50 BIOS images), evicting the
/// least recently used first. Every run of a new ramdisk adds one (the tests' bad ELFs are new
/// files on every run), so without a bound the cache grows by hundreds of MB a day.
pub const MAX_CACHE_BYTES: u64 = 128 << 20;
/// An image used this recently is never evicted, even over the cap: a parallel run may have been
/// handed it and not yet opened it.
pub const EVICTION_GRACE: Duration = Duration::from_secs(10 * 60);
/// A half-built image (`*.tmp`) this old was left by a build that died.
const STALE_TMP: Duration = Duration::from_secs(60 * 60);

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
    if mark_used(&path) {
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
    if spec.firmware == Firmware::Bios {
        let mut bytes = std::fs::read(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        stack::patch(&mut bytes).map_err(|e| format!("building the disk image: {e}"))?;
        copy::patch(&mut bytes).map_err(|e| format!("building the disk image: {e}"))?;
        std::fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| format!("renaming {}: {e}", tmp.display()))?;
    // The cache is only trimmed; a failure to trim never fails a run.
    let _ = evict(dir, MAX_CACHE_BYTES, EVICTION_GRACE, SystemTime::now());
    Ok(path)
}

/// Marks a cached image as just used (its modification time is the LRU clock); false if it is
/// not there.
fn mark_used(path: &Path) -> bool {
    match std::fs::File::options().append(true).open(path) {
        Ok(f) => {
            let _ = f.set_modified(SystemTime::now());
            true
        }
        Err(_) => false,
    }
}

/// Trims the image cache in `dir` to `max_bytes`: deletes the least recently used images
/// (oldest modification time first) until the rest fit, sparing any used within `grace` of
/// `now`, and deletes `*.tmp` leftovers older than an hour. Returns the paths it deleted.
pub fn evict(dir: &Path, max_bytes: u64, grace: Duration, now: SystemTime) -> std::io::Result<Vec<PathBuf>> {
    let mut images = Vec::new();
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        let Ok(used) = meta.modified() else { continue };
        let age = now.duration_since(used).unwrap_or_default();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".tmp") && age > STALE_TMP {
            if std::fs::remove_file(entry.path()).is_ok() {
                removed.push(entry.path());
            }
        } else if name.starts_with("rt0-") && name.ends_with(".img") && meta.is_file() {
            images.push((used, meta.len(), age, entry.path()));
        }
    }
    images.sort_by_key(|i| std::cmp::Reverse(i.0)); // most recently used first
    let mut kept = 0u64;
    for (_, len, age, path) in images {
        if kept + len <= max_bytes || age <= grace {
            kept += len;
        } else if std::fs::remove_file(&path).is_ok() {
            removed.push(path);
        }
    }
    Ok(removed)
}

/// Hash of what goes into the image: the firmware, the boot-log switch, and the kernel and
/// ramdisk — the kernel by size and modification time (what cargo itself trusts; it changes only
/// with a build), the ramdisk by its bytes (a few hundred KiB), so that the same program copied
/// to a new path, as the tests' bad ELFs are on every run, reuses its image.
fn cache_key(spec: &ImageSpec) -> Result<u64, String> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    spec.firmware.hash(&mut h);
    spec.bootloader_log.hash(&mut h);
    // The BIOS stages' stack patch (`stack`): images built before it are not reused.
    "stack moved off the code page".hash(&mut h);
    // ... and stage 2's dword copy (`copy`).
    "stage 2 copies dwords".hash(&mut h);
    let kernel = std::fs::metadata(KERNEL_ELF).map_err(|e| format!("{KERNEL_ELF}: {e}"))?;
    kernel.len().hash(&mut h);
    kernel.modified().ok().hash(&mut h);
    if let Some(ramdisk) = &spec.ramdisk {
        std::fs::read(ramdisk).map_err(|e| format!("{}: {e}", ramdisk.display()))?.hash(&mut h);
    }
    Ok(h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    /// An image file of `len` bytes last used `ago` before `now`.
    fn image_at(dir: &Path, name: &str, len: usize, now: SystemTime, ago: Duration) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, vec![0u8; len]).unwrap();
        std::fs::File::options().append(true).open(&path).unwrap().set_modified(now - ago).unwrap();
        path
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn eviction_keeps_the_most_recently_used_images_within_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        for (i, hours) in [5u32, 1, 4, 2, 3].iter().enumerate() {
            image_at(dir.path(), &format!("rt0-{i}.bios.img"), 1000, now, HOUR * *hours);
        }
        let removed = evict(dir.path(), 2500, Duration::ZERO, now).unwrap();
        assert_eq!(removed.len(), 3, "{removed:?}");
        // Used 1 h and 2 h ago: the two most recent.
        assert_eq!(names(dir.path()), ["rt0-1.bios.img", "rt0-3.bios.img"]);
        // Under the cap nothing goes.
        assert!(evict(dir.path(), 2500, Duration::ZERO, now).unwrap().is_empty());
    }

    #[test]
    fn eviction_spares_recent_images_and_other_files_and_clears_stale_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        image_at(dir.path(), "rt0-a.bios.img", 1000, now, Duration::from_secs(60));
        image_at(dir.path(), "rt0-b.uefi.img", 1000, now, Duration::from_secs(120));
        image_at(dir.path(), "rt0-old.bios.img", 1000, now, HOUR * 48);
        image_at(dir.path(), "123.1.ThreadId(2).tmp", 10, now, HOUR * 2);
        image_at(dir.path(), "456.1.ThreadId(3).tmp", 10, now, Duration::from_secs(5));
        image_at(dir.path(), "notes.txt", 10, now, HOUR * 48);
        // A cap of 0: only what is older than the grace goes.
        evict(dir.path(), 0, Duration::from_secs(600), now).unwrap();
        assert_eq!(names(dir.path()), ["456.1.ThreadId(3).tmp", "notes.txt", "rt0-a.bios.img", "rt0-b.uefi.img"]);
    }

    #[test]
    fn the_cache_key_follows_the_ramdisk_bytes_not_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
        std::fs::write(&a, b"same program").unwrap();
        std::fs::write(&b, b"same program").unwrap();
        std::fs::write(&c, b"other program").unwrap();
        let key = |ramdisk: &Path, firmware| {
            cache_key(&ImageSpec { firmware, ramdisk: Some(ramdisk.to_path_buf()), bootloader_log: true }).unwrap()
        };
        assert_eq!(key(&a, Firmware::Bios), key(&b, Firmware::Bios));
        assert_ne!(key(&a, Firmware::Bios), key(&c, Firmware::Bios));
        assert_ne!(key(&a, Firmware::Bios), key(&a, Firmware::Uefi));
        let bare = ImageSpec { firmware: Firmware::Bios, ramdisk: None, bootloader_log: true };
        assert_ne!(cache_key(&bare).unwrap(), cache_key(&ImageSpec { bootloader_log: false, ..bare.clone() }).unwrap());
    }

    #[test]
    fn a_reused_image_becomes_the_most_recent() {
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let old = image_at(dir.path(), "rt0-old.bios.img", 1000, now, HOUR * 3);
        image_at(dir.path(), "rt0-new.bios.img", 1000, now, HOUR);
        assert!(mark_used(&old));
        assert!(!mark_used(&dir.path().join("rt0-missing.bios.img")));
        evict(dir.path(), 1000, Duration::ZERO, SystemTime::now()).unwrap();
        assert_eq!(names(dir.path()), ["rt0-old.bios.img"]);
    }
}
