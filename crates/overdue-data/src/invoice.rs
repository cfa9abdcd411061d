//! The invoice table and the one definition of "late".

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::DataError;

/// An invoice is late when it was paid more than this many days after its due
/// date (the studies' definition: the 5 days cover payment processing).
pub const LATE_AFTER_DAYS: i64 = 5;

/// One accounts-receivable invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    /// Unique invoice identifier.
    pub invoice_id: u64,
    /// The customer who owes the invoice.
    pub customer_id: u32,
    /// The contract the invoice belongs to.
    pub contract_id: u32,
    /// Index into [`InvoiceTable::countries`].
    pub country: u16,
    /// Customer credit rating at issue, 1 (best) to 5 (worst).
    pub credit_rating: u8,
    /// Invoice amount in a single currency.
    pub amount: f64,
    /// Date the invoice was issued: its prediction moment.
    pub invoice_date: NaiveDate,
    /// Date payment is due.
    pub due_date: NaiveDate,
    /// Date it was paid, or `None` when still open at the snapshot date.
    pub settled_date: Option<NaiveDate>,
}

/// What is known about an invoice's lateness at some date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Paid within [`LATE_AFTER_DAYS`] of the due date.
    OnTime,
    /// Paid later than that, or still unpaid that long after the due date.
    Late,
    /// Still open and not yet late: the label is not known.
    Unknown,
}

impl Invoice {
    /// The outcome as known at the start of day `as_of`.
    ///
    /// A settlement on or after `as_of` is not yet known. An open invoice is known
    /// to be late from the start of day `due_date + LATE_AFTER_DAYS + 1`: any
    /// settlement from then on is late. Open invoices that are not yet late are `Unknown`, never
    /// silently on time.
    pub fn outcome_as_of(&self, as_of: NaiveDate) -> Outcome {
        let late_from = self.due_date + Duration::days(LATE_AFTER_DAYS + 1);
        match self.settled_date {
            Some(settled) if settled < as_of => {
                if settled >= late_from {
                    Outcome::Late
                } else {
                    Outcome::OnTime
                }
            }
            _ if as_of >= late_from => Outcome::Late,
            _ => Outcome::Unknown,
        }
    }

    /// The first day from whose start the outcome is known: the day after the
    /// settlement, or the first late day (`due_date + LATE_AFTER_DAYS + 1`)
    /// if that comes first. From then on [`Invoice::outcome_as_of`] is never
    /// `Unknown` and never changes; a time split uses it to purge training
    /// rows whose label was not yet known when the next part starts.
    pub fn outcome_known_from(&self) -> NaiveDate {
        let late_from = self.due_date + Duration::days(LATE_AFTER_DAYS + 1);
        self.settled_date.map_or(late_from, |settled| (settled + Duration::days(1)).min(late_from))
    }

    /// Days between due date and settlement (negative when paid early).
    pub fn days_late(&self) -> Option<i64> {
        self.settled_date.map(|s| (s - self.due_date).num_days())
    }

    /// Payment terms: days from issue to due date.
    pub fn terms_days(&self) -> i64 {
        (self.due_date - self.invoice_date).num_days()
    }
}

/// A validated set of invoices observed at a snapshot date.
///
/// Invariants (checked by [`InvoiceTable::new`]): invoice ids are unique, amounts
/// are finite and non-negative, `invoice_date <= due_date`, a settlement is not
/// before the invoice date nor after the snapshot, nothing is dated after the
/// snapshot, and country indices are valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceTable {
    invoices: Vec<Invoice>,
    countries: Vec<String>,
    snapshot_date: NaiveDate,
}

impl InvoiceTable {
    /// Validates and wraps invoices. Errors name the offending row and column.
    pub fn new(invoices: Vec<Invoice>, countries: Vec<String>, snapshot_date: NaiveDate) -> Result<Self, DataError> {
        let mut ids = std::collections::HashSet::with_capacity(invoices.len());
        for (row, inv) in invoices.iter().enumerate() {
            let bad = |column: &'static str, reason: String| DataError::InvalidRow { row, column, reason };
            if !ids.insert(inv.invoice_id) {
                return Err(bad("invoice_id", format!("duplicate id {}", inv.invoice_id)));
            }
            if !inv.amount.is_finite() || inv.amount < 0.0 {
                return Err(bad("amount", format!("{} is not a finite non-negative amount", inv.amount)));
            }
            if usize::from(inv.country) >= countries.len() {
                return Err(bad("country", format!("index {} but only {} countries", inv.country, countries.len())));
            }
            if inv.invoice_date > snapshot_date {
                return Err(bad("invoice_date", format!("{} is after the snapshot {snapshot_date}", inv.invoice_date)));
            }
            if inv.due_date < inv.invoice_date {
                return Err(bad(
                    "due_date",
                    format!("{} is before the invoice date {}", inv.due_date, inv.invoice_date),
                ));
            }
            if let Some(settled) = inv.settled_date {
                if settled < inv.invoice_date {
                    return Err(bad(
                        "settled_date",
                        format!("{settled} is before the invoice date {}", inv.invoice_date),
                    ));
                }
                if settled > snapshot_date {
                    return Err(bad("settled_date", format!("{settled} is after the snapshot {snapshot_date}")));
                }
            }
        }
        Ok(Self { invoices, countries, snapshot_date })
    }

    /// The invoices, in the order given.
    pub fn invoices(&self) -> &[Invoice] {
        &self.invoices
    }

    /// Country names; [`Invoice::country`] indexes this list.
    pub fn countries(&self) -> &[String] {
        &self.countries
    }

    /// The date at which the table was observed: settlements after it are unknown.
    pub fn snapshot_date(&self) -> NaiveDate {
        self.snapshot_date
    }

    /// Number of invoices.
    pub fn len(&self) -> usize {
        self.invoices.len()
    }

    /// Whether the table holds no invoice.
    pub fn is_empty(&self) -> bool {
        self.invoices.is_empty()
    }

    /// Counts of outcomes as known at the day after the snapshot.
    pub fn outcome_counts(&self) -> OutcomeCounts {
        let as_of = self.snapshot_date + Duration::days(1);
        let mut counts = OutcomeCounts::default();
        for inv in &self.invoices {
            match inv.outcome_as_of(as_of) {
                Outcome::OnTime => counts.on_time += 1,
                Outcome::Late => counts.late += 1,
                Outcome::Unknown => counts.unknown += 1,
            }
        }
        counts
    }
}

/// How many invoices of a table have each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCounts {
    /// Paid on time.
    pub on_time: usize,
    /// Paid late or known to be late.
    pub late: usize,
    /// Open and not yet late.
    pub unknown: usize,
}

impl OutcomeCounts {
    /// Share of late invoices among those with a known outcome.
    pub fn late_share(&self) -> f64 {
        let known = self.on_time + self.late;
        if known == 0 { 0.0 } else { self.late as f64 / known as f64 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn invoice(due: &str, settled: Option<&str>) -> Invoice {
        Invoice {
            invoice_id: 1,
            customer_id: 1,
            contract_id: 1,
            country: 0,
            credit_rating: 3,
            amount: 100.0,
            invoice_date: date("2018-01-01"),
            due_date: date(due),
            settled_date: settled.map(date),
        }
    }

    #[test]
    fn paid_five_days_after_due_is_on_time_and_six_is_late() {
        let as_of = date("2018-12-31");
        assert_eq!(invoice("2018-02-01", Some("2018-02-06")).outcome_as_of(as_of), Outcome::OnTime);
        assert_eq!(invoice("2018-02-01", Some("2018-02-07")).outcome_as_of(as_of), Outcome::Late);
    }

    #[test]
    fn the_outcome_is_known_from_the_first_day_outcome_as_of_is_not_unknown() {
        let cases = [
            invoice("2018-02-01", Some("2018-01-20")),
            invoice("2018-02-01", Some("2018-02-06")),
            invoice("2018-02-01", Some("2018-02-07")),
            invoice("2018-02-01", Some("2018-03-15")),
            invoice("2018-02-01", None),
        ];
        for inv in &cases {
            let known_from = inv.outcome_known_from();
            assert_ne!(inv.outcome_as_of(known_from), Outcome::Unknown, "{inv:?}");
            assert_eq!(inv.outcome_as_of(known_from - Duration::days(1)), Outcome::Unknown, "{inv:?}");
            let later = inv.outcome_as_of(known_from + Duration::days(400));
            assert_eq!(inv.outcome_as_of(known_from), later, "never changes: {inv:?}");
        }
        assert_eq!(cases[3].outcome_known_from(), date("2018-02-07"), "late is known before the payment");
    }

    #[test]
    fn a_settlement_on_or_after_the_as_of_date_is_not_yet_known() {
        let inv = invoice("2018-02-01", Some("2018-02-03"));
        assert_eq!(inv.outcome_as_of(date("2018-02-03")), Outcome::Unknown);
        assert_eq!(inv.outcome_as_of(date("2018-02-04")), Outcome::OnTime);
    }

    #[test]
    fn an_open_invoice_becomes_known_late_only_once_it_cannot_be_on_time() {
        let open = invoice("2018-02-01", None);
        assert_eq!(open.outcome_as_of(date("2018-02-06")), Outcome::Unknown);
        assert_eq!(open.outcome_as_of(date("2018-02-07")), Outcome::Late);
    }

    #[test]
    fn validation_names_the_row_and_column() {
        let mut bad = invoice("2017-12-01", None);
        bad.invoice_id = 2;
        let err = InvoiceTable::new(vec![invoice("2018-02-01", None), bad], vec!["AR".into()], date("2018-06-01"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("row 1") && err.contains("due_date"), "{err}");
    }
}
