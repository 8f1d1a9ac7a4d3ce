//! The host's cores, shared by the suite's test threads: every QEMU or native run, and every
//! build, holds one share of them for its length; a guest that needs all of its CPUs running at
//! once holds them all.
//!
//! One share per run, whatever the guest's CPU count: QEMU runs a guest CPU per host thread, but
//! a guest CPU with nothing to run halts and costs the host nothing, and the several-CPU runs
//! here keep 1.0–1.2 host cores busy (their QEMU CPU time over their wall time, measured run by
//! run). Each of them was measured beside a host thread that spins: all but one took at most
//! 1.5 times as long. The one exception, `smp.c`, whose four threads spin until all four have
//! arrived and then spin again, took four times as long: a guest CPU the host has descheduled
//! holds the other three spinning. Runs like it take the machine ([`Share::All`]). (`--icount`
//! runs, which must repeat to the instruction, do so whatever the load: they start from a
//! snapshot made under icount. Wall-clock sleeps are judged by the best of a few tries, and
//! overshot by 20-50 us beside two spinning host threads and a four-CPU QEMU.)
//!
//! One more holder than the host has cores may run ([`budget`]): many runs wait for part of
//! their length (a program's deliberate sleeps and timeouts, a native run's pauses), and with
//! one holder per core a core sat idle through each wait (measured: the suite's cores were
//! busy 74 % of its 78 s; with one more, 72.6 s). The suite can run more test threads than
//! that: the extra ones wait here, and fill the cores while a test does work that holds none
//! (reads a log, parses a trace). A run that spends its length asleep (timed sleeps, a hang
//! only the timeout ends) holds none at all (`tests::run_waiting`, `tests::run_both_waiting`).
//!
//! A request for the whole machine is served before later requests for one core (the cores
//! drain for it), so it never starves behind a stream of one-core runs.
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

/// How much of the machine a holder takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    /// One of the host's cores.
    One,
    /// Every core: no other run or build goes on meanwhile.
    All,
}

/// The machine: how many cores are held, and how many holders wait for all of them.
pub struct Cores {
    state: Mutex<State>,
    freed: Condvar,
}

struct State {
    held: usize,
    wanting_all: usize,
}

/// Cores held until dropped (a panicking test gives them back as it unwinds).
#[must_use = "the cores go back when this drops"]
pub struct Held<'a> {
    cores: &'a Cores,
    took: usize,
}

/// The host's cores (std's count, which follows the process's CPU affinity and cgroup quota).
pub fn host_cores() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How many one-core holders may run at once: one more than the host's cores, since many runs
/// spend part of their length waiting (a program's deliberate sleeps and timeouts, a native
/// run's pauses) and would leave a core idle.
fn budget() -> usize {
    host_cores() + 1
}

impl Cores {
    pub const fn new() -> Self {
        Cores { state: Mutex::new(State { held: 0, wanting_all: 0 }), freed: Condvar::new() }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics with the lock held, so a poisoned lock still guards consistent counts.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for `share` of the machine and holds it.
    pub fn hold(&self, share: Share) -> Held<'_> {
        let total = budget();
        let mut s = self.lock();
        let took = match share {
            Share::One => {
                while s.held >= total || s.wanting_all > 0 {
                    s = self.freed.wait(s).unwrap_or_else(PoisonError::into_inner);
                }
                1
            }
            Share::All => {
                s.wanting_all += 1;
                while s.held > 0 {
                    s = self.freed.wait(s).unwrap_or_else(PoisonError::into_inner);
                }
                s.wanting_all -= 1;
                total
            }
        };
        s.held += took;
        Held { cores: self, took }
    }
}

impl Default for Cores {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut s = self.cores.lock();
        s.held -= self.took;
        drop(s);
        self.cores.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn one_core_runs_never_exceed_the_host_and_a_whole_machine_run_is_alone() {
        static CORES: Cores = Cores::new();
        let (now, most, alone_overlap) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0));
        let alone = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for i in 0..12 {
                let (now, most, alone, alone_overlap) = (&now, &most, &alone, &alone_overlap);
                s.spawn(move || {
                    let share = if i % 4 == 3 { Share::All } else { Share::One };
                    let _held = CORES.hold(share);
                    if share == Share::All {
                        alone.fetch_add(1, Ordering::SeqCst);
                        if now.load(Ordering::SeqCst) != 0 {
                            alone_overlap.fetch_add(1, Ordering::SeqCst);
                        }
                        std::thread::sleep(Duration::from_millis(5));
                        alone.fetch_sub(1, Ordering::SeqCst);
                    } else {
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(n, Ordering::SeqCst);
                        if alone.load(Ordering::SeqCst) != 0 {
                            alone_overlap.fetch_add(1, Ordering::SeqCst);
                        }
                        std::thread::sleep(Duration::from_millis(5));
                        now.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert!(most.load(Ordering::SeqCst) <= budget());
        assert_eq!(alone_overlap.load(Ordering::SeqCst), 0);
        let s = CORES.lock();
        assert_eq!((s.held, s.wanting_all), (0, 0), "every core given back");
    }
}
