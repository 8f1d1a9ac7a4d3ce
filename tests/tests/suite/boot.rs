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
    // The runner attaches the stdout console, and the kernel finds and starts it.
    "stdout: virtio console",
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
    // Booted, the kernel reads it at entry; restored from a machine snapshot, at the ready point.
    let opts = RunOptions { strace: true, ..with(program::EXITCODE, &["0"], &[]) };
    let r = boot_with(RunOptions { snapshot: false, ..opts.clone() });
    assert_outcome(&r, Outcome::Exited(0));
    assert_in_order(&r, &["kernel: entered, cmdline \"strace\""]);
    let r = boot_with(opts);
    assert_outcome(&r, Outcome::Exited(0));
    let restored = "snapshot: restored; the run's command line \"strace\"";
    assert_in_order(&r, &[if r.restored { restored } else { "kernel: entered, cmdline \"strace\"" }, "exit: status 0"]);
}

/// The `smp:` lines of a boot: the boot processor, one line per AP that came up (with its APIC
/// id and what its bring-up took), and the count online.
fn smp_lines(r: &qemu::RunResult) -> Vec<String> {
    r.kernel_lines().into_iter().map(|(_, t)| t.to_string()).filter(|t| t.starts_with("smp: ")).collect()
}

fn boot_smp(n: u32) -> qemu::RunResult {
    let r = boot_with(RunOptions { smp: n, ..with(program::EXITCODE, &["0"], &[]) });
    assert_outcome(&r, Outcome::Exited(0));
    r
}

#[test]
fn smp_1_brings_up_the_boot_processor_alone() {
    let r = boot_smp(1);
    let lines = smp_lines(&r);
    assert_eq!(lines, ["smp: cpu 0 (apic 0) is the boot processor", "smp: 1 CPU online"]);
}

#[test]
fn smp_2_and_4_bring_up_every_cpu_with_its_apic_id_and_the_program_still_runs() {
    for n in [2u32, 4] {
        let r = boot_smp(n);
        let lines = smp_lines(&r);
        assert!(lines.contains(&"smp: cpu 0 (apic 0) is the boot processor".to_string()), "{lines:#?}");
        for cpu in 1..n {
            // QEMU numbers the local APICs 0..n; the kernel numbers the CPUs as they come up.
            let up = format!("smp: cpu {cpu} (apic {cpu}) up in ");
            let line = lines.iter().find(|l| l.starts_with(&up)).unwrap_or_else(|| panic!("{up}…: {lines:#?}"));
            assert!(line.contains("from its first instruction") && line.ends_with("from INIT"), "{line}");
            // The AP's own line, written while the boot CPU logs too: whole, never interleaved.
            let own = format!(
                "smp: cpu {cpu} (apic {cpu}) online: its GDT, TSS and IST stacks, GS block, SYSCALL, APIC; idle"
            );
            assert!(lines.contains(&own), "{own}: {lines:#?}");
        }
        assert!(lines.contains(&format!("smp: {n} CPUs online")), "{lines:#?}");
        assert!(!r.log.contains("left out"), "{}", r.log);
        // Every kernel line is whole (it parses) and the stamps, read under the log's lock, never
        // go backwards, whichever CPU wrote the line.
        let stamps: Vec<f64> = r
            .log
            .lines()
            .filter(|l| l.contains(" L0] "))
            .map(|l| {
                assert!(parse_log_line(l).is_some(), "torn line: {l}");
                l[1..].trim_start().split('s').next().unwrap().parse().unwrap()
            })
            .collect();
        assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "timestamps out of order: {stamps:?}");
    }
}

#[test]
fn smp_4_under_icount_brings_up_each_ap_in_few_instructions() {
    let r = boot_with(RunOptions { smp: 4, icount: true, ..base() });
    assert_outcome(&r, Outcome::Exited(0));
    let own: Vec<u64> = smp_lines(&r)
        .iter()
        .filter_map(|l| l.split(") up in ").nth(1)?.split(" instructions from its first").next()?.parse().ok())
        .collect();
    assert_eq!(own.len(), 3, "{:#?}", smp_lines(&r));
    assert!(own.iter().all(|&n| n > 0 && n <= 300_000), "{own:?}");
}
