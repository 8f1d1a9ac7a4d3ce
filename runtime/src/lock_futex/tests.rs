//! The key protocol on real threads and real futexes (the host's Linux): the states Go's
//! lock_futex.go walks through, mutual exclusion under contention, and notes with and without
//! a timeout.
use super::*;
use std::cell::UnsafeCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn uncontended_lock_goes_locked_then_unlocked() {
    let l = Mutex::new();
    assert_eq!(l.state(), MUTEX_UNLOCKED);
    l.lock2();
    assert_eq!(l.state(), MUTEX_LOCKED);
    l.unlock2();
    assert_eq!(l.state(), MUTEX_UNLOCKED);
}

#[test]
#[should_panic(expected = "fatal error: unlock of unlocked lock")]
fn unlock_of_unlocked_lock_throws() {
    Mutex::new().unlock2();
}

#[test]
fn a_waiter_marks_the_key_sleeping_and_the_unlock_wakes_it() {
    let l = Arc::new(Mutex::new());
    l.lock2();
    let waiter = {
        let l = l.clone();
        std::thread::spawn(move || {
            l.lock2();
            let held = l.state();
            l.unlock2();
            held
        })
    };
    let t0 = Instant::now();
    while l.state() != MUTEX_SLEEPING {
        assert!(t0.elapsed() < Duration::from_secs(10), "the waiter never went to sleep");
        std::thread::yield_now();
    }
    l.unlock2();
    // The woken thread took the lock with SLEEPING, since another sleeper could still exist.
    assert_eq!(waiter.join().unwrap(), MUTEX_SLEEPING);
    assert_eq!(l.state(), MUTEX_UNLOCKED);
}

struct Counter(UnsafeCell<u64>);
// SAFETY: the counter is only touched while holding the test's Mutex.
unsafe impl Sync for Counter {}

#[test]
fn contended_lock_excludes_four_threads_exactly() {
    const THREADS: u64 = 4;
    const ROUNDS: u64 = 50_000;
    crate::proc::NCPU.store(2, Relaxed); // take the spinning path as well
    let shared = Arc::new((Mutex::new(), Counter(UnsafeCell::new(0))));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let shared = shared.clone();
            std::thread::spawn(move || {
                for _ in 0..ROUNDS {
                    shared.0.lock2();
                    // SAFETY: the lock is held: no other thread touches the counter.
                    unsafe { *shared.1.0.get() += 1 };
                    shared.0.unlock2();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    shared.0.lock2();
    // SAFETY: the lock is held and every other thread has ended.
    assert_eq!(unsafe { *shared.1.0.get() }, THREADS * ROUNDS);
    shared.0.unlock2();
}

#[test]
fn note_wakes_a_sleeper_on_another_thread() {
    let n = Arc::new(Note::new());
    let sleeper = {
        let n = n.clone();
        std::thread::spawn(move || n.sleep())
    };
    std::thread::sleep(Duration::from_millis(20));
    n.wakeup();
    sleeper.join().unwrap();
    assert!(n.woken());
    // Already woken: sleeping returns at once.
    assert!(n.tsleep(1_000_000_000));
    n.clear();
    assert!(!n.woken());
}

#[test]
fn notetsleep_times_out_unwoken() {
    let n = Note::new();
    let t0 = Instant::now();
    assert!(!n.tsleep(20_000_000));
    assert!(t0.elapsed() >= Duration::from_millis(20), "{:?}", t0.elapsed());
}

#[test]
fn notetsleep_returns_true_when_woken_before_the_deadline() {
    let n = Arc::new(Note::new());
    let waker = {
        let n = n.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            n.wakeup()
        })
    };
    let t0 = Instant::now();
    assert!(n.tsleep(10_000_000_000));
    assert!(t0.elapsed() < Duration::from_secs(5));
    waker.join().unwrap();
}

#[test]
#[should_panic(expected = "fatal error: notewakeup - double wakeup")]
fn a_second_wakeup_throws() {
    let n = Note::new();
    n.wakeup();
    n.wakeup();
}
