//! The virtio console, transmit side: the program's stdout leaves the guest a buffer at a time
//! (Linux drivers/char/virtio_console.c's port 0, over the legacy PCI transport of
//! drivers/virtio/virtio_pci_legacy.c and a split ring as drivers/virtio/virtio_ring.c lays it
//! out). The runner attaches `virtconsole` on a `virtio-serial-pci` device to its stdout file.
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

static CONSOLE: Once<Mutex<Console>> = Once::new();

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

/// Finds and starts the console; false when there is none (the runner did not attach one, or
/// it could not be set up), and stdout stays on COM2. `phys` translates a kernel-virtual
/// address to its physical address (0 if unmapped).
pub fn init(phys: impl Fn(u64) -> u64) -> bool {
    let Some(bdf) = super::pci::find(PCI_VENDOR_ID_REDHAT_QUMRANET, VIRTIO_PCI_DEVICE_CONSOLE_LEGACY) else {
        return false;
    };
    let bar = bdf.read32(PCI_BASE_ADDRESS_0);
    if bar & PCI_BASE_ADDRESS_SPACE_IO == 0 {
        return false;
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
    let ring = (num != 0).then(|| dma_alloc(size, &phys)).flatten();
    let bounce = dma_alloc(BOUNCE, &phys);
    let (Some((ring, ring_phys)), Some((bounce, bounce_phys))) = (ring, bounce) else {
        status(VIRTIO_CONFIG_S_FAILED);
        return false;
    };
    // The ring is zeroed memory of `size` bytes owned here; its available ring's flags
    // word is at `avail_off`.
    // SAFETY: so the block below is sound.
    unsafe { (ring.add(avail_off) as *mut u16).write_volatile(VRING_AVAIL_F_NO_INTERRUPT) };
    // SAFETY: the page frame number of the ring just set up, for the selected queue.
    unsafe { Port::<u32>::new(io + VIRTIO_PCI_QUEUE_PFN).write((ring_phys >> VIRTIO_PCI_QUEUE_ADDR_SHIFT) as u32) };
    status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK);
    CONSOLE.call_once(|| Mutex::new(Console { io, ring, num, avail_off, used_off, avail_idx: 0, bounce, bounce_phys }));
    true
}

/// Sends `bytes` through port 0, in order and whole; false when there is no console.
pub fn write(bytes: &[u8]) -> bool {
    let Some(console) = CONSOLE.get() else { return false };
    let mut c = console.lock();
    for chunk in bytes.chunks(BOUNCE) {
        c.send(chunk);
    }
    true
}

impl Console {
    fn send(&mut self, chunk: &[u8]) {
        let desc = VringDesc { addr: self.bounce_phys, len: chunk.len() as u32, flags: 0, next: 0 };
        let slot = 4 + 2 * (self.avail_idx % self.num) as usize;
        self.avail_idx = self.avail_idx.wrapping_add(1);
        // The bounce buffer and the ring are this driver's (module comment) and the
        // device holds neither: the previous request came back before this one (the spin
        // below). Descriptor 0 is the only one used; the offsets are within the ring's layout.
        // SAFETY: so the block below is sound.
        unsafe {
            core::ptr::copy_nonoverlapping(chunk.as_ptr(), self.bounce, chunk.len());
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
