//! PCI configuration space through configuration mechanism #1, the I/O ports 0xCF8/0xCFC
//! (Linux arch/x86/pci/direct.c): enough to find a device on bus 0 and enable it. QEMU's pc
//! machine puts every device on bus 0.
use abi::virtio::{
    PCI_CONFIG_ADDRESS, PCI_CONFIG_DATA, PCI_HEADER_TYPE, PCI_HEADER_TYPE_MULTI_FUNCTION, PCI_VENDOR_ID,
};
use spin::Mutex;
use x86_64::instructions::port::Port;

/// The address/data pair is one shared cursor: a read is two port accesses that must not
/// interleave with another CPU's.
static CONFIG: Mutex<()> = Mutex::new(());

/// A function's address on the bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bdf {
    pub bus: u8,
    pub device: u8,
    pub function: u8,
}

impl Bdf {
    fn address(self, offset: u8) -> u32 {
        0x8000_0000
            | (u32::from(self.bus) << 16)
            | (u32::from(self.device) << 11)
            | (u32::from(self.function) << 8)
            | u32::from(offset & 0xfc)
    }

    /// The configuration dword at `offset` (rounded down to a dword).
    pub fn read32(self, offset: u8) -> u32 {
        let _g = CONFIG.lock();
        let (mut addr, mut data) = (Port::<u32>::new(PCI_CONFIG_ADDRESS), Port::<u32>::new(PCI_CONFIG_DATA));
        // Mechanism #1's ports select and read configuration space and touch no memory;
        // the lock keeps the select and the read together.
        // SAFETY: so the block below is sound.
        unsafe {
            addr.write(self.address(offset));
            data.read()
        }
    }

    /// Writes the configuration dword at `offset` (rounded down to a dword).
    pub fn write32(self, offset: u8, value: u32) {
        let _g = CONFIG.lock();
        let (mut addr, mut data) = (Port::<u32>::new(PCI_CONFIG_ADDRESS), Port::<u32>::new(PCI_CONFIG_DATA));
        // As in `read32`; what the write changes is the caller's to decide (it owns the
        // device it found).
        // SAFETY: so the block below is sound.
        unsafe {
            addr.write(self.address(offset));
            data.write(value);
        }
    }
}

/// The first function on bus 0 with this vendor and device id that `accept` takes. As Linux's scan does, a device
/// whose function 0 is absent is skipped whole, and functions 1–7 are looked at only when
/// function 0's header says it has several.
pub fn find(vendor: u16, device: u16, accept: impl Fn(Bdf) -> bool) -> Option<Bdf> {
    let want = (u32::from(device) << 16) | u32::from(vendor);
    for d in 0..32u8 {
        let f0 = Bdf { bus: 0, device: d, function: 0 };
        let id = f0.read32(PCI_VENDOR_ID);
        if id & 0xffff == 0xffff {
            continue;
        }
        if id == want && accept(f0) {
            return Some(f0);
        }
        let header_type = (f0.read32(PCI_HEADER_TYPE & 0xfc) >> 16) as u8;
        if header_type & PCI_HEADER_TYPE_MULTI_FUNCTION != 0
            && let Some(b) =
                (1..8u8).map(|f| Bdf { function: f, ..f0 }).find(|&b| b.read32(PCI_VENDOR_ID) == want && accept(b))
        {
            return Some(b);
        }
    }
    None
}
