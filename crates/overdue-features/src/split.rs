//! Time splits: how rows sorted by date are cut into train, validation and test.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{FeatureError, TimeSplit};

/// How to split a time-ordered dataset. Never random: every invoice of an
/// earlier part is dated strictly before every invoice of a later part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case", deny_unknown_fields)]
pub enum SplitSpec {
    /// The oldest `train` share of rows, then the next `validation` share, then
    /// the rest as test. Each cut moves forward to the next change of date, so
    /// invoices of one day stay together.
    Fractions {
        /// Share of rows for training, in (0, 1).
        train: f64,
        /// Share of rows for validation, in [0, 1 - train).
        validation: f64,
    },
    /// Explicit dates: validation starts at `validation_from`, test at `test_from`.
    Cutoffs {
        /// First date of the validation part.
        #[serde(deserialize_with = "overdue_data::date_serde::deserialize")]
        validation_from: NaiveDate,
        /// First date of the test part.
        #[serde(deserialize_with = "overdue_data::date_serde::deserialize")]
        test_from: NaiveDate,
    },
}

impl Default for SplitSpec {
    /// Study 1's split (accounts receivable): about 70% train, 15% validation, 15% test.
    fn default() -> Self {
        SplitSpec::Fractions { train: 0.7, validation: 0.15 }
    }
}

impl SplitSpec {
    /// Study 2's split (accounts payable): about 60% train, 20% validation, 20% test.
    pub fn payables_default() -> Self {
        SplitSpec::Fractions { train: 0.6, validation: 0.2 }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), FeatureError> {
        match *self {
            SplitSpec::Fractions { train, validation } => {
                let ok = train > 0.0 && train < 1.0 && validation >= 0.0 && train + validation < 1.0;
                if !ok {
                    return Err(FeatureError::BadSplit(format!(
                        "fractions train = {train}, validation = {validation} must satisfy 0 < train, \
                         0 <= validation and train + validation < 1"
                    )));
                }
            }
            SplitSpec::Cutoffs { validation_from, test_from } => {
                if test_from < validation_from {
                    return Err(FeatureError::BadSplit(format!(
                        "test_from {test_from} is before validation_from {validation_from}"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Cuts rows with the given sorted dates into three contiguous parts.
    pub fn apply(&self, sorted_dates: &[NaiveDate]) -> Result<TimeSplit, FeatureError> {
        self.validate()?;
        let n = sorted_dates.len();
        let (validation_start, test_start) = match *self {
            SplitSpec::Fractions { train, validation } => {
                let at = |share: f64| next_date_change(sorted_dates, (share * n as f64).round() as usize);
                (at(train), at(train + validation))
            }
            SplitSpec::Cutoffs { validation_from, test_from } => (
                sorted_dates.partition_point(|d| *d < validation_from),
                sorted_dates.partition_point(|d| *d < test_from),
            ),
        };
        Ok(TimeSplit { train: 0..validation_start, validation: validation_start..test_start, test: test_start..n })
    }
}

/// The first row at or after `row` whose date differs from the row before it
/// (or the end), so that a cut there never separates invoices of one day.
fn next_date_change(sorted_dates: &[NaiveDate], row: usize) -> usize {
    let mut row = row.min(sorted_dates.len());
    while row > 0 && row < sorted_dates.len() && sorted_dates[row - 1] == sorted_dates[row] {
        row += 1;
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(days: &[u32]) -> Vec<NaiveDate> {
        days.iter().map(|&d| NaiveDate::from_ymd_opt(2018, 1, d).unwrap()).collect()
    }

    #[test]
    fn fraction_cuts_never_separate_one_day() {
        let d = dates(&[1, 2, 3, 3, 3, 4, 5, 6, 7, 8]);
        let split = SplitSpec::Fractions { train: 0.3, validation: 0.3 }.apply(&d).unwrap();
        assert_eq!(split.train, 0..5, "row 3 shares day 3 with rows 2 and 4");
        assert_eq!(split.validation, 5..6);
        assert_eq!(split.test, 6..10);
    }

    #[test]
    fn cutoffs_put_the_cutoff_day_in_the_later_part() {
        let d = dates(&[1, 2, 3, 4, 5]);
        let spec = SplitSpec::Cutoffs { validation_from: d[2], test_from: d[4] };
        let split = spec.apply(&d).unwrap();
        assert_eq!((split.train, split.validation, split.test), (0..2, 2..4, 4..5));
    }

    #[test]
    fn fractions_that_leave_no_test_part_are_rejected() {
        let err = SplitSpec::Fractions { train: 0.8, validation: 0.2 }.validate().unwrap_err();
        assert!(err.to_string().contains("train + validation < 1"), "{err}");
    }
}
