//! Machine snapshots: a run starts from a saved machine instead of booting one.
//!
//! Up to the kernel's ready point (kernel/src/snapshot.rs) every run of one machine shape does
//! the same work: SeaBIOS, the bootloader's four stages, the kernel's own set-up. So the runner
//! boots that part once, saves the machine with QEMU's migration (`migrate` over QMP, to a file)
//! and starts each later run of the shape from the file (`-incoming`): QEMU restores RAM, CPUs
//! and devices, the kernel finds the snapshot's fw_cfg file gone, reads the run's command line,
//! program and files, and goes on as a boot does from there.
//!
//! A logged run's image logs the boot (the bootloader's lines and the kernel's), so its
//! snapshot also keeps that log up to the ready point (`.log` beside the `.snap`): a
//! restored logged run shows that first, as the boot that made the machine printed it, then its
//! own, from the kernel's `snapshot: restored` line on — as a resumed Linux's dmesg still holds
//! the boot before its hibernation. The stamps run on: the guest's clock carries over.
//!
//! The file sits beside the boot image (`<image dir>/snapshots/<image name>-<key>.snap`). Its key
//! hashes what must not change between the save and a restore: the QEMU binary, the image (whose
//! name already hashes the kernel and bootloader it holds, and whether it logs), and the
//! machine's arguments (CPUs, memory, devices). Making one removes the snapshots of images that
//! are gone. A run that cannot use one boots in full: `--gdb`, `--uefi`, `--timeline` and
//! `--summary` (they show the run's own boot), extra QEMU arguments, `--no-snapshot` and
//! `RT0_SNAPSHOT=0`. Kernel arguments do not stop it: before the ready point the kernel reads
//! only `quiet` and `icount` from its command line (`crate::boot_cmdline`, which the making
//! boot passes); a self-test (`test=`, `code=`) and `strace` are read after it.
//!
//! `--icount` runs have snapshots of their own, made under icount (the flag is one of the
//! machine's arguments and the boot's command line says `icount`): QEMU saves the instruction
//! count with the machine, so a restored run's stamps go on counting from the making boot's
//! reset. They also repeat to the instruction, which a full boot does not: its wait for the
//! virtio disk takes as many instructions as the host makes it, and the count a program starts
//! at (the TSC Go seeds from) varies with it. Restored, every run starts from the same saved
//! count, so `--trace-startup` and `--account` runs start from them too (the trace's stops and
//! the accounting flag are read after the ready point). A figure that spans the ready point
//! (the kernel's "kernel entry to ring 3") then includes the machine's wait there.
//!
//! If saving fails, or a restore fails before the kernel says `start`, the run boots in full
//! and the file is removed.
use crate::{RunOptions, install, qemu_path, signals};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a snapshot-making boot may take to reach the ready point and be saved.
const MAKE_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether `opts` may start from a snapshot (the module comment says which runs may not).
pub fn eligible(opts: &RunOptions) -> bool {
    opts.snapshot
        && !opts.gdb
        && !opts.uefi
        && opts.qemu_args.is_empty()
        && std::env::var_os("RT0_SNAPSHOT").is_none_or(|v| v != "0")
}

/// The snapshot for a machine given by `machine` (the QEMU arguments every run of the shape
/// shares, `-icount` among them) booted from `image` with the kernel command line `boot`
/// (`crate::boot_cmdline`: what the kernel reads before the ready point, which the machine's
/// arguments and image already determine): its path, made first if there is none. `Err` says
/// why none could be made; the caller then boots in full.
pub fn get(machine: &[String], image: &Path, boot: &str) -> Result<PathBuf, String> {
    let qemu = install::qemu()?;
    let path = file_for(&qemu, machine, image)?;
    // Both files, or it is made anew (a snapshot from before logs were kept has none).
    let whole = |path: &Path| path.exists() && boot_log(path).exists();
    if whole(&path) {
        return Ok(path);
    }
    let dir = path.parent().ok_or("no directory")?.to_path_buf();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // One maker per key: the others wait on the lock, then find the file.
    let lock = std::fs::File::create(path.with_extension("lock")).map_err(|e| e.to_string())?;
    // SAFETY: flock only locks the open file `lock`, which lives to the end of this function.
    if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) } != 0 {
        return Err(format!("locking {}: {}", path.display(), std::io::Error::last_os_error()));
    }
    if !whole(&path) {
        make(&qemu, machine, &path, boot)?;
        forget_gone_images(&dir);
    }
    Ok(path)
}

/// Removes the snapshots (and their lock files) of images no longer in the image directory.
fn forget_gone_images(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((image, _)) = name.rsplit_once('-')
            && !dir.parent().is_some_and(|images| images.join(image).exists())
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Where the snapshot of `machine` booted from `image` is kept.
pub fn file(machine: &[String], image: &Path) -> Result<PathBuf, String> {
    file_for(&install::qemu()?, machine, image)
}

fn file_for(qemu: &Path, machine: &[String], image: &Path) -> Result<PathBuf, String> {
    let dir = image.parent().ok_or("the image has no directory")?.join("snapshots");
    let stem = image.file_name().ok_or("the image has no name")?.to_string_lossy().into_owned();
    Ok(dir.join(format!("{stem}-{:016x}.snap", key(qemu, image, machine)?)))
}

/// Drops a snapshot that would not restore, so the next run makes it anew.
pub fn discard(path: &Path) {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(boot_log(path));
}

/// Where the snapshot at `path` keeps its making boot's log up to the ready point.
fn boot_log(path: &Path) -> PathBuf {
    path.with_extension("log")
}

/// The boot log a logged run restored from `path` shows before its own: the making boot's log
/// up to the ready point, in the order the kernel wrote it (empty for a quiet one).
pub fn replay(path: &Path) -> Result<String, String> {
    let log = boot_log(path);
    std::fs::read(&log).map(|b| String::from_utf8_lossy(&b).into_owned()).map_err(|e| format!("{}: {e}", log.display()))
}

/// The snapshot at `path`, opened for QEMU to read (`-incoming fd:N`, [`Incoming::arg`]): the
/// descriptor is handed to QEMU itself, so no shell and `cat` start to feed it a pipe.
pub struct Incoming(std::fs::File);

impl Incoming {
    pub fn open(path: &Path) -> Result<Incoming, String> {
        std::fs::File::open(path).map(Incoming).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// `-incoming`'s value.
    pub fn arg(&self) -> String {
        format!("fd:{}", self.fd())
    }

    /// In the child, between fork and execve: the descriptor stays open across the exec (std
    /// opens every file close-on-exec). fcntl is async-signal-safe.
    pub fn inherit(fd: std::os::fd::RawFd) -> std::io::Result<()> {
        // SAFETY: F_SETFD on a descriptor this process owns; no memory is passed.
        if unsafe { libc::fcntl(fd, libc::F_SETFD, 0) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    pub fn fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&self.0)
    }
}

fn key(qemu: &Path, image: &Path, machine: &[String]) -> Result<u64, String> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // QEMU by its file's identity and time; the image by its name (a hash of what it holds) and
    // identity only, since the image cache touches its time at every use.
    let m = std::fs::metadata(qemu).map_err(|e| format!("{}: {e}", qemu.display()))?;
    (qemu, m.len(), m.mtime(), m.mtime_nsec(), m.ino()).hash(&mut h);
    let m = std::fs::metadata(image).map_err(|e| format!("{}: {e}", image.display()))?;
    (image, m.len(), m.ino()).hash(&mut h);
    machine.hash(&mut h);
    Ok(h.finish())
}

/// Boots the machine to the kernel's ready point, saves it to `path` (and its boot log beside
/// it) and ends it.
fn make(qemu: &Path, machine: &[String], path: &Path, boot: &str) -> Result<(), String> {
    let work = tempfile::Builder::new().prefix("rt0-snapshot-").tempdir().map_err(|e| e.to_string())?;
    let (control, cmdline, qmp) = (work.path().join("control"), work.path().join("cmdline"), work.path().join("qmp"));
    std::fs::write(&cmdline, format!("{boot} snapshot").trim_start()).map_err(|e| e.to_string())?;
    let partial = path.with_extension(format!("part{}", std::process::id()));
    let (log, console) = (work.path().join("com1"), work.path().join("console"));
    let com1 = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut cmd = Command::new(qemu);
    cmd.args(machine)
        .arg("-chardev")
        .arg(format!("file,id={},path={}", crate::STDOUT_CHARDEV, qemu_path(&work.path().join("stdout"))))
        .arg("-chardev")
        .arg(format!("file,id={},path={}", crate::CONTROL_CHARDEV, qemu_path(&control)))
        .arg("-chardev")
        .arg(format!("file,id={},path={}", crate::LOG_CHARDEV, qemu_path(&console)))
        .arg("-fw_cfg")
        .arg(format!("name={},file={}", abi::rt0::FW_CFG_CMDLINE, qemu_path(&cmdline)))
        .arg("-fw_cfg")
        .arg(format!("name={},string=1", abi::rt0::FW_CFG_SNAPSHOT))
        .arg("-qmp")
        .arg(format!("unix:{},server=on,wait=off", qemu_path(&qmp)))
        .stdin(Stdio::null())
        .stdout(com1)
        .stderr(Stdio::piped())
        .process_group(0);
    let runner = std::process::id();
    // SAFETY: the hook makes only async-signal-safe calls (prctl, getppid, _exit).
    unsafe { cmd.pre_exec(move || signals::die_with_parent(runner)) };
    let mut child = crate::stream::Reaped(cmd.spawn().map_err(|e| format!("starting qemu: {e}"))?);
    let deadline = Instant::now() + MAKE_TIMEOUT;
    let saved = (|| {
        let ready = format!("{}\n", abi::rt0::CONTROL_READY);
        while !std::fs::read_to_string(&control).unwrap_or_default().contains(&ready) {
            if child.try_wait().map_err(|e| e.to_string())?.is_some() || Instant::now() > deadline {
                return Err("the machine did not reach the kernel's ready point".to_string());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let mut qmp = Qmp::connect(&qmp)?;
        // Migrated while it runs (it spins at the ready point): QEMU stops it for the last copy,
        // and a machine saved running starts running when restored.
        let uri = format!("exec:cat > {}", shell_quoted(&partial));
        qmp.command(&format!(r#"{{"execute": "migrate", "arguments": {{"uri": "{}"}}}}"#, json_escaped(&uri)))?;
        loop {
            let status = qmp.command(r#"{"execute": "query-migrate"}"#)?;
            if status.contains(r#""status": "completed""#) {
                break;
            }
            if status.contains(r#""status": "failed""#) || Instant::now() > deadline {
                return Err(format!("the migration to a file failed: {status}"));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = qmp.command(r#"{"execute": "quit"}"#);
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    // The log first, in the order the kernel wrote it: the snapshot's file is what says both
    // are there.
    let kept = |()| {
        let read = |p: &Path| std::fs::read(p).map(|b| String::from_utf8_lossy(&b).into_owned());
        let text = crate::assemble_log(None, &read(&log).unwrap_or_default(), &read(&console).unwrap_or_default());
        std::fs::write(boot_log(path), text).map_err(|e| format!("{}: {e}", boot_log(path).display()))?;
        std::fs::rename(&partial, path).map_err(|e| e.to_string())
    };
    match saved.and_then(kept) {
        Ok(()) => Ok(()),
        Err(why) => {
            let _ = std::fs::remove_file(&partial);
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
            }
            Err(if stderr.trim().is_empty() { why } else { format!("{why} (QEMU: {})", stderr.trim()) })
        }
    }
}

/// A QMP connection: one JSON command a line, answered by a `return` or an `error` line (event
/// lines in between are skipped).
struct Qmp {
    reader: BufReader<std::os::unix::net::UnixStream>,
    writer: std::os::unix::net::UnixStream,
}

impl Qmp {
    fn connect(socket: &Path) -> Result<Qmp, String> {
        let stream = std::os::unix::net::UnixStream::connect(socket).map_err(|e| format!("QMP: {e}"))?;
        stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
        let writer = stream.try_clone().map_err(|e| e.to_string())?;
        let mut qmp = Qmp { reader: BufReader::new(stream), writer };
        qmp.line()?; // the greeting
        qmp.command(r#"{"execute": "qmp_capabilities"}"#)?;
        Ok(qmp)
    }

    fn line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => Err("QMP: the connection closed".into()),
            Ok(_) => Ok(line),
            Err(e) => Err(format!("QMP: {e}")),
        }
    }

    fn command(&mut self, json: &str) -> Result<String, String> {
        writeln!(self.writer, "{json}").map_err(|e| format!("QMP: {e}"))?;
        loop {
            let line = self.line()?;
            if line.starts_with(r#"{"return""#) {
                return Ok(line);
            }
            if line.starts_with(r#"{"error""#) {
                return Err(format!("QMP: {json}: {}", line.trim()));
            }
        }
    }
}

/// `path` as one word for /bin/sh (QEMU runs `exec:` migrations through it).
fn shell_quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

fn json_escaped(s: &str) -> String {
    s.replace('\\', r"\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_for_the_shell_and_json() {
        assert_eq!(shell_quoted(Path::new("/a b/it's")), r"'/a b/it'\''s'");
        assert_eq!(json_escaped(r#"cat > "x\y""#), r#"cat > \"x\\y\""#);
    }

    #[test]
    fn only_plain_runs_start_from_a_snapshot() {
        let quiet = RunOptions { quiet: true, ..Default::default() };
        let on = std::env::var_os("RT0_SNAPSHOT").is_none_or(|v| v != "0");
        assert_eq!(eligible(&quiet), on);
        assert_eq!(eligible(&RunOptions { quiet: false, ..quiet.clone() }), on);
        assert_eq!(eligible(&RunOptions { strace: true, ..quiet.clone() }), on);
        assert_eq!(eligible(&RunOptions { icount: true, trace_startup: true, account: true, ..quiet.clone() }), on);
        assert_eq!(
            eligible(&RunOptions { kernel_args: vec!["test=exit".into(), "code=3".into()], ..quiet.clone() }),
            on
        );
        for opts in [
            RunOptions { uefi: true, ..quiet.clone() },
            RunOptions { gdb: true, ..quiet.clone() },
            RunOptions { snapshot: false, ..quiet.clone() },
            RunOptions { qemu_args: vec!["-d".into(), "int".into()], ..quiet.clone() },
        ] {
            assert!(!eligible(&opts), "{opts:?}");
        }
    }
}
