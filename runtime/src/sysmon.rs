//! sysmon, the runtime's monitor thread (Go's proc.go newm/newosproc/sysmon): an M of its own,
//! started by runtime.main, with no P. It sleeps 20 µs at a time, doubling up to 10 ms once it
//! has been idle for 50 rounds, and with GODEBUG=schedtrace=X prints Go's SCHED line every X ms.
//! Go's sysmon also retakes Ps from long syscalls and preempts goroutines that run over 10 ms;
//! rt0 has neither syscall handoff nor asynchronous preemption, so those parts are absent.
use crate::clone::{CLONE_SETTLS, THREAD_FLAGS, clone_thread};
use crate::os_linux::{SYS_NANOSLEEP, syscall2};
use crate::proc::{self, GOMAXPROCS, SCHED};
use crate::runtime2::{G, M};
use crate::{stack, step, trace};
use alloc::boxed::Box;
use core::sync::atomic::AtomicI32;
use core::sync::atomic::Ordering::Relaxed;

/// GODEBUG=schedtrace period in ms (0 = off), set by schedinit.
pub static SCHEDTRACE_MS: AtomicI32 = AtomicI32::new(0);

/// newm(sysmon, nil): a new M with its own g0 and gsignal, started with clone.
pub fn start() {
    let mp = Box::into_raw(Box::new(M::new()));
    let g0 = Box::into_raw(Box::new(G::new()));
    // SAFETY: mp and g0 are new; the clone below hands them to the new thread.
    let (hi, tls) = unsafe {
        (*g0).stack =
            stack::stackalloc(stack::G0_STACK).unwrap_or_else(|| proc::throw("out of memory for sysmon's g0"));
        (*g0).m = mp;
        (*mp).g0 = g0;
        proc::mcommoninit(mp);
        (*mp).tls[0] = g0 as usize;
        ((*g0).stack.hi, (&raw mut (*mp).tls) as usize + 8)
    };
    // SAFETY: a fresh stack, the M's TLS block as FS; the thread runs mstart_sysmon(mp).
    let tid = unsafe {
        clone_thread(
            THREAD_FLAGS | CLONE_SETTLS,
            hi,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            tls,
            mstart_sysmon,
            mp as usize,
        )
    };
    if tid < 0 {
        proc::throw("newosproc: clone failed");
    }
    // SAFETY: mp is initialised; id is read only.
    step!(4, "runtime.main: sysmon started on m{} (tid {tid}, no P), polling 20 µs doubling to 10 ms", unsafe {
        (*mp).id
    });
}

extern "C" fn mstart_sysmon(mp: usize) {
    crate::signal::minit(mp as *mut M);
    sysmon();
}

fn usleep(us: u64) {
    let ts = [(us / 1_000_000) as i64, (us % 1_000_000 * 1000) as i64];
    // SAFETY: a relative nanosleep from a local timespec.
    unsafe { syscall2(SYS_NANOSLEEP, ts.as_ptr() as usize, 0) };
}

fn sysmon() -> ! {
    let start = trace::nanotime();
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
        idle += 1; // nothing to retake or preempt on rt0, so every round is idle
        let period = SCHEDTRACE_MS.load(Relaxed);
        let now = trace::nanotime();
        if period > 0 && now - lasttrace >= period as u64 * 1_000_000 {
            lasttrace = now;
            schedtrace((now - start) / 1_000_000);
        }
    }
}

/// Go's schedtrace(false) line.
fn schedtrace(ms: u64) {
    let n = GOMAXPROCS.load(Relaxed).max(0) as usize;
    // SAFETY: racy reads of counters, as Go's schedtrace does without the lock.
    let (threads, idleprocs) = unsafe { ((*(&raw const SCHED)).mnext, (*(&raw const SCHED)).npidle.load(Relaxed)) };
    let mut w = crate::print::Writer::new(crate::print::STDERR);
    use core::fmt::Write;
    let global = proc::queue_lengths(0).1;
    let _ = write!(
        w,
        "SCHED {ms}ms: gomaxprocs={n} idleprocs={idleprocs} threads={threads} spinningthreads=0 needspinning=0 idlethreads=0 runqueue={global} ["
    );
    for i in 0..n {
        let _ = write!(w, "{}{}", if i > 0 { " " } else { "" }, proc::queue_lengths(i).0);
    }
    let _ = writeln!(w, "]");
}
