//! `--strace` against the host's `strace -f`: the same program's syscalls, in the same order,
//! with the same names and results (addresses, thread ids and the host's CPU-mask size aside);
//! and thread churn: 10,000 threads created and joined over a life, kernel stacks freed.
use qemu::{Outcome, RunOptions, RunResult, program};
use std::process::Command;
use tests::*;

/// One traced call: the thread (None before any clone), its name, its normalized result.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    pid: Option<u32>,
    name: String,
    result: String,
}

/// Addresses, thread ids and the CPU-mask size are the machine's, not the program's.
fn normalize(name: &str, result: &str) -> String {
    let r = result.trim();
    let r = r.split(" (").next().unwrap_or(r); // "-1 EINVAL (Invalid argument)" → "-1 EINVAL"
    match name {
        "getpid" | "gettid" | "set_tid_address" | "clone" => "TID".into(),
        "sched_getaffinity" => "MASKSIZE".into(),
        _ if r.starts_with("0x") => "ADDR".into(),
        _ => r.to_string(),
    }
}

/// strace's lines, with `<unfinished ...>` / `<... resumed>` pairs joined. A thread is named by
/// `[pid N] ` on the terminal (rt0's form) or by a bare `N ` in a `-o` file (the host's).
fn parse(text: &str) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut pending: Vec<(Option<u32>, String)> = Vec::new();
    for line in text.lines() {
        let (pid, rest) = match line.strip_prefix("[pid ") {
            Some(r) => {
                let (p, rest) = r.split_once(']').unwrap_or(("", r));
                (p.trim().parse().ok(), rest.trim_start())
            }
            None if line.starts_with(|c: char| c.is_ascii_digit()) => {
                let (p, rest) = line.split_once(' ').unwrap_or(("", line));
                (p.parse().ok(), rest.trim_start())
            }
            None => (None, line),
        };
        if let Some(r) = rest.strip_prefix("<... ") {
            let name = r.split_whitespace().next().unwrap_or("").to_string();
            if let Some(i) = pending.iter().position(|(p, n)| *p == pid && *n == name) {
                pending.remove(i);
            }
            let result = r.rsplit_once(" = ").map_or("", |(_, v)| v);
            calls.push(Call { pid, result: normalize(&name, result), name });
            continue;
        }
        let Some((name, _)) = rest.split_once('(') else { continue };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            continue;
        }
        if rest.ends_with("<unfinished ...>") {
            pending.push((pid, name.to_string()));
            continue;
        }
        let Some((_, result)) = rest.rsplit_once(" = ") else { continue };
        calls.push(Call { pid, name: name.to_string(), result: normalize(name, result) });
    }
    calls.retain(|c| c.name != "execve"); // the host's exec of the program itself
    calls
}

/// The calls of the main thread: the first thread, whose lines carry no prefix until a second
/// thread exists, and then its own tid (the one that is not any clone's result).
fn main_thread(calls: &[Call], raw: &str) -> Vec<(String, String)> {
    let children: Vec<u32> = raw
        .lines()
        // A clone the child outran ends in a `<... clone resumed>` line that carries the tid.
        .filter(|l| (l.contains("clone(") || l.contains("<... clone resumed>")) && !l.contains("unfinished"))
        .filter_map(|l| l.rsplit_once(" = ").and_then(|(_, v)| v.trim().parse().ok()))
        .collect();
    calls
        .iter()
        .filter(|c| c.pid.is_none_or(|p| !children.contains(&p)))
        .map(|c| (c.name.clone(), c.result.clone()))
        .collect()
}

fn host_strace(p: program::Program, args: &[&str], env: &[(&str, &str)]) -> Option<String> {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("skipped: strace missing");
        return None;
    }
    let out = tempfile::NamedTempFile::new().unwrap();
    let status = sharing(|| {
        Command::new("strace")
            .args(["-f", "-qq", "-o"])
            .arg(out.path())
            .arg(p.path())
            .args(args)
            .env_clear()
            .envs(env.iter().copied())
            .output()
    })
    .expect("strace runs");
    assert!(status.status.success(), "host run failed: {status:?}");
    Some(std::fs::read_to_string(out.path()).unwrap())
}

fn rt0_strace(p: program::Program, args: &[&str], env: &[&str]) -> RunResult {
    let r = boot_with(RunOptions { strace: true, quiet: true, ..with(p, args, env) });
    assert_outcome(&r, Outcome::Exited(0));
    r
}

#[test]
fn stackcheck_under_strace_matches_the_host_call_for_call() {
    let q = rt0_strace(program::STACKCHECK, &["a", "b"], &["K=V"]);
    let Some(host) = host_strace(program::STACKCHECK, &["a", "b"], &[("K", "V")]) else { return };
    let (ours, theirs) = (parse(&q.log), parse(&host));
    assert!(ours.iter().any(|c| c.name == "write"), "no strace lines in the log:\n{}", q.log);
    let strip = |v: &[Call]| v.iter().map(|c| (c.name.clone(), c.result.clone())).collect::<Vec<_>>();
    assert_eq!(strip(&ours), strip(&theirs), "rt0:\n{}\nhost:\n{host}", q.log);
    assert!(q.log.contains("exit_group(0) = ?") && q.log.contains("+++ exited with 0 +++"), "{}", q.log);
}

#[test]
fn the_demo_s_main_thread_under_strace_matches_the_host() {
    // One P and no async preemption: how many Ms the demo starts, and whether sysmon's SIGURG
    // lands in the main thread, depend on the CPUs and on timing, not on the system calls
    // compared here.
    let env = ["RT0_LOG=0", "GOMAXPROCS=1", "GODEBUG=asyncpreemptoff=1"];
    let q = rt0_strace(program::DEMO, &[], &env);
    let host_env = [("RT0_LOG", "0"), ("GOMAXPROCS", "1"), ("GODEBUG", "asyncpreemptoff=1")];
    let Some(host) = host_strace(program::DEMO, &[], &host_env) else { return };
    // The demo prints the auxv keys it was given, and a host kernel gives more than rt0 (vDSO,
    // rseq): its writes' lengths are the host's own, so only their number and order count here.
    let lengths_aside = |v: Vec<(String, String)>| -> Vec<(String, String)> {
        v.into_iter().map(|(n, r)| if n == "write" { (n, "N".into()) } else { (n, r) }).collect()
    };
    let ours = lengths_aside(main_thread(&parse(&q.log), &q.log));
    let theirs = lengths_aside(main_thread(&parse(&host), &host));
    assert!(ours.len() > 20, "too few strace lines:\n{}", q.log);
    assert_eq!(ours, theirs, "rt0:\n{}\nhost:\n{host}", q.log);
}

#[test]
fn a_second_thread_is_traced_with_its_tid() {
    // The threads program's second thread runs before it is joined (the demo's sysmon may not
    // get a turn before main ends), and its calls carry its tid, as strace -f shows them.
    let q = rt0_strace(program::THREADS, &[], &[]);
    assert!(q.log.lines().any(|l| l.starts_with("[pid     2] ")), "{}", q.log);
    assert!(q.log.lines().any(|l| l.starts_with("[pid     1] clone(")), "{}", q.log);
}

#[test]
fn strace_decodes_structs_flags_strings_and_errors_like_strace() {
    let q = rt0_strace(program::DEMO, &[], &["RT0_LOG=0"]);
    for needle in [
        "arch_prctl(ARCH_SET_FS, 0x",
        "mmap(0xc000000000, 67108864, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0xc000000000",
        "rt_sigaction(SIGSEGV, {sa_handler=0x",
        "sa_flags=SA_RESTORER|SA_ONSTACK|SA_SIGINFO, sa_restorer=0x",
        "sigaltstack({ss_sp=0x",
        "clone(child_stack=0x",
        "flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS",
        "write(1, \"argc=1\\nargv[0]=",
    ] {
        assert!(q.log.contains(needle), "{needle:?} missing:\n{}", q.log);
    }
    // An error result: the syscalls program provokes them; EFAULT is printed as strace does.
    let s = rt0_strace(program::SYSCALLS, &[], &[]);
    assert!(s.log.contains(" = -1 EFAULT (Bad address)"), "{}", s.log);
    assert!(s.log.contains(" = -1 EINVAL (Invalid argument)"), "{}", s.log);
}

#[test]
fn ten_thousand_threads_are_created_and_joined_and_their_stacks_freed() {
    let b = run_both(with(program::THREADCHURN, &["10000"], &[]));
    b.assert_outcome(Outcome::Exited(0));
    b.assert_same_stdout();
    for (_, r) in b.each() {
        assert!(stdout(r).contains("threadchurn: 10000 threads created and joined, 10000 ran"), "{}", r.log);
    }
}

#[test]
fn a_clone_its_child_outran_still_names_the_child() {
    // strace -f -o, when the new thread's first call is printed before clone returns.
    let host = "100 mmap(NULL, 4096) = 0x7f0000000000\n\
                100 clone(child_stack=0x7f00, flags=CLONE_VM <unfinished ...>\n\
                101 gettid() = 101\n\
                100 <... clone resumed>, tls=0x7f08) = 101\n\
                101 nanosleep({tv_sec=0, tv_nsec=20000}, NULL) = 0\n\
                100 write(1, \"x\", 1) = 1\n";
    let main = main_thread(&parse(host), host);
    let names: Vec<&str> = main.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["mmap", "clone", "write"]);
}
