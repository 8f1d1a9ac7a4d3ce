use super::*;
use std::string::String;
use std::sync::Mutex;
use std::vec::Vec;

fn noop() {}

/// A package with one (empty) init function, so that it shows in the run order.
const fn pkg(path: &'static str, imports: &'static [&'static str]) -> Package {
    Package::new(path, imports, &[noop])
}

/// A package with no init functions: it orders others but never runs.
const fn bare(path: &'static str, imports: &'static [&'static str]) -> Package {
    Package::new(path, imports, &[])
}

/// The import paths of the packages that run, in order.
fn run_order(pkgs: &[Package]) -> Vec<&'static str> {
    order(pkgs).unwrap().iter().map(|i| &pkgs[i]).filter(|p| !p.inits().is_empty()).map(|p| p.path()).collect()
}

fn cycle_of(pkgs: &[Package]) -> (Vec<&str>, String) {
    let cycle = order(pkgs).unwrap_err();
    (cycle.members().collect(), cycle.to_string())
}

#[test]
fn lexical_tie_break_go_1_21() {
    // main imports z then a; Go 1.19 ran z first, Go 1.21+ runs a first.
    let pkgs = [pkg("main", &["z", "a"]), pkg("z", &[]), pkg("a", &[])];
    assert_eq!(run_order(&pkgs), ["a", "z", "main"]);
}

#[test]
fn source_order_does_not_matter() {
    // Go's test/fixedbugs/issue31636: main imports c, b, a (none related); the output is a, b, c.
    let pkgs = [pkg("main", &["./c", "./b", "./a"]), pkg("./c", &[]), pkg("./b", &[]), pkg("./a", &[])];
    assert_eq!(run_order(&pkgs), ["./a", "./b", "./c", "main"]);
}

#[test]
fn diamond() {
    let pkgs = [pkg("top", &["right", "left"]), pkg("left", &["base"]), pkg("right", &["base"]), pkg("base", &[])];
    assert_eq!(run_order(&pkgs), ["base", "left", "right", "top"]);
}

#[test]
fn spec_rule_step_by_step() {
    // The spec's rule, applied by hand: sorted a, b, c, d; step 1: a and b wait, c is ready; step 2: b; ...
    let pkgs = [pkg("a", &["b"]), pkg("b", &["c"]), pkg("c", &[]), pkg("d", &[])];
    assert_eq!(run_order(&pkgs), ["c", "b", "a", "d"]);
    // An earlier path that must wait does not hold back later ready ones: b runs before a's import c.
    let pkgs = [pkg("main", &["a", "b"]), pkg("a", &["c"]), pkg("b", &[]), pkg("c", &[])];
    assert_eq!(run_order(&pkgs), ["b", "c", "a", "main"]);
}

#[test]
fn edges_pass_through_packages_without_inits() {
    // a imports middle (no inits), which imports z: z must still run before a, though it sorts after.
    let pkgs = [pkg("a", &["middle"]), bare("middle", &["z"]), pkg("z", &[])];
    assert_eq!(run_order(&pkgs), ["z", "a"]);
    let full: Vec<_> = order(&pkgs).unwrap().iter().map(|i| pkgs[i].path()).collect();
    assert_eq!(full, ["z", "middle", "a"]);
}

#[test]
fn unregistered_imports_are_ignored() {
    let pkgs = [pkg("b", &["fmt", "a"]), pkg("a", &["os"])];
    assert_eq!(run_order(&pkgs), ["a", "b"]);
}

#[test]
fn link_order_is_by_inittask_symbol() {
    // Go's linker compares "<PathToPrefix(path)>..inittask": '-' < '.', and a '.' in the last element is "%2e".
    let pkgs = [pkg("example.com/x", &[]), pkg("example.com/x-y", &[])];
    assert_eq!(run_order(&pkgs), ["example.com/x-y", "example.com/x"]);
    let pkgs = [pkg("a/b", &[]), pkg("a/b.c", &[]), pkg("a/b/c", &[])];
    assert_eq!(run_order(&pkgs), ["a/b.c", "a/b", "a/b/c"]);
    assert_eq!(inittask_symbol_string("gopkg.in/yaml.v3"), "gopkg.in/yaml%2ev3..inittask");
    assert_eq!(inittask_symbol_string("a b\"%\u{7f}"), "a%20b%22%25%7f..inittask");
}

fn inittask_symbol_string(path: &str) -> String {
    String::from_utf8(graph::inittask_symbol(path).collect()).unwrap()
}

#[test]
fn path_registered_twice_waits_for_both() {
    let pkgs = [pkg("b", &["a"]), pkg("a", &["z"]), pkg("a", &[]), pkg("z", &[])];
    let full: Vec<_> = order(&pkgs).unwrap().iter().collect();
    assert_eq!(full, [2, 3, 1, 0]);
}

#[test]
fn cycle_of_two() {
    let pkgs = [pkg("main", &["a"]), pkg("b", &["a"]), pkg("a", &["b"])];
    let (members, text) = cycle_of(&pkgs);
    assert_eq!(members, ["a", "b"]);
    assert_eq!(text, "import cycle not allowed: a -> b -> a");
}

#[test]
fn cycle_of_three_names_every_member() {
    // entry leads into the cycle but is not part of it; fine is unrelated and ordered before the cycle is found.
    let pkgs = [
        pkg("entry", &["p/y"]),
        pkg("p/z", &["p/x"]),
        pkg("fine", &[]),
        pkg("p/x", &["fine", "p/y"]),
        pkg("p/y", &["p/z"]),
    ];
    let (members, text) = cycle_of(&pkgs);
    assert_eq!(members, ["p/x", "p/y", "p/z"]);
    assert_eq!(text, "import cycle not allowed: p/x -> p/y -> p/z -> p/x");
}

#[test]
fn cycle_through_package_without_inits() {
    let pkgs = [pkg("a", &["b"]), bare("b", &["c"]), pkg("c", &["a"])];
    assert_eq!(cycle_of(&pkgs).1, "import cycle not allowed: a -> b -> c -> a");
}

#[test]
fn self_import_is_a_cycle() {
    let pkgs = [pkg("ok", &[]), pkg("self", &["ok", "self"])];
    let (members, text) = cycle_of(&pkgs);
    assert_eq!(members, ["self"]);
    assert_eq!(text, "import cycle not allowed: self -> self");
}

#[test]
fn order_from_root_covers_what_it_reaches() {
    let pkgs = [pkg("runtime", &["internal/abi"]), pkg("internal/abi", &[]), pkg("main", &["runtime", "fmt"])];
    let from: Vec<_> = order_from(&pkgs, "runtime").unwrap().iter().map(|i| pkgs[i].path()).collect();
    assert_eq!(from, ["internal/abi", "runtime"]);
    assert!(order_from(&pkgs, "nothing").unwrap().is_empty());
    // A cycle elsewhere does not stop the runtime's packages.
    let pkgs = [pkg("runtime", &[]), pkg("a", &["b"]), pkg("b", &["a"])];
    assert_eq!(order_from(&pkgs, "runtime").unwrap().len(), 1);
}

static LOG: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

fn log_a1() {
    LOG.lock().unwrap().push("a.init.0");
}
fn log_a2() {
    LOG.lock().unwrap().push("a.init.1");
}
fn log_b() {
    LOG.lock().unwrap().push("b.init.0");
}

struct Recorder(Vec<String>);

impl InitHooks for Recorder {
    fn before(&mut self, pkg: &Package) {
        self.0.push(format!("before {}", pkg.path()));
    }
    fn after(&mut self, pkg: &Package) {
        self.0.push(format!("after {}", pkg.path()));
    }
}

#[test]
fn run_inits_runs_each_package_once_in_order() {
    let pkgs = [
        Package::new("b", &["a", "runtime"], &[log_b]),
        Package::new("a", &[], &[log_a1, log_a2]),
        Package::new("runtime", &[], &[]),
    ];
    let mut hooks = Recorder(Vec::new());
    assert_eq!(run_inits_in(&pkgs, Some("a"), Some(&mut hooks)).unwrap(), 1);
    assert_eq!(run_inits_in(&pkgs, None, Some(&mut hooks)).unwrap(), 1);
    assert_eq!(run_inits_in(&pkgs, None, None).unwrap(), 0);
    assert_eq!(*LOG.lock().unwrap(), ["a.init.0", "a.init.1", "b.init.0"]);
    assert_eq!(hooks.0, ["before a", "after a", "before b", "after b"]);
    assert!(pkgs.iter().all(|p| p.is_initialized() || p.inits().is_empty()));
}

#[test]
fn run_inits_runs_nothing_when_there_is_a_cycle() {
    static RAN: Mutex<bool> = Mutex::new(false);
    fn mark() {
        *RAN.lock().unwrap() = true;
    }
    let pkgs = [Package::new("fine", &[], &[mark]), pkg("x", &["y"]), pkg("y", &["x"])];
    let cycle = run_inits_in(&pkgs, None, None).unwrap_err();
    assert_eq!(cycle.to_string(), "import cycle not allowed: x -> y -> x");
    assert!(!*RAN.lock().unwrap());
}

#[test]
fn linker_section_holds_the_runtime_package() {
    let pkgs = packages();
    assert!(pkgs.iter().any(|p| p.path() == "runtime" && p.imports().is_empty()), "{} packages", pkgs.len());
}

#[test]
fn ms_formatting_matches_go() {
    let mut buf = [0; 24];
    for (ns, want) in [
        (0, "0"),
        (999, "0"),
        (1_000, "0.001"),
        (2_500, "0.002"),
        (12_345, "0.012"),
        (99_999, "0.099"),
        (100_000, "0.10"),
        (123_456, "0.12"),
        (1_234_567, "1.2"),
        (9_999_999, "9.9"),
        (10_000_000, "10"),
        (1_234_567_890, "1234"),
        (u64::MAX, "18446744073709"),
    ] {
        assert_eq!(fmt_ns_as_ms(&mut buf, ns), want, "{ns} ns");
    }
}

#[test]
fn trace_line_matches_go() {
    let mut out = String::new();
    trace_line(&mut out, "example.com/a", 12_000, 2_000, 0, 0).unwrap();
    assert_eq!(out, "init example.com/a @0.012 ms, 0.002 ms clock, 0 bytes, 0 allocs\n");
    out.clear();
    trace_line(&mut out, "net/http", 45_123_000, 1_234_000, 21_808, 264).unwrap();
    assert_eq!(out, "init net/http @45 ms, 1.2 ms clock, 21808 bytes, 264 allocs\n");
}

#[test]
#[should_panic(expected = "rt0 initializes at most 512")]
fn too_many_packages_is_a_clear_panic() {
    let pkgs: Vec<Package> = (0..=MAX_PACKAGES).map(|_| Package::new("p", &[], &[])).collect();
    let _ = order(&pkgs);
}
