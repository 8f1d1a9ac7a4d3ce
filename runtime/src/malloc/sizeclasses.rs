//! Size classes: the 67 object sizes small allocations are rounded up to, and the lookup tables from size to class.
//!
//! Mirrors Go's `runtime/sizeclasses.go` (generated there by `mksizeclasses.go`). The numbers are Go's: class `c`
//! holds objects of `CLASS_TO_SIZE[c]` bytes in spans of `CLASS_TO_ALLOCNPAGES[c]` 8 KiB pages; class 0 means
//! "large object, its own span". Go's generator picks each span size so that the tail left over after the last
//! object is at most 1/8 of the span.
//!
//! Sizes up to 1024 − 8 are looked up in [`SIZE_TO_CLASS8`] (8-byte steps), larger ones up to 32 KiB in
//! [`SIZE_TO_CLASS128`] (128-byte steps), exactly as Go's `size_to_class8`/`size_to_class128`. rt0 builds both
//! tables (and [`CLASS_TO_NOBJ`], [`ALIGNED_CLASS`]) at compile time from the size table. One difference: Go maps
//! size 0 to class 0 (its zero-size allocations never reach the size classes); rt0 maps it to class 1, so a
//! zero-byte request gets a distinct 8-byte object.

use super::PAGE_BYTES;

/// Number of size classes, class 0 (large objects) included: Go's `_NumSizeClasses`.
pub const NUM_SIZE_CLASSES: usize = 68;
/// The largest small object: Go's `_MaxSmallSize`. Anything larger gets a span of its own.
pub const MAX_SMALL_SIZE: usize = 32768;
/// Step and limit of the first lookup table (Go's `smallSizeDiv`, `smallSizeMax`).
pub const SMALL_SIZE_DIV: usize = 8;
pub const SMALL_SIZE_MAX: usize = 1024;
/// Step of the second lookup table (Go's `largeSizeDiv`).
pub const LARGE_SIZE_DIV: usize = 128;
/// log2 of the two steps: the lookups shift instead of dividing.
const SMALL_SIZE_SHIFT: u32 = SMALL_SIZE_DIV.trailing_zeros();
const LARGE_SIZE_SHIFT: u32 = LARGE_SIZE_DIV.trailing_zeros();
/// log2 of the largest alignment [`ALIGNED_CLASS`] covers: a page (8 KiB).
pub const MAX_ALIGN_SHIFT: usize = 13;

/// Object size of each class (Go's `class_to_size`).
pub static CLASS_TO_SIZE: [u16; NUM_SIZE_CLASSES] = CLASS_SIZES;

/// Pages per span of each class (Go's `class_to_allocnpages`).
pub static CLASS_TO_ALLOCNPAGES: [u8; NUM_SIZE_CLASSES] = CLASS_NPAGES;

#[rustfmt::skip]
const CLASS_SIZES: [u16; NUM_SIZE_CLASSES] = [
    0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416,
    448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456,
    4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432,
    19072, 20480, 21760, 24576, 27264, 28672, 32768,
];

#[rustfmt::skip]
const CLASS_NPAGES: [u8; NUM_SIZE_CLASSES] = [
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2,
    1, 2, 1, 3, 2, 3, 1, 3, 2, 3, 4, 5, 6, 1, 7, 6, 5, 4, 3, 5, 7, 2, 9, 7, 5, 8, 3, 10, 7, 4,
];

/// Objects per span of each class (span bytes / object size; Go computes this per span as `nelems`).
pub static CLASS_TO_NOBJ: [u16; NUM_SIZE_CLASSES] = {
    let mut t = [0u16; NUM_SIZE_CLASSES];
    let mut c = 1;
    while c < NUM_SIZE_CLASSES {
        t[c] = (CLASS_NPAGES[c] as usize * PAGE_BYTES / CLASS_SIZES[c] as usize) as u16;
        c += 1;
    }
    t
};

/// The smallest class whose objects hold `size` bytes, by linear search (builds the tables; tests).
pub const fn smallest_class_for(size: usize) -> usize {
    let mut c = 1;
    while c < NUM_SIZE_CLASSES {
        if CLASS_SIZES[c] as usize >= size {
            return c;
        }
        c += 1;
    }
    0
}

/// Class of sizes `8i − 7 ..= 8i` for `i ≤ 128` (Go's `size_to_class8`; entry 0 is class 1 here, see the module docs).
pub static SIZE_TO_CLASS8: [u8; SMALL_SIZE_MAX / SMALL_SIZE_DIV + 1] = {
    let mut t = [0u8; SMALL_SIZE_MAX / SMALL_SIZE_DIV + 1];
    let mut i = 0;
    while i < t.len() {
        t[i] = smallest_class_for(i * SMALL_SIZE_DIV) as u8;
        i += 1;
    }
    t
};

/// Class of sizes `1024 + 128i − 127 ..= 1024 + 128i` (Go's `size_to_class128`).
pub static SIZE_TO_CLASS128: [u8; (MAX_SMALL_SIZE - SMALL_SIZE_MAX) / LARGE_SIZE_DIV + 1] = {
    let mut t = [0u8; (MAX_SMALL_SIZE - SMALL_SIZE_MAX) / LARGE_SIZE_DIV + 1];
    let mut i = 0;
    while i < t.len() {
        t[i] = smallest_class_for(SMALL_SIZE_MAX + i * LARGE_SIZE_DIV) as u8;
        i += 1;
    }
    t
};

/// `ALIGNED_CLASS[c][k]`: the smallest class `≥ c` whose object size is a multiple of `1 << k`, or 0 if none.
///
/// Spans start on 8 KiB page boundaries and objects sit at multiples of the object size from there, so every
/// object of such a class is aligned to `1 << k` (for `k ≤ 13`). Rounding the size up to the alignment is not
/// enough: 6400 is a multiple of 256 but its class, 6528, is not.
pub static ALIGNED_CLASS: [[u8; MAX_ALIGN_SHIFT + 1]; NUM_SIZE_CLASSES] = {
    let mut t = [[0u8; MAX_ALIGN_SHIFT + 1]; NUM_SIZE_CLASSES];
    let mut c = 1;
    while c < NUM_SIZE_CLASSES {
        let mut k = 0;
        while k <= MAX_ALIGN_SHIFT {
            let mut d = c;
            while d < NUM_SIZE_CLASSES && !(CLASS_SIZES[d] as usize).is_multiple_of(1 << k) {
                d += 1;
            }
            t[c][k] = if d < NUM_SIZE_CLASSES { d as u8 } else { 0 };
            k += 1;
        }
        c += 1;
    }
    t
};

/// The size class of a small object of `size ≤ MAX_SMALL_SIZE` bytes: two shifts and a table load, as in Go's
/// `mallocgc` (`divRoundUp(size, smallSizeDiv)` and `divRoundUp(size − smallSizeMax, largeSizeDiv)`).
#[inline(always)]
pub fn size_to_class(size: usize) -> usize {
    if size <= SMALL_SIZE_MAX - SMALL_SIZE_DIV {
        SIZE_TO_CLASS8[(size + SMALL_SIZE_DIV - 1) >> SMALL_SIZE_SHIFT] as usize
    } else {
        // Sizes 1017..=1024 wrap below zero and land on entry 0 (class 1024), as in Go.
        let i = size.wrapping_sub(SMALL_SIZE_MAX).wrapping_add(LARGE_SIZE_DIV - 1) >> LARGE_SIZE_SHIFT;
        SIZE_TO_CLASS128[i] as usize
    }
}

/// The class for `size` bytes aligned to `align` (a power of two), or 0 if it must be a large object.
pub fn class_for(size: usize, align: usize) -> usize {
    if size > MAX_SMALL_SIZE || align > PAGE_BYTES {
        return 0;
    }
    let c = size_to_class(size);
    if align <= 8 { c } else { ALIGNED_CLASS[c][align.trailing_zeros() as usize] as usize }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_bytes(c: usize) -> usize {
        CLASS_TO_ALLOCNPAGES[c] as usize * PAGE_BYTES
    }

    #[test]
    fn sizes_increase_are_aligned_and_end_at_32k() {
        assert_eq!(CLASS_TO_SIZE[0], 0);
        assert_eq!(CLASS_TO_SIZE.len() - 1, 67, "67 small classes");
        for c in 1..NUM_SIZE_CLASSES {
            let s = CLASS_TO_SIZE[c] as usize;
            assert!(s > CLASS_TO_SIZE[c - 1] as usize, "class {c} not increasing");
            assert_eq!(s % 8, 0, "class {c} size {s} not 8-aligned");
            // Go's table: every class from 32 bytes up is a multiple of 16 (only 8 and 24 are not).
            if s >= 32 {
                assert_eq!(s % 16, 0, "class {c} size {s} not 16-aligned");
            }
        }
        assert_eq!(CLASS_TO_SIZE[NUM_SIZE_CLASSES - 1] as usize, MAX_SMALL_SIZE);
    }

    #[test]
    fn every_size_maps_to_the_smallest_class_that_fits() {
        for size in 0..=MAX_SMALL_SIZE {
            let c = size_to_class(size);
            assert!((1..NUM_SIZE_CLASSES).contains(&c), "size {size}");
            assert!(CLASS_TO_SIZE[c] as usize >= size, "size {size} does not fit class {c}");
            assert!(c == 1 || (CLASS_TO_SIZE[c - 1] as usize) < size, "size {size}: class {c} is not the smallest");
            assert_eq!(c, smallest_class_for(size));
        }
    }

    #[test]
    fn lookup_tables_match_gos_spot_values() {
        // A few entries of Go's size_to_class8 / size_to_class128 (sizeclasses.go, Go 1.22+).
        assert_eq!(&SIZE_TO_CLASS8[1..8], &[1, 2, 3, 4, 5, 5, 6]);
        assert_eq!(SIZE_TO_CLASS8[128], 32);
        assert_eq!(&SIZE_TO_CLASS128[..6], &[32, 33, 34, 35, 36, 37]);
        assert_eq!(SIZE_TO_CLASS128[SIZE_TO_CLASS128.len() - 1], 67);
    }

    #[test]
    fn spans_hold_an_object_and_waste_at_most_an_eighth() {
        for c in 1..NUM_SIZE_CLASSES {
            let (span, size) = (span_bytes(c), CLASS_TO_SIZE[c] as usize);
            assert!(CLASS_TO_NOBJ[c] >= 1, "class {c}");
            assert_eq!(CLASS_TO_NOBJ[c] as usize, span / size);
            assert!(span % size <= span / 8, "class {c}: tail waste {} of {span}", span % size);
            assert!((1..=10).contains(&CLASS_TO_ALLOCNPAGES[c]), "class {c}");
        }
    }

    #[test]
    fn aligned_classes_are_aligned_and_smallest() {
        for (c, row) in ALIGNED_CLASS.iter().enumerate().skip(1) {
            for (k, &d) in row.iter().enumerate() {
                let d = d as usize;
                let want =
                    (c..NUM_SIZE_CLASSES).find(|&d| (CLASS_TO_SIZE[d] as usize).is_multiple_of(1 << k)).unwrap_or(0);
                assert_eq!(d, want, "class {c} align {}", 1 << k);
            }
        }
        assert_eq!(class_for(6400, 256), ALIGNED_CLASS[smallest_class_for(6400)][8] as usize);
        assert_eq!(CLASS_TO_SIZE[class_for(6400, 256)], 6912, "6528 is not a multiple of 256");
        assert_eq!(CLASS_TO_SIZE[class_for(24, 16)], 32);
        assert_eq!(class_for(100, 16384), 0);
        assert_eq!(class_for(MAX_SMALL_SIZE + 1, 8), 0);
    }
}
