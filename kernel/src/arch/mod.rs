//! Architecture code. Everything that names a register, a port or an instruction lives under
//! `arch/x86_64`; the rest of the kernel calls through the re-exports here.
mod x86_64;

pub use self::x86_64::*;
