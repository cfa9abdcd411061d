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
        /// Drop rows whose label was not yet known when the next part starts
        /// (see [`SplitSpec::purges`]).
        #[serde(default, skip_serializing_if = "is_false")]
        purge: bool,
    },
    /// Explicit dates: validation starts at `validation_from`, test at `test_from`.
    Cutoffs {
        /// First date of the validation part.
        #[serde(deserialize_with = "overdue_data::date_serde::deserialize")]
        validation_from: NaiveDate,
        /// First date of the test part.
        #[serde(deserialize_with = "overdue_data::date_serde::deserialize")]
        test_from: NaiveDate,
        /// Drop rows whose label was not yet known when the next part starts
        /// (see [`SplitSpec::purges`]).
        #[serde(default, skip_serializing_if = "is_false")]
        purge: bool,
    },
}

/// Keeps `purge = false` out of serialised specs, so that a run's identity
/// is the same as before the option existed.
fn is_false(value: &bool) -> bool {
    !value
}

/// The rows a split keeps, in their original order, and its parts over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitRows {
    /// Indices into the rows given to [`SplitSpec::split_rows`], ascending.
    pub kept: Vec<usize>,
    /// The parts, as ranges over `kept`.
    pub split: TimeSplit,
}

impl Default for SplitSpec {
    /// Study 1's split (accounts receivable): about 70% train, 15% validation, 15% test.
    fn default() -> Self {
        SplitSpec::Fractions { train: 0.7, validation: 0.15, purge: false }
    }
}

impl SplitSpec {
    /// Study 2's split (accounts payable): about 60% train, 20% validation, 20% test.
    pub fn payables_default() -> Self {
        SplitSpec::Fractions { train: 0.6, validation: 0.2, purge: false }
    }

    /// Whether rows whose label only became known after the start of the next
    /// part are dropped.
    ///
    /// A model put into use on the first day of the validation part could only
    /// have learnt from labels known by then. An invoice issued shortly before
    /// that day and paid late afterwards is labelled from what happened after
    /// the cut; training on it lets the future leak in through the label. With
    /// `purge`, a training row is kept only if its label was known at the
    /// start of the first day of the next non-empty part, and a validation row
    /// only if known at the start of the test part. Test rows are never
    /// dropped: their labels are what is evaluated. Off by default, as in the
    /// studies; the dropped counts appear in the split table.
    pub fn purges(&self) -> bool {
        match *self {
            SplitSpec::Fractions { purge, .. } | SplitSpec::Cutoffs { purge, .. } => purge,
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), FeatureError> {
        match *self {
            SplitSpec::Fractions { train, validation, .. } => {
                let ok = train > 0.0 && train < 1.0 && validation >= 0.0 && train + validation < 1.0;
                if !ok {
                    return Err(FeatureError::BadSplit(format!(
                        "fractions train = {train}, validation = {validation} must satisfy 0 < train, \
                         0 <= validation and train + validation < 1"
                    )));
                }
            }
            SplitSpec::Cutoffs { validation_from, test_from, .. } => {
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
            SplitSpec::Fractions { train, validation, .. } => {
                let at = |share: f64| next_date_change(sorted_dates, (share * n as f64).round() as usize);
                (at(train), at(train + validation))
            }
            SplitSpec::Cutoffs { validation_from, test_from, .. } => (
                sorted_dates.partition_point(|d| *d < validation_from),
                sorted_dates.partition_point(|d| *d < test_from),
            ),
        };
        Ok(TimeSplit::from_starts(validation_start, test_start, n))
    }

    /// Cuts rows with the given sorted dates and purges them if asked:
    /// `labels_known_from[i]` is the first day from whose start row `i`'s
    /// label is known.
    pub(crate) fn split_rows(
        &self,
        sorted_dates: &[NaiveDate],
        labels_known_from: &[NaiveDate],
    ) -> Result<SplitRows, FeatureError> {
        let split = self.apply(sorted_dates)?;
        let n = sorted_dates.len();
        if !self.purges() {
            return Ok(SplitRows { kept: (0..n).collect(), split });
        }
        assert_eq!(labels_known_from.len(), n, "the builders pass one known-from day per row");
        let start_of = |rows: std::ops::Range<usize>| (!rows.is_empty()).then(|| sorted_dates[rows.start]);
        let after_train = start_of(split.validation.clone()).or_else(|| start_of(split.test.clone()));
        let after_validation = start_of(split.test.clone());
        let keep = |rows: std::ops::Range<usize>, next: Option<NaiveDate>| -> Vec<usize> {
            rows.filter(|&i| next.is_none_or(|next| labels_known_from[i] <= next)).collect()
        };
        let train = keep(split.train.clone(), after_train);
        let validation = keep(split.validation.clone(), after_validation);
        let purged_train = split.train.len() - train.len();
        let purged_validation = split.validation.len() - validation.len();
        let (validation_start, test_start) = (train.len(), train.len() + validation.len());
        let mut kept = train;
        kept.extend(validation);
        kept.extend(split.test);
        let mut split = TimeSplit::from_starts(validation_start, test_start, kept.len());
        split.purged_train = purged_train;
        split.purged_validation = purged_validation;
        Ok(SplitRows { kept, split })
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
        let split = SplitSpec::Fractions { train: 0.3, validation: 0.3, purge: false }.apply(&d).unwrap();
        assert_eq!(split.train, 0..5, "row 3 shares day 3 with rows 2 and 4");
        assert_eq!(split.validation, 5..6);
        assert_eq!(split.test, 6..10);
    }

    #[test]
    fn cutoffs_put_the_cutoff_day_in_the_later_part() {
        let d = dates(&[1, 2, 3, 4, 5]);
        let spec = SplitSpec::Cutoffs { validation_from: d[2], test_from: d[4], purge: false };
        let split = spec.apply(&d).unwrap();
        assert_eq!((split.train, split.validation, split.test), (0..2, 2..4, 4..5));
    }

    #[test]
    fn a_purge_drops_rows_whose_label_was_not_known_when_the_next_part_started() {
        // Rows on days 1..=8; validation from day 4, test from day 7.
        let d = dates(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let known = dates(&[2, 4, 5, 4, 7, 8, 30, 30]);
        let spec = SplitSpec::Cutoffs { validation_from: d[3], test_from: d[6], purge: true };
        let rows = spec.split_rows(&d, &known).unwrap();
        // Row 2 (known day 5 > 4) leaves training; row 5 (known day 8 > 7)
        // leaves validation; known on the boundary day itself is known in time.
        assert_eq!(rows.kept, vec![0, 1, 3, 4, 6, 7]);
        assert_eq!((rows.split.train, rows.split.validation, rows.split.test), (0..2, 2..4, 4..6));
        assert_eq!((rows.split.purged_train, rows.split.purged_validation), (1, 1));
    }

    #[test]
    fn without_a_validation_part_training_is_purged_against_the_test_start() {
        let d = dates(&[1, 2, 3, 4]);
        let known = dates(&[3, 4, 9, 9]);
        let spec = SplitSpec::Cutoffs { validation_from: d[2], test_from: d[2], purge: true };
        let rows = spec.split_rows(&d, &known).unwrap();
        assert_eq!(rows.kept, vec![0, 2, 3], "row 1's label came on day 4, after the test began on day 3");
        assert_eq!(rows.split.validation, 1..1);
    }

    #[test]
    fn without_purge_every_row_is_kept_and_the_spec_serialises_as_before() {
        let d = dates(&[1, 2, 3, 4]);
        let spec = SplitSpec::Fractions { train: 0.5, validation: 0.25, purge: false };
        assert_eq!(spec.split_rows(&d, &dates(&[9, 9, 9, 9])).unwrap().kept, vec![0, 1, 2, 3]);
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(json, r#"{"by":"fractions","train":0.5,"validation":0.25}"#, "run ids must not change");
    }

    #[test]
    fn fractions_that_leave_no_test_part_are_rejected() {
        let err = SplitSpec::Fractions { train: 0.8, validation: 0.2, purge: false }.validate().unwrap_err();
        assert!(err.to_string().contains("train + validation < 1"), "{err}");
    }
}
