//! Which program a run executes, and the argv/env it gets — checked against Linux's execve
//! limits before anything boots, and encoded for the kernel (fw_cfg file `opt/rt0/args`,
//! `abi::rt0::FW_CFG_ARGS`: u32 argc, u32 envc, then NUL-terminated byte strings).
use abi::rt0::{MAX_ARG_STRLEN, MAX_ARG_TOTAL};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

include!(concat!(env!("OUT_DIR"), "/programs.rs"));

/// The program's ELF file: a built-in name (see [`PROGRAMS`]) or a path.
pub fn resolve(name_or_path: &str) -> Result<PathBuf, String> {
    if let Some((_, path)) = PROGRAMS.iter().find(|(n, _)| *n == name_or_path) {
        return Ok(PathBuf::from(path));
    }
    let p = PathBuf::from(name_or_path);
    if p.is_file() {
        return Ok(std::fs::canonicalize(&p).unwrap_or(p));
    }
    let names: Vec<&str> = PROGRAMS.iter().map(|(n, _)| *n).collect();
    Err(format!("no program {name_or_path:?}: not a built-in ({}) and not a file", names.join(", ")))
}

/// argv (argv[0] first) and the environment, checked against the limits.
pub fn check_limits(argv: &[OsString], env: &[OsString]) -> Result<(), String> {
    let mut total = 0;
    for (what, list) in [("argument", argv), ("environment string", env)] {
        for (i, s) in list.iter().enumerate() {
            let len = s.len() + 1;
            if len > MAX_ARG_STRLEN {
                return Err(format!(
                    "{what} {i} is {len} bytes with its NUL; Linux allows {MAX_ARG_STRLEN} (MAX_ARG_STRLEN, E2BIG)"
                ));
            }
            total += len + 8;
        }
    }
    if total > MAX_ARG_TOTAL {
        return Err(format!("arguments and environment take {total} bytes; Linux allows {MAX_ARG_TOTAL} (E2BIG)"));
    }
    Ok(())
}

/// The kernel's encoding of argv and env.
pub fn encode(argv: &[OsString], env: &[OsString]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend((argv.len() as u32).to_le_bytes());
    out.extend((env.len() as u32).to_le_bytes());
    for s in argv.iter().chain(env) {
        out.extend(s.as_bytes());
        out.push(0);
    }
    out
}

/// `KEY=VALUE` check for `-e`.
pub fn check_env(entry: &OsStr) -> Result<(), String> {
    match entry.as_bytes().iter().position(|&b| b == b'=') {
        Some(0) | None => Err(format!("-e wants KEY=VALUE, got {:?}", entry)),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_keeps_raw_bytes_and_counts() {
        let argv = [OsString::from("/p"), OsStr::from_bytes(b"\xff\x01").to_owned()];
        let env = [OsString::from("A=1")];
        assert_eq!(encode(&argv, &env), b"\x02\0\0\0\x01\0\0\0/p\0\xff\x01\0A=1\0");
    }

    #[test]
    fn limits_follow_linux() {
        let ok = OsString::from("x".repeat(MAX_ARG_STRLEN - 1));
        let long = OsString::from("x".repeat(MAX_ARG_STRLEN));
        assert!(check_limits(std::slice::from_ref(&ok), &[]).is_ok());
        assert!(check_limits(std::slice::from_ref(&long), &[]).unwrap_err().contains("MAX_ARG_STRLEN"));
        assert!(check_limits(&[], &[long]).unwrap_err().contains("environment string 0"));
        let many = vec![ok; MAX_ARG_TOTAL / MAX_ARG_STRLEN + 1];
        assert!(check_limits(&many, &[]).unwrap_err().contains("E2BIG"));
    }

    #[test]
    fn env_entries_need_a_key() {
        assert!(check_env(OsStr::new("A=")).is_ok());
        assert!(check_env(OsStr::new("=x")).is_err());
        assert!(check_env(OsStr::new("noequals")).is_err());
    }

    #[test]
    fn builtin_programs_resolve() {
        assert!(resolve("demo").unwrap().is_file());
        assert!(resolve("no-such-program").unwrap_err().contains("demo"));
    }
}
