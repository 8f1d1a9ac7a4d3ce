//! The ready point of a machine snapshot: where a boot that will be saved stops, and where a
//! machine restored from that save goes on as a new run.
//!
//! The runner boots a machine with `snapshot` on its command line and the fw_cfg file
//! `opt/rt0/snapshot` (`abi::rt0::FW_CFG_SNAPSHOT`). Everything up to here is the same for every
//! run of that machine's shape (CPUs, memory, devices): firmware, bootloader, the kernel's own
//! set-up, the other CPUs started, the virtio console found. Here the kernel says `ready` on the
//! control channel and waits while the fw_cfg file is there; the runner then saves the machine
//! with QEMU's migration to a file (QEMU stops it for the last copy) and ends it. A run restored from that file
//! (`-incoming`) has a QEMU of its own, whose fw_cfg lacks the snapshot file and carries the
//! run's command line, program, arguments and file tree: the wait ends, the kernel reads its
//! command line again and goes on as any boot does from here. Nothing before this point reads a
//! run's files, and the clocks carry over: QEMU saves the guest's TSC and restarts it where it
//! stopped, and the CMOS clock, which exec reads for the wall-clock time, follows the host's.
use crate::arch::fw_cfg;
use crate::cmdline::{self, Cmdline};

/// Returns `boot` unless it asks for a snapshot; then waits at the ready point and returns the
/// command line of the run the restored machine serves.
pub fn ready_point(boot: Cmdline) -> Cmdline {
    if !boot.flag("snapshot") {
        return boot;
    }
    crate::control::ready();
    // Each look at the directory is a few hundred port reads: a millisecond or so under TCG.
    while fw_cfg::find(abi::rt0::FW_CFG_SNAPSHOT).is_some() {
        core::hint::spin_loop();
    }
    let run = cmdline::reload();
    crate::logger::set_level(&run);
    log::info!("snapshot: restored; the run's command line \"{}\"", run.raw());
    run
}
