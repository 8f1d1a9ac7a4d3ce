//! select and pselect6 (Linux fs/select.c core_sys_select, do_select, poll_select_finish): three
//! bitmaps of `n` descriptors (in 64-bit words), `n` cut to the descriptor table's size (a bit
//! past it is ignored), every other set bit an open descriptor (EBADF otherwise, before any wait), readiness from the objects' poll — readable for EPOLLIN,
//! EPOLLHUP or EPOLLERR, writable for EPOLLOUT or EPOLLERR, exceptional for EPOLLPRI — and the
//! time left written back into the caller's timeout, as Linux does unless the personality says
//! STICKY_TIMEOUTS.
use super::SysResult;
use super::poll::with_mask;
use crate::fd;
use crate::process::thread::Wake;
use crate::process::uaccess::{Errno, UserPtr};
use crate::process::{self};
use crate::time::monotonic_ns;
use abi::epoll::{EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLPRI, EPOLLRDBAND, EPOLLRDNORM, EPOLLWRBAND, EPOLLWRNORM};
use abi::errno::{EBADF, EINVAL, ERESTARTNOHAND};
use abi::time::{Timespec, Timeval};
use alloc::vec::Vec;

/// Linux's POLLIN_SET, POLLOUT_SET and POLLEX_SET.
const IN_SET: u32 = EPOLLRDNORM | EPOLLRDBAND | EPOLLIN | EPOLLHUP | EPOLLERR;
const OUT_SET: u32 = EPOLLWRBAND | EPOLLWRNORM | EPOLLOUT | EPOLLERR;
const EX_SET: u32 = EPOLLPRI;

/// One of the three sets: its user address (0: none) and its words.
struct Set {
    addr: u64,
    words: Vec<u64>,
}

impl Set {
    fn read(addr: u64, n: usize) -> Result<Set, Errno> {
        let mut words = alloc::vec![0u64; if addr == 0 { 0 } else { n.div_ceil(64) }];
        for (i, w) in words.iter_mut().enumerate() {
            *w = UserPtr::<u64>::new(addr + 8 * i as u64).read()?;
        }
        Ok(Set { addr, words })
    }

    fn has(&self, fd: usize) -> bool {
        self.words.get(fd / 64).is_some_and(|w| w & (1 << (fd % 64)) != 0)
    }

    /// Writes `out` back (the bits beyond `n` in the last word were never set in it).
    fn write(&self, out: &[u64]) -> Result<(), Errno> {
        for (i, w) in out.iter().enumerate().take(self.words.len()) {
            UserPtr::<u64>::new(self.addr + 8 * i as u64).write(w)?;
        }
        Ok(())
    }
}

/// The scan and the wait: the ready count, or Err(None) when a signal came.
fn do_select(n: u64, sets: [u64; 3], until: Option<u64>) -> Result<u64, Option<Errno>> {
    let n = n as i32;
    if n < 0 {
        return Err(Some(EINVAL));
    }
    // Linux clamps `n` to the descriptor table's size: set bits past it are not looked at.
    let n = (n as usize).min(process::with(|p| p.fds.size()));
    let sets = [Set::read(sets[0], n)?, Set::read(sets[1], n)?, Set::read(sets[2], n)?];
    let wanted: Vec<(usize, [bool; 3])> = (0..n)
        .map(|fd| (fd, [sets[0].has(fd), sets[1].has(fd), sets[2].has(fd)]))
        .filter(|(_, w)| w.iter().any(|&b| b))
        .collect();
    let words = n.div_ceil(64);
    let mut out = [alloc::vec![0u64; words], alloc::vec![0u64; words], alloc::vec![0u64; words]];
    let count = loop {
        let generation = fd::wait::poll_generation();
        let mut count = 0;
        for o in out.iter_mut() {
            o.fill(0);
        }
        for &(fd, want) in &wanted {
            let m = process::file(fd as u64).map_err(|_| Some(EBADF))?.file.poll();
            for (k, mask) in [IN_SET, OUT_SET, EX_SET].into_iter().enumerate() {
                if want[k] && m & mask != 0 {
                    out[k][fd / 64] |= 1 << (fd % 64);
                    count += 1;
                }
            }
        }
        if count > 0 || until == Some(0) {
            break count;
        }
        match fd::wait::poll_sleep(generation, until) {
            Wake::Woken => {}
            Wake::TimedOut => break 0,
            Wake::Interrupted => return Err(None),
        }
    };
    for (set, o) in sets.iter().zip(&out) {
        set.write(o)?;
    }
    Ok(count)
}

/// The deadline of a timeout of `ns` (0: do not wait).
fn deadline(ns: u64) -> u64 {
    if ns == 0 { 0 } else { monotonic_ns().saturating_add(ns) }
}

/// Time left until `until`, for the write-back.
fn left(until: u64) -> u64 {
    until.saturating_sub(monotonic_ns())
}

pub fn select(n: u64, inp: u64, outp: u64, exp: u64, tvp: u64) -> SysResult {
    let until = match UserPtr::<Timeval>::new(tvp).read_opt()? {
        None => None,
        Some(tv) => {
            // Linux folds whole seconds of tv_usec into tv_sec; what is left must be valid.
            let sec = tv.tv_sec.saturating_add(tv.tv_usec / 1_000_000);
            let usec = tv.tv_usec % 1_000_000;
            if sec < 0 || usec < 0 {
                return Err(EINVAL);
            }
            Some(deadline((sec as u64).saturating_mul(1_000_000_000).saturating_add(usec as u64 * 1000)))
        }
    };
    let r = do_select(n, [inp, outp, exp], until).map_err(|e| e.unwrap_or(ERESTARTNOHAND));
    if let Some(until) = until.filter(|&u| u != 0) {
        let ns = left(until);
        let tv = Timeval { tv_sec: (ns / 1_000_000_000) as i64, tv_usec: ((ns % 1_000_000_000) / 1000) as i64 };
        // A failed write-back only turns a restart into EINTR (poll_select_finish's sticky case).
        if UserPtr::<Timeval>::new(tvp).write(&tv).is_err() && r == Err(ERESTARTNOHAND) {
            return Err(abi::errno::EINTR);
        }
    }
    r
}

/// pselect6: a timespec, and the signal mask as `{const sigset_t *ss; size_t ss_len}` at `sig`.
pub fn pselect6(n: u64, inp: u64, outp: u64, exp: u64, tsp: u64, sig: u64) -> SysResult {
    let until = match UserPtr::<Timespec>::new(tsp).read_opt()? {
        None => None,
        Some(t) => Some(deadline(t.to_ns().ok_or(EINVAL)?)),
    };
    let (mask, size) = match UserPtr::<[u64; 2]>::new(sig).read_opt()? {
        None => (0, 0),
        Some([mask, size]) => (mask, size),
    };
    let r = with_mask(mask, size, ERESTARTNOHAND, || {
        do_select(n, [inp, outp, exp], until).map_err(|e| e.unwrap_or(ERESTARTNOHAND))
    });
    if let Some(until) = until.filter(|&u| u != 0) {
        let t = Timespec::from_ns(left(until));
        if UserPtr::<Timespec>::new(tsp).write(&t).is_err() && r == Err(ERESTARTNOHAND) {
            return Err(abi::errno::EINTR);
        }
    }
    r
}
