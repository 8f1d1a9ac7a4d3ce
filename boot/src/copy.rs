//! Stage 2's copy into memory above 1 MiB, four bytes at a time (bootloader 0.11.17's
//! `bios/stage-2/src/protected_mode.rs`, `copy_to_protected_mode`).
//!
//! Stage 2 runs in unreal mode (real mode with DS given a 4 GiB limit) and loads stage 3, stage 4
//! and the kernel by reading the disk into a buffer below 1 MiB and copying each chunk to its
//! place above 1 MiB. Its copy moves one byte per iteration and reads each byte back through a
//! call: ten instructions per byte, 9.6 M of stage 2's 12.4 M instructions for rt0's image.
//!
//! The replacement keeps the contract and the check: every byte is written and read back, and a
//! byte that does not read back as written stops the boot through stage 2's own `fail` (with the
//! code `W`) instead of an `assert_eq!` panic. It copies a dword per iteration (`lodsd`, then a
//! store and a compare through one index, target − source), then the last 0–3 bytes singly: about
//! two instructions per byte. Only DS and SS have the 4 GiB limit in unreal mode, so `rep movsd`
//! (which writes through ES) cannot be used; every access here goes through DS.
//!
//! The routine is the function's own 82 bytes, so the code after it (`fail`, which the new code
//! falls into on a mismatch) stays where it is. Both are checked byte for byte before anything is
//! written: another bootloader build makes the image build fail rather than boot a guess.
//!
//! The replacement, in GNU as syntax (`.code16`; the caller passes target, source and length on
//! the stack and cleans them up):
//! ```text
//!     push %esi
//!     mov 0x0c(%esp), %esi      # source
//!     mov 0x08(%esp), %edx      # target
//!     sub %esi, %edx            # edx = target - source
//!     mov 0x10(%esp), %ecx      # length
//!     sub $4, %ecx
//!     jb 2f
//! 1:  addr32 lodsl              # eax = [esi], esi += 4
//!     mov %eax, -4(%esi,%edx)
//!     cmp %eax, -4(%esi,%edx)
//!     jne 5f
//!     sub $4, %ecx
//!     jae 1b
//! 2:  and $3, %cx               # 0-3 bytes left
//!     jcxz 4f
//! 3:  addr32 lodsb
//!     mov %al, -1(%esi,%edx)
//!     cmp %al, -1(%esi,%edx)
//!     jne 5f
//!     loop 3b
//! 4:  pop %esi
//!     retl
//! 5:  pushl $0x57               # fail(b'W'): the argument, a return address never used,
//!     push %eax                 # then fall into `fail`, which follows
//! ```

/// bootloader 0.11.17's `copy_to_protected_mode` (82 bytes, compiled at opt-level "z").
const ORIGINAL: [u8; 82] = [
    0x66, 0x53, 0x66, 0x56, 0x66, 0x50, 0x67, 0x66, 0x8b, 0x44, 0x24, 0x18, 0x67, 0x66, 0x8b, 0x54, 0x24, 0x14, 0x67,
    0x66, 0x8b, 0x74, 0x24, 0x10, 0x66, 0x83, 0xe8, 0x01, 0x72, 0x18, 0x67, 0x8a, 0x1a, 0x67, 0x88, 0x1e, 0x67, 0x8a,
    0x0e, 0x67, 0x88, 0x4c, 0x24, 0x03, 0x38, 0xd9, 0x75, 0x10, 0x66, 0x42, 0x66, 0x46, 0xeb, 0xe2, 0x66, 0x83, 0xc4,
    0x04, 0x66, 0x5e, 0x66, 0x5b, 0x66, 0xc3, 0x67, 0x66, 0x8d, 0x4c, 0x24, 0x03, 0x66, 0x68, 0x14, 0x44, 0x01, 0x00,
    0x66, 0xe8, 0x13, 0xd1, 0xff, 0xff,
];

/// The start of stage 2's `fail(code: u8) -> !`, which follows it: `sub esp, 0xc; movzx eax,
/// byte [esp+0x10]` (its argument, the first stack slot above the return address).
const FAIL: [u8; 11] = [0x66, 0x83, 0xec, 0x0c, 0x67, 0x66, 0x0f, 0xb6, 0x44, 0x24, 0x10];

/// The replacement (module comment), assembled.
const REPLACEMENT: [u8; 82] = [
    0x66, 0x56, 0x67, 0x66, 0x8b, 0x74, 0x24, 0x0c, 0x67, 0x66, 0x8b, 0x54, 0x24, 0x08, 0x66, 0x29, 0xf2, 0x67, 0x66,
    0x8b, 0x4c, 0x24, 0x10, 0x66, 0x83, 0xe9, 0x04, 0x72, 0x17, 0x67, 0x66, 0xad, 0x67, 0x66, 0x89, 0x44, 0x16, 0xfc,
    0x67, 0x66, 0x39, 0x44, 0x16, 0xfc, 0x75, 0x1f, 0x66, 0x83, 0xe9, 0x04, 0x73, 0xe9, 0x83, 0xe1, 0x03, 0xe3, 0x10,
    0x67, 0xac, 0x67, 0x88, 0x44, 0x16, 0xff, 0x67, 0x38, 0x44, 0x16, 0xff, 0x75, 0x06, 0xe2, 0xf0, 0x66, 0x5e, 0x66,
    0xc3, 0x66, 0x6a, 0x57, 0x66, 0x50,
];

/// Rewrites stage 2's `copy_to_protected_mode` in a BIOS disk image built by
/// `DiskImageBuilder` (see the module comment); an error names what was not found.
pub fn patch(image: &mut [u8]) -> Result<(), String> {
    let mut whole = ORIGINAL.to_vec();
    whole.extend_from_slice(&FAIL);
    let found: Vec<usize> =
        image.windows(whole.len()).enumerate().filter(|(_, w)| *w == whole).map(|(i, _)| i).collect();
    let [at] = found[..] else {
        return Err(format!(
            "stage 2's `copy_to_protected_mode` followed by `fail` occurs {} times in the image, not once: \
             not bootloader 0.11.17's",
            found.len()
        ));
    };
    image[at..at + REPLACEMENT.len()].copy_from_slice(&REPLACEMENT);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Vec<u8> {
        let mut v = vec![0u8; 4096];
        v[1000..1082].copy_from_slice(&ORIGINAL);
        v[1082..1093].copy_from_slice(&FAIL);
        v
    }

    #[test]
    fn the_copy_is_replaced_in_place_and_fail_stays_where_it_was() {
        let mut v = image();
        patch(&mut v).unwrap();
        let mut want = image();
        want[1000..1082].copy_from_slice(&REPLACEMENT);
        assert_eq!(v, want);
    }

    #[test]
    fn other_bytes_or_a_second_copy_are_refused_not_guessed_at() {
        let mut v = image();
        v[1090] ^= 1;
        assert!(patch(&mut v).unwrap_err().contains("0 times"));
        let mut v = image();
        v.extend_from_within(1000..1093);
        assert!(patch(&mut v).unwrap_err().contains("2 times"));
    }
}
