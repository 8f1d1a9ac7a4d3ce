//! Kernel self-tests, chosen with `test=<name>` on the kernel command line.
//!
//! One kernel image serves every in-QEMU kernel test: the host tests in `tests/` boot it with a
//! different command line each (no separate test kernels to build and load). Each mode ends the
//! run itself: exit 0 on success, or the fault/panic path it exists to prove.
use crate::arch;
use crate::config::KERNEL_VMAP_BASE;
use crate::control::{exit, kernel_panic};
use crate::mm::{frame, heap, paging};
use alloc::vec::Vec;
use core::hint::black_box;
use x86_64::VirtAddr;
use x86_64::structures::paging::{Page, PageTableFlags};

/// Every self-test, by command-line name.
const TESTS: &[(&str, fn() -> !)] = &[
    ("breakpoint", breakpoint),
    ("pagefault", page_fault),
    ("gpfault", general_protection),
    ("stackoverflow", stack_overflow),
    ("heap", heap_stress),
    ("paging", paging_aliases),
    ("panic", rust_panic),
    ("triplefault", triple_fault),
    ("hang", hang),
    ("exit", exit_code),
];

/// Runs the self-test `name`.
pub fn run(name: &str) -> ! {
    log::info!("selftest: {name}");
    match TESTS.iter().find(|(n, _)| *n == name) {
        Some((_, test)) => test(),
        None => {
            log::error!("selftest: unknown test '{name}'; known tests:");
            for (n, _) in TESTS {
                log::error!("  {n}");
            }
            kernel_panic("bad kernel command line")
        }
    }
}

/// `int3` is reported and execution continues after it.
fn breakpoint() -> ! {
    let before = black_box(0x5eed_u64);
    arch::breakpoint();
    log::info!("selftest breakpoint: resumed after int3, state intact: {}", black_box(before) == 0x5eed);
    exit(0)
}

/// A read of an unmapped lower-half address is a kernel #PF: report with CR2, then panic.
fn page_fault() -> ! {
    let bad = 0x0000_1bad_b002_0000 as *const u64;
    // SAFETY: deliberately unsound: this read must fault, which is what the test proves.
    let v = unsafe { bad.read_volatile() };
    log::error!("selftest pagefault: read returned {v:#x} instead of faulting");
    exit(1)
}

/// A non-canonical address is not a page fault but #GP (error code 0, CR2 untouched).
fn general_protection() -> ! {
    let bad = 0xdead_beef_0000_0000_u64 as *const u64;
    // SAFETY: deliberately unsound: this read must fault, which is what the test proves.
    let v = unsafe { bad.read_volatile() };
    log::error!("selftest gpfault: read returned {v:#x} instead of faulting");
    exit(1)
}

/// Unbounded recursion runs into the boot stack's guard page; the CPU cannot push the #PF frame
/// onto the dead stack, raises #DF, and the #DF handler runs on its IST stack.
fn stack_overflow() -> ! {
    #[allow(unconditional_recursion)]
    fn recurse(depth: u64) -> u64 {
        let pad = black_box([depth; 64]);
        recurse(depth + 1) + pad[7]
    }
    let r = recurse(0);
    log::error!("selftest stackoverflow: recursion returned {r}");
    exit(1)
}

/// Many sizes and alignments, three free orders, a content pattern per block checked before
/// every free; the heap must end as full as it started.
fn heap_stress() -> ! {
    let (used_before, _) = heap::usage();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (round, order) in ["fifo", "lifo", "random"].into_iter().enumerate() {
        let mut blocks: Vec<Vec<u8>> = Vec::new();
        for i in 0..2000usize {
            let size = match i % 4 {
                0 => 1 + (rand() % 16) as usize,
                1 => 16 + (rand() % 512) as usize,
                2 => 512 + (rand() % 8192) as usize,
                _ => 1 + (rand() % 16384) as usize, // ~4 MiB live in all
            };
            let fill = (i as u8) ^ (round as u8 * 0x55);
            let mut v = Vec::with_capacity(size);
            v.resize(size, fill);
            blocks.push(v);
        }
        let (peak, _) = heap::usage();
        let check = |i: usize, v: &Vec<u8>| {
            let fill = (i as u8) ^ (round as u8 * 0x55);
            if v.iter().any(|&b| b != fill) {
                kernel_panic("heap stress: block contents corrupted");
            }
        };
        let mut tagged: Vec<(usize, Vec<u8>)> = blocks.into_iter().enumerate().collect();
        match order {
            "fifo" => tagged.drain(..).for_each(|(i, v)| check(i, &v)),
            "lifo" => {
                while let Some((i, v)) = tagged.pop() {
                    check(i, &v);
                }
            }
            _ => {
                while !tagged.is_empty() {
                    let k = (rand() % tagged.len() as u64) as usize;
                    let (i, v) = tagged.swap_remove(k);
                    check(i, &v);
                }
            }
        }
        drop(tagged);
        log::info!("selftest heap: round {round} ({order} frees) 2000 blocks checked, {peak} bytes live at peak");
    }
    let (used_after, free) = heap::usage();
    log::info!("selftest heap: used before {used_before} after {used_after} free {free}");
    exit(if used_after == used_before { 0 } else { 1 })
}

/// A frame mapped at two virtual pages: a write through one is read through the other and
/// through the direct map; unmapping gives the same frame back.
fn paging_aliases() -> ! {
    let free_before = frame::free_count();
    let f = frame::alloc().expect("out of frames");
    let a = Page::containing_address(VirtAddr::new(KERNEL_VMAP_BASE));
    let b = Page::containing_address(VirtAddr::new(KERNEL_VMAP_BASE + 0x20_0000));
    let flags = PageTableFlags::PRESENT | PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE;
    // SAFETY: the frame is freshly allocated and the two pages lie in the kernel's own unused
    // vmap area; no Rust reference points into either.
    unsafe {
        paging::map(a, f, flags).expect("map a");
        paging::map(b, f, flags).expect("map b");
    }
    let pa = a.start_address().as_mut_ptr::<u64>();
    let pb = b.start_address().as_ptr::<u64>();
    let direct = (crate::config::PHYS_MAP_BASE + f.start_address().as_u64()) as *const u64;
    let mut ok = true;
    for (i, pattern) in [0x0123_4567_89ab_cdef_u64, 0xfeed_face_cafe_beef].into_iter().enumerate() {
        // SAFETY: `a`, `b` and the direct-map address all map the frame allocated above.
        let (rb, rd) = unsafe {
            pa.add(i * 256).write_volatile(pattern);
            (pb.add(i * 256).read_volatile(), direct.add(i * 256).read_volatile())
        };
        log::info!(
            "selftest paging: wrote {pattern:#018x} via {:#x}, read {rb:#018x} via {:#x} and {rd:#018x} via direct map",
            a.start_address(),
            b.start_address()
        );
        ok &= rb == pattern && rd == pattern;
    }
    let translated = paging::translate(b.start_address());
    ok &= translated == Some(f.start_address());
    ok &= paging::unmap(a).ok() == Some(f) && paging::unmap(b).ok() == Some(f);
    // SAFETY: both mappings are gone and nothing else holds the frame.
    unsafe { frame::free(f) };
    // Page-table frames allocated for the mappings stay in use; the data frame came back.
    let again = frame::alloc();
    ok &= again == Some(f);
    log::info!(
        "selftest paging: translate -> {translated:?}, frame reused after free: {}, free frames {free_before} -> {}",
        again == Some(f),
        frame::free_count()
    );
    exit(if ok { 0 } else { 1 })
}

/// A Rust panic in the kernel reports its location and ends as a kernel panic.
fn rust_panic() -> ! {
    let v: Vec<u32> = black_box(Vec::new());
    panic!("selftest panic: index {} of an empty vector", black_box(v.len() + 3))
}

/// With an empty IDT, `int3` cannot be delivered: #GP, then #DF, then a triple fault (a reset).
fn triple_fault() -> ! {
    static EMPTY: x86_64::structures::idt::InterruptDescriptorTable =
        x86_64::structures::idt::InterruptDescriptorTable::new();
    EMPTY.load();
    arch::breakpoint();
    exit(1)
}

/// Never ends: proves the runner's timeout.
fn hang() -> ! {
    log::info!("selftest hang: spinning forever");
    arch::halt_forever()
}

/// Exits with `code=N` from the command line, to check the exit-code path end to end.
fn exit_code() -> ! {
    let code = crate::cmdline::load().get("code").and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
    exit(code)
}
