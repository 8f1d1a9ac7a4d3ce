//! Kernel memory: the heap under many sizes and free orders, frames and page tables.
use qemu::Outcome;
use tests::*;

#[test]
fn heap_survives_many_sizes_and_free_orders_with_contents_intact() {
    let r = boot(&["test=heap"]);
    assert_outcome(&r, Outcome::Exited(0));
    let lines = assert_in_order(
        &r,
        &[
            "round 0 (fifo frees) 2000 blocks checked",
            "round 1 (lifo frees) 2000 blocks checked",
            "round 2 (random frees) 2000 blocks checked",
            "selftest heap: used before",
        ],
    );
    // Megabytes were live at the peak of each round, and all of it came back: "used before N after N".
    for l in &lines[..3] {
        let peak: u64 = l.split(", ").nth(1).and_then(|s| s.split(' ').next()).unwrap().parse().unwrap();
        assert!(peak > 2 << 20, "{l}");
    }
    let words: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(words[4], words[6], "{}", lines[3]);
}

#[test]
fn one_frame_mapped_twice_reads_back_through_every_mapping() {
    let r = boot(&["test=paging"]);
    assert_outcome(&r, Outcome::Exited(0));
    let lines = assert_in_order(&r, &["selftest paging: wrote", "selftest paging: wrote", "translate -> Some("]);
    for l in &lines[..2] {
        let pattern = l.split_whitespace().nth(3).unwrap();
        assert_eq!(l.matches(pattern).count(), 3, "write and two reads must agree: {l}");
    }
    assert!(lines[2].contains("frame reused after free: true"), "{}", lines[2]);
}
