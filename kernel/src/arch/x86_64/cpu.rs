//! CPU feature set-up the kernel relies on (Intel SDM vol. 3, ch. 2 and 4), on every CPU: SSE for
//! user code, no-execute pages, SMEP/SMAP where the CPU model has them; once, on the boot CPU,
//! the legacy 8259 PIC masked so that no stray IRQ lands on an exception vector.
use x86_64::instructions::port::Port;
use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
use x86_64::registers::model_specific::{Efer, EferFlags};

/// What [`init`] found and turned on.
#[derive(Clone, Copy)]
pub struct Features {
    pub smep: bool,
    pub smap: bool,
    pub rdrand: bool,
    pub rdseed: bool,
}

/// Finds the CPU's features, sets this (the boot) CPU's CR0/CR4/EFER for user programs and masks
/// the legacy PIC; returns the features found.
pub fn init() -> Features {
    let (leaf1, leaf7) = (core::arch::x86_64::__cpuid(1), core::arch::x86_64::__cpuid_count(7, 0));
    let f = Features {
        smep: leaf7.ebx & (1 << 7) != 0,
        smap: leaf7.ebx & (1 << 20) != 0,
        rdrand: leaf1.ecx & (1 << 30) != 0,
        rdseed: leaf7.ebx & (1 << 18) != 0,
    };
    set_control_registers(&f);
    mask_legacy_pic();
    FEATURES.call_once(|| f);
    f
}

/// Sets an application processor's CR0/CR4/EFER as [`init`] set the boot CPU's (the same CPU
/// model, so the same features).
pub fn init_ap() {
    set_control_registers(&features());
}

fn set_control_registers(f: &Features) {
    // SAFETY: these bits only enable SSE for user code (the kernel itself is soft-float), make
    // NX page bits valid (the bootloader's tables already use them), and forbid the kernel from
    // executing or touching user pages, which it never does (user memory is reached through
    // the direct map).
    unsafe {
        Cr0::update(|c| {
            c.remove(Cr0Flags::EMULATE_COPROCESSOR);
            c.insert(Cr0Flags::MONITOR_COPROCESSOR | Cr0Flags::WRITE_PROTECT);
        });
        Cr4::update(|c| {
            c.insert(Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE);
            c.set(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION, f.smep);
            c.set(Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION, f.smap);
        });
        Efer::update(|e| e.insert(EferFlags::NO_EXECUTE_ENABLE | EferFlags::SYSTEM_CALL_EXTENSIONS));
    }
}

/// Whether INIT needs Intel's 10 ms settling delay before the STARTUP IPIs: only CPUs older
/// than the Pentium Pro (Intel) or the K8 (AMD family 0Fh) do, as Linux's
/// `smp_set_init_udelay` decides (arch/x86/kernel/smpboot.c).
pub fn needs_init_delay() -> bool {
    let v = core::arch::x86_64::__cpuid(0);
    let family = (core::arch::x86_64::__cpuid(1).eax >> 8) & 0xf;
    let vendor = [v.ebx, v.edx, v.ecx];
    let intel = vendor == [0x756e_6547, 0x4965_6e69, 0x6c65_746e]; // "GenuineIntel"
    let amd = vendor == [0x6874_7541, 0x6974_6e65, 0x444d_4163]; // "AuthenticAMD"
    !((intel && family >= 6) || (amd && family >= 0xf))
}

static FEATURES: spin::Once<Features> = spin::Once::new();

/// The features found by [`init`].
pub fn features() -> Features {
    *FEATURES.get().expect("cpu::init not run")
}

/// Masks every IRQ line of both 8259s (the BIOS leaves the timer unmasked on vector 8).
fn mask_legacy_pic() {
    // SAFETY: 0x21/0xA1 are the PICs' data ports; writing 0xFF to the mask register only
    // stops IRQ delivery.
    unsafe {
        Port::<u8>::new(0x21).write(0xff);
        Port::<u8>::new(0xa1).write(0xff);
    }
}

/// A hardware random number: RDSEED if the CPU has it, else RDRAND; None if neither works.
pub fn hardware_random(f: &Features) -> Option<(u64, &'static str)> {
    let mut v = 0u64;
    for _ in 0..10 {
        // SAFETY: the instructions exist (checked through CPUID above); they only write `v`.
        let ok = unsafe {
            if f.rdseed {
                core::arch::x86_64::_rdseed64_step(&mut v)
            } else if f.rdrand {
                core::arch::x86_64::_rdrand64_step(&mut v)
            } else {
                return None;
            }
        };
        if ok == 1 {
            return Some((v, if f.rdseed { "rdseed" } else { "rdrand" }));
        }
    }
    None
}
