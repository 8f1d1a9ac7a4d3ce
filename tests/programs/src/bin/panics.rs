//! Panics, deferred calls, recover and Goexit, and the crash reports of Go 1.19, one case per
//! `argv[1]`. `tests/real/go/panics/main.go` is the same program in Go: both print the same
//! stdout and die (or not) with the same first report lines and exit status.
//!
//! | mode          | what happens                                                            | exit |
//! |---------------|-------------------------------------------------------------------------|------|
//! | `recover`     | three deferred calls, LIFO; the middle one recovers; the result is zero | 0    |
//! | `protect`     | the Go spec's `protect(g)`: a panic deep in `g` (whose own frame defers) is recovered | 0 |
//! | `named`       | a deferred call sets the result after a recover                         | 0    |
//! | `notpanicking`| `recover()` with no panic, and in a deferred call of a normal return: nil | 0  |
//! | `recovernil`  | a nil dereference is a runtime-error panic that a deferred call recovers | 0   |
//! | `nested`      | a panic inside a deferred call during a panic, recovered by an outer frame | 0 |
//! | `goexit`      | a goroutine calls Goexit two frames deep: both frames' deferred calls run | 0 |
//! | `unrecovered` | deferred calls run, then `panic: boom` and the trace                    | 2    |
//! | `repanic`     | recovered, then panicked again: `panic: boom [recovered]` / `\tpanic: again` | 2 |
//! | `goroutine`   | a panic in a goroutine: its header and `created by`                     | 2    |
//! | `deadlock`    | main and one goroutine blocked on channels: both listed with wait reasons | 2  |
//! | `goexitmain`  | main calls Goexit, its goroutine ends: "no goroutines" deadlock         | 2    |
//! | `nil`         | a nil dereference                                                       | 2    |
//! | `fault`       | a read of an unmapped non-nil address: `unexpected fault address`      | 2    |
//! | `overflow`    | unbounded recursion: `fatal error: stack overflow`                      | 2    |
//! | `quit`        | main sleeps, a goroutine waits on a channel: SIGQUIT dumps both         | 2    |
#![no_std]
#![no_main]

extern crate alloc;

use alloc::rc::Rc;
use core::cell::Cell;
use core::hint::black_box;
use runtime::chan::Chan;
use runtime::sync::WaitGroup;
use runtime::{args, frame, println, recover};

runtime::main!(main);

/// The value a recover returned, as Go's `fmt.Println` would show it.
fn show(v: Option<alloc::boxed::Box<dyn core::any::Any + Send>>) -> alloc::string::String {
    v.map_or_else(|| "<nil>".into(), |v| runtime::defer::describe(&*v))
}

fn main() {
    match args::argv(1).unwrap_or(b"") {
        b"recover" => {
            let r: Option<i32> = frame(|f| {
                f.defer(|| println!("deferred 1"));
                f.defer(|| println!("recovered: {}", show(recover())));
                f.defer(|| println!("deferred 3"));
                panic!("boom");
            });
            println!("returned {}", r.unwrap_or(0));
        }
        b"protect" => {
            protect(|| {
                frame(|f| {
                    f.defer(|| println!("g: deferred"));
                    deep(3);
                });
                println!("not reached");
            });
            println!("after protect");
        }
        b"named" => {
            let result = Rc::new(Cell::new(1));
            let r = result.clone();
            frame(move |f| {
                f.defer(move || {
                    if recover().is_some() {
                        r.set(-1);
                    }
                });
                panic!("fail")
            });
            println!("result {}", result.get());
        }
        b"notpanicking" => {
            println!("recover outside a panic: {}", show(recover()));
            frame(|f| f.defer(|| println!("recover in a normal deferred call: {}", show(recover()))));
        }
        b"recovernil" => {
            frame(|f| {
                f.defer(|| println!("recovered: {}", show(recover())));
                // SAFETY: deliberately unsound: a nil dereference, which Go makes a panic.
                let v = unsafe { core::ptr::read_volatile(black_box(core::ptr::null::<i64>())) };
                println!("read {v}");
            });
            println!("recovernil: main continues");
        }
        b"nested" => {
            frame(|f| {
                f.defer(|| println!("outer recovered: {}", show(recover())));
                frame(|g| {
                    g.defer(|| panic!("second"));
                    g.defer(|| println!("inner deferred"));
                    panic!("first");
                });
            });
            println!("nested done");
        }
        b"goexit" => {
            let wg = alloc::sync::Arc::new(WaitGroup::new());
            wg.add(1);
            let done = wg.clone();
            runtime::go(move || {
                frame(move |f| {
                    f.defer(move || done.done());
                    f.defer(|| println!("goexit: outer deferred"));
                    frame(|g| {
                        g.defer(|| println!("goexit: inner deferred, recover: {}", show(recover())));
                        runtime::goexit();
                    });
                    println!("not reached");
                });
            });
            wg.wait();
            println!("goexit: main continues");
        }
        b"unrecovered" => {
            frame(|f| {
                f.defer(|| println!("deferred runs before the report"));
                deep(2);
            });
        }
        b"repanic" => {
            frame(|f| {
                f.defer(|| {
                    let v = show(recover());
                    println!("recovered {v}, panicking again");
                    panic!("again");
                });
                panic!("boom");
            });
        }
        b"goroutine" => {
            let c: Chan<i32> = Chan::new(0);
            spawn_panicker();
            c.recv();
        }
        b"deadlock" => {
            let (a, b, c): (Chan<i32>, Chan<i32>, Chan<i32>) = (Chan::new(0), Chan::new(0), Chan::new(0));
            let (b2, c2) = (b.clone(), c.clone());
            runtime::go(move || b2.send(1));
            runtime::go(move || {
                c2.recv();
            });
            println!("deadlock: main waits");
            a.recv();
            drop((b, c));
        }
        b"goexitmain" => {
            runtime::go(|| println!("goexitmain: the goroutine ran"));
            runtime::goexit();
        }
        b"nil" => {
            println!("nil: about to dereference nil");
            // SAFETY: deliberately unsound: a nil dereference, which must be reported as Go does.
            let v = unsafe { core::ptr::read_volatile(black_box(core::ptr::null::<i64>())) };
            println!("read {v}");
        }
        b"fault" => {
            println!("fault: about to read 0xdeadbeef");
            // SAFETY: deliberately unsound: an unmapped address, which must be reported as Go does.
            let v = unsafe { core::ptr::read_volatile(black_box(0xdead_beef as *const u8)) };
            println!("read {v}");
        }
        b"overflow" => {
            println!("overflow: recursing");
            println!("{}", recurse(black_box(1)));
        }
        b"quit" => {
            let c: Chan<i32> = Chan::new(0);
            let c2 = c.clone();
            runtime::go(move || {
                c2.recv();
            });
            runtime::gosched(); // the goroutine parks in its receive first
            println!("quit: waiting");
            runtime::time::sleep(core::time::Duration::from_secs(60));
            c.send(1);
        }
        _ => {
            runtime::eprintln!(
                "usage: panics recover|protect|named|notpanicking|recovernil|nested|goexit|unrecovered|repanic|goroutine|deadlock|goexitmain|nil|fault|overflow|quit"
            );
            runtime::os::exit(2);
        }
    }
}

/// The Go spec's `protect`: runs `g`, and a panic in it is logged and stopped.
fn protect(g: impl FnOnce() + 'static) {
    frame(|f| {
        f.defer(|| {
            println!("done");
            if let Some(x) = recover() {
                println!("run time panic: {}", runtime::defer::describe(&*x));
            }
        });
        println!("start");
        g();
    });
}

/// Calls itself `n` times, then panics.
#[inline(never)]
fn deep(n: u32) {
    if n == 0 {
        panic!("boom");
    }
    deep(black_box(n - 1));
    black_box(n);
}

#[inline(never)]
fn spawn_panicker() {
    runtime::go(|| deep(1));
}

#[inline(never)]
fn recurse(n: u64) -> u64 {
    if n == u64::MAX {
        return 0;
    }
    let buf = black_box([n; 8]);
    recurse(buf[3] + 1) + buf[5]
}
