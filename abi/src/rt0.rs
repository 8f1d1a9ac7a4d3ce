//! rt0's own protocol between the runner, the kernel and the runtime: the auxv keys the kernel
//! adds, the fw_cfg files the runner passes, the control channel and exit device, the kernel's
//! fixed base, the execve argument limits the runner checks before boot, and the log's line prefix
//! ([`log`]).

pub mod log;

/// auxv: the TSC rate in Hz (0 under icount, where rdtsc counts instructions). Outside Linux's
/// key range ("RT\x30\x01").
pub const AT_RT0_TSC_HZ: usize = 0x5254_3001;
/// auxv: the TSC value at kernel entry, the origin of the "since boot" spans.
pub const AT_RT0_KERNEL_TSC: usize = 0x5254_3002;

/// fw_cfg file with the kernel command line (space-separated words).
pub const FW_CFG_CMDLINE: &str = "opt/rt0/cmdline";
/// fw_cfg file with argv and env: u32 argc, u32 envc, then NUL-terminated strings.
pub const FW_CFG_ARGS: &str = "opt/rt0/args";
/// fw_cfg file with the program's ELF: the kernel reads it by DMA (the BIOS disk read that
/// carried it in the image's ramdisk ran at about 1.1 MB/s under TCG).
pub const FW_CFG_PROGRAM: &str = "opt/rt0/program";
/// The largest program file the kernel takes through fw_cfg (it is held in guest memory while
/// it is loaded).
pub const MAX_PROGRAM_BYTES: u64 = 1 << 30;
/// fw_cfg file with the read-only file tree: a cpio "newc" archive (`--dir`).
pub const FW_CFG_TREE: &str = "opt/rt0/tree";
/// fw_cfg file with the process's first working directory, an absolute path in the tree
/// (`--cwd`; the root when absent).
pub const FW_CFG_CWD: &str = "opt/rt0/cwd";
/// fw_cfg file with `--trace-startup`'s stops: `ADDR LAYER NAME` lines (hex file address,
/// boot layer 1-5, symbol).
pub const FW_CFG_TRACE: &str = "opt/rt0/trace";
/// The largest tree archive: the runner refuses a bigger one (exit 125) and the kernel ignores
/// one it is handed. The archive is held in guest memory, so it must also fit there: the runner
/// refuses an archive over half of the guest's RAM.
pub const MAX_TREE_BYTES: u64 = 1 << 30;
/// The most entries a tree archive may hold: the kernel indexes each in its heap (about 150
/// bytes apiece), so the runner refuses more (exit 125) and the kernel reads no further.
pub const MAX_TREE_ENTRIES: usize = 32_768;

/// I/O port of the control channel (an `isa-debugcon`; 0x402 is avoided since SeaBIOS writes
/// its own debug output there).
pub const CONTROL_PORT: u16 = 0x5e0;
/// Control line: the program is about to start; input sent from now on reaches it.
pub const CONTROL_START: &str = "start";
/// Control line prefix: `exit NNN`, the program's 8-bit exit status in three digits.
pub const CONTROL_EXIT: &str = "exit";
/// Control line: the kernel panicked.
pub const CONTROL_PANIC: &str = "panic";
/// Control line: the kernel refused to execute the program.
pub const CONTROL_BADEXEC: &str = "badexec";
/// Control line of a snapshot-making boot (`snapshot` on the command line): the machine is set
/// up and waits at the ready point, so the runner may stop it and save it.
pub const CONTROL_READY: &str = "ready";
/// fw_cfg file present only in a snapshot-making boot: the kernel waits at its ready point while
/// the file is there, and goes on (re-reading its command line) once a machine restored from the
/// snapshot, which lacks it, runs.
pub const FW_CFG_SNAPSHOT: &str = "opt/rt0/snapshot";

/// PCI slot (bus 0, function 0) of the log console: a second `virtio-serial-pci` whose
/// `virtconsole` carries the kernel's log and the program's stderr once the kernel has found
/// it, a buffer per request instead of COM1's byte per port write. The runner places it here;
/// the kernel tells it from the stdout console by this slot.
pub const LOG_CONSOLE_SLOT: u8 = 0x10;
/// The kernel's last line on COM1 before its log moves to the log console: the runner puts the
/// console's text after this line (and what COM1 carries later, a crash's last words, after it).
pub const LOG_HANDOVER: &str = "log: the kernel's log and stderr go on on the virtio log console";

/// I/O port of QEMU's isa-debug-exit device.
pub const DEBUG_EXIT_PORT: u16 = 0xf4;
/// The value the kernel writes to isa-debug-exit to stop on purpose.
pub const STOP_VALUE: u32 = 0x10;
/// QEMU's exit status after [`STOP_VALUE`]: `(value << 1) | 1`.
pub const QEMU_STOP_STATUS: i32 = ((STOP_VALUE as i32) << 1) | 1;

/// Load address of the (position-independent) kernel image: the top 2 GiB, as `-mcmodel=kernel`.
pub const KERNEL_BASE: u64 = 0xffff_ffff_8000_0000;
/// Most CPUs the kernel supports: the runner's `--smp` range is 1..=MAX_CPUS.
pub const MAX_CPUS: usize = 64;

/// RLIMIT_STACK's default and the reserved size of the initial stack: 8 MiB.
pub const STACK_SIZE: usize = 8 << 20;
/// Linux's limit on one exec string (MAX_ARG_STRLEN, 32 pages).
pub const MAX_ARG_STRLEN: usize = 32 * crate::mman::PAGE_SIZE;
/// Linux's limit on all exec strings and pointers together: a quarter of the stack limit.
pub const MAX_ARG_TOTAL: usize = STACK_SIZE / 4;

/// Console input framing (runner → kernel, the bytes QEMU feeds COM1): every byte is the
/// program's input except [`CONSOLE_ESCAPE`], which starts a two-byte command. The escape is
/// 0xFF, as telnet's IAC, because UTF-8 text never contains it: text crosses unchanged.
pub const CONSOLE_ESCAPE: u8 = 0xff;
/// `ESCAPE LITERAL`: the input byte 0xFF itself.
pub const CONSOLE_LITERAL: u8 = b'X';
/// `ESCAPE EOF`: the runner's input has ended: read(0) returns 0 after the data, and ever after.
pub const CONSOLE_EOF: u8 = b'E';
/// `ESCAPE INTERRUPT`: Ctrl-C at the runner's terminal: SIGINT for the process.
pub const CONSOLE_INTERRUPT: u8 = b'I';
/// `ESCAPE QUIT`: Ctrl-\ at the runner's terminal: SIGQUIT for the process.
pub const CONSOLE_QUIT: u8 = b'Q';
