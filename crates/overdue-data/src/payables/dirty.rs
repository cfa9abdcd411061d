//! Dirty rows: what the generator injects into the raw export, and study 2's
//! cleaning rules that take them out again.
//!
//! Each injected row carries exactly one defect (the rates are shares of all raw
//! rows and must sum to at most one), so the cleaning counts per reason equal the
//! injected counts exactly. The defects are applied after the process
//! simulation, as flaws of the export: the invoices were really processed and
//! took their share of capacity.
//!
//! **Cleaning rules**, checked in this order; a dropped row is counted under the
//! first rule it fails:
//!
//! 1. missing vendor, 2. missing amount, 3. missing company code,
//! 4. missing due date, 5. missing posting date,
//! 6. negative amount (a credit note), 7. due date before the posting date,
//! 8. no process log (no event of the invoice in the log).
//!
//! Events of dropped invoices leave the log with them.

use chrono::Duration;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Payable, PayablesTable, RawPayable, RawPayables};
use crate::DataError;

/// Shares of raw rows injected with each defect. Defaults: a few percent each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirtyRates {
    /// Vendor left empty.
    pub missing_vendor: f64,
    /// Amount left empty.
    pub missing_amount: f64,
    /// Company code left empty.
    pub missing_company_code: f64,
    /// Due date left empty.
    pub missing_due_date: f64,
    /// Posting date left empty.
    pub missing_posting_date: f64,
    /// Credit notes: negative amount (document type becomes the credit memo).
    pub negative_amount: f64,
    /// Due date moved 1 to 30 days before the posting date.
    pub due_before_posting: f64,
    /// All of the invoice's process events missing from the log.
    pub no_process_log: f64,
}

impl Default for DirtyRates {
    fn default() -> Self {
        Self {
            missing_vendor: 0.02,
            missing_amount: 0.01,
            missing_company_code: 0.01,
            missing_due_date: 0.02,
            missing_posting_date: 0.02,
            negative_amount: 0.03,
            due_before_posting: 0.02,
            no_process_log: 0.03,
        }
    }
}

/// Why a raw row was dropped, in the order the rules are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Defect {
    MissingVendor,
    MissingAmount,
    MissingCompanyCode,
    MissingDueDate,
    MissingPostingDate,
    NegativeAmount,
    DueBeforePosting,
    NoProcessLog,
}

impl DirtyRates {
    /// The rates with their parameter names, in rule order.
    fn named(&self) -> [(&'static str, f64, Defect); 8] {
        [
            ("dirty.missing_vendor", self.missing_vendor, Defect::MissingVendor),
            ("dirty.missing_amount", self.missing_amount, Defect::MissingAmount),
            ("dirty.missing_company_code", self.missing_company_code, Defect::MissingCompanyCode),
            ("dirty.missing_due_date", self.missing_due_date, Defect::MissingDueDate),
            ("dirty.missing_posting_date", self.missing_posting_date, Defect::MissingPostingDate),
            ("dirty.negative_amount", self.negative_amount, Defect::NegativeAmount),
            ("dirty.due_before_posting", self.due_before_posting, Defect::DueBeforePosting),
            ("dirty.no_process_log", self.no_process_log, Defect::NoProcessLog),
        ]
    }

    /// Checks the rates, naming the first bad one (`dirty.<field>`).
    pub fn validate(&self) -> Result<(), DataError> {
        let mut sum = 0.0;
        for (name, rate, _) in self.named() {
            if !(0.0..=1.0).contains(&rate) {
                return Err(DataError::InvalidParameter { name, reason: format!("{rate} is not a share in [0, 1]") });
            }
            sum += rate;
        }
        if sum > 1.0 {
            return Err(DataError::InvalidParameter {
                name: "dirty",
                reason: format!("the rates sum to {sum}, more than all rows"),
            });
        }
        Ok(())
    }

    /// Draws at most one defect for a row.
    pub(super) fn draw(&self, rng: &mut ChaCha8Rng) -> Option<Defect> {
        let u: f64 = rng.random();
        let mut cumulative = 0.0;
        for (_, rate, defect) in self.named() {
            cumulative += rate;
            if u < cumulative {
                return Some(defect);
            }
        }
        None
    }
}

/// How many raw rows each cleaning rule dropped (or, for
/// [`RawPayables::injected`], how many the generator injected).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleaningCounts {
    /// Rows of the raw table.
    pub raw: usize,
    /// Rows kept.
    pub kept: usize,
    /// Dropped: vendor missing.
    pub missing_vendor: usize,
    /// Dropped: amount missing.
    pub missing_amount: usize,
    /// Dropped: company code missing.
    pub missing_company_code: usize,
    /// Dropped: due date missing.
    pub missing_due_date: usize,
    /// Dropped: posting date missing.
    pub missing_posting_date: usize,
    /// Dropped: negative amount (credit note).
    pub negative_amount: usize,
    /// Dropped: due date before the posting date.
    pub due_before_posting: usize,
    /// Dropped: no event in the process log.
    pub no_process_log: usize,
}

impl CleaningCounts {
    /// Rows dropped, all reasons together.
    pub fn dropped(&self) -> usize {
        self.missing_vendor
            + self.missing_amount
            + self.missing_company_code
            + self.missing_due_date
            + self.missing_posting_date
            + self.negative_amount
            + self.due_before_posting
            + self.no_process_log
    }

    pub(super) fn count(&mut self, defect: Defect) {
        let slot = match defect {
            Defect::MissingVendor => &mut self.missing_vendor,
            Defect::MissingAmount => &mut self.missing_amount,
            Defect::MissingCompanyCode => &mut self.missing_company_code,
            Defect::MissingDueDate => &mut self.missing_due_date,
            Defect::MissingPostingDate => &mut self.missing_posting_date,
            Defect::NegativeAmount => &mut self.negative_amount,
            Defect::DueBeforePosting => &mut self.due_before_posting,
            Defect::NoProcessLog => &mut self.no_process_log,
        };
        *slot += 1;
    }
}

/// Applies a defect to a row; `credit_memo` is the document type code of credit
/// notes. [`Defect::NoProcessLog`] is applied to the log by the caller.
pub(super) fn apply(row: &mut RawPayable, defect: Defect, credit_memo: u16, rng: &mut ChaCha8Rng) {
    match defect {
        Defect::MissingVendor => row.vendor = None,
        Defect::MissingAmount => row.amount = None,
        Defect::MissingCompanyCode => row.company_code = None,
        Defect::MissingDueDate => row.due_date = None,
        Defect::MissingPostingDate => row.posting_date = None,
        Defect::NegativeAmount => {
            row.amount = row.amount.map(|a| -a);
            row.document_type = credit_memo;
        }
        Defect::DueBeforePosting => {
            row.due_date = row.posting_date.map(|p| p - Duration::days(rng.random_range(1..=30)))
        }
        Defect::NoProcessLog => {}
    }
}

/// The clean invoice, or the first cleaning rule the row fails.
fn clean_row(row: RawPayable, has_log: bool) -> Result<Payable, Defect> {
    let vendor = row.vendor.ok_or(Defect::MissingVendor)?;
    let amount = row.amount.ok_or(Defect::MissingAmount)?;
    let company_code = row.company_code.ok_or(Defect::MissingCompanyCode)?;
    let due_date = row.due_date.ok_or(Defect::MissingDueDate)?;
    let posting_date = row.posting_date.ok_or(Defect::MissingPostingDate)?;
    if amount < 0.0 {
        return Err(Defect::NegativeAmount);
    }
    if due_date < posting_date {
        return Err(Defect::DueBeforePosting);
    }
    if !has_log {
        return Err(Defect::NoProcessLog);
    }
    Ok(Payable {
        invoice_id: row.invoice_id,
        vendor,
        company_code,
        country: row.country,
        currency: row.currency,
        document_type: row.document_type,
        payment_terms: row.payment_terms,
        plant: row.plant,
        purchasing_group: row.purchasing_group,
        channel: row.channel,
        urgent: row.urgent,
        amount,
        posting_date,
        due_date,
        cleared_date: row.cleared_date,
    })
}

impl RawPayables {
    /// Applies study 2's cleaning rules (see the module docs for their order)
    /// and validates the result.
    ///
    /// Returns the clean table and how many rows each rule dropped, each dropped
    /// row counted once, under the first rule it fails. Fails if what is left
    /// breaks a [`PayablesTable`] invariant (for instance a non-finite amount or
    /// an unsorted log), naming the row and column.
    pub fn clean(self) -> Result<(PayablesTable, CleaningCounts), DataError> {
        let logged = sorted_ids(self.events.iter().map(|e| e.invoice_id));
        let mut counts = CleaningCounts { raw: self.invoices.len(), ..CleaningCounts::default() };
        let mut kept = Vec::with_capacity(self.invoices.len());
        for row in self.invoices {
            let has_log = logged.binary_search(&row.invoice_id).is_ok();
            match clean_row(row, has_log) {
                Ok(payable) => kept.push(payable),
                Err(defect) => counts.count(defect),
            }
        }
        counts.kept = kept.len();
        let kept_ids = sorted_ids(kept.iter().map(|p| p.invoice_id));
        let mut events = self.events;
        events.retain(|e| kept_ids.binary_search(&e.invoice_id).is_ok());
        let table = PayablesTable::new(kept, self.categories, events, self.snapshot_date)?;
        Ok((table, counts))
    }
}

/// The distinct ids, sorted (cheap when they come sorted, as by convention).
fn sorted_ids(ids: impl Iterator<Item = u64>) -> Vec<u64> {
    let mut ids: Vec<u64> = ids.collect();
    ids.dedup();
    if !ids.is_sorted() {
        ids.sort_unstable();
        ids.dedup();
    }
    ids
}
