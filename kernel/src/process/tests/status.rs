//! The wait status and SIGCHLD fields a process's end comes to (Linux's WEXITSTATUS, WTERMSIG,
//! CLD_*).
use crate::process::task::Status;
use abi::wait::{CLD_EXITED, CLD_KILLED};

#[test]
fn an_exit_code_sits_in_bits_8_to_16_of_the_wait_status() {
    assert_eq!(Status::Exited(3).wait_status(), 0x300);
    assert_eq!(Status::Exited(256 + 7).wait_status(), 0x700, "only the low 8 bits survive");
    assert_eq!(Status::Exited(3).cld(), (CLD_EXITED, 3));
    assert_eq!(Status::Exited(3).exit_code(), 3);
}

#[test]
fn a_death_by_signal_is_the_signal_without_a_core_flag() {
    let segv = Status::Signaled { signo: 11, core: true };
    assert_eq!(segv.wait_status(), 11, "rt0 writes no core file, so no WCOREDUMP");
    assert_eq!(segv.cld(), (CLD_KILLED, 11));
    assert_eq!(segv.exit_code(), 128 + 11);
}
