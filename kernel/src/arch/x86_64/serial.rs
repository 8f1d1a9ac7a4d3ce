//! The 16550 UART on COM1 (I/O port 0x3F8): the kernel log and, later, the program's stderr.
use spin::Mutex;
use uart_16550::SerialPort;

const COM1: u16 = 0x3f8;

// SAFETY: 0x3F8 is COM1's base port on every PC-compatible machine, QEMU's included, and this
// is the only place that drives it.
pub static COM1_PORT: Mutex<SerialPort> = Mutex::new(unsafe { SerialPort::new(COM1) });

/// Programs COM1 (115200 8N1, FIFOs on, interrupts off).
pub fn init() {
    COM1_PORT.lock().init();
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
