//! Study 2's evaluation subset: which labelled rows a payables dataset keeps.

use chrono::NaiveDate;
use overdue_data::Payable;
use serde::{Deserialize, Serialize};

/// Rows kept beyond the labelled, open ones: invoices with enough days to pay
/// and vendors with enough history.
///
/// Study 2 evaluated on "invoices with at least 10 days to pay, vendors with
/// more than 10 transactions" ([`EvaluationSubset::STUDY2`]). Both tests are
/// made as of the row's prediction moment: the days to pay are the invoice's
/// own terms (posting to due date), known when it is posted, and a vendor's
/// invoices are counted only if posted before the moment. Counting a vendor's
/// invoices over the whole table, as a reading of the study might, would
/// select rows by their future. The default keeps every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSubset {
    /// Keep invoices with at least this many calendar days from posting to due date.
    #[serde(default)]
    pub min_days_to_pay: u32,
    /// Keep invoices whose vendor had at least this many other invoices posted
    /// before the prediction moment.
    #[serde(default)]
    pub min_vendor_invoices: u32,
}

impl EvaluationSubset {
    /// Study 2's subset: at least 10 days to pay, more than 10 vendor invoices.
    pub const STUDY2: EvaluationSubset = EvaluationSubset { min_days_to_pay: 10, min_vendor_invoices: 11 };

    /// Whether every row is kept.
    pub fn keeps_all(&self) -> bool {
        *self == EvaluationSubset::default()
    }

    /// A short stable name for variant labels, `None` when every row is kept:
    /// `pay10_vendor11`.
    pub fn name(&self) -> Option<String> {
        (!self.keeps_all()).then(|| format!("pay{}_vendor{}", self.min_days_to_pay, self.min_vendor_invoices))
    }

    /// Whether the row of `invoice` at `moment` belongs to the subset.
    pub(super) fn keeps(&self, invoice: &Payable, moment: NaiveDate, vendors: &VendorInvoiceCounts) -> bool {
        let days_to_pay = (invoice.due_date - invoice.posting_date).num_days();
        days_to_pay >= i64::from(self.min_days_to_pay)
            && (self.min_vendor_invoices == 0 || vendors.before(invoice, moment) >= self.min_vendor_invoices)
    }
}

/// Counts, for a row of `invoice` predicted at `moment`, the vendor's invoices
/// posted before the moment. The default holds no vendor: for subsets without
/// a vendor threshold, which never ask.
#[derive(Debug, Default)]
pub(super) struct VendorInvoiceCounts {
    /// Posting dates per vendor, sorted.
    posted: Vec<Vec<NaiveDate>>,
}

impl VendorInvoiceCounts {
    pub(super) fn new(invoices: &[Payable], n_vendors: usize) -> Self {
        let mut posted = vec![Vec::new(); n_vendors];
        for invoice in invoices {
            posted[invoice.vendor as usize].push(invoice.posting_date);
        }
        posted.iter_mut().for_each(|dates| dates.sort_unstable());
        Self { posted }
    }

    /// The vendor's invoices posted strictly before `moment` (the invoice
    /// itself never is: it is posted on or before its moment, and counted
    /// only when posted before it, so it is subtracted then).
    pub(super) fn before(&self, invoice: &Payable, moment: NaiveDate) -> u32 {
        let dates = &self.posted[invoice.vendor as usize];
        let count = dates.partition_point(|&d| d < moment);
        let itself = usize::from(invoice.posting_date < moment);
        (count - itself) as u32
    }
}
