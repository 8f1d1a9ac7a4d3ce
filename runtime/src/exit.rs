//! Leaving the process: Go's `exit` (sys_linux_amd64.s, called by proc.go main → exit(0), by
//! os.Exit and by the fatal paths with 2), the one place that ends a program here, so that
//! under `--icount` every run ends with the summary line
//!
//! ```text
//! icount kernel_to_program=N program_to_main=M main_to_exit=K
//! ```
//!
//! (instructions: kernel entry → the program's first instruction, → main.main, → exit).
use crate::trace::{self, rdtsc};
use abi::rt0::AT_RT0_KERNEL_TSC;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// TSC when the program started (first Rust code of rt0_go) and when main.main began.
pub static PROGRAM_TSC: AtomicU64 = AtomicU64::new(0);
pub static MAIN_TSC: AtomicU64 = AtomicU64::new(0);

/// Go's `exit`: exit_group(code), after the icount summary when the TSC counts instructions.
pub fn exit(code: i32) -> ! {
    if let Some(kernel) = crate::args::getauxval(AT_RT0_KERNEL_TSC).filter(|_| trace::tsc_counts_instructions()) {
        {
            let now = rdtsc();
            let (program, main) = (PROGRAM_TSC.load(Relaxed), MAIN_TSC.load(Relaxed));
            let main = if main == 0 { now } else { main };
            crate::eprintln!(
                "icount kernel_to_program={} program_to_main={} main_to_exit={}",
                program.saturating_sub(kernel as u64),
                main.saturating_sub(program),
                now.saturating_sub(main)
            );
        }
    }
    crate::sys_linux_amd64::exit_group(code)
}
