//! A normal boot, end to end: the bootloader's log, then the L0 steps in order, exit 0.
use qemu::{Outcome, RunOptions, parse_log_line};
use tests::*;

const L0_STEPS: &[&str] = &[
    "clock: TSC",
    "kernel: entered",
    "handoff: bootloader api 0.11.17",
    "handoff: physical memory mapped at 0xffff800000000000",
    "handoff: no ramdisk",
    "gdt: loaded",
    "idt: loaded",
    "heap: 16384 KiB",
    "frames:",
    "paging: kernel PML4",
    "kernel: init done",
    "exit: status 0",
];

#[test]
fn normal_boot_runs_the_l0_steps_in_order_and_exits_0() {
    let r = boot(&[]);
    assert_outcome(&r, Outcome::Exited(0));
    assert_in_order(&r, L0_STEPS);
    // The bootloader's own serial log is the first half of L0 and comes before the kernel's.
    let jump = r.log.find("Jumping to kernel entry point").expect("bootloader log missing");
    let first_kernel = r.log.lines().find(|l| parse_log_line(l).is_some()).unwrap();
    assert!(jump < r.log.find(first_kernel).unwrap(), "{}", r.log);
    // Every kernel line is tagged L0, and the timestamps never go backwards.
    let stamps: Vec<f64> = r
        .log
        .lines()
        .filter(|l| parse_log_line(l).is_some())
        .map(|l| {
            assert!(l.contains(" L0] "), "{l}");
            l[1..].trim_start().split('s').next().unwrap().parse().unwrap()
        })
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "timestamps out of order: {stamps:?}");
}

#[test]
fn kernel_is_loaded_at_the_base_the_gdb_command_uses() {
    let r = boot(&[]);
    assert_outcome(&r, Outcome::Exited(0));
    let handoff = assert_in_order(&r, &["handoff: physical memory"])[0];
    assert!(handoff.contains(&format!("virt {:#x}", abi::rt0::KERNEL_BASE)), "{handoff}");
    assert!(qemu::gdb_command().contains(&format!("-o {:#x}", abi::rt0::KERNEL_BASE)));
}

#[test]
fn quiet_hides_bootloader_and_kernel_logs() {
    let r = boot_with(RunOptions { quiet: true, ..base() });
    assert_outcome(&r, Outcome::Exited(0));
    assert!(r.log.trim().is_empty(), "quiet boot printed:\n{}", r.log);
}

#[test]
fn icount_timestamps_are_instruction_counts() {
    let r = boot_with(RunOptions { icount: true, ..base() });
    assert_outcome(&r, Outcome::Exited(0));
    let done = assert_in_order(&r, &["clock: TSC counts guest instructions", "kernel: init done"])[1];
    let n: u64 = done.split_whitespace().nth(3).and_then(|w| w.parse().ok()).expect(done);
    assert!(done.ends_with("instructions from kernel entry") && n > 1000, "{done}");
    assert!(r.log.lines().filter(|l| parse_log_line(l).is_some()).all(|l| l.contains("i L0]")), "{}", r.log);
}

#[test]
fn uefi_boot_reaches_the_same_steps() {
    let r = boot_with(RunOptions { uefi: true, ..base() });
    assert_outcome(&r, Outcome::Exited(0));
    assert_in_order(&r, L0_STEPS);
    assert!(r.log.contains("UEFI bootloader"), "{}", r.log);
}

#[test]
fn exit_status_reaches_the_runner_in_full() {
    for code in [0u8, 3, 127, 128, 255] {
        let r = boot(&["test=exit", &format!("code={code}")]);
        assert_outcome(&r, Outcome::Exited(code));
        assert_eq!(r.outcome.exit_code(), code as i32);
    }
}

#[test]
fn strace_reaches_the_kernel_command_line() {
    let r = boot_with(RunOptions { strace: true, ..with(program::EXITCODE, &["0"], &[]) });
    assert_outcome(&r, Outcome::Exited(0));
    assert_in_order(&r, &["kernel: entered, cmdline \"strace\""]);
}
