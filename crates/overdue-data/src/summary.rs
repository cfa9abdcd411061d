//! What a table holds, in a few numbers: the view `overdue inspect` prints.

use std::collections::HashSet;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{InvoiceTable, LATE_AFTER_DAYS, OutcomeCounts};

/// Counts, dates and the late share of an invoice table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSummary {
    /// Invoices.
    pub invoices: usize,
    /// Distinct customers.
    pub customers: usize,
    /// Distinct contracts.
    pub contracts: usize,
    /// Country names, sorted.
    pub countries: Vec<String>,
    /// Earliest invoice date (`None` for an empty table).
    pub first_invoice_date: Option<NaiveDate>,
    /// Latest invoice date.
    pub last_invoice_date: Option<NaiveDate>,
    /// The snapshot date.
    pub snapshot_date: NaiveDate,
    /// Invoices still open at the snapshot.
    pub open: usize,
    /// Outcomes as known the day after the snapshot.
    pub outcomes: OutcomeCounts,
    /// Sum of amounts.
    pub total_amount: f64,
}

impl TableSummary {
    /// Summarises a table.
    pub fn of(table: &InvoiceTable) -> Self {
        let invoices = table.invoices();
        let distinct = |key: fn(&crate::Invoice) -> u32| invoices.iter().map(key).collect::<HashSet<_>>().len();
        Self {
            invoices: invoices.len(),
            customers: distinct(|i| i.customer_id),
            contracts: distinct(|i| i.contract_id),
            countries: {
                let mut countries = table.countries().to_vec();
                countries.sort();
                countries
            },
            first_invoice_date: invoices.iter().map(|i| i.invoice_date).min(),
            last_invoice_date: invoices.iter().map(|i| i.invoice_date).max(),
            snapshot_date: table.snapshot_date(),
            open: invoices.iter().filter(|i| i.settled_date.is_none()).count(),
            outcomes: table.outcome_counts(),
            total_amount: invoices.iter().map(|i| i.amount).sum(),
        }
    }
}

impl fmt::Display for TableSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = |d: Option<NaiveDate>| d.map_or("-".to_string(), |d| d.to_string());
        let o = &self.outcomes;
        writeln!(f, "invoices:        {}", self.invoices)?;
        writeln!(f, "customers:       {}", self.customers)?;
        writeln!(f, "contracts:       {}", self.contracts)?;
        writeln!(f, "countries:       {} ({})", self.countries.len(), self.countries.join(", "))?;
        writeln!(f, "invoice dates:   {} to {}", date(self.first_invoice_date), date(self.last_invoice_date))?;
        writeln!(f, "snapshot date:   {}", self.snapshot_date)?;
        writeln!(f, "open invoices:   {}", self.open)?;
        writeln!(f, "total amount:    {:.2}", self.total_amount)?;
        writeln!(
            f,
            "late share:      {:.1}% (paid more than {LATE_AFTER_DAYS} days after due: {} late, {} on time, {} not yet known)",
            100.0 * o.late_share(),
            o.late,
            o.on_time,
            o.unknown
        )
    }
}
