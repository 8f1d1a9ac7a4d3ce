//! Host tests: build fake initial stacks in a `Vec<usize>` and parse them.

use super::*;

/// A fake initial stack: the words from argc up to one pair past AT_NULL, and the strings they point at.
struct FakeStack {
    words: Vec<usize>,
    _strings: Vec<Vec<u8>>,
}

impl FakeStack {
    fn new(args: &[&[u8]], env: &[&[u8]], auxv: &[(usize, usize)]) -> Self {
        let mut strings = Vec::new();
        let mut ptr_to = |s: &[u8]| {
            let mut owned = s.to_vec();
            owned.push(0);
            let p = owned.as_ptr() as usize;
            strings.push(owned);
            p
        };
        let mut words = vec![args.len()];
        words.extend(args.iter().map(|a| ptr_to(a)));
        words.push(0);
        words.extend(env.iter().map(|e| ptr_to(e)));
        words.push(0);
        words.extend(auxv.iter().flat_map(|&(k, v)| [k, v]));
        words.extend([AT_NULL, 0]);
        // A pair after AT_NULL that the parser must never report.
        words.extend([AT_PAGESZ, 0xdead]);
        FakeStack { words, _strings: strings }
    }

    fn parse(&self) -> InitialStack<'_> {
        let argv = self.words[1..].as_ptr() as *const *const u8;
        // SAFETY: `new` laid the words out as execve does, and they and the strings live as long as `self`.
        unsafe { InitialStack::from_raw(self.words[0] as isize, argv) }
    }
}

#[test]
fn no_env() {
    let fake = FakeStack::new(&[b"prog", b"-v"], &[], &[(AT_PAGESZ, 4096)]);
    let stack = fake.parse();
    assert_eq!(stack.argc(), 2);
    assert_eq!(stack.argv(0), Some(&b"prog"[..]));
    assert_eq!(stack.argv(1), Some(&b"-v"[..]));
    assert_eq!(stack.argv(2), None);
    assert_eq!(stack.envs().count(), 0);
    assert_eq!(stack.auxv().collect::<Vec<_>>(), [(AT_PAGESZ, 4096)]);
    assert_eq!(stack.envp_ptr(), stack.argv_ptr().wrapping_add(3));
    assert_eq!(stack.auxv_ptr() as usize, stack.envp_ptr() as usize + 8);
}

#[test]
fn several_env() {
    let env: [&[u8]; 3] = [b"HOME=/root", b"EMPTY=", b"RAW=\xff\xfe"];
    let fake = FakeStack::new(&[b"prog"], &env, &[(AT_PHNUM, 7), (AT_ENTRY, 0x401000)]);
    let stack = fake.parse();
    assert_eq!(stack.envs().collect::<Vec<_>>(), env);
    assert_eq!(stack.getauxval(AT_PHNUM), Some(7));
    assert_eq!(stack.getauxval(AT_ENTRY), Some(0x401000));
    assert_eq!(stack.args().collect::<Vec<_>>(), [b"prog"]);
}

#[test]
fn auxv_stops_at_at_null() {
    let fake = FakeStack::new(&[b"p"], &[b"A=1"], &[(AT_UID, 0), (AT_RANDOM, 0x7fff_0000)]);
    let stack = fake.parse();
    assert_eq!(stack.auxv().collect::<Vec<_>>(), [(AT_UID, 0), (AT_RANDOM, 0x7fff_0000)]);
    // The pair after AT_NULL (AT_PAGESZ = 0xdead) is never seen.
    assert_eq!(stack.getauxval(AT_PAGESZ), None);
}

#[test]
fn missing_keys_and_empty_auxv() {
    let fake = FakeStack::new(&[b"p"], &[], &[]);
    let stack = fake.parse();
    assert_eq!(stack.auxv().count(), 0);
    assert_eq!(stack.getauxval(AT_RANDOM), None);
    assert_eq!(stack.getauxval(AT_NULL), None);
}

#[test]
fn first_duplicate_key_wins() {
    let fake = FakeStack::new(&[], &[], &[(AT_HWCAP, 1), (AT_HWCAP, 2)]);
    assert_eq!(fake.parse().getauxval(AT_HWCAP), Some(1));
}

#[test]
fn empty_and_non_utf8_argv_strings() {
    let fake = FakeStack::new(&[b"", b"b c", b"\xff", b""], &[b"X=y"], &[]);
    let stack = fake.parse();
    let args: Vec<&[u8]> = stack.args().collect();
    assert_eq!(args, [&b""[..], b"b c", b"\xff", b""]);
    assert_eq!(stack.envs().collect::<Vec<_>>(), [b"X=y"]);
}

#[test]
fn no_arguments_at_all() {
    let fake = FakeStack::new(&[], &[b"A=1"], &[(AT_FLAGS, 0)]);
    let stack = fake.parse();
    assert_eq!(stack.argc(), 0);
    assert_eq!(stack.argv(0), None);
    assert_eq!(stack.envs().count(), 1);
    assert_eq!(stack.getauxval(AT_FLAGS), Some(0));
}

#[test]
fn empty_stack() {
    let stack = InitialStack::empty();
    assert_eq!(stack.argc(), 0);
    assert_eq!(stack.args().count(), 0);
    assert_eq!(stack.envs().count(), 0);
    assert_eq!(stack.auxv().count(), 0);
}

#[test]
fn globals_before_args_are_empty() {
    // Host tests never enter through rt0_go, so nothing was recorded.
    assert_eq!(argc(), 0);
    assert_eq!(argv(0), None);
    assert_eq!(getauxval(AT_PAGESZ), None);
}

#[test]
fn auxv_names() {
    assert_eq!(auxv_name(AT_PHDR), Some("AT_PHDR"));
    assert_eq!(auxv_name(AT_SYSINFO_EHDR), Some("AT_SYSINFO_EHDR"));
    assert_eq!(auxv_name(AT_MINSIGSTKSZ), Some("AT_MINSIGSTKSZ"));
    assert_eq!(auxv_name(1000), None);
}
