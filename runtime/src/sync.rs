//! Go's sync package on the runtime's semaphores (`sema`), one file per type as in Go:
//! [`Mutex`] with its starvation mode (sync/mutex.go), [`RWMutex`] (sync/rwmutex.go), [`Once`]
//! (sync/once.go), [`Cond`] on the runtime's notify lists (sync/cond.go, runtime/sema.go) and
//! [`WaitGroup`] (sync/waitgroup.go).
//!
//! They block goroutines, not threads: a goroutine that waits parks in `semacquire` (shown as
//! `[semacquire]`, as Go 1.19 shows a waiter in Mutex.Lock; Cond.Wait as `[sync.Cond.Wait]`) and
//! the M runs other goroutines. As in Go they carry no data and no owner:
//! what a Mutex protects is up to the program, and any goroutine may unlock it.
mod cond;
mod mutex;
mod once;
mod rwmutex;
mod waitgroup;

pub use cond::{Cond, Locker};
pub use mutex::Mutex;
pub use once::Once;
pub use rwmutex::{RLocker, RWMutex};
pub use waitgroup::WaitGroup;
