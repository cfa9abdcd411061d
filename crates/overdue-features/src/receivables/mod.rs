//! Study 1's accounts-receivable feature set: per-customer history over a
//! lookback window, as of each invoice's date, plus the invoice's own fields.
//!
//! [`ReceivablesFeatures::build`] fills every window's matrix in two passes:
//! the invoice's own columns in parallel blocks of rows, then the history
//! columns, one sweep forward in time per window ([`history`]), the windows
//! in parallel.

mod exact_amount;
mod history;

use chrono::{Datelike, Duration, Months, NaiveDate};
use overdue_data::{Invoice, InvoiceTable, Outcome};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

use crate::calendar::is_month_end;
use crate::split::SplitRows;
use crate::{Dataset, FeatureError, SplitSpec};
use history::CustomerStreams;

/// A lookback window of whole calendar months before the prediction moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HistoryWindow {
    /// Length in months: the window of an invoice dated `t` is `[t - months, t)`.
    pub months: u32,
}

impl HistoryWindow {
    /// Longest supported window, in months.
    pub const MAX_MONTHS: u32 = 36;

    /// A window of `months` months (1 to [`Self::MAX_MONTHS`]).
    pub fn new(months: u32) -> Result<Self, FeatureError> {
        if (1..=Self::MAX_MONTHS).contains(&months) {
            Ok(Self { months })
        } else {
            Err(FeatureError::BadWindow { months })
        }
    }

    /// First day inside the window of an invoice dated `t`.
    fn start(self, t: NaiveDate) -> NaiveDate {
        t.checked_sub_months(Months::new(self.months)).unwrap_or(NaiveDate::MIN)
    }
}

/// Names of the history columns, in column order.
const HISTORY_COLUMNS: [&str; 11] = [
    "paid_count",
    "paid_late_count",
    "paid_amount",
    "outstanding_count",
    "outstanding_amount",
    "late_outstanding_count",
    "late_outstanding_amount",
    "avg_days_late_paid",
    "avg_days_late_outstanding",
    "pay_frequency",
    "contract_count",
];

/// Names of the invoice's own columns that precede the per-country indicators.
const OWN_COLUMNS: [&str; 6] =
    ["amount_log", "terms_days", "credit_rating", "invoice_month", "invoice_day", "month_end"];

/// Builds study 1's feature set for several history windows at once.
///
/// Rows are the invoices whose outcome is known the day after the snapshot
/// (open invoices that are not yet late are left out: their label is unknown),
/// sorted by invoice date and id. History is taken from *all* invoices of the
/// table, labelled or not, under the as-of rules of the crate documentation.
/// Where a window holds no paid (or no late outstanding) invoice, the averages
/// over them are 0; the matching count says so. Amount sums are exact, then
/// rounded once to f32.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivablesFeatures {
    windows: Vec<HistoryWindow>,
}

impl ReceivablesFeatures {
    /// A feature set for the given windows (deduplicated and sorted).
    pub fn new(windows: &[HistoryWindow]) -> Result<Self, FeatureError> {
        let mut windows = windows.to_vec();
        windows.sort();
        windows.dedup();
        if windows.is_empty() {
            return Err(FeatureError::BadWindow { months: 0 });
        }
        Ok(Self { windows })
    }

    /// The windows, shortest first.
    pub fn windows(&self) -> &[HistoryWindow] {
        &self.windows
    }

    /// Column names for a given table (the country indicators depend on it).
    pub fn feature_names(table: &InvoiceTable) -> Vec<String> {
        HISTORY_COLUMNS
            .iter()
            .chain(&OWN_COLUMNS)
            .map(|c| c.to_string())
            .chain(table.countries().iter().map(|c| format!("country_{c}")))
            .collect()
    }

    /// One dataset per window (in [`Self::windows`] order), all with the same rows
    /// and the same split.
    pub fn build(
        &self,
        table: &InvoiceTable,
        split: &SplitSpec,
    ) -> Result<Vec<(HistoryWindow, Dataset)>, FeatureError> {
        let invoices = table.invoices();
        let label_date = table.snapshot_date() + Duration::days(1);

        let mut rows: Vec<usize> =
            (0..invoices.len()).filter(|&i| invoices[i].outcome_as_of(label_date) != Outcome::Unknown).collect();
        if rows.is_empty() {
            return Err(FeatureError::NoLabelledInvoices);
        }
        rows.sort_by_key(|&i| (invoices[i].invoice_date, invoices[i].invoice_id));
        let dates: Vec<NaiveDate> = rows.iter().map(|&i| invoices[i].invoice_date).collect();
        let known_from: Vec<NaiveDate> = rows.iter().map(|&i| invoices[i].outcome_known_from()).collect();
        let SplitRows { kept, split: time_split } = split.split_rows(&dates, &known_from)?;
        let rows: Vec<usize> = kept.iter().map(|&k| rows[k]).collect();
        let dates: Vec<NaiveDate> = kept.iter().map(|&k| dates[k]).collect();
        let ids: Vec<u64> = rows.iter().map(|&i| invoices[i].invoice_id).collect();
        let labels: Vec<bool> = rows.iter().map(|&i| invoices[i].outcome_as_of(label_date) == Outcome::Late).collect();

        let names = Self::feature_names(table);
        let width = names.len();
        let n_countries = table.countries().len();
        // One allocation each: a cloned zeroed vector would be copied page by
        // page up front, where a fresh one is zeroed lazily by the writers.
        let mut matrices: Vec<Vec<f32>> = self.windows.iter().map(|_| vec![0.0f32; rows.len() * width]).collect();
        // The invoice's own columns first, in parallel blocks of rows, each
        // block written to every window's matrix (this also touches every
        // page of the matrices in parallel).
        let mut blocks: Vec<Vec<&mut [f32]>> = Vec::new();
        for matrix in &mut matrices {
            for (b, block) in matrix.chunks_mut(ROWS_PER_BLOCK * width).enumerate() {
                if b == blocks.len() {
                    blocks.push(Vec::with_capacity(self.windows.len()));
                }
                blocks[b].push(block);
            }
        }
        blocks.into_par_iter().enumerate().for_each(|(b, mut block)| {
            let mut own = vec![0.0f32; width - HISTORY_COLUMNS.len()];
            for (r, &i) in rows[b * ROWS_PER_BLOCK..].iter().take(ROWS_PER_BLOCK).enumerate() {
                own_fields(&invoices[i], n_countries, &mut own);
                for matrix in block.iter_mut() {
                    matrix[r * width..][HISTORY_COLUMNS.len()..width].copy_from_slice(&own);
                }
            }
        });
        // Then the history columns: one sweep forward in time per window,
        // the windows in parallel.
        let streams = CustomerStreams::new(invoices, &rows);
        // One scratch list per thread, not per window: fresh memory is slow
        // to come by on some machines.
        let scratch_lists = Mutex::new(Vec::new());
        matrices.par_iter_mut().zip(&self.windows).for_each(|(matrix, &window)| {
            let mut scratch = scratch_lists.lock().map(|mut lists| lists.pop()).ok().flatten().unwrap_or_default();
            streams.write_window(window, matrix, width, &mut scratch);
            if let Ok(mut lists) = scratch_lists.lock() {
                lists.push(scratch);
            }
        });
        let mut matrices = matrices.into_iter();
        let first = Dataset::new(names.clone(), matrices.next().unwrap_or_default(), labels, ids, dates, time_split)?;
        let mut datasets = vec![first];
        for matrix in matrices {
            let shared = datasets[0].with_features(names.clone(), matrix)?;
            datasets.push(shared);
        }
        Ok(self.windows.iter().copied().zip(datasets).collect())
    }
}

/// Rows per parallel block of [`ReceivablesFeatures::build`]: large enough
/// to amortise scheduling, small enough to balance two or more threads.
const ROWS_PER_BLOCK: usize = 4096;

/// The invoice's own fields, known when it is issued.
fn own_fields(inv: &Invoice, n_countries: usize, out: &mut [f32]) {
    let d = inv.invoice_date;
    let month_end = is_month_end(d);
    out[0] = inv.amount.ln_1p() as f32;
    out[1] = inv.terms_days() as f32;
    out[2] = f32::from(inv.credit_rating);
    out[3] = d.month() as f32;
    out[4] = d.day() as f32;
    out[5] = if month_end { 1.0 } else { 0.0 };
    let countries = &mut out[OWN_COLUMNS.len()..][..n_countries];
    countries.fill(0.0);
    countries[usize::from(inv.country)] = 1.0;
}
