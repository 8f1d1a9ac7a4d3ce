//! The CMOS real-time clock (MC146818, ports 0x70/0x71): wall-clock time at boot, for
//! CLOCK_REALTIME. Read twice until two reads agree, as Linux's `mc146818_get_time` guards
//! against an update in progress.
use x86_64::instructions::port::Port;

fn read_reg(reg: u8) -> u8 {
    let mut index: Port<u8> = Port::new(0x70);
    let mut data: Port<u8> = Port::new(0x71);
    // SAFETY: selecting a CMOS register (NMI-disable bit left clear) and reading it has no
    // effect beyond the read.
    unsafe {
        index.write(reg);
        data.read()
    }
}

fn snapshot() -> [u8; 7] {
    while read_reg(0x0a) & 0x80 != 0 {} // update in progress
    [0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32].map(read_reg)
}

/// Seconds since the Unix epoch, from the RTC.
pub fn unix_time() -> u64 {
    let mut r = snapshot();
    loop {
        let again = snapshot();
        if again == r {
            break;
        }
        r = again;
    }
    let status_b = read_reg(0x0b);
    let bcd = |v: u8| {
        if status_b & 0x04 != 0 { v as u64 } else { ((v >> 4) * 10 + (v & 0x0f)) as u64 }
    };
    let mut hour = bcd(r[2] & 0x7f);
    if status_b & 0x02 == 0 && r[2] & 0x80 != 0 {
        hour = (hour % 12) + 12; // 12-hour mode, PM
    }
    let century = if r[6] != 0 { bcd(r[6]) } else { 20 };
    let (year, month, day) = (century * 100 + bcd(r[5]), bcd(r[4]), bcd(r[3]));
    days_from_civil(year, month, day) * 86_400 + hour * 3600 + bcd(r[1]) * 60 + bcd(r[0])
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as u64
}

#[cfg(test)]
mod tests {
    use super::days_from_civil;

    #[test]
    fn civil_dates_count_days_from_the_epoch() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782, "a leap day");
        assert_eq!(days_from_civil(2026, 12, 1), 20_788);
        assert_eq!(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28), 1, "2100 is not a leap year");
    }
}
