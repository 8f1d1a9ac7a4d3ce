//! The kernel log: the `log` crate's macros, written one whole line at a time to COM1, then to
//! the virtio log console once the kernel has found it (`serial::hand_over_log`).
//!
//! Line format (parsed by the tests, documented in README.md):
//!
//! ```text
//! [    0.812345s L0] gdt: loaded, ...        TSC calibrated: seconds since the machine's reset
//! [     1234567i L0] gdt: loaded, ...        under --icount: instructions since the reset
//! ```
//!
//! The tag is the boot layer the line belongs to (L0 = bootloader hand-off and the kernel).
//! With `quiet` on the command line only errors (fault and panic reports) are printed.
use crate::arch::{serial, tsc};
use crate::cmdline::Cmdline;
use crate::time;
use abi::rt0::log::{PREFIX_MAX, prefix};
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

static IN_FAULT: AtomicBool = AtomicBool::new(false);
static LAYER: AtomicU8 = AtomicU8::new(0);

struct Logger;
static LOGGER: Logger = Logger;

/// Brings up COM1, fixes the clock unit and installs the logger.
pub fn init(cmdline: &Cmdline) {
    serial::init();
    let icount = cmdline.flag("icount");
    time::init(icount);
    log::set_logger(&LOGGER).expect("logger installed twice");
    set_level(cmdline);
    if icount {
        log::info!("clock: TSC counts guest instructions (icount); timestamps are instructions since reset");
    } else if log::log_enabled!(log::Level::Info) {
        // The line's stamp needs the rate: a logged boot completes the calibration here, a
        // quiet one (which prints nothing now) later, when the APIC timer is measured.
        let khz = tsc::ticks_per_sec() / 1000;
        log::info!("clock: TSC {khz} kHz, calibrated against PIT channel 2; timestamps are seconds since reset");
    }
}

/// Sets what the log prints from `cmdline`: errors only under `quiet`, else everything from info
/// up. Called again when a machine restored from a snapshot reads its new command line.
pub fn set_level(cmdline: &Cmdline) {
    log::set_max_level(if cmdline.flag("quiet") { log::LevelFilter::Error } else { log::LevelFilter::Info });
}

/// Marks that a fault or panic report is being written: from now on the log bypasses the
/// serial lock, which the interrupted code may hold.
pub fn enter_fault() {
    IN_FAULT.store(true, Ordering::Relaxed);
}

/// Writes one record to the log's sink (COM1, or the virtio log console once it has taken over)
/// with its lock held from the first byte to the last, so a line is whole whatever its length
/// and whichever CPUs log at once. After a fault the record goes to COM1 without the lock, which
/// the interrupted code may hold: a crash's last words always get out (the runner shows what
/// COM1 carries after the log console's text). Nothing is allocated: the log works before the
/// heap exists.
fn emit(f: impl FnOnce(&mut dyn serial::Sink)) {
    if IN_FAULT.load(Ordering::Relaxed) { serial::with_com1_unlocked(|raw| f(raw)) } else { serial::with_log(f) }
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        line_in_layer(LAYER.load(Ordering::Relaxed), *record.args());
    }

    fn flush(&self) {}
}

/// Writes one line in the log's format with the layer tag `layer` (a `--trace-startup` stop
/// belongs to the program's boot layer, not the kernel's).
pub fn line_in_layer(layer: u8, args: fmt::Arguments) {
    // The stamp is read under the lock: lines from several CPUs come out in stamp order.
    emit(|out| {
        let mut buf = [0; PREFIX_MAX];
        out.send(prefix(&mut buf, time::stamp(tsc::read()), layer));
        let _ = out.write_fmt(args);
        out.send(b"\n");
    });
}

/// Writes one whole line to COM1 without the log's timestamp and layer prefix: the strace
/// output, which must read like strace's.
pub fn raw_line(args: fmt::Arguments) {
    emit(|out| {
        let _ = out.write_fmt(args);
        let _ = out.write_str("\n");
    });
}
