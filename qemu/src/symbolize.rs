//! Turns the frame markers an rt0 program prints in a traceback into Go's frame lines, for QEMU
//! and `--native` runs alike (the runtime's side is `runtime/src/traceback.rs`):
//!
//! ```text
//! rt0:pc=0x4071a3          →  panics::inner(...)
//!                             <TAB>/…/tests/programs/src/bin/panics.rs:31 +0x53
//! rt0:created=0x40712c     →  created by panics::main
//!                             <TAB>/…/tests/programs/src/bin/panics.rs:90 +0x1c
//! ```
//!
//! A marker is a return address (the call is the byte before it, so the line is looked up at
//! PC−1, as Go's `tracepc`), or with `!` an exact PC (a fault). Inlined calls give one line pair
//! each, innermost first, without an offset (Go's format for inlined frames). Frames of the
//! runtime and of Rust's `core`/`alloc` are left out unless the marker says ` sys`
//! (GOTRACEBACK=system), as Go leaves out `runtime.*` frames. The line tables are the
//! program's DWARF (the programs keep line tables, `debug = "line-tables-only"`), read with the
//! `addr2line` crate; the function's start (for `+0xoff`) comes from the ELF symbol table.
//!
//! The kernel needs none of that: [`loadable_copy`] gives QEMU the ELF without its
//! non-loadable debug sections (the same segments, byte for byte), which keeps the program's
//! transfer into the guest as cheap as before.
use addr2line::Context;
use gimli::RunTimeEndian;
use gimli::read::EndianArcSlice;
use object::{Object, ObjectSection, ObjectSymbol, SymbolKind};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

type Reader = EndianArcSlice<RunTimeEndian>;

/// A program's line tables and function symbols.
pub struct Symbolizer {
    ctx: Context<Reader>,
    /// (start, size, demangled name), sorted by start.
    funcs: Vec<(u64, u64, String)>,
}

/// Frames Go would call the runtime's, by name prefix: hidden unless GOTRACEBACK=system (the
/// panic handler is `__rustc::rust_begin_unwind`; `rt0_` are the runtime's entry stubs, such as
/// `rt0_goexit` and the `rt0_main` glue; `?` is code without a symbol).
const RUNTIME_CRATES: [&str; 7] = ["runtime::", "core::", "alloc::", "compiler_builtins::", "__rustc::", "rt0_", "?"];

/// The runtime's gopanic: shown as Go shows `runtime.gopanic`, as `panic(...)`, when it is not the
/// goroutine's first frame (a panic whose deferred call is running further up).
const GOPANIC: &str = "runtime::defer::gopanic";

impl Symbolizer {
    /// Reads `path`; None if it is not an ELF with line tables.
    pub fn open(path: &Path) -> Option<Symbolizer> {
        let data = std::fs::read(path).ok()?;
        let file = object::File::parse(&*data).ok()?;
        file.section_by_name(".debug_line")?;
        let endian = if file.is_little_endian() { RunTimeEndian::Little } else { RunTimeEndian::Big };
        let dwarf = gimli::Dwarf::load(|id| -> Result<Reader, gimli::Error> {
            let bytes = file.section_by_name(id.name()).and_then(|s| s.uncompressed_data().ok()).unwrap_or_default();
            Ok(EndianArcSlice::new(Arc::from(&*bytes), endian))
        })
        .ok()?;
        let ctx = Context::from_dwarf(dwarf).ok()?;
        let mut funcs: Vec<(u64, u64, String)> = file
            .symbols()
            .filter(|s| matches!(s.kind(), SymbolKind::Text | SymbolKind::Unknown) && s.address() != 0)
            .filter_map(|s| Some((s.address(), s.size(), demangle(s.name().ok()?))))
            .collect();
        funcs.sort_by_key(|f| f.0);
        Some(Symbolizer { ctx, funcs })
    }

    /// Whether the marker `line` is a return address into gopanic.
    fn is_gopanic(&self, line: &str) -> bool {
        Marker::parse(line).and_then(|m| self.func(m.pc.saturating_sub(1))).is_some_and(|f| f.2 == GOPANIC)
    }

    /// The function symbol containing `pc`.
    fn func(&self, pc: u64) -> Option<&(u64, u64, String)> {
        let i = self.funcs.partition_point(|f| f.0 <= pc).checked_sub(1)?;
        let f = &self.funcs[i];
        (f.1 == 0 || pc < f.0 + f.1).then_some(f)
    }

    /// (function, file, line) for `probe`, innermost inlined call first.
    fn frames(&self, probe: u64) -> Vec<(String, String, u32)> {
        let mut out = Vec::new();
        if let Ok(mut it) = self.ctx.find_frames(probe).skip_all_loads() {
            while let Ok(Some(f)) = it.next() {
                let name = f.function.as_ref().and_then(|func| func.raw_name().ok().map(|raw| demangle(raw.as_ref())));
                let (file, line) =
                    f.location.map_or(("?".into(), 0), |l| (l.file.unwrap_or("?").to_string(), l.line.unwrap_or(0)));
                out.push((name.unwrap_or_else(|| "?".into()), file, line));
            }
        }
        out
    }

    /// The text that replaces one marker line (without its newline), or None if `line` is not a
    /// marker. May be empty: a hidden runtime frame.
    /// `first`: whether this is the first frame of a goroutine's trace.
    pub fn expand(&self, line: &str, first: bool) -> Option<String> {
        let marker = Marker::parse(line)?;
        let probe = if marker.exact { marker.pc } else { marker.pc.saturating_sub(1) };
        let frames = self.frames(probe);
        let func = self.func(probe);
        let off = func.map_or(0, |f| marker.pc - f.0);
        let hidden = |name: &str| {
            RUNTIME_CRATES.iter().any(|c| name.trim_start_matches('<').starts_with(c)) || name.contains("::{shim:")
        };
        let shown = |name: &str| marker.sys || !hidden(name);
        let mut out = String::new();
        if marker.created {
            // The innermost caller that is not the runtime: `go` itself is inlined at the site.
            let (name, file, line) = frames
                .iter()
                .find(|f| !hidden(&f.0))
                .or(frames.first())
                .cloned()
                .or_else(|| func.map(|f| (f.2.clone(), "?".into(), 0)))
                .unwrap_or_else(|| ("?".into(), "?".into(), 0));
            if shown(&name) {
                let _ = write!(out, "created by {name}\n\t{file}:{line} +{off:#x}");
            }
            return Some(out);
        }
        if frames.is_empty() {
            let name = func.map_or("?", |f| f.2.as_str());
            if shown(name) {
                let _ = write!(out, "{name}(...)\n\t?:0 +{off:#x}");
            }
            return Some(out);
        }
        let last = frames.len() - 1;
        for (i, (name, file, line)) in frames.iter().enumerate() {
            if name == GOPANIC && !first && !marker.sys {
                let _ = write!(out, "{}panic(...)\n\t{file}:{line} +{off:#x}", if out.is_empty() { "" } else { "\n" });
                continue;
            }
            if !shown(name) {
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = write!(out, "{name}(...)\n\t{file}:{line}");
            if i == last {
                let _ = write!(out, " +{off:#x}");
            }
        }
        Some(out)
    }
}

/// A parsed marker line: `rt0:pc=0x…[!][ sys]` or `rt0:created=0x…[ sys]`.
#[derive(Debug, PartialEq, Eq)]
struct Marker {
    pc: u64,
    exact: bool,
    created: bool,
    sys: bool,
}

impl Marker {
    fn parse(line: &str) -> Option<Marker> {
        let line = line.trim_end_matches(['\r', '\n']);
        let (rest, sys) = match line.strip_suffix(" sys") {
            Some(r) => (r, true),
            None => (line, false),
        };
        let (rest, created) = match rest.strip_prefix("rt0:created=0x") {
            Some(r) => (r, true),
            None => (rest.strip_prefix("rt0:pc=0x")?, false),
        };
        let (hex, exact) = match rest.strip_suffix('!') {
            Some(h) => (h, true),
            None => (rest, false),
        };
        let pc = u64::from_str_radix(hex, 16).ok()?;
        Some(Marker { pc, exact: exact && !created, created, sys })
    }
}

/// A Rust symbol without its hash (`chans::main`), or the name as it is.
fn demangle(name: &str) -> String {
    match rustc_demangle::try_demangle(name) {
        Ok(d) => format!("{d:#}"),
        Err(_) => name.to_string(),
    }
}

/// Rewrites the marker lines of one reader's stream, loading the program's tables at the first
/// marker (a run that prints none pays nothing).
pub struct Rewriter {
    program: Option<PathBuf>,
    loaded: Option<Option<Symbolizer>>,
    /// No gopanic frame seen yet since the last goroutine header.
    first: bool,
}

impl Rewriter {
    pub fn new(program: Option<PathBuf>) -> Rewriter {
        Rewriter { program, loaded: None, first: true }
    }

    /// `line` (with its newline) as it should be shown: unchanged unless it is a marker and the
    /// program has line tables; an empty string for a hidden frame.
    pub fn line(&mut self, line: &[u8]) -> Vec<u8> {
        if line.starts_with(b"goroutine ") {
            self.first = true;
        }
        if !line.starts_with(b"rt0:") || self.program.is_none() {
            return line.to_vec();
        }
        let program = self.program.as_deref().unwrap();
        let sym = self.loaded.get_or_insert_with(|| Symbolizer::open(program));
        let text = String::from_utf8_lossy(line);
        let first = self.first;
        if sym.as_ref().is_some_and(|s| s.is_gopanic(&text)) {
            self.first = false;
        }
        match sym.as_ref().and_then(|s| s.expand(&text, first)) {
            Some(t) if t.is_empty() => Vec::new(),
            Some(t) => format!("{t}\n").into_bytes(),
            None => line.to_vec(),
        }
    }
}

/// The program as QEMU should get it: when it carries debug sections, a copy in `dir` cut after
/// its last loadable byte, with no section headers (the kernel reads program headers only);
/// otherwise the file itself.
pub fn loadable_copy(program: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    let data = std::fs::read(program)?;
    let Some(end) = loadable_end(&data) else { return Ok(program.to_path_buf()) };
    let mut copy = data[..end].to_vec();
    // e_shoff, e_shnum, e_shstrndx of the ELF64 header: no section table.
    copy[0x28..0x30].fill(0);
    copy[0x3c..0x40].fill(0);
    let out = dir.join("program");
    std::fs::write(&out, copy)?;
    Ok(out)
}

/// Where an ELF64 little-endian file with a `.debug_line` section ends its loadable part.
fn loadable_end(data: &[u8]) -> Option<usize> {
    use object::read::elf::{FileHeader, ProgramHeader};
    let file = object::read::elf::ElfFile64::<object::Endianness>::parse(data).ok()?;
    file.section_by_name(".debug_line")?;
    let endian = file.endian();
    let header = file.elf_header();
    let phoff = header.e_phoff(endian) as usize;
    let phend = phoff + header.e_phnum(endian) as usize * header.e_phentsize(endian) as usize;
    let segs = header.program_headers(endian, data).ok()?;
    let end = segs.iter().map(|p| (p.p_offset(endian) + p.p_filesz(endian)) as usize).fold(phend, usize::max);
    (end < data.len()).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_parse() {
        assert_eq!(
            Marker::parse("rt0:pc=0x401000\n"),
            Some(Marker { pc: 0x401000, exact: false, created: false, sys: false })
        );
        assert_eq!(
            Marker::parse("rt0:pc=0x401000! sys"),
            Some(Marker { pc: 0x401000, exact: true, created: false, sys: true })
        );
        assert_eq!(
            Marker::parse("rt0:created=0x4010ff"),
            Some(Marker { pc: 0x4010ff, exact: false, created: true, sys: false })
        );
        assert_eq!(Marker::parse("rt0:pc=zz"), None);
        assert_eq!(Marker::parse("goroutine 1 [running]:"), None);
    }

    #[test]
    fn other_lines_pass_unchanged() {
        let mut r = Rewriter::new(Some(PathBuf::from("/nonexistent")));
        assert_eq!(r.line(b"panic: boom\n"), b"panic: boom\n");
        assert_eq!(r.line(b"rt0:pc=0x1\n"), b"rt0:pc=0x1\n", "no tables: the marker stays");
    }
}
