//! Dirty rows: why a row is bad, the policy's decision, and the per-reason counts.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::DirtyRowPolicy;
use crate::DataError;

/// Why a row of an export cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirtyReason {
    /// A required cell is empty.
    MissingValue,
    /// A date matches none of the date formats.
    UnparsableDate,
    /// A number cannot be read.
    UnparsableNumber,
    /// A value is outside what its column allows (credit rating above 255, more
    /// than 65,536 countries).
    OutOfRange,
    /// An amount or numeric value is NaN or infinite.
    NotFinite,
    /// The amount is negative (a credit note).
    NegativeAmount,
    /// The due date is before the invoice date.
    DueBeforeInvoiceDate,
    /// The settlement is before the invoice date.
    SettledBeforeInvoiceDate,
    /// Invoice or settlement dated after the snapshot date.
    AfterSnapshot,
    /// The invoice id already appeared on an earlier row (that one is kept).
    DuplicateInvoiceId,
}

impl DirtyReason {
    /// A short phrase for reports.
    pub fn describe(self) -> &'static str {
        match self {
            DirtyReason::MissingValue => "missing value",
            DirtyReason::UnparsableDate => "unparsable date",
            DirtyReason::UnparsableNumber => "unparsable number",
            DirtyReason::OutOfRange => "value out of range",
            DirtyReason::NotFinite => "NaN or infinite number",
            DirtyReason::NegativeAmount => "negative amount",
            DirtyReason::DueBeforeInvoiceDate => "due before invoice date",
            DirtyReason::SettledBeforeInvoiceDate => "settled before invoice date",
            DirtyReason::AfterSnapshot => "dated after the snapshot",
            DirtyReason::DuplicateInvoiceId => "duplicate invoice id",
        }
    }
}

impl fmt::Display for DirtyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// How many rows were left out for one reason in one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirtyCount {
    /// Why.
    pub reason: DirtyReason,
    /// The file's column at fault.
    pub column: String,
    /// Rows left out for this reason (a row with several faults counts once,
    /// under the first found in mapping order).
    pub rows: usize,
    /// One-based data row of the first such row.
    pub first_row: usize,
    /// What was wrong with that first row.
    pub first_detail: String,
}

/// What loading an export did: rows read, kept, and left out per reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadReport {
    /// The file read.
    pub path: PathBuf,
    /// Data rows in the file (header and blank lines not counted).
    pub rows_read: usize,
    /// Blank lines (every mapped cell empty), skipped.
    pub blank_rows: usize,
    /// Rows in the loaded table.
    pub rows_kept: usize,
    /// Rows left out, per reason and column, in reason order.
    pub dropped: Vec<DirtyCount>,
}

impl LoadReport {
    /// Rows left out in all.
    pub fn rows_dropped(&self) -> usize {
        self.rows_read - self.rows_kept
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} rows read, {} kept, {} dropped",
            self.path.display(),
            self.rows_read,
            self.rows_kept,
            self.rows_dropped()
        )?;
        match self.blank_rows {
            0 => writeln!(f)?,
            blank => writeln!(f, " ({blank} blank lines skipped)")?,
        }
        for count in &self.dropped {
            writeln!(
                f,
                "  {:>9} {} in `{}` (first: data row {}, {})",
                count.rows, count.reason, count.column, count.first_row, count.first_detail
            )?;
        }
        Ok(())
    }
}

/// One fault found on one row.
#[derive(Debug, Clone)]
struct Fault {
    row: usize,
    reason: DirtyReason,
    column: String,
    detail: String,
}

/// Collects faults while columns are checked one after the other. Each row
/// keeps its first fault only, so checks run in mapping order give each row the
/// fault of its leftmost mapped column.
pub(crate) struct DirtyRows<'a> {
    path: &'a Path,
    policy: DirtyRowPolicy,
    bad: Vec<bool>,
    blank: usize,
    first: Option<Fault>,
    counts: BTreeMap<(DirtyReason, String), (usize, Fault)>,
}

impl<'a> DirtyRows<'a> {
    pub(crate) fn new(path: &'a Path, policy: DirtyRowPolicy, rows: usize) -> Self {
        Self { path, policy, bad: vec![false; rows], blank: 0, first: None, counts: BTreeMap::new() }
    }

    /// Leaves out a blank line: not a fault, not a row.
    pub(crate) fn skip_blank(&mut self, row: usize) {
        if !std::mem::replace(&mut self.bad[row], true) {
            self.blank += 1;
        }
    }

    /// Whether a row already has a fault.
    pub(crate) fn is_bad(&self, row: usize) -> bool {
        self.bad[row]
    }

    /// Records a fault of zero-based `row` in `column`, unless the row has one
    /// already. `detail` is only built when it will be shown.
    pub(crate) fn flag(&mut self, row: usize, reason: DirtyReason, column: &str, detail: impl FnOnce() -> String) {
        if std::mem::replace(&mut self.bad[row], true) {
            return;
        }
        let is_first = self.first.as_ref().is_none_or(|f| row < f.row);
        let key = (reason, column.to_string());
        let counted = self.counts.get_mut(&key);
        match (counted, is_first) {
            (Some((count, _)), false) => *count += 1,
            (counted, _) => {
                let fault = Fault { row, reason, column: column.to_string(), detail: detail() };
                match counted {
                    Some((count, example)) => {
                        *count += 1;
                        if row < example.row {
                            *example = fault.clone();
                        }
                    }
                    None => {
                        self.counts.insert(key, (1, fault.clone()));
                    }
                }
                if is_first {
                    self.first = Some(fault);
                }
            }
        }
    }

    /// Under `reject`, the error of the earliest bad row.
    pub(crate) fn check_policy(&self) -> Result<(), DataError> {
        match (&self.first, self.policy) {
            (Some(fault), DirtyRowPolicy::Reject) => Err(DataError::BadRow {
                path: self.path.to_path_buf(),
                row: fault.row + 1,
                column: fault.column.clone(),
                reason: format!("{}: {}", fault.reason, fault.detail),
            }),
            _ => Ok(()),
        }
    }

    /// The rows without a fault.
    pub(crate) fn kept(&self) -> impl Iterator<Item = usize> + '_ {
        self.bad.iter().enumerate().filter(|(_, bad)| !**bad).map(|(row, _)| row)
    }

    pub(crate) fn into_report(self, rows_kept: usize) -> LoadReport {
        let dropped = self
            .counts
            .into_iter()
            .map(|((reason, column), (rows, example))| DirtyCount {
                reason,
                column,
                rows,
                first_row: example.row + 1,
                first_detail: example.detail,
            })
            .collect();
        let rows_read = self.bad.len() - self.blank;
        LoadReport { path: self.path.to_path_buf(), rows_read, blank_rows: self.blank, rows_kept, dropped }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_counts_once_under_its_first_fault_and_reject_names_the_earliest_row() {
        let path = Path::new("x.csv");
        let mut dirty = DirtyRows::new(path, DirtyRowPolicy::Reject, 6);
        dirty.skip_blank(5);
        dirty.flag(5, DirtyReason::MissingValue, "a", || unreachable!("a blank line is no row"));
        dirty.flag(3, DirtyReason::MissingValue, "a", || "empty".into());
        dirty.flag(1, DirtyReason::UnparsableDate, "b", || "`x`".into());
        dirty.flag(3, DirtyReason::UnparsableDate, "b", || unreachable!("row 3 already has a fault"));
        dirty.flag(4, DirtyReason::UnparsableDate, "b", || "`y`".into());
        let error = dirty.check_policy().unwrap_err().to_string();
        assert_eq!(error, "x.csv: data row 2, column `b`: unparsable date: `x`");
        assert_eq!(dirty.kept().collect::<Vec<_>>(), [0, 2]);
        let report = dirty.into_report(2);
        assert_eq!((report.rows_read, report.blank_rows, report.rows_dropped()), (5, 1, 3));
        let counts: Vec<_> =
            report.dropped.iter().map(|c| (c.reason, c.column.as_str(), c.rows, c.first_row)).collect();
        assert_eq!(counts, [(DirtyReason::MissingValue, "a", 1, 4), (DirtyReason::UnparsableDate, "b", 2, 2)]);
    }
}
