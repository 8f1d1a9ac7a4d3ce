//! Process-wide calls (Linux kernel/sys.c, arch/x86/kernel/process_64.c, kernel/sched/core.c,
//! drivers/char/random.c): arch_prctl, getpid, gettid, set_tid_address, uname, prlimit64, sched_getaffinity,
//! getrandom, sched_yield, and an unknown number.

use crate::check::{Checklist, Outcome, Ret, detail, expect_eq, expect_errno, fail, succeeded};
use crate::sys::{self, KERNEL_ADDR, UNMAPPED_ADDR};
use abi::errno::{EFAULT, EINVAL, ENOSYS, EPERM, ERANGE, ESRCH};
use abi::mman::TASK_SIZE_MAX;
use abi::nr::*;
use abi::prctl::{ARCH_GET_FS, ARCH_GET_GS, ARCH_SET_FS, ARCH_SET_GS};
use abi::resource::{RLIMIT_STACK, Rlimit};
use abi::utsname::{UTS_FIELD, Utsname};
use core::ptr;
use core::sync::atomic::AtomicU32;
use programs::{getpid, gettid, syscall0, syscall1, syscall2, syscall3, syscall4};

/// An arch_prctl code Linux does not define.
const ARCH_BAD_CODE: usize = 0x9999;
/// A resource number past `RLIM_NLIMITS`.
const RLIMIT_BAD: usize = 999;
/// A syscall number past the end of the table.
const UNASSIGNED_NR: usize = 999;
const GRND_BAD_FLAG: usize = 0x80;
/// A pid above Linux's largest pid_max (2^22): no such process.
const NO_SUCH_PID: usize = i32::MAX as usize;
/// Bytes for the affinity mask: room for 1024 CPUs.
const AFFINITY_BYTES: usize = 128;

/// The word `set_tid_address` points the kernel at (cleared by the kernel when the thread exits).
static TID_WORD: AtomicU32 = AtomicU32::new(0);

pub fn checks(c: &mut Checklist) {
    c.report("arch_prctl SET_FS/GET_FS round trip", base_round_trip(ARCH_GET_FS, ARCH_SET_FS));
    c.report("arch_prctl SET_GS/GET_GS round trip", base_round_trip(ARCH_GET_GS, ARCH_SET_GS));
    // SAFETY: the address is refused (EPERM), so FS stays as it was.
    let kernel_fs = unsafe { syscall2(SYS_ARCH_PRCTL, ARCH_SET_FS, KERNEL_ADDR) };
    c.report("arch_prctl SET_FS kernel address EPERM", expect_errno(kernel_fs, EPERM));
    // SAFETY: as above: arch_prctl refuses any base >= TASK_SIZE_MAX.
    let last_fs = unsafe { syscall2(SYS_ARCH_PRCTL, ARCH_SET_FS, TASK_SIZE_MAX) };
    if last_fs == 0 {
        // SAFETY: FS was 0 at start-up and nothing uses it; put it back.
        unsafe { syscall2(SYS_ARCH_PRCTL, ARCH_SET_FS, 0) };
    }
    c.report("arch_prctl SET_FS TASK_SIZE_MAX EPERM", expect_errno(last_fs, EPERM));
    let mut word = 0u64;
    // SAFETY: an unknown code touches nothing; `word` is a valid destination if the kernel wrote anyway.
    let bad = unsafe { syscall2(SYS_ARCH_PRCTL, ARCH_BAD_CODE, ptr::from_mut(&mut word) as usize) };
    c.report("arch_prctl code 0x9999 EINVAL", expect_errno(bad, EINVAL));
    // SAFETY: the destination is unmapped, so the kernel writes nothing (EFAULT).
    let get_bad = unsafe { syscall2(SYS_ARCH_PRCTL, ARCH_GET_FS, UNMAPPED_ADDR) };
    c.report("arch_prctl GET_FS to 0x1000 EFAULT", expect_errno(get_bad, EFAULT));

    let pid = getpid();
    c.report("getpid > 0", if pid > 0 { Ok(()) } else { fail!("{pid}") });
    c.report("gettid == getpid", expect_eq(gettid() as usize, pid as usize));
    // SAFETY: the kernel keeps the address of a static word and clears it only when the thread exits.
    let tid = unsafe { syscall1(SYS_SET_TID_ADDRESS, TID_WORD.as_ptr() as usize) };
    c.report("set_tid_address returns gettid", expect_eq(tid as usize, gettid() as usize));

    uname(c);
    prlimit(c);
    affinity(c);
    random(c);
    // SAFETY: sched_yield takes no arguments and touches no memory.
    c.report("sched_yield returns 0", expect_eq(unsafe { syscall0(SYS_SCHED_YIELD) } as usize, 0));
    // SAFETY: an unknown number does nothing.
    c.report("syscall 999 ENOSYS", expect_errno(unsafe { syscall0(UNASSIGNED_NR) }, ENOSYS));
    c.report("sysinfo: memory, uptime and a process", sysinfo());
    c.report("sched_setaffinity CPU 0 ok, empty mask EINVAL", setaffinity());
    c.report("getcpu gives an online CPU", getcpu());
    c.report("getcwd: an absolute name with its NUL, ERANGE, EFAULT", getcwd());
}

/// `arch_prctl(get, &into)`: reads the FS or GS base.
fn get_base(get: usize, into: &mut u64) -> isize {
    // SAFETY: the kernel writes one u64 into `into`.
    unsafe { syscall2(SYS_ARCH_PRCTL, get, ptr::from_mut(into) as usize) }
}

/// Points FS (or GS) at a buffer, reads it back, and restores the original base before anything else runs.
fn base_round_trip(get: usize, set: usize) -> Outcome {
    let mut original = 0u64;
    let ret = get_base(get, &mut original);
    succeeded(ret).map_err(|_| detail!("get: {}", Ret(ret)))?;
    let tls = [0u64; 4];
    let want = tls.as_ptr() as u64;
    // SAFETY: nothing in this program makes FS- or GS-relative (thread-local) accesses, and the base is restored
    // below, before any other code runs.
    let set_ret = unsafe { syscall2(SYS_ARCH_PRCTL, set, want as usize) };
    let mut got = 0u64;
    let get_ret = get_base(get, &mut got);
    // SAFETY: restores the value read above.
    let restore = unsafe { syscall2(SYS_ARCH_PRCTL, set, original as usize) };
    succeeded(set_ret).map_err(|_| detail!("set: {}", Ret(set_ret)))?;
    succeeded(get_ret).map_err(|_| detail!("get: {}", Ret(get_ret)))?;
    succeeded(restore).map_err(|_| detail!("restore: {}", Ret(restore)))?;
    expect_eq(got as usize, want as usize)?;
    let mut now = 0u64;
    get_base(get, &mut now);
    if now == original { Ok(()) } else { fail!("base is {now:#x} after restoring {original:#x}") }
}

fn uname(c: &mut Checklist) {
    let mut u = Utsname::ZERO;
    let ret = sys::uname(&mut u);
    let expect_field = |f: &[u8; UTS_FIELD], want: &[u8]| -> Outcome {
        expect_eq(succeeded(ret)?, 0)?;
        let got = Utsname::field(f);
        if got == want { Ok(()) } else { fail!("{:?}", got.escape_ascii()) }
    };
    c.report("uname sysname Linux", expect_field(&u.sysname, b"Linux"));
    c.report("uname machine x86_64", expect_field(&u.machine, b"x86_64"));
    // SAFETY: the destination is unmapped, so the kernel writes nothing (EFAULT).
    c.report("uname to 0x1000 EFAULT", expect_errno(unsafe { syscall1(SYS_UNAME, UNMAPPED_ADDR) }, EFAULT));
}

fn prlimit(c: &mut Checklist) {
    let mut old = Rlimit::default();
    // SAFETY: a get only (new is NULL): the kernel writes one `rlimit64` into `old`.
    let ret = unsafe { syscall4(SYS_PRLIMIT64, 0, RLIMIT_STACK, 0, ptr::from_mut(&mut old) as usize) };
    let stack = succeeded(ret).and_then(|_| if old.rlim_cur > 0 { Ok(()) } else { fail!("cur {}", old.rlim_cur) });
    c.report("prlimit64 RLIMIT_STACK cur > 0", stack);
    // SAFETY: as above; an unknown resource writes nothing.
    let bad = unsafe { syscall4(SYS_PRLIMIT64, 0, RLIMIT_BAD, 0, ptr::from_mut(&mut old) as usize) };
    c.report("prlimit64 resource 999 EINVAL", expect_errno(bad, EINVAL));
    let inverted = Rlimit { rlim_cur: 2, rlim_max: 1 };
    // SAFETY: a limit with cur > max is refused; the kernel only reads `inverted`.
    let ret = unsafe { syscall4(SYS_PRLIMIT64, 0, RLIMIT_STACK, ptr::from_ref(&inverted) as usize, 0) };
    c.report("prlimit64 cur > max EINVAL", expect_errno(ret, EINVAL));
}

fn affinity(c: &mut Checklist) {
    let mut mask = [0u8; AFFINITY_BYTES];
    // SAFETY: the kernel writes at most `mask.len()` bytes into `mask`.
    let ret = unsafe { syscall3(SYS_SCHED_GETAFFINITY, 0, mask.len(), mask.as_mut_ptr() as usize) };
    let outcome = succeeded(ret).and_then(|n| match (n, mask.iter().map(|b| b.count_ones()).sum::<u32>()) {
        (0, _) => fail!("returned 0"),
        (n, _) if n > mask.len() => fail!("returned {n}, more than the {} given", mask.len()),
        (_, 0) => fail!("no CPU in the mask"),
        _ => Ok(()),
    });
    c.report("sched_getaffinity >= 1 CPU", outcome);
    // SAFETY: a 3-byte length is refused before anything is written; `mask` has room in any case.
    let short = unsafe { syscall3(SYS_SCHED_GETAFFINITY, 0, 3, mask.as_mut_ptr() as usize) };
    c.report("sched_getaffinity len 3 EINVAL", expect_errno(short, EINVAL));
    // SAFETY: no such process, so nothing is written; `mask` has room in any case.
    let ret = unsafe { syscall3(SYS_SCHED_GETAFFINITY, NO_SUCH_PID, mask.len(), mask.as_mut_ptr() as usize) };
    c.report("sched_getaffinity unknown pid ESRCH", expect_errno(ret, ESRCH));
}

fn random(c: &mut Checklist) {
    c.report("getrandom 32 bytes twice", two_draws());
    let mut buf = [0u8; 32];
    c.report("getrandom flags 0x80 EINVAL", expect_errno(sys::getrandom(&mut buf, GRND_BAD_FLAG), EINVAL));
}

/// Two 32-byte draws: both complete, neither all zeros, and they differ.
fn two_draws() -> Outcome {
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    expect_eq(succeeded(sys::getrandom(&mut a, 0))?, a.len())?;
    expect_eq(succeeded(sys::getrandom(&mut b, 0))?, b.len())?;
    match (a.iter().all(|&x| x == 0) || b.iter().all(|&x| x == 0), a == b) {
        (true, _) => fail!("all zero"),
        (_, true) => fail!("the two draws are equal"),
        _ => Ok(()),
    }
}

fn sysinfo() -> Outcome {
    let mut s = abi::resource::Sysinfo::default();
    // SAFETY: the kernel writes one struct sysinfo.
    succeeded(unsafe { programs::syscall1(abi::nr::SYS_SYSINFO, &mut s as *mut abi::resource::Sysinfo as usize) })?;
    if s.mem_unit == 0 || s.totalram == 0 || s.freeram > s.totalram || s.procs == 0 {
        return crate::check::fail!(
            "implausible: unit {} total {} free {} procs {}",
            s.mem_unit,
            s.totalram,
            s.freeram,
            s.procs
        );
    }
    Ok(())
}

fn setaffinity() -> Outcome {
    let cpu0 = 1u64;
    let none = 0u64;
    // SAFETY: the kernel reads one 8-byte mask each time.
    let (ok, empty) = unsafe {
        (
            programs::syscall3(abi::nr::SYS_SCHED_SETAFFINITY, 0, 8, &cpu0 as *const u64 as usize),
            programs::syscall3(abi::nr::SYS_SCHED_SETAFFINITY, 0, 8, &none as *const u64 as usize),
        )
    };
    succeeded(ok)?;
    crate::check::expect_errno(empty, abi::errno::EINVAL)
}

fn getcpu() -> Outcome {
    let (mut cpu, mut node) = (u32::MAX, u32::MAX);
    // SAFETY: the kernel writes two u32s.
    succeeded(unsafe {
        programs::syscall3(abi::nr::SYS_GETCPU, &mut cpu as *mut u32 as usize, &mut node as *mut u32 as usize, 0)
    })?;
    let mut mask = [0u64; 16];
    // SAFETY: the kernel writes at most 128 bytes of mask.
    succeeded(unsafe { programs::syscall3(abi::nr::SYS_SCHED_GETAFFINITY, 0, 128, mask.as_mut_ptr() as usize) })?;
    if mask[cpu as usize / 64] & (1 << (cpu % 64)) == 0 || node == u32::MAX {
        return crate::check::fail!("cpu {cpu} node {node} not in the affinity mask");
    }
    Ok(())
}

/// getcwd: the name (rt0's is "/", the host's wherever the test runs) is absolute and the
/// result counts its NUL; a buffer of 1 byte is too small for any name (ERANGE); an unmapped
/// one is EFAULT.
fn getcwd() -> Outcome {
    let mut buf = [0u8; 4096];
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    let n = succeeded(unsafe { syscall2(SYS_GETCWD, buf.as_mut_ptr() as usize, buf.len()) })?;
    if n < 2 || buf[0] != b'/' || buf[n - 1] != 0 || buf[..n - 1].contains(&0) {
        return fail!("{n} bytes: {:?}", &buf[..n.min(16)]);
    }
    // SAFETY: as above, with room for one byte.
    expect_errno(unsafe { syscall2(SYS_GETCWD, buf.as_mut_ptr() as usize, 1) }, ERANGE)?;
    // SAFETY: the destination is unmapped, so the kernel writes nothing (EFAULT).
    expect_errno(unsafe { syscall2(SYS_GETCWD, UNMAPPED_ADDR, 4096) }, EFAULT)
}
