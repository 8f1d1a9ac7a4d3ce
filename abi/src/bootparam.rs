//! The x86 Linux boot protocol's setup header (Linux's `arch/x86/include/uapi/asm/bootparam.h`
//! and Documentation/arch/x86/boot.rst): the fields a boot loader reads from a bzImage, as byte
//! offsets into the image. rt0 builds one only as the floor its boot time is measured against
//! (the smallest kernel QEMU's `-kernel` boots).

/// `setup_sects`: 512-byte setup sectors after the boot sector (0 means 4).
pub const SETUP_SECTS: usize = 0x1f1;
/// `boot_flag`: [`BOOT_FLAG`], the old boot sector signature.
pub const BOOT_FLAG_AT: usize = 0x1fe;
pub const BOOT_FLAG: u16 = 0xaa55;
/// `jump`: the real-mode entry, a two-byte `jmp short` over the rest of the header; the loader
/// jumps here with CS = the setup segment + 0x20.
pub const JUMP: usize = 0x200;
/// `header`: [`HDRS`] ("HdrS" little-endian) marks a protocol 2.00+ header.
pub const HEADER: usize = 0x202;
pub const HDRS: u32 = 0x5372_6448;
/// `version`: the protocol version (0x0206 = 2.06).
pub const VERSION: usize = 0x206;
/// `loadflags`: [`LOADED_HIGH`] puts the protected-mode part at 1 MiB.
pub const LOADFLAGS: usize = 0x211;
pub const LOADED_HIGH: u8 = 0x01;
/// `initrd_addr_max`: the highest address an initrd may end at.
pub const INITRD_ADDR_MAX: usize = 0x22c;
