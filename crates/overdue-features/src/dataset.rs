//! The `Dataset`: what every model consumes.

use std::ops::Range;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::FeatureError;

/// One of the three time-ordered parts of a [`Dataset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// The oldest rows: models are fitted on these.
    Train,
    /// The rows after training: early stopping, calibration, threshold choice.
    Validation,
    /// The newest rows: reported metrics come from these alone.
    Test,
}

impl Split {
    /// The three parts, oldest first.
    pub const ALL: [Split; 3] = [Split::Train, Split::Validation, Split::Test];

    /// The part's name as it appears in records and tables.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }
}

/// A borrowed, row-major, contiguous f32 matrix.
#[derive(Debug, Clone, Copy)]
pub struct MatrixView<'a> {
    values: &'a [f32],
    n_cols: usize,
}

impl<'a> MatrixView<'a> {
    /// Wraps `values` as rows of `n_cols` columns.
    ///
    /// Fails when `values.len()` is not a multiple of `n_cols`, or when `n_cols` is
    /// zero while values are present.
    pub fn new(values: &'a [f32], n_cols: usize) -> Result<Self, FeatureError> {
        if !values.len().is_multiple_of(n_cols) {
            return Err(FeatureError::Shape { values: values.len(), n_cols });
        }
        Ok(Self { values, n_cols })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.values.len().checked_div(self.n_cols).unwrap_or(0)
    }

    /// Number of columns (features).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Row `i` as a slice of `n_cols` values.
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.values[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// Iterator over the rows.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &'a [f32]> + 'a {
        let n_cols = self.n_cols.max(1);
        self.values.chunks_exact(n_cols)
    }

    /// All values, row after row.
    pub fn as_slice(&self) -> &'a [f32] {
        self.values
    }

    /// The first value (in row-major order) for which `refused` holds, as
    /// (row, column, value), if any.
    pub fn first_where(&self, refused: impl Fn(f32) -> bool) -> Option<(usize, usize, f32)> {
        let i = self.values.iter().position(|&v| refused(v))?;
        Some((i / self.n_cols, i % self.n_cols, self.values[i]))
    }
}

/// Feature rows with their labels: what a model is fitted on or evaluated with.
///
/// Invariant (private fields, checked by [`Samples::new`]): one label per
/// feature row, which every model relies on.
#[derive(Debug, Clone, Copy)]
pub struct Samples<'a> {
    features: MatrixView<'a>,
    labels: &'a [bool],
}

impl<'a> Samples<'a> {
    /// Pairs features with labels; fails when their row counts differ.
    pub fn new(features: MatrixView<'a>, labels: &'a [bool]) -> Result<Self, FeatureError> {
        if features.n_rows() != labels.len() {
            return Err(FeatureError::LabelCount { rows: features.n_rows(), labels: labels.len() });
        }
        Ok(Self { features, labels })
    }

    /// The feature matrix, one row per invoice.
    pub fn features(&self) -> MatrixView<'a> {
        self.features
    }

    /// `true` when the invoice was paid late; one per row.
    pub fn labels(&self) -> &'a [bool] {
        self.labels
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.labels.len()
    }

    /// Number of late rows.
    pub fn n_late(&self) -> usize {
        self.labels.iter().filter(|&&late| late).count()
    }
}

/// Row ranges of the three parts of a time-ordered [`Dataset`].
///
/// Invariant: `train.end == validation.start`, `validation.end == test.start`, and
/// every date in an earlier part is strictly before every date in a later part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSplit {
    /// Rows of the training part.
    pub train: Range<usize>,
    /// Rows of the validation part.
    pub validation: Range<usize>,
    /// Rows of the test part.
    pub test: Range<usize>,
    /// Training rows dropped by a label purge ([`crate::SplitSpec::purges`]).
    #[serde(default)]
    pub purged_train: usize,
    /// Validation rows dropped by a label purge.
    #[serde(default)]
    pub purged_validation: usize,
}

impl TimeSplit {
    /// The parts of `n_rows` rows with validation starting at row
    /// `validation_start` and test at `test_start`; nothing purged.
    pub fn from_starts(validation_start: usize, test_start: usize, n_rows: usize) -> Self {
        TimeSplit {
            train: 0..validation_start,
            validation: validation_start..test_start,
            test: test_start..n_rows,
            purged_train: 0,
            purged_validation: 0,
        }
    }

    /// Rows of `split` dropped by a label purge.
    pub fn purged(&self, split: Split) -> usize {
        match split {
            Split::Train => self.purged_train,
            Split::Validation => self.purged_validation,
            Split::Test => 0,
        }
    }

    /// The rows of one part.
    pub fn rows(&self, split: Split) -> Range<usize> {
        match split {
            Split::Train => self.train.clone(),
            Split::Validation => self.validation.clone(),
            Split::Test => self.test.clone(),
        }
    }
}

/// Summary of one part, as in study 1's split table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitSummary {
    /// Which part.
    pub split: Split,
    /// Number of invoices.
    pub rows: usize,
    /// Share of late invoices.
    pub late_share: f64,
    /// Accuracy of always predicting the majority class of this part.
    pub majority_baseline: f64,
    /// Earliest invoice date, if the part is not empty.
    pub first_date: Option<NaiveDate>,
    /// Latest invoice date, if the part is not empty.
    pub last_date: Option<NaiveDate>,
    /// Rows a label purge dropped from this part (not counted in `rows`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub purged: usize,
}

/// Keeps `purged: 0` out of records, which read as before the purge existed.
fn is_zero(value: &usize) -> bool {
    *value == 0
}

/// A labelled feature table in time order, split into train, validation and test.
///
/// Each row is one invoice, identified by its id and dated by its prediction
/// moment (the invoice date for receivables; the posting date or a day before
/// the due date for payables). Rows are sorted by that date, so each part is a
/// contiguous block of rows and [`Dataset::part`] borrows it without copying.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    feature_names: Vec<String>,
    values: Vec<f32>,
    rows: Arc<RowKeys>,
}

/// What identifies, labels and splits the rows, shared by datasets that
/// differ only in their features ([`Dataset::with_features`],
/// [`RowKeys::dataset`]).
#[derive(Debug, PartialEq)]
pub(crate) struct RowKeys {
    labels: Vec<bool>,
    invoice_ids: Vec<u64>,
    invoice_dates: Vec<NaiveDate>,
    split: TimeSplit,
}

impl RowKeys {
    /// Checks the row invariants the models rely on: one id and one date
    /// per label, dates sorted, and `split` covering the rows in order with
    /// no date shared between two parts.
    pub(crate) fn new(
        labels: Vec<bool>,
        invoice_ids: Vec<u64>,
        invoice_dates: Vec<NaiveDate>,
        split: TimeSplit,
    ) -> Result<Arc<Self>, FeatureError> {
        let n_rows = labels.len();
        if invoice_dates.len() != n_rows || invoice_ids.len() != n_rows {
            return Err(FeatureError::KeyCount { rows: n_rows, ids: invoice_ids.len(), dates: invoice_dates.len() });
        }
        if let Some(i) = invoice_dates.windows(2).position(|w| w[0] > w[1]) {
            return Err(FeatureError::UnsortedDates { row: i + 1 });
        }
        let ordered = split.train.start == 0
            && split.train.end == split.validation.start
            && split.validation.end == split.test.start
            && split.test.end == n_rows
            && split.train.start <= split.train.end
            && split.validation.start <= split.validation.end
            && split.test.start <= split.test.end;
        if !ordered {
            return Err(FeatureError::BadSplit(format!("{split:?} does not cover rows 0..{n_rows} in order")));
        }
        for boundary in [split.validation.start, split.test.start] {
            if boundary > 0 && boundary < n_rows && invoice_dates[boundary - 1] == invoice_dates[boundary] {
                return Err(FeatureError::BadSplit(format!(
                    "date {} falls on both sides of the boundary at row {boundary}",
                    invoice_dates[boundary]
                )));
            }
        }
        Ok(Arc::new(Self { labels, invoice_ids, invoice_dates, split }))
    }

    /// Number of rows.
    pub(crate) fn n_rows(&self) -> usize {
        self.labels.len()
    }

    /// A dataset of these rows with the given features; the rows are shared,
    /// not copied. Fails when the matrix does not hold one row per label.
    pub(crate) fn dataset(
        self: &Arc<Self>,
        feature_names: Vec<String>,
        values: Vec<f32>,
    ) -> Result<Dataset, FeatureError> {
        let rows = MatrixView::new(&values, feature_names.len())?.n_rows();
        if rows != self.n_rows() {
            return Err(FeatureError::LabelCount { rows, labels: self.n_rows() });
        }
        Ok(Dataset { feature_names, values, rows: Arc::clone(self) })
    }
}

impl Dataset {
    /// Assembles a dataset, checking every invariant the models rely on:
    /// the shapes agree, dates are sorted, and `split` covers the rows in order
    /// with no date shared between two parts.
    pub fn new(
        feature_names: Vec<String>,
        values: Vec<f32>,
        labels: Vec<bool>,
        invoice_ids: Vec<u64>,
        invoice_dates: Vec<NaiveDate>,
        split: TimeSplit,
    ) -> Result<Self, FeatureError> {
        let n_rows = MatrixView::new(&values, feature_names.len())?.n_rows();
        if labels.len() != n_rows {
            return Err(FeatureError::LabelCount { rows: n_rows, labels: labels.len() });
        }
        RowKeys::new(labels, invoice_ids, invoice_dates, split)?.dataset(feature_names, values)
    }

    /// A dataset of the same rows (labels, ids, dates and split) with other
    /// features. The rows are shared, not copied: many feature sets of one
    /// table, such as one per history window, hold one copy of them.
    pub fn with_features(&self, feature_names: Vec<String>, values: Vec<f32>) -> Result<Self, FeatureError> {
        self.rows.dataset(feature_names, values)
    }

    /// The feature matrix's values, row after row, given back so that the
    /// next dataset of the same size can be written into the same memory
    /// (fresh memory is slow to come by on some machines).
    pub fn into_values(self) -> Vec<f32> {
        self.values
    }

    /// Names of the feature columns, in column order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// Number of rows in all parts together.
    pub fn n_rows(&self) -> usize {
        self.rows.labels.len()
    }

    /// The whole feature matrix.
    pub fn features(&self) -> MatrixView<'_> {
        MatrixView { values: &self.values, n_cols: self.n_features() }
    }

    /// All labels (`true` = late).
    pub fn labels(&self) -> &[bool] {
        &self.rows.labels
    }

    /// The invoice id of every row, to join predictions back to invoices.
    pub fn invoice_ids(&self) -> &[u64] {
        &self.rows.invoice_ids
    }

    /// The date of every row's prediction moment (sorted): the invoice date for
    /// receivables, the moment for payables.
    pub fn invoice_dates(&self) -> &[NaiveDate] {
        &self.rows.invoice_dates
    }

    /// The row ranges of the parts.
    pub fn split(&self) -> &TimeSplit {
        &self.rows.split
    }

    /// The rows of one part, borrowed.
    pub fn part(&self, split: Split) -> Samples<'_> {
        let rows = self.rows.split.rows(split);
        let n_cols = self.n_features();
        Samples {
            features: MatrixView { values: &self.values[rows.start * n_cols..rows.end * n_cols], n_cols },
            labels: &self.rows.labels[rows],
        }
    }

    /// One [`SplitSummary`] per part, oldest first.
    pub fn split_summaries(&self) -> Vec<SplitSummary> {
        Split::ALL
            .iter()
            .map(|&split| {
                let rows = self.rows.split.rows(split);
                let labels = &self.rows.labels[rows.clone()];
                let late = labels.iter().filter(|&&l| l).count();
                let n = labels.len();
                let late_share = if n == 0 { 0.0 } else { late as f64 / n as f64 };
                SplitSummary {
                    split,
                    rows: n,
                    late_share,
                    majority_baseline: if n == 0 { 0.0 } else { late_share.max(1.0 - late_share) },
                    first_date: self.rows.invoice_dates[rows.clone()].first().copied(),
                    last_date: self.rows.invoice_dates[rows].last().copied(),
                    purged: self.rows.split.purged(split),
                }
            })
            .collect()
    }
}
