use super::*;

const NCPU: i32 = 6;

#[test]
fn gomaxprocs_valid_positive_wins() {
    assert_eq!(gomaxprocs(Some(b"4"), NCPU), 4);
    assert_eq!(gomaxprocs(Some(b"1"), NCPU), 1);
    assert_eq!(gomaxprocs(Some(b"004"), NCPU), 4);
    // No cap since Go 1.10.
    assert_eq!(gomaxprocs(Some(b"5000"), NCPU), 5000);
    assert_eq!(gomaxprocs(Some(b"2147483647"), NCPU), i32::MAX);
}

#[test]
fn gomaxprocs_anything_else_is_ncpu() {
    for bad in [&b"0"[..], b"-1", b"abc", b" 4", b"4 ", b"+4", b"", b"-", b"99999999999", b"2147483648", b"4.0"] {
        assert_eq!(gomaxprocs(Some(bad), NCPU), NCPU, "GOMAXPROCS={:?}", core::str::from_utf8(bad));
    }
    assert_eq!(gomaxprocs(None, NCPU), NCPU);
}

#[test]
fn gogc() {
    assert_eq!(read_gogc(None), 100);
    assert_eq!(read_gogc(Some(b"off")), -1);
    assert_eq!(read_gogc(Some(b"-5")), -5, "negative means off, passed through as Go's readGOGC does");
    assert_eq!(read_gogc(Some(b"x")), 100);
    assert_eq!(read_gogc(Some(b"50")), 50);
    assert_eq!(read_gogc(Some(b"0")), 0);
    assert_eq!(read_gogc(Some(b"")), 100);
    assert_eq!(read_gogc(Some(b"OFF")), 100, "only lowercase off");
    assert_eq!(read_gogc(Some(b" 50")), 100);
    assert_eq!(read_gogc(Some(b"-")), 0, "Go's atoi reads a lone '-' as 0");
}

#[test]
fn godebug_single_and_several() {
    assert_eq!(parse_godebug(b"inittrace=1").inittrace, 1);
    let d = parse_godebug(b"schedtrace=1000,inittrace=1");
    assert_eq!((d.schedtrace, d.inittrace), (1000, 1));
    assert_eq!(
        parse_godebug(b"scheddetail=1,schedtrace=10,gctrace=2,invalidptr=0,asyncpreemptoff=1,tracebackancestors=5"),
        DebugVars {
            inittrace: 0,
            schedtrace: 10,
            scheddetail: 1,
            gctrace: 2,
            asyncpreemptoff: 1,
            invalidptr: 0,
            tracebackancestors: 5,
        }
    );
}

#[test]
fn godebug_unknown_and_malformed_are_ignored() {
    let d = parse_godebug(b"foo=1,inittrace=1");
    assert_eq!(d, DebugVars { inittrace: 1, ..DebugVars::DEFAULT });
    assert_eq!(parse_godebug(b"inittrace=x"), DebugVars::DEFAULT);
    assert_eq!(parse_godebug(b"inittrace"), DebugVars::DEFAULT);
    assert_eq!(parse_godebug(b"inittrace= 1,INITTRACE=1,inittrace=+1"), DebugVars::DEFAULT);
    assert_eq!(parse_godebug(b"inittrace=1=2"), DebugVars::DEFAULT, "the key ends at the first '='");
    assert_eq!(parse_godebug(b"inittrace=99999999999").inittrace, 0, "overflows i32");
    assert_eq!(parse_godebug(b""), DebugVars::DEFAULT);
    assert_eq!(parse_godebug(b",,,"), DebugVars::DEFAULT);
    assert_eq!(parse_godebug(b",inittrace=1,,").inittrace, 1);
    assert_eq!(parse_godebug(b"\xff=1,inittrace=\xff").inittrace, 0);
}

#[test]
fn godebug_last_wins_and_bad_value_keeps_earlier() {
    assert_eq!(parse_godebug(b"inittrace=1,inittrace=0").inittrace, 0);
    assert_eq!(parse_godebug(b"inittrace=0,inittrace=1").inittrace, 1);
    assert_eq!(parse_godebug(b"inittrace=1,inittrace=x").inittrace, 1);
    assert_eq!(parse_godebug(b"schedtrace=-").schedtrace, 0);
    assert_eq!(parse_godebug(b"schedtrace=-20").schedtrace, -20);
}

#[test]
fn godebug_layers_over_earlier_settings() {
    let mut d = parse_godebug(b"schedtrace=5");
    apply_godebug(&mut d, b"inittrace=1");
    assert_eq!((d.schedtrace, d.inittrace), (5, 1));
}

#[test]
fn atoi32_is_gos() {
    assert_eq!(go_atoi32(b"-"), Some(0));
    assert_eq!(go_atoi32(b"-0"), Some(0));
    assert_eq!(go_atoi32(b"-2147483648"), Some(i32::MIN));
    assert_eq!(go_atoi32(b"2147483648"), None);
    assert_eq!(go_atoi32(b"--1"), None);
    assert_eq!(go_atoi32(b""), None);
}
