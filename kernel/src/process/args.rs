//! The program's argv and environment, handed over by the runner as the fw_cfg file
//! `opt/rt0/args`: a little-endian u32 argc, a u32 envc, then argc + envc NUL-terminated byte
//! strings (any bytes but NUL; not necessarily UTF-8).
use crate::arch::fw_cfg;
use abi::rt0::FW_CFG_ARGS as FILE;
use alloc::vec;
use alloc::vec::Vec;

/// argv and envp, as byte strings.
pub struct Args {
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
}

/// Reads the args file; without one the program gets `argv = ["program"]` and no environment.
pub fn load() -> Result<Args, &'static str> {
    let Some(len) = fw_cfg::read_file(FILE, &mut []) else {
        return Ok(Args { argv: vec![b"program".to_vec()], envp: Vec::new() });
    };
    let mut buf = vec![0u8; len];
    fw_cfg::read_file(FILE, &mut buf);
    parse(&buf)
}

pub fn parse(buf: &[u8]) -> Result<Args, &'static str> {
    if buf.len() < 8 {
        return Err("args file shorter than its header");
    }
    let argc = u32::from_le_bytes(buf[0..4].try_into().unwrap()) as usize;
    let envc = u32::from_le_bytes(buf[4..8].try_into().unwrap()) as usize;
    let mut strings = buf[8..].split(|&b| b == 0);
    let mut take = |n: usize| -> Result<Vec<Vec<u8>>, &'static str> {
        (0..n).map(|_| strings.next().map(<[u8]>::to_vec).ok_or("args file ends early")).collect()
    };
    let argv = take(argc)?;
    let envp = take(envc)?;
    if argv.is_empty() {
        return Err("args file has no argv[0]");
    }
    Ok(Args { argv, envp })
}
