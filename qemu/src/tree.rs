//! `--dir HOST[:GUEST]`: packs host directories and files into the cpio "newc" archive the kernel
//! serves read-only (its `fd::tree`), passed as the fw_cfg file `opt/rt0/tree`. The archive is
//! written with the `cpio` crate (newc, Linux's initramfs format, which the kernel's no_std
//! reader takes as is).
//!
//! What goes in: each HOST path under its GUEST name (HOST's own absolute path when no GUEST is
//! given), walked without following symbolic links: directories (recursively, entries in name
//! order), regular files and symbolic links (their target as written, resolved in the guest's
//! tree), with their permission bits and modification times; owner root. FIFOs, sockets and
//! devices are left out. The guest's missing parent directories are made (0755). A later
//! `--dir` over the same name replaces it (directories merge).
//!
//! Limits: names must be UTF-8 (the format's reader wants text); a file must be under 4 GiB
//! (newc's 32-bit size); the archive at most `abi::rt0::MAX_TREE_BYTES` (1 GiB) and half the
//! guest's memory, and `abi::rt0::MAX_TREE_ENTRIES` (32,768) entries — the runner refuses more
//! before booting (exit 125).
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// One `--dir`: a host path and the absolute guest name it appears under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub host: PathBuf,
    pub guest: PathBuf,
}

impl Mount {
    /// Parses `HOST[:GUEST]`; GUEST must be absolute, HOST becomes absolute.
    pub fn parse(spec: &str) -> Result<Mount, String> {
        let (host, guest) = match spec.rsplit_once(':') {
            Some((h, g)) if g.starts_with('/') => (h, Some(g)),
            _ => (spec, None),
        };
        let host = std::path::absolute(host).map_err(|e| format!("--dir {spec}: {e}"))?;
        let guest = match guest {
            Some(g) => PathBuf::from(g),
            None => host.clone(),
        };
        Ok(Mount { host, guest })
    }
}

/// The name an absolute guest path has in the archive: its normal components joined by '/'
/// (the root is "."). "..", ever, is refused.
fn archive_name(guest: &Path) -> Result<String, String> {
    let mut parts = Vec::new();
    for c in guest.components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(n) => parts.push(n.to_str().ok_or_else(|| format!("{}: not UTF-8", guest.display()))?),
            _ => return Err(format!("{}: the guest name must be absolute and without ..", guest.display())),
        }
    }
    Ok(if parts.is_empty() { ".".into() } else { parts.join("/") })
}

/// Writes the archive of `mounts` to `out`; returns its size. `max` bounds it.
pub fn pack(mounts: &[Mount], out: &Path, max: u64) -> Result<u64, String> {
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut w = Counter { inner: std::io::BufWriter::new(file), written: 0, max };
    let mut ino = 1u32;
    for m in mounts {
        let name = archive_name(&m.guest)?;
        add(&mut w, &m.host, &name, &mut ino)?;
    }
    let entries = (ino - 1) as usize;
    if entries > abi::rt0::MAX_TREE_ENTRIES {
        return Err(format!(
            "the tree has {entries} entries, over the {} the kernel indexes",
            abi::rt0::MAX_TREE_ENTRIES
        ));
    }
    let w = cpio::newc::trailer(w).map_err(|e| e.to_string())?;
    let written = w.written;
    w.inner.into_inner().map_err(|e| e.to_string())?;
    Ok(written)
}

/// Adds `host` as `name`, and a directory's contents below it.
fn add<W: Write>(w: &mut W, host: &Path, name: &str, ino: &mut u32) -> Result<(), String> {
    let what = |e: std::io::Error| format!("--dir {}: {e}", host.display());
    let meta = std::fs::symlink_metadata(host).map_err(what)?;
    let mut builder = |mode: u32| {
        *ino += 1;
        cpio::newc::Builder::new(name)
            .ino(*ino)
            .mode(mode)
            .nlink(if meta.is_dir() { 2 } else { 1 })
            .mtime(meta.mtime().clamp(0, u32::MAX as i64) as u32)
    };
    let mode = meta.permissions().mode();
    let ft = meta.file_type();
    if ft.is_dir() {
        builder(mode).write(&mut *w, 0).finish().map_err(what)?;
        let mut entries: Vec<_> = std::fs::read_dir(host).map_err(what)?.collect::<Result<_, _>>().map_err(what)?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let child = e.file_name();
            let child = child.to_str().ok_or_else(|| format!("{}: a name that is not UTF-8", e.path().display()))?;
            let sub = if name == "." { child.to_string() } else { format!("{name}/{child}") };
            add(w, &e.path(), &sub, ino)?;
        }
    } else if ft.is_file() {
        let size = u32::try_from(meta.len()).map_err(|_| format!("{}: 4 GiB or more", host.display()))?;
        let mut f = std::fs::File::open(host).map_err(what)?;
        let mut out = builder(mode).write(&mut *w, size);
        std::io::copy(&mut f, &mut out).map_err(what)?;
        out.finish().map_err(what)?;
    } else if ft.is_symlink() {
        let target = std::fs::read_link(host).map_err(what)?;
        let target = target.to_str().ok_or_else(|| format!("{}: a link target that is not UTF-8", host.display()))?;
        let mut out = builder(mode).write(&mut *w, target.len() as u32);
        out.write_all(target.as_bytes()).map_err(what)?;
        out.finish().map_err(what)?;
    }
    Ok(())
}

/// A writer that counts and refuses to pass `max` bytes.
struct Counter<W: Write> {
    inner: W,
    written: u64,
    max: u64,
}

impl<W: Write> Write for Counter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.written + buf.len() as u64 > self.max {
            return Err(std::io::Error::other(format!("the tree is over {} MiB", self.max >> 20)));
        }
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mount_names_its_guest_path_or_its_own() {
        let m = Mount::parse("/tmp/x:/data").unwrap();
        assert_eq!((m.host.as_path(), m.guest.as_path()), (Path::new("/tmp/x"), Path::new("/data")));
        let m = Mount::parse("/tmp/x").unwrap();
        assert_eq!(m.guest, Path::new("/tmp/x"));
        // A colon not followed by an absolute name is part of the host path.
        let m = Mount::parse("/tmp/a:b").unwrap();
        assert_eq!((m.host.as_path(), m.guest.as_path()), (Path::new("/tmp/a:b"), Path::new("/tmp/a:b")));
        assert_eq!(archive_name(Path::new("/")).unwrap(), ".");
        assert_eq!(archive_name(Path::new("/a/./b/")).unwrap(), "a/b");
        assert!(archive_name(Path::new("/a/../b")).is_err());
    }

    #[test]
    fn a_directory_packs_in_name_order_with_links_and_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("t");
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("b.txt"), b"bee").unwrap();
        std::fs::write(d.join("sub/a.txt"), b"ay").unwrap();
        std::os::unix::fs::symlink("b.txt", d.join("link")).unwrap();
        let out = dir.path().join("tree.cpio");
        let mounts = [Mount { host: d.clone(), guest: "/data".into() }];
        let size = pack(&mounts, &out, 1 << 20).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(size, bytes.len() as u64);
        let mut names = Vec::new();
        let mut r = std::io::Cursor::new(bytes);
        loop {
            let e = cpio::NewcReader::new(r).unwrap();
            if e.entry().is_trailer() {
                break;
            }
            names.push((e.entry().name().to_string(), e.entry().mode() & 0o170000, e.entry().file_size()));
            r = e.finish().unwrap();
        }
        assert_eq!(
            names,
            [
                ("data".to_string(), 0o040000, 0),
                ("data/b.txt".into(), 0o100000, 3),
                ("data/link".into(), 0o120000, 5),
                ("data/sub".into(), 0o040000, 0),
                ("data/sub/a.txt".into(), 0o100000, 2),
            ]
        );
        let err = pack(&mounts, &out, 300).unwrap_err();
        assert!(err.contains("over"), "{err}");
    }
}
