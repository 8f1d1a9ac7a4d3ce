//! The 16550 UARTs: COM1 (I/O port 0x3F8) carries the kernel log and the program's stderr until
//! the virtio log console takes them over ([`hand_over_log`]), a crash's last words after that,
//! and the program's stdin; COM2 (0x2F8) carries the program's stdout when there is no virtio
//! console (the runner attaches one), so that the runner can hand the two to its own stdout and
//! stderr.
//!
//! COM1's input is interrupt-driven: its "received data available" interrupt (IER bit 0) raises
//! ISA IRQ 4, which [`route_input_interrupt`] sends through the I/O APIC to [`COM1_VECTOR`]; the
//! entry layer hands that vector to the console, which drains the FIFO with [`receive`].
//!
//! The ports' locks are taken by the COM1 interrupt too; the kernel runs with interrupts off (a
//! CPU enables them only to `hlt`, holding no lock), so the interrupt never lands on a CPU while
//! it holds one. Another CPU may hold COM1's lock while the interrupt waits for it: it is held
//! for one line at most, so the wait ends. The log console's lock (virtio_console.rs) and
//! COM1's are never held together: a log line takes one of them, and the hand-over takes only
//! COM1's.
use super::acpi::{IsaRoute, Madt};
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};
use spin::Mutex;
use uart_16550::SerialPort;
use x86_64::instructions::port::Port;

const COM1: u16 = 0x3f8;
const COM2: u16 = 0x2f8;
/// Interrupt enable register: bit 0 = received data available.
const REG_IER: u16 = 1;
const IER_RECEIVED_DATA: u8 = 1 << 0;

/// COM1's ISA interrupt line (the PC's standard wiring).
pub const COM1_IRQ: u8 = 4;
/// The vector COM1's input arrives on: ISA IRQ n at 0x30 + n, as Linux numbers them
/// (ISA_IRQ_VECTOR), above the timer's 32.
pub const COM1_VECTOR: u8 = 0x30 + COM1_IRQ;

// 0x3F8 is COM1's base port on every PC-compatible machine, QEMU's included, and this
// is the only place that drives it.
// SAFETY: so the block below is sound.
pub static COM1_PORT: Mutex<SerialPort> = Mutex::new(unsafe { SerialPort::new(COM1) });

// SAFETY: 0x2F8 is COM2's base port; this is the only place that drives it.
static COM2_PORT: Mutex<SerialPort> = Mutex::new(unsafe { SerialPort::new(COM2) });

/// Programs COM1 and COM2 (38400 8N1, FIFOs on with a 14-byte trigger; the uart_16550 crate
/// also sets IER bit 0, which raises nothing until [`route_input_interrupt`] routes IRQ 4).
pub fn init() {
    COM1_PORT.lock().init();
    COM2_PORT.lock().init();
}

/// Routes COM1's receive interrupt to [`COM1_VECTOR`] on the local APIC `apic_id`: finds IRQ 4's
/// I/O APIC pin in the ACPI MADT, programs it, and enables the UART's received-data interrupt.
pub fn route_input_interrupt(madt: &Madt, phys_offset: u64, apic_id: u32) -> Result<IsaRoute, &'static str> {
    let r = madt.isa_route(COM1_IRQ)?;
    super::ioapic::route(phys_offset, r.ioapic, r.pin, COM1_VECTOR, apic_id, r.active_low, r.level);
    let _port = COM1_PORT.lock();
    // COM1's interrupt enable register, written with COM1's lock held;
    // SAFETY: enabling the received-data interrupt changes no data the port holds.
    unsafe { Port::<u8>::new(COM1 + REG_IER).write(IER_RECEIVED_DATA) };
    Ok(r)
}

/// One byte COM1 has received, if any: reading it takes it out of the FIFO (and, with the FIFO
/// empty, lowers the interrupt line).
pub fn receive() -> Option<u8> {
    COM1_PORT.lock().try_receive().ok()
}

/// Line status register and its "transmitter holding register empty" bit: with the FIFOs on,
/// the whole transmit FIFO is empty.
const REG_LSR: u16 = 5;
const LSR_THR_EMPTY: u8 = 1 << 5;
/// The 16550's transmit FIFO: once the line status says it is empty, this many bytes may go
/// without asking again (Linux's 8250 driver fills `tx_loadsz` the same way).
const TX_FIFO: usize = 16;

/// Sends `bytes` through the UART at `base`. The caller holds the port's lock (or owns the port).
fn transmit(base: u16, bytes: &[u8]) {
    Raw::new(base).send(bytes);
}

/// Writes the program's stdout bytes: to the virtio console when the runner attached one
/// (a buffer per request, [`super::virtio_console`]), else to COM2.
pub fn write_stdout(bytes: &[u8]) {
    if super::virtio_console::write(bytes) {
        return;
    }
    let _port = COM2_PORT.lock();
    transmit(COM2, bytes);
}

/// A UART's transmitter as a `fmt::Write` sink of raw bytes (no backspace or DEL translation):
/// each piece goes straight to the data port by `rep outsb`, with one line-status read per
/// FIFO-full of bytes (Linux's 8250 driver fills `tx_loadsz` the same way) rather than per
/// byte. Nothing is copied or buffered, so a line's pieces cost their bytes and a few
/// instructions each. Its owner holds the port's lock ([`with_com1`]) or owns the port.
pub struct Raw {
    base: u16,
    /// Bytes the transmit FIFO takes before the line status must be read again: none until
    /// the first read, since another writer may have filled it.
    room: usize,
}

impl Raw {
    const fn new(base: u16) -> Raw {
        Raw { base, room: 0 }
    }

    /// Sends `bytes`, waiting for an empty transmit FIFO before each FIFO-full.
    pub fn send(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.room == 0 {
                let mut lsr: Port<u8> = Port::new(self.base + REG_LSR);
                // reading the line status register has no side effect on the data it reports;
                // SAFETY: `base` is one of this module's UARTs, which the owner of `self` may drive.
                while unsafe { lsr.read() } & LSR_THR_EMPTY == 0 {
                    core::hint::spin_loop();
                }
                self.room = TX_FIFO;
            }
            let (now, rest) = bytes.split_at(bytes.len().min(self.room));
            // `rep outsb` reads `now.len()` bytes from `now` (valid, initialised) and writes them
            // to the data port; the transmit FIFO has room for them (`room`).
            // SAFETY: DF is clear in the kernel (every entry clears it), so RSI counts up.
            unsafe {
                core::arch::asm!(
                    "rep outsb",
                    in("dx") self.base,
                    inout("rsi") now.as_ptr() => _,
                    inout("rcx") now.len() => _,
                    options(nostack, preserves_flags, readonly)
                )
            };
            self.room -= now.len();
            bytes = rest;
        }
    }
}

impl fmt::Write for Raw {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.send(s.as_bytes());
        Ok(())
    }
}

/// Runs `f` with COM1 to itself: the lock is held throughout, so whatever `f` writes goes out
/// whole, never interleaved with another CPU's output.
pub fn with_com1<R>(f: impl FnOnce(&mut Raw) -> R) -> R {
    let _port = COM1_PORT.lock();
    f(&mut Raw::new(COM1))
}

/// The same without taking the lock: for the last words of a panic or fault handler, which may
/// have interrupted the lock's holder (a torn line is acceptable when the machine is going down).
pub fn with_com1_unlocked<R>(f: impl FnOnce(&mut Raw) -> R) -> R {
    f(&mut Raw::new(COM1))
}

/// Where a log line or the program's stderr is written: COM1's transmitter, or a batch for the
/// virtio log console.
pub trait Sink: fmt::Write {
    fn send(&mut self, bytes: &[u8]);
}

impl Sink for Raw {
    fn send(&mut self, bytes: &[u8]) {
        Raw::send(self, bytes)
    }
}

impl Sink for super::virtio_console::Batch<'_> {
    fn send(&mut self, bytes: &[u8]) {
        super::virtio_console::Batch::send(self, bytes)
    }
}

/// Set once the log console carries the log ([`hand_over_log`]).
static HANDED_OVER: AtomicBool = AtomicBool::new(false);

/// Moves the log and stderr from COM1 to the virtio log console, if [`super::virtio_console`]
/// found one: COM1's last line is the hand-over mark ([`abi::rt0::LOG_HANDOVER`]), whatever the
/// log level (the runner splices the console's text in after it and shows neither the mark nor
/// its place). Returns whether the log moved.
pub fn hand_over_log() -> bool {
    if !super::virtio_console::has_log() {
        return false;
    }
    // Under COM1's lock: a line another CPU writes to COM1 is whole before the mark.
    let _port = COM1_PORT.lock();
    transmit(COM1, abi::rt0::LOG_HANDOVER.as_bytes());
    transmit(COM1, b"\n");
    HANDED_OVER.store(true, Ordering::Release);
    true
}

/// Runs `f` with the log's sink to itself — COM1 before the hand-over, the log console after —
/// so whatever `f` writes goes out whole, never interleaved with another CPU's output.
pub fn with_log<R>(f: impl FnOnce(&mut dyn Sink) -> R) -> R {
    let mut f = Some(f);
    if HANDED_OVER.load(Ordering::Acquire)
        && let Some(r) = super::virtio_console::with_log(|batch| f.take().map(|f| f(batch)))
    {
        return r.expect("the log's writer runs once");
    }
    let f = f.expect("the log's writer runs once");
    with_com1(|raw| f(raw))
}

/// Writes raw bytes (the program's stderr) to the log's sink with its lock held for the whole
/// slice, so lines never interleave.
pub fn write_bytes(bytes: &[u8]) {
    with_log(|out| out.send(bytes));
}
