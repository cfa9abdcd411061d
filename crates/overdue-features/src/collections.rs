//! The collections-actions feature set (the Keras tutorial's problem): from the
//! reminders sent for a late invoice, predict whether it stays unpaid.
//!
//! The three features are the reminder counts per channel (email, sms, call),
//! all sent before the case closed, so none can see the outcome. The label is
//! the positive class of every overdue dataset, the late one: **still unpaid**
//! after the reminders (the tutorial's `paid` negated). Rows keep the log's
//! order, which is closing order, and the split cuts it by closing day like
//! any other time split.

use chrono::NaiveDate;
use overdue_data::CollectionsRow;

use crate::{Dataset, FeatureError, SplitSpec};

/// The feature names, in column order.
pub const COLLECTIONS_FEATURES: [&str; 3] = ["email", "sms", "call"];

/// Builds the dataset of a collections log: one row per case, in log order,
/// dated by the day it closed (`closing_days`, sorted, one per row).
pub fn collections_dataset(
    rows: &[CollectionsRow],
    closing_days: &[NaiveDate],
    split: &SplitSpec,
) -> Result<Dataset, FeatureError> {
    // `Dataset::new` rejects days that do not match the rows or are unsorted.
    // A case's label is known when it closes, its row's day, so a purge
    // never drops one.
    let time_split = split.split_rows(closing_days, closing_days)?.split;
    let names = COLLECTIONS_FEATURES.iter().map(|name| name.to_string()).collect();
    let values = rows.iter().flat_map(CollectionsRow::features).collect();
    let still_unpaid = rows.iter().map(|row| !row.paid).collect();
    let case_ids = (0..rows.len() as u64).collect();
    Dataset::new(names, values, still_unpaid, case_ids, closing_days.to_vec(), time_split)
}

#[cfg(test)]
mod tests {
    use overdue_data::{CollectionsWorld, TUTORIAL_TABLE};

    use super::*;
    use crate::Split;

    #[test]
    fn rows_keep_log_order_and_the_label_is_still_unpaid() {
        let world = CollectionsWorld { rows: 9, cases_per_day: 1, ..CollectionsWorld::default() };
        let split = SplitSpec::Fractions { train: 0.5, validation: 0.2, purge: false };
        let dataset = collections_dataset(&TUTORIAL_TABLE, &world.closing_days(), &split).unwrap();
        assert_eq!(dataset.feature_names(), COLLECTIONS_FEATURES);
        let train = dataset.part(Split::Train);
        assert_eq!(train.n_rows(), 5, "round(0.5 * 9) rows, one case a day");
        assert_eq!(&train.features().as_slice()[..6], &[1.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
        let expected: Vec<bool> = TUTORIAL_TABLE[..5].iter().map(|row| !row.paid).collect();
        assert_eq!(train.labels(), expected.as_slice());
        assert_eq!(dataset.part(Split::Validation).n_rows(), 1, "up to round(0.7 * 9) = 6");
        assert_eq!(dataset.part(Split::Test).n_rows(), 3);
    }

    #[test]
    fn a_split_never_separates_cases_of_one_day() {
        let world = CollectionsWorld { rows: 9, cases_per_day: 3, ..CollectionsWorld::default() };
        let split = SplitSpec::Fractions { train: 0.5, validation: 0.2, purge: false };
        let dataset = collections_dataset(&TUTORIAL_TABLE, &world.closing_days(), &split).unwrap();
        assert_eq!(dataset.part(Split::Train).n_rows(), 6, "the cut at row 5 moves to the next day");
    }

    #[test]
    fn days_must_match_the_rows_and_be_sorted() {
        let split = SplitSpec::default();
        let day = |d| NaiveDate::from_ymd_opt(2019, 1, d).unwrap();
        let err = collections_dataset(&TUTORIAL_TABLE[..2], &[day(1)], &split).unwrap_err();
        assert!(matches!(err, FeatureError::KeyCount { rows: 2, dates: 1, .. }), "{err}");
        let err = collections_dataset(&TUTORIAL_TABLE[..2], &[day(2), day(1)], &split).unwrap_err();
        assert!(matches!(err, FeatureError::UnsortedDates { row: 1 }), "{err}");
    }
}
