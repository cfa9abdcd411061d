//! Study 1's accounts-receivable feature set: per-customer history over a
//! lookback window, as of each invoice's date, plus the invoice's own fields.

use chrono::{Datelike, Duration, Months, NaiveDate};
use overdue_data::{Invoice, InvoiceTable, Outcome};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::calendar::is_month_end;
use crate::split::SplitRows;
use crate::{Dataset, FeatureError, SplitSpec};

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
/// over them are 0; the matching count says so.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivablesFeatures {
    windows: Vec<HistoryWindow>,
}

/// Per-window sums over the history of one invoice.
#[derive(Debug, Clone, Default)]
struct HistoryTotals {
    paid_count: u32,
    paid_late_count: u32,
    paid_amount: f64,
    outstanding_count: u32,
    outstanding_amount: f64,
    late_outstanding_count: u32,
    late_outstanding_amount: f64,
    days_late_paid: i64,
    days_late_outstanding: i64,
    contracts: Vec<u32>,
}

impl HistoryTotals {
    /// Adds invoice `h`, issued before `t`, as it stood at the start of day `t`.
    fn add(&mut self, h: &Invoice, t: NaiveDate) {
        match h.settled_date {
            Some(settled) if settled < t => {
                self.paid_count += 1;
                self.paid_amount += h.amount;
                let days_late = (settled - h.due_date).num_days();
                self.days_late_paid += days_late;
                if h.outcome_as_of(t) == Outcome::Late {
                    self.paid_late_count += 1;
                }
            }
            _ => {
                self.outstanding_count += 1;
                self.outstanding_amount += h.amount;
                if h.due_date < t {
                    self.late_outstanding_count += 1;
                    self.late_outstanding_amount += h.amount;
                    self.days_late_outstanding += (t - h.due_date).num_days();
                }
            }
        }
        if !self.contracts.contains(&h.contract_id) {
            self.contracts.push(h.contract_id);
        }
    }

    fn write(&self, window: HistoryWindow, out: &mut [f32]) {
        let mean = |sum: i64, count: u32| if count == 0 { 0.0 } else { sum as f64 / f64::from(count) };
        let values = [
            f64::from(self.paid_count),
            f64::from(self.paid_late_count),
            self.paid_amount,
            f64::from(self.outstanding_count),
            self.outstanding_amount,
            f64::from(self.late_outstanding_count),
            self.late_outstanding_amount,
            mean(self.days_late_paid, self.paid_count),
            mean(self.days_late_outstanding, self.late_outstanding_count),
            f64::from(self.paid_count) / f64::from(window.months),
            self.contracts.len() as f64,
        ];
        for (o, v) in out.iter_mut().zip(values) {
            *o = v as f32;
        }
    }
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
        let history = CustomerHistory::new(invoices);
        let n_countries = table.countries().len();
        // One allocation each: a cloned zeroed vector would be copied page by
        // page up front, where a fresh one is zeroed lazily by the writers.
        let mut matrices: Vec<Vec<f32>> = self.windows.iter().map(|_| vec![0.0f32; rows.len() * width]).collect();
        // Rows are independent: each scans its own customer's history, so
        // blocks of rows fill in parallel, each writing its block of every
        // window's matrix (the same values at any thread count).
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
            let mut totals = vec![0.0f32; self.windows.len() * HISTORY_COLUMNS.len()];
            let mut own = vec![0.0f32; width - HISTORY_COLUMNS.len()];
            for (r, &i) in rows[b * ROWS_PER_BLOCK..].iter().take(ROWS_PER_BLOCK).enumerate() {
                self.history_of(&history, i, &mut totals);
                own_fields(&invoices[i], n_countries, &mut own);
                for (k, matrix) in block.iter_mut().enumerate() {
                    let out = &mut matrix[r * width..][..width];
                    out[..HISTORY_COLUMNS.len()]
                        .copy_from_slice(&totals[k * HISTORY_COLUMNS.len()..][..HISTORY_COLUMNS.len()]);
                    out[HISTORY_COLUMNS.len()..].copy_from_slice(&own);
                }
            }
        });
        self.windows
            .iter()
            .zip(matrices)
            .map(|(&window, values)| {
                let dataset = Dataset::new(
                    names.clone(),
                    values,
                    labels.clone(),
                    ids.clone(),
                    dates.clone(),
                    time_split.clone(),
                )?;
                Ok((window, dataset))
            })
            .collect()
    }

    /// History columns of invoice `target` for every window, written to
    /// `out` indexed `[window][column]`.
    ///
    /// One backward scan over the customer's earlier invoices serves all
    /// windows: windows are nested, so the totals of a shorter window are a
    /// prefix of the scan of the longest.
    fn history_of(&self, history: &CustomerHistory<'_>, target: usize, out: &mut [f32]) {
        let invoices = history.invoices;
        let t = invoices[target].invoice_date;
        let n_windows = self.windows.len();
        let mut starts = [NaiveDate::MIN; HistoryWindow::MAX_MONTHS as usize];
        for (start, window) in starts.iter_mut().zip(&self.windows) {
            *start = window.start(t);
        }
        let mut totals = HistoryTotals::default();
        let mut next_window = 0;
        for &h in history.earlier(target).iter().rev() {
            let issued = invoices[h].invoice_date;
            while next_window < n_windows && issued < starts[next_window] {
                totals.write(self.windows[next_window], &mut out[next_window * HISTORY_COLUMNS.len()..]);
                next_window += 1;
            }
            if next_window == n_windows {
                return;
            }
            totals.add(&invoices[h], t);
        }
        for (k, &window) in self.windows.iter().enumerate().skip(next_window) {
            totals.write(window, &mut out[k * HISTORY_COLUMNS.len()..]);
        }
    }
}

/// Rows per parallel block of [`ReceivablesFeatures::build`]: large enough
/// to amortise scheduling, small enough to balance two or more threads.
const ROWS_PER_BLOCK: usize = 4096;

/// The invoices grouped by customer, each group in time order, to find any
/// invoice's earlier invoices of the same customer.
struct CustomerHistory<'a> {
    invoices: &'a [Invoice],
    /// Invoice indices sorted by customer, invoice date and id.
    by_customer: Vec<usize>,
    /// Per invoice: the range of `by_customer` holding its customer's
    /// invoices issued strictly before its date.
    earlier: Vec<(usize, usize)>,
}

impl<'a> CustomerHistory<'a> {
    fn new(invoices: &'a [Invoice]) -> Self {
        let mut keys: Vec<(u32, NaiveDate, u64, usize)> = invoices
            .iter()
            .enumerate()
            .map(|(i, inv)| (inv.customer_id, inv.invoice_date, inv.invoice_id, i))
            .collect();
        keys.par_sort_unstable();
        let by_customer: Vec<usize> = keys.iter().map(|&(_, _, _, i)| i).collect();
        let mut earlier = vec![(0, 0); invoices.len()];
        let mut group_start = 0;
        let mut day_start = 0;
        for (p, &(customer, date, _, i)) in keys.iter().enumerate() {
            if p > 0 && keys[p - 1].0 != customer {
                group_start = p;
                day_start = p;
            } else if p > 0 && keys[p - 1].1 != date {
                day_start = p;
            }
            // Invoices of the same day are not visible to each other.
            earlier[i] = (group_start, day_start);
        }
        Self { invoices, by_customer, earlier }
    }

    /// The customer's invoices issued before `target`'s date, oldest first.
    fn earlier(&self, target: usize) -> &[usize] {
        let (start, end) = self.earlier[target];
        &self.by_customer[start..end]
    }
}

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
