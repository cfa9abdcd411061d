//! Errors of the feature layer.

/// What can go wrong while building or assembling feature tables.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// A flat value buffer does not divide into rows of the given width.
    #[error("{values} values do not form rows of {n_cols} columns")]
    Shape {
        /// Number of values.
        values: usize,
        /// Requested number of columns.
        n_cols: usize,
    },
    /// Labels and feature rows disagree in number.
    #[error("{rows} feature rows but {labels} labels")]
    LabelCount {
        /// Number of feature rows.
        rows: usize,
        /// Number of labels.
        labels: usize,
    },
    /// Invoice ids or dates and feature rows disagree in number.
    #[error("{rows} feature rows but {ids} invoice ids and {dates} invoice dates")]
    KeyCount {
        /// Number of feature rows.
        rows: usize,
        /// Number of invoice ids.
        ids: usize,
        /// Number of dates.
        dates: usize,
    },
    /// Rows are not in time order.
    #[error("invoice dates are not sorted: row {row} is earlier than the row before it")]
    UnsortedDates {
        /// First row out of order.
        row: usize,
    },
    /// The split is not a valid time split of the rows.
    #[error("invalid time split: {0}")]
    BadSplit(String),
    /// A requested history window is outside the supported range.
    #[error("history window of {months} months is not supported (use 1..=36)")]
    BadWindow {
        /// The requested length.
        months: u32,
    },
    /// A payables prediction moment too far before the due date.
    #[error("a prediction moment {days} days before the due date is not supported (use 0..=365)")]
    BadMoment {
        /// The requested days before the due date.
        days: u32,
    },
    /// No invoice has a known label, so there is nothing to learn from.
    #[error("no invoice has a known label at the snapshot date")]
    NoLabelledInvoices,
}
