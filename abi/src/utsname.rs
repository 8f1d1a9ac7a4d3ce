//! uname's `struct new_utsname` (`include/uapi/linux/utsname.h`).

/// Length of each field, NUL padding included (__NEW_UTS_LEN + 1).
pub const UTS_FIELD: usize = 65;

/// `struct new_utsname`: six NUL-padded fields.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utsname {
    pub sysname: [u8; UTS_FIELD],
    pub nodename: [u8; UTS_FIELD],
    pub release: [u8; UTS_FIELD],
    pub version: [u8; UTS_FIELD],
    pub machine: [u8; UTS_FIELD],
    pub domainname: [u8; UTS_FIELD],
}

const _: () = assert!(size_of::<Utsname>() == 390);

impl Utsname {
    pub const ZERO: Utsname = Utsname {
        sysname: [0; UTS_FIELD],
        nodename: [0; UTS_FIELD],
        release: [0; UTS_FIELD],
        version: [0; UTS_FIELD],
        machine: [0; UTS_FIELD],
        domainname: [0; UTS_FIELD],
    };

    /// One field without its NUL padding.
    pub fn field(f: &[u8; UTS_FIELD]) -> &[u8] {
        let end = f.iter().position(|&b| b == 0).unwrap_or(f.len());
        &f[..end]
    }

    /// Fills a field with `s` (truncated to leave the final NUL).
    pub fn set(f: &mut [u8; UTS_FIELD], s: &[u8]) {
        let n = s.len().min(UTS_FIELD - 1);
        f[..n].copy_from_slice(&s[..n]);
        f[n..].fill(0);
    }
}
