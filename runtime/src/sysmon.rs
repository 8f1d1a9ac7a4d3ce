//! sysmon, the runtime's monitor thread (Go's proc.go newm/newosproc/sysmon): an M of its own,
//! started by runtime.main, with no P. It sleeps 20 µs at a time, doubling up to 10 ms once it
//! has been idle for 50 rounds, and with GODEBUG=schedtrace=X prints Go's SCHED line every X ms
//! (schedtrace.rs).
//! Like Go's, each round retakes Ps whose goroutine has been in the same system call for a whole
//! tick (procm `retake`) and hands them to other Ms. Go's sysmon also preempts goroutines that
//! run over 10 ms; rt0 has no asynchronous preemption yet, so that part is absent.
use crate::panic::throw;
use crate::proc;
use crate::runtime2::{G, M};
use crate::sys_linux_amd64::{nanotime, usleep};
use crate::{os_linux, stack, step};
use alloc::boxed::Box;
use core::sync::atomic::AtomicI32;
use core::sync::atomic::Ordering::Relaxed;

/// GODEBUG=schedtrace period in ms (0 = off), set by schedinit.
pub static SCHEDTRACE_MS: AtomicI32 = AtomicI32::new(0);

/// newm(sysmon, nil): a new M with its own g0 and gsignal, started by newosproc.
pub fn start() {
    let mp = Box::into_raw(Box::new(M::new()));
    let g0 = Box::into_raw(Box::new(G::new()));
    // newosproc below hands mp and g0 to the new thread.
    // SAFETY: until then mp and g0 are fresh allocations no other thread knows of.
    let hi = unsafe {
        (*g0).stack = stack::stackalloc(stack::G0_STACK).unwrap_or_else(|| throw("out of memory for sysmon's g0"));
        (*g0).m = mp;
        (*mp).g0 = g0;
        proc::mcommoninit(mp);
        (*mp).tls[0] = g0 as usize;
        (*g0).stack.hi
    };
    // sysmon is a system M: it never runs goroutines, so checkdead leaves it out (Go's
    // sched.nmsys).
    let s = proc::sched_raw();
    // SAFETY: SCHED is a static; nmsys is guarded by sched.lock, held around the increment.
    unsafe {
        crate::lock_futex::lock(&(*s).lock);
        (*s).nmsys += 1;
        crate::lock_futex::unlock(&(*s).lock);
    }
    // mp is set up (g0, gsignal, tls[0]) and its g0 stack is its own.
    // SAFETY: from here on only the new thread touches mp and its stacks.
    let tid = unsafe { os_linux::newosproc(mp, hi, mstart) };
    // SAFETY: `id` was written by mcommoninit above and is never written again.
    step!(4, "runtime.main: sysmon started on m{} (tid {tid}, no P), polling 20 µs doubling to 10 ms", unsafe {
        (*mp).id
    });
}

/// mstart on a new M (Go's mstart → mstart1 → minit, then the M's start function): sysmon.
extern "C" fn mstart(mp: usize) {
    // SAFETY: newosproc passes this thread its own M, set up by `start`.
    unsafe { os_linux::minit(mp as *mut M) };
    sysmon();
}

fn sysmon() -> ! {
    let start = nanotime();
    let mut lasttrace = 0u64;
    let mut idle = 0u32;
    let mut delay = 0u64;
    loop {
        delay = if idle == 0 {
            20
        } else if idle > 50 {
            delay * 2
        } else {
            delay
        };
        delay = delay.min(10_000);
        usleep(delay);
        let now = nanotime();
        // Retake Ps blocked in system calls (preemption of long-running goroutines is not done
        // yet); a round that retook one is not idle, so sysmon keeps looking every 20 µs.
        if crate::procm::retake(now as i64) != 0 {
            idle = 0;
        } else {
            idle += 1;
        }
        let period = SCHEDTRACE_MS.load(Relaxed);
        if period > 0 && now - lasttrace >= period as u64 * 1_000_000 {
            lasttrace = now;
            crate::schedtrace::schedtrace((now - start) / 1_000_000, crate::schedtrace::SCHEDDETAIL.load(Relaxed));
        }
    }
}
