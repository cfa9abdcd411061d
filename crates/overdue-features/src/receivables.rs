//! Study 1's accounts-receivable feature set: per-customer history over a
//! lookback window, as of each invoice's date, plus the invoice's own fields.

use chrono::{Datelike, Duration, Months, NaiveDate};
use overdue_data::{Invoice, InvoiceTable, Outcome};
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
        let history = self.history_by_invoice(table);
        let n_windows = self.windows.len();
        let mut matrices: Vec<Vec<f32>> = vec![Vec::with_capacity(rows.len() * width); n_windows];
        let mut own = vec![0.0f32; width - HISTORY_COLUMNS.len()];
        for &i in &rows {
            own_fields(&invoices[i], table.countries().len(), &mut own);
            let per_window = &history[i * n_windows * HISTORY_COLUMNS.len()..][..n_windows * HISTORY_COLUMNS.len()];
            for (k, matrix) in matrices.iter_mut().enumerate() {
                matrix.extend_from_slice(&per_window[k * HISTORY_COLUMNS.len()..][..HISTORY_COLUMNS.len()]);
                matrix.extend_from_slice(&own);
            }
        }
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

    /// History columns of every invoice for every window: a flat buffer indexed
    /// `[invoice][window][column]`.
    ///
    /// One backward scan per invoice over its customer's earlier invoices serves
    /// all windows: windows are nested, so the totals of a shorter window are a
    /// prefix of the scan of the longest.
    fn history_by_invoice(&self, table: &InvoiceTable) -> Vec<f32> {
        let invoices = table.invoices();
        let n_windows = self.windows.len();
        let stride = n_windows * HISTORY_COLUMNS.len();
        let mut out = vec![0.0f32; invoices.len() * stride];

        let mut by_customer: Vec<usize> = (0..invoices.len()).collect();
        by_customer.sort_by_key(|&i| (invoices[i].customer_id, invoices[i].invoice_date, invoices[i].invoice_id));
        for customer in by_customer.chunk_by(|&a, &b| invoices[a].customer_id == invoices[b].customer_id) {
            for &target in customer {
                let t = invoices[target].invoice_date;
                // Earlier invoices of this customer: strictly before day t.
                let visible = customer.partition_point(|&h| invoices[h].invoice_date < t);
                let mut totals = HistoryTotals::default();
                let mut next_window = 0;
                let row = &mut out[target * stride..][..stride];
                for &h in customer[..visible].iter().rev() {
                    let issued = invoices[h].invoice_date;
                    while next_window < n_windows && issued < self.windows[next_window].start(t) {
                        let window = self.windows[next_window];
                        totals.write(window, &mut row[next_window * HISTORY_COLUMNS.len()..]);
                        next_window += 1;
                    }
                    if next_window == n_windows {
                        break;
                    }
                    totals.add(&invoices[h], t);
                }
                for (k, &window) in self.windows.iter().enumerate().skip(next_window) {
                    totals.write(window, &mut row[k * HISTORY_COLUMNS.len()..]);
                }
            }
        }
        out
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
