//! Calendar facts shared by the feature sets.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// A date as a day number, for cheap day arithmetic in the hot loops of both
/// feature sets.
pub(crate) fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

/// Whether `date` is in the last three days of its month, when month-end
/// billing and posting peaks happen.
pub(crate) fn is_month_end(date: NaiveDate) -> bool {
    (date + Duration::days(3)).month() != date.month()
}

/// Working days (Monday to Friday) in `(from, to]`: the days an invoice posted
/// on `from` has to be processed before it is due on `to`. Zero when `to <= from`.
pub(crate) fn working_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let days = (to - from).num_days();
    if days <= 0 {
        return 0;
    }
    let full_weeks = days / 7;
    let mut count = full_weeks * 5;
    // The remaining days follow `from` in the week, at most six of them.
    let mut weekday = from.weekday();
    for _ in 0..days % 7 {
        weekday = weekday.succ();
        if !matches!(weekday, Weekday::Sat | Weekday::Sun) {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn working_days_count_weekdays_after_the_start() {
        // 2018-01-05 is a Friday.
        assert_eq!(working_days_between(date("2018-01-05"), date("2018-01-05")), 0);
        assert_eq!(working_days_between(date("2018-01-05"), date("2018-01-07")), 0, "Saturday and Sunday");
        assert_eq!(working_days_between(date("2018-01-05"), date("2018-01-08")), 1, "Monday");
        assert_eq!(working_days_between(date("2018-01-05"), date("2018-01-19")), 10, "two weeks");
        assert_eq!(working_days_between(date("2018-01-05"), date("2018-01-20")), 10, "two weeks and a Saturday");
        assert_eq!(working_days_between(date("2018-01-05"), date("2018-01-01")), 0, "due before posting");
    }

    #[test]
    fn working_days_agree_with_counting_day_by_day() {
        let start = date("2017-12-20");
        for offset in 0..40 {
            let from = start + Duration::days(offset % 7);
            let to = from + Duration::days(offset);
            let slow = (1..=offset).filter(|&d| (from + Duration::days(d)).weekday().num_days_from_monday() < 5).count()
                as i64;
            assert_eq!(working_days_between(from, to), slow, "{from} -> {to}");
        }
    }

    #[test]
    fn month_end_is_the_last_three_days() {
        assert!(is_month_end(date("2018-02-26")));
        assert!(!is_month_end(date("2018-02-25")));
        assert!(is_month_end(date("2018-01-31")));
        assert!(!is_month_end(date("2018-01-28")));
    }
}
