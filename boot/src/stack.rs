//! The BIOS stages' stack, moved off the page that holds their code (bootloader 0.11.17's
//! `bios/boot_sector/src/boot.s` and `bios/stage-3/src/main.rs`).
//!
//! The boot sector sets `sp = 0x7c00`, so the stack of stages 1–4 grows down from 0x7c00 into the
//! 4 KiB page 0x7000–0x7fff, which also holds the boot sector's code (0x7c00) and stage 2's first
//! 512 bytes (0x7e00). QEMU's TCG treats a page that holds translated code as possibly
//! self-modifying: every store to it leaves the fast path for a check against the page's
//! translations (`notdirty_write`, `page_collection_lock` in a profile), so every push, call and
//! spilled local of stages 2–4 paid it. Measured (QEMU's CPU time per stage, medians of 5): stage
//! 2 0.566 → 0.061 s and stage 3 0.500 → 0.012 s for the same 10.5 M and 8.5 M instructions, a
//! whole boot's QEMU CPU time 1.29 → 0.28 s (BENCHMARKS.md).
//!
//! Two instructions change, each checked byte for byte before it is rewritten (the bootloader is
//! pinned to 0.11.17; another build's bytes make the image build fail rather than boot a guess):
//! - the boot sector's `mov sp, 0x7c00` becomes `mov sp, 0x7000`: stages 1–3 then use the free
//!   conventional memory below 0x7000 (27 KiB above the BIOS data area), a page without code;
//! - stage 3's `and esp, 0xffffff00` before the jump to stage 4 becomes `mov esp, 0x80000; nop`:
//!   stage 4 (64-bit, the deepest stack user: about 29 KiB from 0x7c00 before, more than the
//!   27 KiB left below 0x7000) gets the free memory below 0x80000, far from stage 2's image
//!   (which ends below 0x20000) and the EBDA (0x9fc00). Stage 4 hands the kernel its own stack.

/// The boot sector's `mov sp, 0x7c00`, at its offset in the MBR.
const BOOT_SECTOR_SP: (usize, &[u8], &[u8]) = (0x0d, &[0xbc, 0x00, 0x7c], &[0xbc, 0x00, 0x70]);

/// Stage 3's `and esp, 0xffffff00; push 0; push esi; push 0; push eax` (the stack alignment and
/// the pushes of stage 4's argument and entry point), and its replacement
/// `mov esp, 0x80000; nop` followed by the same pushes.
const STAGE_3_ESP: (&[u8], &[u8]) = (
    &[0x81, 0xe4, 0x00, 0xff, 0xff, 0xff, 0x6a, 0x00, 0x56, 0x6a, 0x00, 0x50],
    &[0xbc, 0x00, 0x00, 0x08, 0x00, 0x90, 0x6a, 0x00, 0x56, 0x6a, 0x00, 0x50],
);

/// Rewrites the two stack set-ups in a BIOS disk image built by `DiskImageBuilder` (see the
/// module comment); an error names what was not found.
pub fn patch(image: &mut [u8]) -> Result<(), String> {
    let (at, old, new) = BOOT_SECTOR_SP;
    if image.get(at..at + old.len()) != Some(old) {
        return Err(format!("the boot sector has no `mov sp, 0x7c00` at {at:#x}: not bootloader 0.11.17's"));
    }
    image[at..at + new.len()].copy_from_slice(new);
    let (old, new) = STAGE_3_ESP;
    let found: Vec<usize> = image.windows(old.len()).enumerate().filter(|(_, w)| *w == old).map(|(i, _)| i).collect();
    let [at] = found[..] else {
        return Err(format!(
            "stage 3's `and esp, 0xffffff00` before the jump to stage 4 occurs {} times in the image, not once: \
             not bootloader 0.11.17's",
            found.len()
        ));
    };
    image[at..at + new.len()].copy_from_slice(new);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Vec<u8> {
        let mut v = vec![0u8; 4096];
        v[0x0d..0x10].copy_from_slice(BOOT_SECTOR_SP.1);
        v[2000..2012].copy_from_slice(STAGE_3_ESP.0);
        v
    }

    #[test]
    fn both_stacks_move_and_nothing_else_changes() {
        let mut v = image();
        patch(&mut v).unwrap();
        let mut want = image();
        want[0x0d..0x10].copy_from_slice(BOOT_SECTOR_SP.2);
        want[2000..2012].copy_from_slice(STAGE_3_ESP.1);
        assert_eq!(v, want);
    }

    #[test]
    fn other_bytes_are_refused_not_guessed_at() {
        let mut v = image();
        v[0x0f] = 0x7b;
        assert!(patch(&mut v).unwrap_err().contains("boot sector"));
        let mut v = image();
        v[3000..3012].copy_from_slice(STAGE_3_ESP.0);
        assert!(patch(&mut v).unwrap_err().contains("2 times"));
        // Patched once, an image is not patched again.
        let mut v = image();
        patch(&mut v).unwrap();
        assert!(patch(&mut v).is_err());
    }
}
