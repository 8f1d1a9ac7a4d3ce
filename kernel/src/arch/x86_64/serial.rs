//! The 16550 UARTs: COM1 (I/O port 0x3F8) carries the kernel log, the program's stderr and its
//! stdin; COM2 (0x2F8) carries the program's stdout, so that the runner can hand the two to
//! its own stdout and stderr.
use spin::Mutex;
use uart_16550::SerialPort;

const COM1: u16 = 0x3f8;
const COM2: u16 = 0x2f8;

// SAFETY: 0x3F8 is COM1's base port on every PC-compatible machine, QEMU's included, and this
// is the only place that drives it.
pub static COM1_PORT: Mutex<SerialPort> = Mutex::new(unsafe { SerialPort::new(COM1) });

// SAFETY: 0x2F8 is COM2's base port; this is the only place that drives it.
static COM2_PORT: Mutex<SerialPort> = Mutex::new(unsafe { SerialPort::new(COM2) });

/// Programs COM1 and COM2 (115200 8N1, FIFOs on, interrupts off).
pub fn init() {
    COM1_PORT.lock().init();
    COM2_PORT.lock().init();
}

/// Writes the program's stdout bytes to COM2.
pub fn write_stdout(bytes: &[u8]) {
    let mut port = COM2_PORT.lock();
    for &b in bytes {
        port.send_raw(b);
    }
}

/// Blocks until COM1 has received at least one byte, then returns what is there (up to
/// `buf.len()`): the program's stdin.
pub fn read_stdin(buf: &mut [u8]) -> usize {
    let mut port = COM1_PORT.lock();
    let mut n = 0;
    while n < buf.len() {
        match port.try_receive() {
            Ok(b) => {
                buf[n] = b;
                n += 1;
            }
            Err(_) if n > 0 => break,
            Err(_) => core::hint::spin_loop(),
        }
    }
    n
}

/// Whether COM1 has received a byte not yet read (the line status register's data-ready bit).
pub fn stdin_ready() -> bool {
    let mut lsr: x86_64::instructions::port::Port<u8> = x86_64::instructions::port::Port::new(COM1 + 5);
    // SAFETY: reading COM1's line status register has no side effect on the data it reports.
    unsafe { lsr.read() & 1 != 0 }
}

/// Writes raw bytes to COM1 with the lock held for the whole slice, so lines never interleave.
pub fn write_bytes(bytes: &[u8]) {
    let mut port = COM1_PORT.lock();
    for &b in bytes {
        port.send_raw(b);
    }
}

/// Writes to COM1 without taking the lock: for the last words of a panic or fault handler that
/// may have interrupted a holder of the lock.
pub fn write_bytes_unlocked(bytes: &[u8]) {
    // SAFETY: same port as COM1_PORT; a torn line is acceptable when the lock holder is dead.
    let mut port = unsafe { SerialPort::new(COM1) };
    for &b in bytes {
        port.send_raw(b);
    }
}
