//! Virtio over PCI, the legacy (0.9.5) I/O-port interface, and the console device: the
//! constants of Linux's `include/uapi/linux/virtio_pci.h`, `virtio_config.h`, `virtio_ring.h`
//! and `virtio_ids.h`, and PCI configuration space (`include/uapi/linux/pci_regs.h`), as rt0's
//! kernel drives them.

/// PCI configuration mechanism #1 (Linux arch/x86/pci/direct.c): the address port and the
/// data port.
pub const PCI_CONFIG_ADDRESS: u16 = 0xcf8;
pub const PCI_CONFIG_DATA: u16 = 0xcfc;
/// Configuration space offsets: vendor and device id, command, first base address register.
pub const PCI_VENDOR_ID: u8 = 0x00;
pub const PCI_COMMAND: u8 = 0x04;
pub const PCI_BASE_ADDRESS_0: u8 = 0x10;
/// The header type byte; its top bit says the device has several functions.
pub const PCI_HEADER_TYPE: u8 = 0x0e;
pub const PCI_HEADER_TYPE_MULTI_FUNCTION: u8 = 0x80;
/// Command register bits: I/O space decoding, bus mastering (the device's DMA).
pub const PCI_COMMAND_IO: u16 = 0x1;
pub const PCI_COMMAND_MASTER: u16 = 0x4;
/// A BAR naming I/O space has bit 0 set; the rest above bit 1 is the port base.
pub const PCI_BASE_ADDRESS_SPACE_IO: u32 = 0x1;
pub const PCI_BASE_ADDRESS_IO_MASK: u32 = !0x3;

/// Red Hat's virtio vendor id, and the console's transitional (legacy-capable) device id.
pub const PCI_VENDOR_ID_REDHAT_QUMRANET: u16 = 0x1af4;
pub const VIRTIO_PCI_DEVICE_CONSOLE_LEGACY: u16 = 0x1003;

/// Legacy register offsets in BAR 0 (virtio_pci.h), without MSI-X.
pub const VIRTIO_PCI_HOST_FEATURES: u16 = 0x00;
pub const VIRTIO_PCI_GUEST_FEATURES: u16 = 0x04;
pub const VIRTIO_PCI_QUEUE_PFN: u16 = 0x08;
pub const VIRTIO_PCI_QUEUE_NUM: u16 = 0x0c;
pub const VIRTIO_PCI_QUEUE_SEL: u16 = 0x0e;
pub const VIRTIO_PCI_QUEUE_NOTIFY: u16 = 0x10;
pub const VIRTIO_PCI_STATUS: u16 = 0x12;
/// A legacy queue's address is given as a page frame number of this shift.
pub const VIRTIO_PCI_QUEUE_ADDR_SHIFT: u32 = 12;
/// Legacy rings place the used ring at this alignment.
pub const VIRTIO_PCI_VRING_ALIGN: usize = 4096;

/// Device status bits (virtio_config.h).
pub const VIRTIO_CONFIG_S_ACKNOWLEDGE: u8 = 1;
pub const VIRTIO_CONFIG_S_DRIVER: u8 = 2;
pub const VIRTIO_CONFIG_S_DRIVER_OK: u8 = 4;
pub const VIRTIO_CONFIG_S_FAILED: u8 = 0x80;

/// The driver polls the used ring and asks the device not to interrupt it.
pub const VRING_AVAIL_F_NO_INTERRUPT: u16 = 1;

/// The console's transmit queue when VIRTIO_CONSOLE_F_MULTIPORT is not negotiated: port 0 has
/// queue 0 to receive and queue 1 to transmit (Linux drivers/char/virtio_console.c).
pub const VIRTIO_CONSOLE_TRANSMITQ: u16 = 1;

/// One descriptor of a split virtqueue: a guest-physical buffer (flags 0: the chain's only one).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VringDesc {
    pub addr: u64,
    pub len: u32,
    pub flags: u16,
    pub next: u16,
}

/// One entry of the used ring: the head descriptor's index and the bytes the device wrote.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VringUsedElem {
    pub id: u32,
    pub len: u32,
}

const _: () = assert!(core::mem::size_of::<VringDesc>() == 16);
const _: () = assert!(core::mem::size_of::<VringUsedElem>() == 8);

/// Where a legacy split ring of `num` entries puts its parts (Linux's `vring_init` with
/// [`VIRTIO_PCI_VRING_ALIGN`]): the available ring's offset, the used ring's offset, and the
/// whole size. The descriptor table is at offset 0.
pub const fn vring_layout(num: usize) -> (usize, usize, usize) {
    let avail = core::mem::size_of::<VringDesc>() * num;
    // flags, idx, ring[num], used_event
    let avail_end = avail + 2 * (3 + num);
    let used = avail_end.div_ceil(VIRTIO_PCI_VRING_ALIGN) * VIRTIO_PCI_VRING_ALIGN;
    // flags, idx, ring[num], avail_event
    let used_end = used + 4 + core::mem::size_of::<VringUsedElem>() * num + 2;
    (avail, used, used_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_128_entry_ring_is_two_pages_as_linux_lays_it_out() {
        // vring_size(128, 4096): 2048 + 262 rounded up to 4096, then 6 + 1024.
        assert_eq!(vring_layout(128), (2048, 4096, 4096 + 1030));
        assert_eq!(vring_layout(256), (4096, 8192, 8192 + 2054));
    }
}
