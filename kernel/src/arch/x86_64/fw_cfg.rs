//! QEMU's firmware configuration device (fw_cfg), legacy I/O-port interface.
//!
//! The runner hands the kernel its command line as the fw_cfg file `opt/rt0/cmdline`
//! (`-fw_cfg name=opt/rt0/cmdline,file=…`). Protocol (QEMU docs/specs/fw_cfg.rst): write a 16-bit
//! selector to port 0x510, then read the item byte by byte from port 0x511. Item 0 is the
//! signature "QEMU"; item 0x19 is the file directory: a big-endian u32 count, then per file a
//! big-endian u32 size, u16 selector, u16 reserved and a 56-byte NUL-padded name.
//!
//! Big files (the read-only file tree) go through the DMA interface instead ([`dma_read`]): the
//! guest writes the physical address of a `FWCfgDmaAccess` (big-endian control, length,
//! address) to port 0x514 (high half) and 0x518 (low half, which starts the transfer); QEMU
//! copies the bytes into guest memory at once and clears the control word. A byte per port read
//! costs a trip through QEMU's I/O dispatch: tens of seconds for tens of MiB under TCG.
use x86_64::instructions::port::Port;

const SELECTOR_PORT: u16 = 0x510;
const DATA_PORT: u16 = 0x511;
const FW_CFG_SIGNATURE: u16 = 0x0000;
const FW_CFG_ID: u16 = 0x0001;
const FW_CFG_FILE_DIR: u16 = 0x0019;
const NAME_LEN: usize = 56;
/// FW_CFG_ID's feature bit for the DMA interface.
const FEATURE_DMA: u32 = 1 << 1;
const DMA_PORT_HIGH: u16 = 0x514;
const DMA_PORT_LOW: u16 = 0x518;
const DMA_CTL_ERROR: u32 = 0x01;
const DMA_CTL_READ: u32 = 0x02;
const DMA_CTL_SELECT: u32 = 0x08;

/// `FWCfgDmaAccess`: every field big-endian. 16-byte aligned, so it never straddles a page.
#[repr(C, align(16))]
struct DmaAccess {
    control: u32,
    length: u32,
    address: u64,
}

struct FwCfg {
    selector: Port<u16>,
    data: Port<u8>,
}

impl FwCfg {
    fn new() -> Self {
        Self { selector: Port::new(SELECTOR_PORT), data: Port::new(DATA_PORT) }
    }

    fn select(&mut self, item: u16) {
        // SAFETY: writing a selector to fw_cfg only chooses which item the data port returns.
        unsafe { self.selector.write(item) }
    }

    fn read(&mut self, buf: &mut [u8]) {
        for b in buf {
            // SAFETY: reading the data port advances fw_cfg's cursor and has no other effect;
            // past the end of an item it returns 0.
            *b = unsafe { self.data.read() };
        }
    }

    fn read_be32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.read(&mut b);
        u32::from_be_bytes(b)
    }
}

/// The selector and size of the fw_cfg file `name`; `None` when there is no fw_cfg device or no
/// such file.
pub fn find(name: &str) -> Option<(u16, usize)> {
    let mut cfg = FwCfg::new();
    cfg.select(FW_CFG_SIGNATURE);
    let mut sig = [0; 4];
    cfg.read(&mut sig);
    if &sig != b"QEMU" {
        return None;
    }
    cfg.select(FW_CFG_FILE_DIR);
    let count = cfg.read_be32();
    for _ in 0..count {
        let size = cfg.read_be32() as usize;
        let mut sel = [0; 4];
        cfg.read(&mut sel);
        let mut file_name = [0; NAME_LEN];
        cfg.read(&mut file_name);
        let len = file_name.iter().position(|&c| c == 0).unwrap_or(NAME_LEN);
        if &file_name[..len] == name.as_bytes() {
            return Some((u16::from_be_bytes([sel[0], sel[1]]), size));
        }
    }
    None
}

/// Whether the device has the DMA interface (QEMU's pc machines since 2.9 do).
pub fn has_dma() -> bool {
    let mut cfg = FwCfg::new();
    cfg.select(FW_CFG_ID);
    let mut id = [0; 4];
    cfg.read(&mut id);
    u32::from_le_bytes(id) & FEATURE_DMA != 0
}

/// Reads item `selector` from its start by DMA: each `(physical address, length)` of `pieces`
/// in turn receives the next bytes. `me` translates the kernel-virtual address of a stack
/// variable to its physical address (the device reads the request from physical memory). False
/// if the device reports an error.
///
/// # Safety
/// Every piece must be physical memory the caller owns and nothing else uses while this runs.
pub unsafe fn dma_read(selector: u16, pieces: impl Iterator<Item = (u64, u32)>, me: impl Fn(u64) -> u64) -> bool {
    let mut first = true;
    for (phys, len) in pieces {
        let mut control = DMA_CTL_READ;
        if first {
            control |= (u32::from(selector) << 16) | DMA_CTL_SELECT;
            first = false;
        }
        let mut access = DmaAccess { control: control.to_be(), length: len.to_be(), address: phys.to_be() };
        let request = &mut access as *mut DmaAccess;
        let at = me(request as u64);
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
        let (mut high, mut low) = (Port::<u32>::new(DMA_PORT_HIGH), Port::<u32>::new(DMA_PORT_LOW));
        // The request lives on this stack until the device has cleared its control word below,
        // and it names memory the caller owns; writing the low half starts the copy.
        // SAFETY: so the device writes only memory it was given, while it is alive.
        unsafe {
            high.write(((at >> 32) as u32).to_be());
            low.write((at as u32).to_be());
        }
        loop {
            // `request` points at `access`, alive in this frame; the device writes the control
            // word behind the compiler's back, hence the volatile read.
            // SAFETY: so the read is of live, aligned memory.
            let c = u32::from_be(unsafe { core::ptr::addr_of!((*request).control).read_volatile() });
            if c & DMA_CTL_ERROR != 0 {
                return false;
            }
            if c == 0 {
                break;
            }
            core::hint::spin_loop();
        }
    }
    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
    true
}

/// Reads the fw_cfg file `name` into `buf`; returns its full length (which may exceed
/// `buf.len()`, in which case only the first `buf.len()` bytes were read). `None` when there is
/// no fw_cfg device or no such file.
pub fn read_file(name: &str, buf: &mut [u8]) -> Option<usize> {
    let (selector, size) = find(name)?;
    let mut cfg = FwCfg::new();
    cfg.select(selector);
    let n = size.min(buf.len());
    cfg.read(&mut buf[..n]);
    Some(size)
}
