//! Process-wide syscalls (Linux kernel/sys.c, arch/x86/kernel/process_64.c, kernel/sched):
//! uname, arch_prctl, sched_getaffinity, set_tid_address, prlimit64, getrandom.
use super::memory::TASK_SIZE_MAX;
use super::{EFAULT, EINVAL, EPERM, ESRCH, SysResult, efault};
use crate::arch::{cpu, tsc};
use crate::process::{self, PID, STACK_SIZE};
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{FsBase, KernelGsBase};

const ARCH_SET_GS: u64 = 0x1001;
const ARCH_SET_FS: u64 = 0x1002;
const ARCH_GET_FS: u64 = 0x1003;
const ARCH_GET_GS: u64 = 0x1004;

fn put_u64(addr: u64, v: u64) -> Result<(), i64> {
    process::with(|p| p.aspace.copy_out(addr, &v.to_le_bytes())).map_err(efault)
}

pub fn uname(buf: u64) -> SysResult {
    let mut u = [0u8; 6 * 65];
    let fields: [&[u8]; 6] = [b"Linux", b"rt0", b"6.1.0-rt0", b"#1 rt0", b"x86_64", b"(none)"];
    for (i, f) in fields.iter().enumerate() {
        u[i * 65..i * 65 + f.len()].copy_from_slice(f);
    }
    process::with(|p| p.aspace.copy_out(buf, &u)).map_err(efault)?;
    Ok(0)
}

/// The thread pointer registers. While the kernel runs, the program's GS base sits in
/// IA32_KERNEL_GS_BASE (swapgs swapped it out on entry); its FS base is live in IA32_FS_BASE.
pub fn arch_prctl(code: u64, addr: u64) -> SysResult {
    match code {
        // Linux (arch/x86/kernel/process_64.c do_arch_prctl_64): a base >= TASK_SIZE_MAX is EPERM.
        ARCH_SET_FS | ARCH_SET_GS if addr >= TASK_SIZE_MAX => Err(EPERM),
        ARCH_SET_FS => {
            FsBase::write(VirtAddr::new(addr));
            process::with(|p| p.fs_base = addr);
            Ok(0)
        }
        ARCH_SET_GS => {
            KernelGsBase::write(VirtAddr::new(addr));
            process::with(|p| p.gs_base = addr);
            Ok(0)
        }
        ARCH_GET_FS => put_u64(addr, FsBase::read().as_u64()).map(|_| 0),
        ARCH_GET_GS => put_u64(addr, KernelGsBase::read().as_u64()).map(|_| 0),
        _ => Err(EINVAL),
    }
}

pub fn sched_getaffinity(pid: u64, len: u64, mask: u64) -> SysResult {
    if pid != 0 && pid != PID as u64 {
        return Err(ESRCH);
    }
    // The mask is a multiple of longs, at least big enough for every possible CPU.
    if len < 8 || !len.is_multiple_of(8) {
        return Err(EINVAL);
    }
    put_u64(mask, 1)?; // one CPU runs the process
    Ok(8)
}

const RLIMIT_STACK: u64 = 3;
const RLIMIT_NOFILE: u64 = 7;
const RLIM_NLIMITS: u64 = 16;
const RLIM_INFINITY: u64 = u64::MAX;

pub fn prlimit64(pid: u64, resource: u64, new: u64, old: u64) -> SysResult {
    if pid != 0 && pid != PID as u64 {
        return Err(ESRCH);
    }
    if resource >= RLIM_NLIMITS {
        return Err(EINVAL);
    }
    let (cur, max) = match resource {
        RLIMIT_STACK => (STACK_SIZE, RLIM_INFINITY),
        RLIMIT_NOFILE => (1024, 4096),
        _ => (RLIM_INFINITY, RLIM_INFINITY),
    };
    if new != 0 {
        let mut raw = [0u8; 16];
        process::with(|p| p.aspace.copy_in(new, &mut raw)).map_err(efault)?;
        let (ncur, nmax) =
            (u64::from_le_bytes(raw[..8].try_into().unwrap()), u64::from_le_bytes(raw[8..].try_into().unwrap()));
        if ncur > nmax {
            return Err(EINVAL);
        }
        if nmax > max {
            return Err(EPERM);
        }
        // Limits are reported but not enforced beyond the fixed stack reservation.
    }
    if old != 0 {
        let mut raw = [0u8; 16];
        raw[..8].copy_from_slice(&cur.to_le_bytes());
        raw[8..].copy_from_slice(&max.to_le_bytes());
        process::with(|p| p.aspace.copy_out(old, &raw)).map_err(efault)?;
    }
    Ok(0)
}

const GRND_NONBLOCK: u64 = 1;
const GRND_RANDOM: u64 = 2;
const GRND_INSECURE: u64 = 4;

pub fn getrandom(buf: u64, len: u64, flags: u64) -> SysResult {
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == GRND_RANDOM | GRND_INSECURE
    {
        return Err(EINVAL);
    }
    let len = len.min(32 << 20);
    let features = cpu::features();
    let mut done = 0;
    while done < len {
        let v =
            cpu::hardware_random(&features).map_or_else(|| tsc::read().wrapping_mul(0x9e37_79b9_7f4a_7c15), |(v, _)| v);
        let n = (len - done).min(8);
        process::with(|p| p.aspace.copy_out(buf + done, &v.to_le_bytes()[..n as usize])).map_err(|_| EFAULT)?;
        done += n;
    }
    Ok(len)
}
