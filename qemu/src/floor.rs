//! The boot-time floor: the smallest image QEMU's `-kernel` boots, a Linux boot protocol header
//! (`abi::bootparam`) whose real-mode entry writes 0 to isa-debug-exit at once. Run behind qboot
//! (`/usr/share/qemu/qboot.rom`, QEMU's minimal firmware), it is what starting QEMU and a guest
//! costs at the least; `cargo run --bin bench` times rt0's boots side by side with it.

use abi::bootparam as bp;

/// The image: a boot sector, one setup sector holding the header and the code, and one sector
/// of (unused) protected-mode kernel, which QEMU's loader expects to find after the setup.
pub fn image() -> Vec<u8> {
    let mut img = vec![0u8; 3 * 512];
    img[bp::SETUP_SECTS] = 1;
    img[bp::BOOT_FLAG_AT..bp::BOOT_FLAG_AT + 2].copy_from_slice(&bp::BOOT_FLAG.to_le_bytes());
    // jmp short CODE: the displacement counts from the end of the two-byte instruction.
    img[bp::JUMP] = 0xeb;
    img[bp::JUMP + 1] = (CODE - (bp::JUMP + 2)) as u8;
    img[bp::HEADER..bp::HEADER + 4].copy_from_slice(&bp::HDRS.to_le_bytes());
    img[bp::VERSION..bp::VERSION + 2].copy_from_slice(&0x0206u16.to_le_bytes());
    img[bp::LOADFLAGS] = bp::LOADED_HIGH;
    img[bp::INITRD_ADDR_MAX..bp::INITRD_ADDR_MAX + 4].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let [port, ..] = abi::rt0::DEBUG_EXIT_PORT.to_le_bytes();
    // mov al, 0; out PORT, al (QEMU exits with status 1); cli; hlt; jmp back to the hlt.
    let code = [0xb0, 0x00, 0xe6, port, 0xfa, 0xf4, 0xeb, 0xfd];
    img[CODE..CODE + code.len()].copy_from_slice(&code);
    img
}

/// Where the code starts: past the header's fields (which end before 0x270 in protocol 2.06).
const CODE: usize = 0x280;

/// QEMU with no window, monitor or serial port, no NIC, stopping instead of rebooting, on rt0's
/// CPU model: what the floor and the bare SeaBIOS start the bench times beside it share.
pub const HEADLESS: &[&str] = &[
    "-cpu",
    crate::CPU_MODEL,
    "-display",
    "none",
    "-monitor",
    "none",
    "-serial",
    "null",
    "-no-reboot",
    "-net",
    "none",
];

/// The QEMU arguments that boot [`image`] (written at `kernel`) behind qboot and stop.
pub fn qemu_args(kernel: &std::path::Path) -> Vec<String> {
    let mut args: Vec<String> = HEADLESS.iter().map(|s| s.to_string()).collect();
    args.extend(["-bios".into(), "/usr/share/qemu/qboot.rom".into(), "-kernel".into(), kernel.display().to_string()]);
    args.push("-device".into());
    args.push(format!("isa-debug-exit,iobase={:#x},iosize=0x04", abi::rt0::DEBUG_EXIT_PORT));
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_is_a_protocol_2_06_header_whose_entry_jumps_to_the_exit() {
        let img = image();
        assert_eq!(u32::from_le_bytes(img[bp::HEADER..bp::HEADER + 4].try_into().unwrap()), 0x5372_6448);
        assert_eq!(&img[bp::HEADER..bp::HEADER + 4], b"HdrS");
        assert_eq!(u16::from_le_bytes([img[bp::BOOT_FLAG_AT], img[bp::BOOT_FLAG_AT + 1]]), 0xaa55);
        // QEMU's loader: the kernel is what follows (setup_sects + 1) sectors, and must not be empty.
        assert!(img.len() > (img[bp::SETUP_SECTS] as usize + 1) * 512);
        let target = bp::JUMP + 2 + img[bp::JUMP + 1] as usize;
        assert_eq!((img[bp::JUMP], target), (0xeb, CODE));
        assert_eq!(img[CODE..CODE + 4], [0xb0, 0x00, 0xe6, 0xf4], "mov al, 0; out 0xf4, al");
    }
}
