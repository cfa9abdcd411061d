//! Calendar arithmetic shared by the generated worlds.

use chrono::{Datelike, Duration, NaiveDate};

/// The last day of `date`'s month: where month-end billing and posting peaks
/// fall in both worlds.
pub(crate) fn last_day_of_month(date: NaiveDate) -> NaiveDate {
    let (y, m) = if date.month() == 12 { (date.year() + 1, 1) } else { (date.year(), date.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).expect("valid month start") - Duration::days(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_ends_cover_leap_years_and_december() {
        let date = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(last_day_of_month(date("2020-02-10")), date("2020-02-29"));
        assert_eq!(last_day_of_month(date("2019-02-01")), date("2019-02-28"));
        assert_eq!(last_day_of_month(date("2018-12-31")), date("2018-12-31"));
        assert_eq!(last_day_of_month(date("2018-04-30")), date("2018-04-30"));
    }
}
