//! selectgo's lock order on the host: any poll order of any cases (several on one channel
//! included) comes out sorted by channel address, as a permutation of the cases.
use super::*;

#[test]
fn lock_order_sorts_cases_by_channel_address() {
    let mut seed = 0x1234_5678_9abc_def1u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for n in 0..40usize {
        for _ in 0..50 {
            // n cases over a few channels, so that several cases share one.
            let chans: Vec<usize> = (0..n).map(|_| 0x1000 + 64 * (rand() % 5) as usize).collect();
            let mut pollorder: Vec<u16> = (0..n as u16).collect();
            for i in (1..n).rev() {
                pollorder.swap(i, (rand() % (i as u64 + 1)) as usize);
            }
            let mut lockorder = vec![0u16; n];
            sort_lockorder(&pollorder, &mut lockorder, |o| chans[o as usize]);
            assert!(lockorder.windows(2).all(|w| chans[w[0] as usize] <= chans[w[1] as usize]), "{lockorder:?}");
            let mut seen = lockorder.clone();
            seen.sort();
            assert_eq!(seen, (0..n as u16).collect::<Vec<_>>(), "not a permutation");
        }
    }
}

#[test]
fn poll_order_draws_are_in_range_and_spread() {
    let mut counts = [0u32; 3];
    for _ in 0..30_000 {
        counts[fastrandn(3) as usize] += 1;
    }
    assert!(counts.iter().all(|&c| (9_000..11_000).contains(&c)), "{counts:?}");
}
