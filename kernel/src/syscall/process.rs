//! Process-wide syscalls (Linux kernel/sys.c, arch/x86/kernel/process_64.c, kernel/sched):
//! getpid, uname, arch_prctl, sched_getaffinity, prlimit64, getrandom.
use super::SysResult;
use crate::arch::{cpu, tsc};
use crate::mm::vma::USER_END;
use crate::process::uaccess::{UserPtr, UserSlice};
use crate::process::{self, PID};
use abi::errno::{EINVAL, EPERM, ESRCH};
use abi::prctl::{ARCH_GET_FS, ARCH_GET_GS, ARCH_SET_FS, ARCH_SET_GS};
use abi::random::{GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM};
use abi::resource::{RLIM_INFINITY, RLIM_NLIMITS, RLIMIT_NOFILE, RLIMIT_STACK, Rlimit};
use abi::rt0::STACK_SIZE;
use abi::utsname::Utsname;
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{FsBase, KernelGsBase};

pub fn getpid() -> SysResult {
    Ok(PID as u64)
}

pub fn uname(buf: u64) -> SysResult {
    let mut u = Utsname::ZERO;
    for (f, v) in [
        (&mut u.sysname, &b"Linux"[..]),
        (&mut u.nodename, b"rt0"),
        (&mut u.release, b"6.1.0-rt0"),
        (&mut u.version, b"#1 rt0"),
        (&mut u.machine, b"x86_64"),
        (&mut u.domainname, b"(none)"),
    ] {
        Utsname::set(f, v);
    }
    UserPtr::new(buf).write(&u)?;
    Ok(0)
}

/// The thread pointer registers. While the kernel runs, the program's GS base sits in
/// IA32_KERNEL_GS_BASE (swapgs swapped it out on entry); its FS base is live in IA32_FS_BASE.
pub fn arch_prctl(code: u64, addr: u64) -> SysResult {
    match code as usize {
        // Linux (arch/x86/kernel/process_64.c do_arch_prctl_64): a base >= TASK_SIZE_MAX is EPERM.
        ARCH_SET_FS | ARCH_SET_GS if addr >= USER_END => Err(EPERM),
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
        ARCH_GET_FS => UserPtr::new(addr).write(&FsBase::read().as_u64()).map(|_| 0),
        ARCH_GET_GS => UserPtr::new(addr).write(&KernelGsBase::read().as_u64()).map(|_| 0),
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
    UserPtr::<u64>::new(mask).write(&1)?; // one CPU runs the process
    Ok(8)
}

pub fn prlimit64(pid: u64, resource: u64, new: u64, old: u64) -> SysResult {
    if pid != 0 && pid != PID as u64 {
        return Err(ESRCH);
    }
    let resource = resource as usize;
    if resource >= RLIM_NLIMITS {
        return Err(EINVAL);
    }
    let current = match resource {
        RLIMIT_STACK => Rlimit { rlim_cur: STACK_SIZE as u64, rlim_max: RLIM_INFINITY },
        RLIMIT_NOFILE => Rlimit { rlim_cur: 1024, rlim_max: 4096 },
        _ => Rlimit { rlim_cur: RLIM_INFINITY, rlim_max: RLIM_INFINITY },
    };
    if let Some(n) = UserPtr::<Rlimit>::new(new).read_opt()? {
        if n.rlim_cur > n.rlim_max {
            return Err(EINVAL);
        }
        if n.rlim_max > current.rlim_max {
            return Err(EPERM);
        }
        // Limits are reported but not enforced beyond the fixed stack reservation.
    }
    if old != 0 {
        UserPtr::new(old).write(&current)?;
    }
    Ok(0)
}

pub fn getrandom(buf: u64, len: u64, flags: u64) -> SysResult {
    let flags = flags as usize;
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == GRND_RANDOM | GRND_INSECURE
    {
        return Err(EINVAL);
    }
    let len = len.min(32 << 20);
    let dst = UserSlice::new(buf, len)?;
    let features = cpu::features();
    let mut done = 0;
    while done < len {
        let v =
            cpu::hardware_random(&features).map_or_else(|| tsc::read().wrapping_mul(0x9e37_79b9_7f4a_7c15), |(v, _)| v);
        let n = (len - done).min(8);
        UserSlice::new(dst.addr() + done, n)?.write(&v.to_le_bytes()[..n as usize])?;
        done += n;
    }
    Ok(len)
}

/// getrlimit: prlimit64 on the caller (x86-64's `struct rlimit` is `struct rlimit64`).
pub fn getrlimit(resource: u64, old: u64) -> SysResult {
    if old == 0 {
        return Err(abi::errno::EFAULT);
    }
    prlimit64(0, resource, 0, old)
}

/// setrlimit: prlimit64 on the caller.
pub fn setrlimit(resource: u64, new: u64) -> SysResult {
    if new == 0 {
        return Err(abi::errno::EFAULT);
    }
    prlimit64(0, resource, new, 0)
}

/// sched_setaffinity: the mask must name the one CPU that runs the process (EINVAL otherwise);
/// the thread stays where it is.
pub fn sched_setaffinity(pid: u64, len: u64, mask: u64) -> SysResult {
    if pid != 0 && !crate::process::sched::signal_thread(pid as u32, 0, &Default::default(), false) {
        return Err(ESRCH);
    }
    if len == 0 {
        return Err(EINVAL);
    }
    let first = UserPtr::<u8>::new(mask).read()?;
    if first & 1 == 0 {
        return Err(EINVAL); // no CPU of the mask is online
    }
    Ok(0)
}

/// getcpu: CPU 0, NUMA node 0.
pub fn getcpu(cpu: u64, node: u64) -> SysResult {
    for at in [cpu, node] {
        if at != 0 {
            UserPtr::<u32>::new(at).write(&0)?;
        }
    }
    Ok(0)
}

/// sysinfo: uptime from the monotonic clock, memory from the frame allocator (in pages of
/// 4 KiB, mem_unit 4096), one process, no swap, no load average kept (zeros).
pub fn sysinfo(info: u64) -> SysResult {
    let total = crate::mm::frame::total_count();
    let free = crate::mm::frame::free_count();
    let s = abi::resource::Sysinfo {
        uptime: (crate::time::monotonic_ns() / abi::time::NSEC_PER_SEC) as i64,
        totalram: total,
        freeram: free,
        procs: crate::process::sched::live_threads() as u16,
        mem_unit: abi::mman::PAGE_SIZE as u32,
        ..Default::default()
    };
    UserPtr::new(info).write(&s)?;
    Ok(0)
}
