//! Records where cargo put each program built for x86_64-unknown-none (artifact dependency on
//! `tests/programs`), so that `--program NAME` can find it.
fn main() {
    let mut programs: Vec<(String, String)> = std::env::vars()
        .filter_map(|(k, v)| k.strip_prefix("CARGO_BIN_FILE_PROGRAMS_").map(|n| (n.to_string(), v)))
        .filter(|(n, _)| n != "programs") // the package-level alias of the first bin
        .collect();
    programs.sort();
    let body: String = programs.iter().map(|(n, p)| format!("    ({n:?}, {p:?}),\n")).collect();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("programs.rs");
    std::fs::write(
        out,
        format!("/// Built-in programs: (name, ELF path).\npub const PROGRAMS: &[(&str, &str)] = &[\n{body}];\n"),
    )
    .unwrap();
}
