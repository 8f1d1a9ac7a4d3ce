//! The virtio consoles, transmit side: the program's stdout, and the kernel's log with the
//! program's stderr, leave the guest a buffer at a time (Linux drivers/char/virtio_console.c's
//! port 0, over the legacy PCI transport of drivers/virtio/virtio_pci_legacy.c and a split ring
//! as drivers/virtio/virtio_ring.c lays it out). The runner attaches two `virtio-serial-pci`
//! devices, each with a `virtconsole`: the log's in PCI slot [`LOG_CONSOLE_SLOT`], stdout's in
//! another.
//!
//! Why: a 16550 hands QEMU one byte per port write, and QEMU's chardev writes each byte to the
//! host with its own write(2); 4 MB of output took 3.7 s on one CPU and 15.9 s on four, where the
//! CPUs queue for QEMU's global lock on every byte. A virtqueue request carries a whole buffer:
//! one exit and one host write per chunk.
//!
//! One descriptor is in flight at a time: a chunk is copied into a bounce buffer in the kernel
//! heap (which the bootloader maps linearly, so it is physically contiguous; `init` checks), its
//! descriptor is made available, the device is notified, and the writer spins until the used
//! ring shows it back. QEMU consumes a console's buffer during the notifying port write itself
//! when its chardev is a file, so the spin ends at once; the ring lives with its lock, so lines
//! written at once never interleave. No features are negotiated (no multiport: port 0 is queues
//! 0 and 1), and the ring asks for no interrupts.
use abi::rt0::LOG_CONSOLE_SLOT;
use abi::virtio::*;
use alloc::alloc::{Layout, alloc_zeroed};
use core::sync::atomic::{Ordering, fence};
use spin::{Mutex, Once};
use x86_64::instructions::port::Port;

/// Bytes one request carries at most: the console layer writes 2 KiB chunks.
const BOUNCE: usize = 4096;

struct Console {
    /// BAR 0's I/O base.
    io: u16,
    /// The ring (kernel-virtual) and its entries.
    ring: *mut u8,
    num: u16,
    avail_off: usize,
    used_off: usize,
    /// The next available index, which the used index reaches when all is sent.
    avail_idx: u16,
    bounce: *mut u8,
    bounce_phys: u64,
}

// The raw pointers name memory this driver allocated and owns for good; every use is
// under the Mutex below.
// SAFETY: so the block below is sound.
unsafe impl Send for Console {}

static STDOUT: Once<Mutex<Console>> = Once::new();
static LOG: Once<Mutex<Console>> = Once::new();

/// Allocates `bytes` zeroed, page-aligned kernel-heap memory and returns it with its physical
/// address, or None when `phys` does not map it contiguously.
fn dma_alloc(bytes: usize, phys: &impl Fn(u64) -> u64) -> Option<(*mut u8, u64)> {
    let layout = Layout::from_size_align(bytes, 4096).ok()?;
    // The layout has a non-zero size; the memory is never freed (the driver lives for
    // the whole run).
    // SAFETY: so the block below is sound.
    let p = unsafe { alloc_zeroed(layout) };
    if p.is_null() {
        return None;
    }
    let base = phys(p as u64);
    let contiguous = (0..bytes.div_ceil(4096)).all(|i| phys(p as u64 + i as u64 * 4096) == base + i as u64 * 4096);
    (base != 0 && contiguous).then_some((p, base))
}

/// Finds and starts the consoles the runner attached; says which it found. Without the stdout
/// console stdout stays on COM2, without the log console the log on COM1. `phys` translates a
/// kernel-virtual address to its physical address (0 if unmapped).
pub fn init(phys: impl Fn(u64) -> u64) -> Found {
    let find = |log: bool| {
        super::pci::find(PCI_VENDOR_ID_REDHAT_QUMRANET, VIRTIO_PCI_DEVICE_CONSOLE_LEGACY, |b| {
            (b.device == LOG_CONSOLE_SLOT && b.function == 0) == log
        })
    };
    let mut found = Found { stdout: false, log: false };
    if let Some(c) = find(false).and_then(|bdf| Console::start(bdf, &phys)) {
        STDOUT.call_once(|| Mutex::new(c));
        found.stdout = true;
    }
    if let Some(c) = find(true).and_then(|bdf| Console::start(bdf, &phys)) {
        LOG.call_once(|| Mutex::new(c));
        found.log = true;
    }
    found
}

/// Which consoles [`init`] found.
pub struct Found {
    pub stdout: bool,
    pub log: bool,
}

/// Sends `bytes` through the stdout console, in order and whole; false when there is none.
pub fn write(bytes: &[u8]) -> bool {
    let Some(console) = STDOUT.get() else { return false };
    let mut c = console.lock();
    for chunk in bytes.chunks(BOUNCE) {
        c.fill(0, chunk);
        c.send(chunk.len());
    }
    true
}

/// Whether [`init`] found the log console.
pub fn has_log() -> bool {
    LOG.get().is_some()
}

/// Runs `f` with the log console to itself, gathering what it writes into requests of up to
/// [`BOUNCE`] bytes (a log line is one); None, without calling `f`, when there is no log console.
pub fn with_log<R>(f: impl FnOnce(&mut Batch) -> R) -> Option<R> {
    let console = LOG.get()?;
    let mut batch = Batch { console: &mut console.lock(), len: 0 };
    let r = f(&mut batch);
    batch.flush();
    Some(r)
}

/// What one holder of the log console writes, in the bounce buffer until it is full or done.
pub struct Batch<'a> {
    console: &'a mut Console,
    len: usize,
}

impl Batch<'_> {
    pub fn send(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let (now, rest) = bytes.split_at(bytes.len().min(BOUNCE - self.len));
            self.console.fill(self.len, now);
            self.len += now.len();
            if self.len == BOUNCE {
                self.flush();
            }
            bytes = rest;
        }
    }

    fn flush(&mut self) {
        if self.len > 0 {
            self.console.send(self.len);
            self.len = 0;
        }
    }
}

impl core::fmt::Write for Batch<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.send(s.as_bytes());
        Ok(())
    }
}

impl Console {
    /// Resets the device at `bdf`, sets up its transmit queue and says DRIVER_OK; None (and the
    /// device marked FAILED) if it cannot be used.
    fn start(bdf: super::pci::Bdf, phys: &impl Fn(u64) -> u64) -> Option<Console> {
        let bar = bdf.read32(PCI_BASE_ADDRESS_0);
        if bar & PCI_BASE_ADDRESS_SPACE_IO == 0 {
            return None;
        }
        let io = (bar & PCI_BASE_ADDRESS_IO_MASK) as u16;
        let command = bdf.read32(PCI_COMMAND);
        bdf.write32(PCI_COMMAND, command | u32::from(PCI_COMMAND_IO | PCI_COMMAND_MASTER));
        let status = |s: u8| {
            // The status register of the device found above; writing it steps the device
            // through its initialization (or resets it, with 0).
            // SAFETY: so the block below is sound.
            unsafe { Port::<u8>::new(io + VIRTIO_PCI_STATUS).write(s) }
        };
        status(0);
        status(VIRTIO_CONFIG_S_ACKNOWLEDGE);
        status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
        // The device's own registers: no features taken, the transmit queue selected and
        // its size read.
        // SAFETY: so the block below is sound.
        let num = unsafe {
            Port::<u32>::new(io + VIRTIO_PCI_GUEST_FEATURES).write(0);
            Port::<u16>::new(io + VIRTIO_PCI_QUEUE_SEL).write(VIRTIO_CONSOLE_TRANSMITQ);
            Port::<u16>::new(io + VIRTIO_PCI_QUEUE_NUM).read()
        };
        let (avail_off, used_off, size) = vring_layout(num as usize);
        let ring = (num != 0).then(|| dma_alloc(size, phys)).flatten();
        let bounce = dma_alloc(BOUNCE, phys);
        let (Some((ring, ring_phys)), Some((bounce, bounce_phys))) = (ring, bounce) else {
            status(VIRTIO_CONFIG_S_FAILED);
            return None;
        };
        // The ring is zeroed memory of `size` bytes owned here; its available ring's flags
        // word is at `avail_off`.
        // SAFETY: so the block below is sound.
        unsafe { (ring.add(avail_off) as *mut u16).write_volatile(VRING_AVAIL_F_NO_INTERRUPT) };
        // SAFETY: the page frame number of the ring just set up, for the selected queue.
        unsafe { Port::<u32>::new(io + VIRTIO_PCI_QUEUE_PFN).write((ring_phys >> VIRTIO_PCI_QUEUE_ADDR_SHIFT) as u32) };
        status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK);
        Some(Console { io, ring, num, avail_off, used_off, avail_idx: 0, bounce, bounce_phys })
    }

    /// Copies `bytes` into the bounce buffer at `at`.
    fn fill(&mut self, at: usize, bytes: &[u8]) {
        assert!(at + bytes.len() <= BOUNCE);
        // The bounce buffer is this driver's, BOUNCE bytes long (checked above), and the device
        // holds none of it: the last request came back before its sender returned.
        // SAFETY: so the block below is sound.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.bounce.add(at), bytes.len()) };
    }

    /// Sends the bounce buffer's first `len` bytes and waits until the device has them.
    fn send(&mut self, len: usize) {
        let desc = VringDesc { addr: self.bounce_phys, len: len as u32, flags: 0, next: 0 };
        let slot = 4 + 2 * (self.avail_idx % self.num) as usize;
        self.avail_idx = self.avail_idx.wrapping_add(1);
        // The ring is this driver's (module comment) and the device holds none of it: the
        // previous request came back before this one (the spin below). Descriptor 0 is the
        // only one used; the offsets are within the ring's layout.
        // SAFETY: so the block below is sound.
        unsafe {
            (self.ring as *mut VringDesc).write_volatile(desc);
            (self.ring.add(self.avail_off + slot) as *mut u16).write_volatile(0);
            fence(Ordering::SeqCst);
            (self.ring.add(self.avail_off + 2) as *mut u16).write_volatile(self.avail_idx);
            fence(Ordering::SeqCst);
            Port::<u16>::new(self.io + VIRTIO_PCI_QUEUE_NOTIFY).write(VIRTIO_CONSOLE_TRANSMITQ);
        }
        // SAFETY: the used ring's index word, which the device writes; read volatile.
        while unsafe { (self.ring.add(self.used_off + 2) as *const u16).read_volatile() } != self.avail_idx {
            core::hint::spin_loop();
        }
        fence(Ordering::SeqCst);
    }
}
