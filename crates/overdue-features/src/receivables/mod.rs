//! Study 1's accounts-receivable feature set: per-customer history over a
//! lookback window, as of each invoice's date, plus the invoice's own fields.
//!
//! [`ReceivablesRows`] finds the labelled rows and each customer's event
//! streams once; then each window's matrix is one sweep forward in time
//! ([`history`]) and one parallel pass writing every row whole.
//! [`ReceivablesFeatures::build`] does this for all its windows at once.

mod exact_amount;
mod history;

use chrono::{Datelike, Duration, Months, NaiveDate};
use overdue_data::{Invoice, InvoiceTable, Outcome};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

use crate::calendar::is_month_end;
use crate::dataset::RowKeys;
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
    /// and the same split. Every matrix is held at once: on large tables,
    /// [`ReceivablesRows`] builds one window at a time in the same memory.
    pub fn build(
        &self,
        table: &InvoiceTable,
        split: &SplitSpec,
    ) -> Result<Vec<(HistoryWindow, Dataset)>, FeatureError> {
        let rows = ReceivablesRows::new(table, split)?;
        // The windows in parallel as well as the work within each: on small
        // tables a single window is too little work to keep every thread busy.
        self.windows.par_iter().map(|&window| Ok((window, rows.dataset(window, Vec::new())?))).collect()
    }
}

/// The rows of study 1's feature set for one table, with what every
/// window's history needs; [`ReceivablesRows::dataset`] then builds one
/// window's dataset at a time.
///
/// The rows are the invoices whose outcome is known the day after the
/// snapshot, as [`ReceivablesFeatures`] describes, in time order and split.
/// Building them and the customers' event streams is done once, whatever the
/// number of windows.
pub struct ReceivablesRows {
    n_countries: usize,
    names: Vec<String>,
    /// Each row's own fields.
    own: Vec<OwnFields>,
    keys: Arc<RowKeys>,
    streams: CustomerStreams,
    /// Lists for the history columns in customer order, one per window
    /// being built, kept to reuse their memory.
    history_lists: Mutex<Vec<Vec<f32>>>,
}

impl ReceivablesRows {
    /// The labelled rows of `table`, split by `split`, and its customers'
    /// event streams.
    pub fn new(table: &InvoiceTable, split: &SplitSpec) -> Result<Self, FeatureError> {
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
        let keys = RowKeys::new(labels, ids, dates, time_split)?;
        let streams = CustomerStreams::new(invoices, &rows);
        Ok(Self {
            n_countries: table.countries().len(),
            names: ReceivablesFeatures::feature_names(table),
            own: rows.par_iter().map(|&i| OwnFields::of(&invoices[i])).collect(),
            keys,
            streams,
            history_lists: Mutex::new(Vec::new()),
        })
    }

    /// Number of rows of every window's dataset.
    pub fn n_rows(&self) -> usize {
        self.own.len()
    }

    /// The dataset of `window`, its matrix written into `memory` when that
    /// holds exactly one matrix (such as [`Dataset::into_values`] of the
    /// previous window), into fresh memory otherwise. Every value is
    /// written, so the old values never show through.
    pub fn dataset(&self, window: HistoryWindow, memory: Vec<f32>) -> Result<Dataset, FeatureError> {
        let width = self.names.len();
        let mut matrix = memory;
        if matrix.len() != self.n_rows() * width {
            // A fresh zeroed vector is zeroed lazily, page by page, by the
            // parallel writers below.
            matrix = vec![0.0f32; self.n_rows() * width];
        }
        let mut history = self.history_lists.lock().map(|mut lists| lists.pop()).ok().flatten().unwrap_or_default();
        self.streams.sweep(window, &mut history);
        let streams = &self.streams;
        // One parallel pass writes each row whole: its history columns, gathered
        // from the sweep's customer order, then its own columns.
        matrix.par_chunks_mut(ROWS_PER_BLOCK * width).zip(self.own.par_chunks(ROWS_PER_BLOCK)).enumerate().for_each(
            |(block, (matrix, own))| {
                for (r, (row, own)) in matrix.chunks_exact_mut(width).zip(own).enumerate() {
                    let (history_columns, own_columns) = row.split_at_mut(HISTORY_COLUMNS.len());
                    history_columns.copy_from_slice(streams.history_of_row(&history, block * ROWS_PER_BLOCK + r));
                    own.write(self.n_countries, own_columns);
                }
            },
        );
        if let Ok(mut lists) = self.history_lists.lock() {
            lists.push(history);
        }
        self.keys.dataset(self.names.clone(), matrix)
    }
}

/// Rows per parallel block of [`ReceivablesFeatures::build`]: large enough
/// to amortise scheduling, small enough to balance two or more threads.
const ROWS_PER_BLOCK: usize = 4096;

/// The invoice's own fields, known when it is issued: computed once per row
/// and written into every window's matrix.
#[derive(Debug, Clone, Copy)]
struct OwnFields {
    amount_log: f32,
    terms_days: f32,
    credit_rating: u8,
    month: u8,
    day: u8,
    month_end: bool,
    country: u16,
}

impl OwnFields {
    fn of(inv: &Invoice) -> Self {
        let d = inv.invoice_date;
        Self {
            amount_log: inv.amount.ln_1p() as f32,
            terms_days: inv.terms_days() as f32,
            credit_rating: inv.credit_rating,
            month: d.month() as u8,
            day: d.day() as u8,
            month_end: is_month_end(d),
            country: inv.country,
        }
    }

    /// The [`OWN_COLUMNS`], then one indicator per country.
    fn write(self, n_countries: usize, out: &mut [f32]) {
        out[0] = self.amount_log;
        out[1] = self.terms_days;
        out[2] = f32::from(self.credit_rating);
        out[3] = f32::from(self.month);
        out[4] = f32::from(self.day);
        out[5] = if self.month_end { 1.0 } else { 0.0 };
        let countries = &mut out[OWN_COLUMNS.len()..][..n_countries];
        countries.fill(0.0);
        countries[usize::from(self.country)] = 1.0;
    }
}
