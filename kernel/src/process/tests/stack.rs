//! The execve stack on the host: Linux's layout (argc, argv, NULL, envp, NULL, auxv, AT_NULL,
//! strings above, 16-byte aligned RSP) and the argument limits.
use crate::process::exec::check_limits;
use crate::process::stack::{Entry, build};
use abi::auxv::*;
use abi::rt0::{MAX_ARG_STRLEN, MAX_ARG_TOTAL};

const TOP: u64 = 0x7fff_ffff_f000;

fn word(bytes: &[u8], sp: u64, at: u64) -> u64 {
    let off = (at - sp) as usize;
    u64::from_le_bytes(bytes[off..off + 8].try_into().unwrap())
}

fn cstr(bytes: &[u8], sp: u64, at: u64) -> Vec<u8> {
    let off = (at - sp) as usize;
    bytes[off..].iter().take_while(|&&b| b != 0).copied().collect()
}

#[test]
fn the_stack_is_laid_out_as_linux_execve_lays_it() {
    let argv = vec![b"/bin/prog".to_vec(), b"a b".to_vec(), b"".to_vec()];
    let envp = vec![b"HOME=/".to_vec(), b"X=\xff".to_vec()];
    let random = [7u8; 16];
    let st = build(
        TOP,
        &Entry {
            argv: &argv,
            envp: &envp,
            execfn: b"/bin/prog",
            random,
            auxv: &[(AT_PAGESZ, 4096), (AT_ENTRY, 0x401000)],
        },
    );
    let (sp, b) = (st.sp, &st.bytes);
    assert_eq!(sp % 16, 0, "RSP is 16-byte aligned at argc");
    assert_eq!(sp + b.len() as u64, TOP);
    assert_eq!(word(b, sp, sp), 3, "argc");
    for (i, a) in argv.iter().enumerate() {
        assert_eq!(&cstr(b, sp, word(b, sp, sp + 8 + 8 * i as u64)), a);
    }
    assert_eq!(word(b, sp, sp + 8 * 4), 0, "argv NULL");
    for (i, e) in envp.iter().enumerate() {
        assert_eq!(&cstr(b, sp, word(b, sp, sp + 8 * 5 + 8 * i as u64)), e);
    }
    assert_eq!(word(b, sp, sp + 8 * 7), 0, "envp NULL");
    let mut auxv = Vec::new();
    let mut at = sp + 8 * 8;
    loop {
        let (k, v) = (word(b, sp, at), word(b, sp, at + 8));
        auxv.push((k as usize, v));
        at += 16;
        if k == AT_NULL as u64 {
            break;
        }
    }
    assert_eq!(st.auxv_count, auxv.len());
    let get = |k: usize| auxv.iter().find(|(key, _)| *key == k).map(|(_, v)| *v).unwrap();
    assert_eq!(get(AT_PAGESZ), 4096);
    assert_eq!(get(AT_ENTRY), 0x401000);
    let r = get(AT_RANDOM);
    assert_eq!(r % 16, 0, "AT_RANDOM is 16-byte aligned");
    assert_eq!(&b[(r - sp) as usize..(r - sp) as usize + 16], &random);
    assert_eq!(cstr(b, sp, get(AT_PLATFORM)), b"x86_64");
    assert_eq!(cstr(b, sp, get(AT_EXECFN)), b"/bin/prog");
    // Strings: argv[0]'s lowest, AT_EXECFN's highest, 8 zero bytes at the very top.
    let argv0 = word(b, sp, sp + 8);
    assert!(argv0 < word(b, sp, sp + 8 * 5) && word(b, sp, sp + 8 * 5) < get(AT_EXECFN));
    assert_eq!(word(b, sp, TOP - 8), 0);
}

#[test]
fn argument_limits_are_linux_s() {
    let ok = vec![vec![b'a'; MAX_ARG_STRLEN - 1]];
    assert!(check_limits(&ok, &[]).is_ok(), "a string of MAX_ARG_STRLEN with its NUL fits");
    let long = vec![vec![b'a'; MAX_ARG_STRLEN]];
    assert!(check_limits(&[b"p".to_vec()], &long).is_err(), "one byte more is E2BIG");
    let n = MAX_ARG_TOTAL / (100 + 1 + 8);
    let many: Vec<Vec<u8>> = (0..n).map(|_| vec![b'x'; 100]).collect();
    assert!(check_limits(&many, &[]).is_ok());
    let more: Vec<Vec<u8>> = (0..n + 1).map(|_| vec![b'x'; 100]).collect();
    assert!(check_limits(&more, &[]).is_err(), "past a quarter of the stack limit is E2BIG");
}

#[test]
fn the_runner_s_args_file_parses_and_bad_ones_are_refused() {
    use crate::process::args::parse;
    let mut f = Vec::new();
    f.extend(2u32.to_le_bytes());
    f.extend(1u32.to_le_bytes());
    f.extend(b"prog\0\xfe\xff\0K=V\0");
    let a = parse(&f).unwrap();
    assert_eq!(a.argv, vec![b"prog".to_vec(), b"\xfe\xff".to_vec()]);
    assert_eq!(a.envp, vec![b"K=V".to_vec()]);
    assert!(parse(&f[..6]).is_err(), "shorter than the header");
    assert!(parse(&f[..12]).is_err() || parse(&f[..12]).unwrap().envp.len() == 1);
    let mut none = Vec::new();
    none.extend(0u32.to_le_bytes());
    none.extend(0u32.to_le_bytes());
    assert!(parse(&none).is_err(), "no argv[0]");
}
