//! Process-wide syscalls (Linux kernel/sys.c, arch/x86/kernel/process_64.c, kernel/sched):
//! getpid, uname, arch_prctl, sched_getaffinity, prlimit64, getrandom.
use super::SysResult;
use crate::arch::{cpu, tsc};
use crate::mm::vma::{PAGE, USER_END};
use crate::process;
use crate::process::uaccess::{UserPtr, UserSlice};
use abi::errno::{EFAULT, EINVAL, EPERM, ESRCH};
use abi::prctl::{ARCH_GET_FS, ARCH_GET_GS, ARCH_SET_FS, ARCH_SET_GS};
use abi::random::{GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM};
use abi::resource::{RLIMIT_NOFILE, Rlimit};
use abi::uio::MAX_RW_COUNT;
use abi::utsname::Utsname;
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{FsBase, KernelGsBase};

pub fn getpid() -> SysResult {
    Ok(process::pid() as u64)
}

pub fn getppid() -> SysResult {
    Ok(process::task::getppid() as u64)
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
            Ok(0)
        }
        ARCH_SET_GS => {
            KernelGsBase::write(VirtAddr::new(addr));
            Ok(0)
        }
        ARCH_GET_FS => UserPtr::new(addr).write(&FsBase::read().as_u64()).map(|_| 0),
        ARCH_GET_GS => UserPtr::new(addr).write(&KernelGsBase::read().as_u64()).map(|_| 0),
        _ => Err(EINVAL),
    }
}

/// Whether `pid` names this process or one of its threads (0: the caller).
fn is_ours(pid: u64) -> bool {
    pid == 0 || crate::process::sched::tgid_of(pid as u32) == Some(process::pid())
}

/// sched_getaffinity, with Linux's order: the length (at least a long, a multiple of longs:
/// EINVAL), the task (ESRCH), the copy-out (EFAULT). The mask is the thread's among the online
/// CPUs; the kernel's CPU mask is one long (at most 64 CPUs), so that is what is copied and
/// returned.
pub fn sched_getaffinity(pid: u64, len: u64, mask: u64) -> SysResult {
    if len < 8 || !len.is_multiple_of(8) {
        return Err(EINVAL);
    }
    let tid = u32::try_from(pid).map_err(|_| ESRCH)?;
    let cpus = crate::process::sched::affinity(tid).ok_or(ESRCH)?;
    UserPtr::<u64>::new(mask).write(&cpus)?;
    Ok(8)
}

/// prlimit64, with Linux's order: the new limits are copied in (EFAULT), the process looked up
/// (ESRCH), the limits checked and set (EINVAL, EPERM: `Limits::set`), the old ones copied out
/// (EFAULT, with the new ones already in place).
pub fn prlimit64(pid: u64, resource: u64, new: u64, old: u64) -> SysResult {
    let new = UserPtr::<Rlimit>::new(new).read_opt()?;
    if !is_ours(pid) {
        return Err(ESRCH);
    }
    let resource = usize::try_from(resource).unwrap_or(usize::MAX);
    let current = process::with(|p| match new {
        Some(n) => {
            let was = p.limits.set(resource, n)?;
            if resource == RLIMIT_NOFILE {
                p.fds.set_limit(n.rlim_cur);
            }
            Ok(was)
        }
        None => p.limits.get(resource),
    })?;
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
    // Linux's import_ubuf: at most MAX_RW_COUNT bytes, all below TASK_SIZE_MAX (access_ok).
    let len = len.min(MAX_RW_COUNT);
    if buf.checked_add(len).is_none_or(|end| end > USER_END) {
        return Err(EFAULT);
    }
    let features = cpu::features();
    let mut block = [0u8; RANDOM_BLOCK];
    let mut done = 0;
    // Linux's get_random_bytes_user: block by block until a copy falls short (the bytes that
    // fit are the result; none is EFAULT) or, at each page, a signal is pending.
    while done < len {
        for word in block.as_chunks_mut::<8>().0 {
            let v = cpu::hardware_random(&features)
                .map_or_else(|| tsc::read().wrapping_mul(0x9e37_79b9_7f4a_7c15), |(v, _)| v);
            word.copy_from_slice(&v.to_le_bytes());
        }
        let n = (len - done).min(RANDOM_BLOCK as u64) as usize;
        let copied = process::mm(|p| p.aspace.copy_out_upto(buf + done, &block[..n]));
        done += copied as u64;
        if copied < n || (done.is_multiple_of(PAGE) && done < len && process::signal::pending_unblocked()) {
            break;
        }
    }
    block.fill(0);
    if done == 0 && len != 0 { Err(EFAULT) } else { Ok(done) }
}

/// Bytes of randomness made per copy to the program.
const RANDOM_BLOCK: usize = 512;

/// getrlimit: the resource is checked (EINVAL) before the copy-out (EFAULT), as in Linux
/// (x86-64's `struct rlimit` is `struct rlimit64`).
pub fn getrlimit(resource: u64, old: u64) -> SysResult {
    let current = process::with(|p| p.limits.get(usize::try_from(resource).unwrap_or(usize::MAX)))?;
    UserPtr::new(old).write(&current)?;
    Ok(0)
}

/// setrlimit: the copy-in (EFAULT, NULL included) comes first, then prlimit64's checks.
pub fn setrlimit(resource: u64, new: u64) -> SysResult {
    if new == 0 {
        return Err(abi::errno::EFAULT);
    }
    prlimit64(0, resource, new, 0)
}

/// sched_setaffinity, with Linux's order: the mask is copied in (at most a long; a shorter one
/// is zero-extended: EFAULT), the thread looked up (ESRCH), and the mask must hold an online
/// CPU (EINVAL). A thread on a CPU the mask leaves out moves before it next runs ring-3 code.
pub fn sched_setaffinity(pid: u64, len: u64, mask: u64) -> SysResult {
    let mut bytes = [0u8; 8];
    let n = len.min(8);
    if n > 0 {
        UserSlice::new(mask, n)?.read_prefix(&mut bytes[..n as usize])?;
    }
    let tid = u32::try_from(pid).map_err(|_| ESRCH)?;
    match crate::process::sched::set_affinity(tid, u64::from_le_bytes(bytes)) {
        Err(()) => Err(ESRCH),
        Ok(false) => Err(EINVAL), // no CPU of the mask is online
        Ok(true) => Ok(0),
    }
}

/// getcpu: the CPU the caller runs on as the call is made (it may move right after, as on
/// Linux), NUMA node 0.
pub fn getcpu(cpu: u64, node: u64) -> SysResult {
    let here = crate::process::sched::this_cpu();
    for (at, v) in [(cpu, here), (node, 0)] {
        if at != 0 {
            UserPtr::<u32>::new(at).write(&v)?;
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
