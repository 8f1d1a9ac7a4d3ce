//! The user's x87/SSE state (FXSAVE format, Intel SDM vol. 1, 10.5.1): saved into a signal
//! frame and restored by rt_sigreturn. The kernel itself is soft-float, so while it runs the
//! registers still hold the program's values.

/// The 512-byte FXSAVE area, 16-byte aligned as the instructions require.
#[repr(C, align(16))]
pub struct FxArea(pub [u8; 512]);

/// MXCSR bits a program may set (MXCSR_MASK's default); anything else makes FXRSTOR fault.
const MXCSR_VALID: u32 = 0xffbf;
const MXCSR_OFFSET: usize = 24;
/// MXCSR at power-up: every SIMD exception masked, round to nearest (SDM vol. 1, 10.2.3.1).
const MXCSR_DEFAULT: u32 = 0x1f80;

/// Puts this CPU's x87 and SSE state in its initial form (Linux's `fpu__init_cpu`): FNINIT,
/// and MXCSR as at power-up. An application processor needs it: after INIT its x87 control word
/// is not FNINIT's. Needs CR0/CR4 set for SSE (`cpu::init_ap`) first.
pub fn init_cpu() {
    // SAFETY: FNINIT and LDMXCSR only load the x87/SSE control state; the value is valid.
    unsafe { core::arch::asm!("fninit", "ldmxcsr [{}]", in(reg) &MXCSR_DEFAULT, options(nostack)) };
}

/// Saves the current x87/SSE state into `area` (in place: no 512-byte zeroing or copy).
#[inline]
pub fn save_into(area: &mut FxArea) {
    // SAFETY: `area` is 512 bytes, 16-aligned, writable; FXSAVE only writes it.
    unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) area.0.as_mut_ptr(), options(nostack)) };
}

/// The current x87/SSE state, as a new area.
pub fn save() -> FxArea {
    let mut area = FxArea([0; 512]);
    save_into(&mut area);
    area
}

/// Saves the current x87/SSE state straight into the 512 bytes at `dst` (a signal frame's
/// area seen through the direct map: no copy through the kernel stack).
///
/// # Safety
/// `dst` must be 16-aligned and point to 512 writable bytes that no Rust reference covers.
#[inline]
pub unsafe fn save_to(dst: *mut u8) {
    // SAFETY: the caller guarantees 512 aligned, writable, unaliased bytes at `dst`.
    unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) dst, options(nostack)) };
}

/// Whether `area`'s MXCSR sets only bits this CPU has (a reserved bit makes FXRSTOR fault; Linux
/// refuses such a signal frame).
pub fn mxcsr_valid(area: &FxArea) -> bool {
    let m = u32::from_le_bytes(area.0[MXCSR_OFFSET..MXCSR_OFFSET + 4].try_into().unwrap());
    m & !MXCSR_VALID == 0
}

/// Loads `area` as the x87/SSE state, after clearing MXCSR bits that would make it fault.
pub fn restore(area: &mut FxArea) {
    let m = u32::from_le_bytes(area.0[MXCSR_OFFSET..MXCSR_OFFSET + 4].try_into().unwrap()) & MXCSR_VALID;
    area.0[MXCSR_OFFSET..MXCSR_OFFSET + 4].copy_from_slice(&m.to_le_bytes());
    // SAFETY: a 16-aligned 512-byte FXSAVE image with a valid MXCSR; FXRSTOR only loads it.
    unsafe { core::arch::asm!("fxrstor64 [{}]", in(reg) area.0.as_ptr(), options(nostack)) };
}
