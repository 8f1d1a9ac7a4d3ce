//! The kernel log: the `log` crate's macros, written to COM1 one whole line at a time.
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
use crate::time::{self, Stamp};
use core::fmt::{self, Write};
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
    log::set_max_level(if cmdline.flag("quiet") { log::LevelFilter::Error } else { log::LevelFilter::Info });
    if icount {
        log::info!("clock: TSC counts guest instructions (icount); timestamps are instructions since reset");
    } else {
        let khz = tsc::ticks_per_sec() / 1000;
        log::info!("clock: TSC {khz} kHz, calibrated against PIT channel 2; timestamps are seconds since reset");
    }
}

/// Marks that a fault or panic report is being written: from now on the log bypasses the
/// serial lock, which the interrupted code may hold.
pub fn enter_fault() {
    IN_FAULT.store(true, Ordering::Relaxed);
}

/// A line assembled on the stack (the log works before the heap exists) and sent in one go.
struct Line {
    buf: [u8; 256],
    len: usize,
}

impl Line {
    const fn new() -> Line {
        Line { buf: [0; 256], len: 0 }
    }

    fn flush(&mut self) {
        if IN_FAULT.load(Ordering::Relaxed) {
            serial::write_bytes_unlocked(&self.buf[..self.len]);
        } else {
            serial::write_bytes(&self.buf[..self.len]);
        }
        self.len = 0;
    }
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s.as_bytes();
        while !rest.is_empty() {
            if self.len == self.buf.len() {
                self.flush();
            }
            let n = rest.len().min(self.buf.len() - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&rest[..n]);
            self.len += n;
            rest = &rest[n..];
        }
        Ok(())
    }
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let mut line = Line::new();
        let layer = LAYER.load(Ordering::Relaxed);
        let _ = writeln!(line, "[{} L{layer}] {}", Stamp(tsc::read()), record.args());
        line.flush();
    }

    fn flush(&self) {}
}

/// Writes one line to COM1 without the log's timestamp and layer prefix, assembled first so it
/// goes out whole when it fits 256 bytes: the strace output, which must read like strace's.
pub fn raw_line(args: fmt::Arguments) {
    let mut line = Line::new();
    let _ = line.write_fmt(args);
    let _ = line.write_str("\n");
    line.flush();
}
