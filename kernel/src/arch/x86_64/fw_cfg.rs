//! QEMU's firmware configuration device (fw_cfg), legacy I/O-port interface.
//!
//! The runner hands the kernel its command line as the fw_cfg file `opt/rt0/cmdline`
//! (`-fw_cfg name=opt/rt0/cmdline,file=…`). Protocol (QEMU docs/specs/fw_cfg.rst): write a 16-bit
//! selector to port 0x510, then read the item byte by byte from port 0x511. Item 0 is the
//! signature "QEMU"; item 0x19 is the file directory: a big-endian u32 count, then per file a
//! big-endian u32 size, u16 selector, u16 reserved and a 56-byte NUL-padded name.
use x86_64::instructions::port::Port;

const SELECTOR_PORT: u16 = 0x510;
const DATA_PORT: u16 = 0x511;
const FW_CFG_SIGNATURE: u16 = 0x0000;
const FW_CFG_FILE_DIR: u16 = 0x0019;
const NAME_LEN: usize = 56;

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

/// Reads the fw_cfg file `name` into `buf`; returns its full length (which may exceed
/// `buf.len()`, in which case only the first `buf.len()` bytes were read). `None` when there is
/// no fw_cfg device or no such file.
pub fn read_file(name: &str, buf: &mut [u8]) -> Option<usize> {
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
            cfg.select(u16::from_be_bytes([sel[0], sel[1]]));
            let n = size.min(buf.len());
            cfg.read(&mut buf[..n]);
            return Some(size);
        }
    }
    None
}
