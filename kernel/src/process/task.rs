//! Processes' lives and relations (Linux kernel/fork.c `copy_process` for a new process,
//! kernel/exit.c `do_exit`, `exit_notify`, `forget_original_parent`, `do_wait`): the table of
//! processes with their parents, fork and vfork, the end of a process (its descriptors closed,
//! its memory freed, its parent told with its exit signal), and wait4/waitid's search for a
//! child that ended.
//!
//! A process that ends stays in the table as a zombie with its wait status until its parent
//! reaps it — or at once, when the parent ignores SIGCHLD or set SA_NOCLDWAIT, as on Linux. Its
//! children, zombies included, go to the first process (Linux reparents to init). When the
//! first process ends, the machine stops and every other process ends with it, as the processes
//! of a pid namespace are killed when the namespace's init ends.
//!
//! Lock order: [`TASKS`] → a process's state → an address space → scheduler (see `process`).
use super::{Mm, MmCell, PID, Process, ProcessCell, sched};
use crate::arch::TrapFrame;
use crate::fd::wait::WaitQueue;
use crate::process::signal::Sender;
use crate::process::thread::Wake;
use crate::process::uaccess::{Errno, UserPtr};
use abi::errno::{ECHILD, ENOMEM, ERESTARTSYS};
use abi::signal::{SA_NOCLDWAIT, SIG_IGN, SIGCHLD, SIGKILL};
use abi::wait::*;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::AtomicUsize;
use spin::Mutex;

/// How a process ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    /// exit_group(code) or the last thread's exit(code).
    Exited(i32),
    /// Killed by signal `signo`; `core`: its default action dumps core.
    Signaled { signo: i32, core: bool },
}

impl Status {
    /// The wait status wait4 stores: the exit code in bits 8..16, or the signal (WEXITSTATUS,
    /// WTERMSIG). Linux adds WCOREDUMP only when it wrote a core file; rt0 writes none, as a
    /// Linux with `ulimit -c 0` (the usual default).
    pub fn wait_status(self) -> i32 {
        match self {
            Status::Exited(code) => (code & 0xff) << 8,
            Status::Signaled { signo, .. } => signo,
        }
    }

    /// What a shell reports as `$?`: the code, or 128 + the signal.
    pub fn exit_code(self) -> i32 {
        match self {
            Status::Exited(code) => code,
            Status::Signaled { signo, .. } => 128 + signo,
        }
    }

    /// SIGCHLD's si_code and si_status for this end (CLD_KILLED, not CLD_DUMPED: no core file
    /// is written, as [`Self::wait_status`] says).
    pub fn cld(self) -> (i32, i32) {
        match self {
            Status::Exited(code) => (CLD_EXITED, code & 0xff),
            Status::Signaled { signo, .. } => (CLD_KILLED, signo),
        }
    }
}

/// One process in the table.
struct Task {
    pid: u32,
    ppid: u32,
    /// The signal its parent gets when it ends (clone's CSIGNAL bits; SIGCHLD for fork).
    exit_signal: i32,
    /// Its state, for its SIGCHLD disposition when one of its children ends; let go once it
    /// has ended (a zombie is its pid, parent and status).
    cell: Option<Arc<ProcessCell>>,
    /// Set once it has ended: what wait reports.
    zombie: Option<Status>,
    /// A CLONE_VFORK child: the parent thread waiting until it execs or ends.
    vfork_parent: Option<u32>,
}

struct Tasks {
    list: Vec<Task>,
    /// Parents in wait4/waitid, and vfork parents, woken at each change.
    waiters: WaitQueue,
}

static TASKS: Mutex<Tasks> = Mutex::new(Tasks { list: Vec::new(), waiters: WaitQueue::new() });

/// Enters the first process (the program the runner booted) in the table.
pub fn init_first(cell: Arc<ProcessCell>) {
    TASKS.lock().list.push(Task {
        pid: PID,
        ppid: 0,
        exit_signal: SIGCHLD,
        cell: Some(cell),
        zombie: None,
        vfork_parent: None,
    });
}

/// getppid: the parent's pid (0 for the first process, as for init).
pub fn getppid() -> u32 {
    let me = super::pid();
    TASKS.lock().list.iter().find(|t| t.pid == me).map_or(0, |t| t.ppid)
}

/// Whether `pid` names a process, ended or not (kill finds a zombie, as Linux does).
pub fn exists(pid: u32) -> bool {
    TASKS.lock().list.iter().any(|t| t.pid == pid)
}

/// A new process (fork, vfork, clone without CLONE_THREAD): the caller's descriptors, handlers,
/// limits and working directory copied, and its address space shared (`share_vm`: CLONE_VM) or
/// copied; its one thread enters ring 3 with `frame` (rax 0) and FS base `fs`. `child_tid`:
/// CLONE_CHILD_SETTID's word, written in the child's memory before it runs; `clear_tid`:
/// CLONE_CHILD_CLEARTID's. `parent_tid`: CLONE_PARENT_SETTID's, in the parent's. With `vfork`,
/// the caller sleeps until the child execs or ends (Linux's `wait_for_vfork_done`). Returns the
/// child's pid.
#[allow(clippy::too_many_arguments)]
pub fn fork(
    frame: TrapFrame,
    fs: u64,
    share_vm: bool,
    vfork: bool,
    exit_signal: i32,
    parent_tid: Option<u64>,
    child_tid: Option<u64>,
    clear_tid: u64,
) -> Result<u64, Errno> {
    let parent = super::pid();
    let pid = sched::new_tid();
    let (state, cwd) = super::with(|p| {
        let state = Process {
            signals: p.signals.clone(),
            start_tsc: crate::arch::tsc::read(),
            fds: p.fds.fork_copy(),
            limits: p.limits.clone(),
            exe: p.exe.clone(),
        };
        (state, crate::fd::rofs::cwd())
    });
    let discards = state.signals.discards();
    let cell = Arc::new(ProcessCell { pid, cwd: AtomicUsize::new(cwd), state: Mutex::new(state) });
    let mm = if share_vm {
        sched::with_current(|t| t.mm.clone()).expect("a running thread has its address space")
    } else {
        let copy = super::mm(|m| {
            let aspace = m.aspace.fork_copy()?;
            Some(Mm { aspace, brk_start: m.brk_start, brk: m.brk, load_bias: m.load_bias })
        });
        MmCell::new(copy.ok_or(ENOMEM)?)
    };
    if let Some(at) = child_tid {
        // Linux's schedule_tail writes it in the child's memory: the copy, or the shared one.
        let _ = UserPtr::<u32>::new(at).write_in(&mut mm.inner.lock().aspace, &pid);
    }
    let me = sched::current_tid();
    TASKS.lock().list.push(Task {
        pid,
        ppid: parent,
        exit_signal,
        cell: Some(cell.clone()),
        zombie: None,
        vfork_parent: vfork.then_some(me),
    });
    let mut child = frame;
    child.rax = 0;
    // Linux's copy_process resets the alternate signal stack only for CLONE_VM without CLONE_VFORK.
    let keep_altstack = !share_vm || vfork;
    let group = Some((discards, keep_altstack));
    let spawned = sched::spawn_in(pid, child, fs, clear_tid, cell, mm, group, |tid| match parent_tid {
        Some(at) => UserPtr::<u32>::new(at).write(&tid),
        None => Ok(()),
    });
    if let Err(e) = spawned {
        TASKS.lock().list.retain(|t| t.pid != pid);
        return Err(e);
    }
    if vfork {
        wait_vfork_done(pid);
    }
    Ok(pid as u64)
}

/// The vfork parent sleeps until child `pid` has execed or ended. Signals do not end the wait
/// (Linux's is killable only): a SIGKILL to the parent's process does.
fn wait_vfork_done(pid: u32) {
    loop {
        let mut t = TASKS.lock();
        let waiting = t.list.iter().any(|k| k.pid == pid && k.vfork_parent.is_some());
        if !waiting {
            return;
        }
        let tid = t.waiters.park(None);
        drop(t);
        let wake = sched::schedule();
        TASKS.lock().waiters.unpark(tid);
        if wake == Wake::Interrupted && sched::pending_signals() & abi::signal::sigmask(SIGKILL) != 0 {
            return;
        }
    }
}

/// The running process has execed or is ending: a vfork parent waiting for it goes on.
pub fn vfork_done() {
    let me = super::pid();
    let mut t = TASKS.lock();
    if let Some(k) = t.list.iter_mut().find(|k| k.pid == me)
        && k.vfork_parent.take().is_some()
    {
        t.waiters.wake_all();
    }
}

/// Ends the running thread's process with `status` (exit_group, or a fatal signal's default
/// action in a process other than the first): the other threads are killed, and this one exits.
pub fn group_exit(status: Status) -> ! {
    sched::zap_group(status);
    crate::syscall::thread::exit(status.exit_code())
}

/// A thread of a process other than the first is on its way out (dead, still on its CPU): it
/// lets go of the address space — the last to do so frees it (a vfork parent may still share
/// it) — with the kernel's page tables loaded, and finishes the shootdown the freed pages need.
pub fn drop_mm() {
    crate::mm::tlb::leave_mm();
    drop(sched::replace_mm(None));
    crate::mm::tlb::finish_pending();
}

/// The last thread of the running process is on its way out (dead, still on its CPU, its
/// address space let go): closes the descriptors, makes the process a zombie with `status` — or
/// removes it, when the parent does not want it — hands its children to the first process, and
/// sends the parent its exit signal, then wakes the parent's waits (Linux's `exit_notify`).
pub fn release(status: Status) {
    let me = super::pid();
    let fds = super::with(|p| core::mem::take(&mut p.fds));
    drop(fds); // pipe ends close here: readers see end of file
    let (code, value) = status.cld();
    let mut t = TASKS.lock();
    for k in t.list.iter_mut().filter(|k| k.ppid == me) {
        k.ppid = PID;
    }
    let Some(i) = t.list.iter().position(|k| k.pid == me) else { return };
    let (ppid, exit_signal) = (t.list[i].ppid, t.list[i].exit_signal);
    let parent_ignores = t.list.iter().find(|k| k.pid == ppid).and_then(|p| p.cell.as_ref()).is_some_and(|c| {
        let action = *c.state.lock().signals.action(SIGCHLD);
        action.sa_handler == SIG_IGN || action.sa_flags & SA_NOCLDWAIT != 0
    });
    if t.list[i].vfork_parent.take().is_some() {
        log::debug!("vfork child {me} ended before exec");
    }
    if parent_ignores && exit_signal == SIGCHLD {
        t.list.remove(i);
    } else {
        t.list[i].zombie = Some(status);
        t.list[i].cell = None;
    }
    // The signal before the wake-up, as Linux's do_notify_parent: a parent woken from wait4
    // already has its SIGCHLD pending.
    if exit_signal != 0 {
        let from = Sender { code, words: [me as u64, value as u32 as u64] };
        sched::signal_process(ppid, exit_signal, from);
    }
    t.waiters.wake_all();
    drop(t);
    match status {
        Status::Exited(c) => log::debug!("process {me} exited with {c}"),
        Status::Signaled { signo, core } => {
            let dumps = if core { " (its default action dumps core; rt0 writes none)" } else { "" };
            log::info!("process {me} killed by {}{dumps}", super::signal::describe(signo));
        }
    }
}

/// Which children a wait looks at.
#[derive(Clone, Copy)]
pub enum Which {
    Any,
    Pid(u32),
    /// Process group `pgid`: every process is in the first process's group (rt0 has no
    /// setpgid), so that group holds all children and any other none.
    Group(u32),
}

/// A child that ended: its pid and how.
pub struct Reaped {
    pub pid: u32,
    pub status: Status,
}

/// Linux's do_wait: looks for an ended child of the running process among `which` (children
/// with another exit signal than SIGCHLD only with __WCLONE, all with __WALL); reaps it unless
/// WNOWAIT. ECHILD when no child matches; None with WNOHANG when none has ended; otherwise
/// sleeps until one does (a signal ends the sleep: the call restarts or fails with EINTR).
pub fn wait(which: Which, options: usize) -> Result<Option<Reaped>, Errno> {
    let me = super::pid();
    loop {
        let mut t = TASKS.lock();
        let matches = |k: &Task| {
            let kind = options & __WALL != 0 || (k.exit_signal == SIGCHLD) != (options & __WCLONE != 0);
            let id = match which {
                Which::Any => true,
                Which::Pid(p) => k.pid == p,
                Which::Group(g) => g == PID,
            };
            k.ppid == me && kind && id
        };
        if !t.list.iter().any(matches) {
            return Err(ECHILD);
        }
        if options & WEXITED != 0
            && let Some(i) = t.list.iter().position(|k| matches(k) && k.zombie.is_some())
        {
            let k = &t.list[i];
            let reaped = Reaped { pid: k.pid, status: k.zombie.expect("a zombie") };
            if options & WNOWAIT == 0 {
                t.list.remove(i);
            }
            return Ok(Some(reaped));
        }
        if options & WNOHANG != 0 {
            return Ok(None);
        }
        let tid = t.waiters.park(None);
        drop(t);
        let wake = sched::schedule();
        TASKS.lock().waiters.unpark(tid);
        if wake == Wake::Interrupted {
            return Err(ERESTARTSYS);
        }
    }
}
