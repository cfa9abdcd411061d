//! The payables tables: the raw export (with the study's missing values), the
//! process event log, the clean validated table, and the payables label.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::CleaningCounts;
use crate::{DataError, Outcome, OutcomeCounts};

/// A payable is late when it was cleared more than this many days after its due
/// date: zero, so **any** clearing after the due date is late.
///
/// This differs on purpose from the receivables label ([`crate::LATE_AFTER_DAYS`],
/// five days of grace). In receivables the money travels from the customer
/// through banks before it is booked, and the grace covers that processing. In
/// payables the company is the payer: it chooses the payment run and the clearing
/// date is the day it pays, so study 2 counts an invoice "paid late" as soon as
/// it is cleared after its due date.
pub const PAYABLES_LATE_AFTER_DAYS: i64 = 0;

/// The type of a step in an invoice's processing (SAP VIM style).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Action {
    /// The invoice enters the workflow on its posting date (system).
    Receive,
    /// A paper, fax or e-mailed PDF invoice is scanned and indexed.
    Scan,
    /// The invoice is checked against the purchase order and vendor master data.
    Validate,
    /// Validation found a mismatch: the validator raises an exception.
    Exception,
    /// Waiting for the vendor to clarify the mismatch (days, not minutes).
    Clarify,
    /// The budget owner approves the invoice.
    Approve,
    /// A second approval, for large amounts.
    SecondApprove,
    /// The approved invoice is released to the payment runs (VIM's "post" step).
    Release,
    /// A payment run pays the invoice: the clearing (system).
    Pay,
}

impl Action {
    /// Every action, in route order.
    pub const ALL: [Action; 9] = [
        Action::Receive,
        Action::Scan,
        Action::Validate,
        Action::Exception,
        Action::Clarify,
        Action::Approve,
        Action::SecondApprove,
        Action::Release,
        Action::Pay,
    ];

    /// A stable lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Action::Receive => "receive",
            Action::Scan => "scan",
            Action::Validate => "validate",
            Action::Exception => "exception",
            Action::Clarify => "clarify",
            Action::Approve => "approve",
            Action::SecondApprove => "second_approve",
            Action::Release => "release",
            Action::Pay => "pay",
        }
    }
}

/// Who performed an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Actor {
    /// The workflow system itself (arrival, payment runs).
    System,
    /// A user; each action type draws from its own pool of user ids.
    User(u16),
}

/// One entry of the process event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessEvent {
    /// The invoice acted on.
    pub invoice_id: u64,
    /// What was done.
    pub action: Action,
    /// Who did it.
    pub actor: Actor,
    /// When the action started.
    pub start: NaiveDateTime,
    /// When it ended (`start <= end`).
    pub end: NaiveDateTime,
}

/// The dictionaries of the nine categorical columns: an invoice's code in a
/// column indexes that column's list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Categories {
    /// Vendor names.
    pub vendors: Vec<String>,
    /// Company codes (the legal entities that owe the invoices).
    pub company_codes: Vec<String>,
    /// Vendor countries (ISO 3166 alpha-2).
    pub countries: Vec<String>,
    /// Invoice currencies (ISO 4217).
    pub currencies: Vec<String>,
    /// Document types (SAP style).
    pub document_types: Vec<String>,
    /// Payment terms keys; the world's terms say how many days each grants.
    pub payment_terms: Vec<String>,
    /// Receiving plants.
    pub plants: Vec<String>,
    /// Purchasing groups.
    pub purchasing_groups: Vec<String>,
    /// How the invoice arrived (paper, EDI, ...).
    pub channels: Vec<String>,
}

impl Categories {
    /// The column names, in the order of [`Categories::columns`].
    pub const NAMES: [&'static str; 9] = [
        "vendor",
        "company_code",
        "country",
        "currency",
        "document_type",
        "payment_terms",
        "plant",
        "purchasing_group",
        "channel",
    ];

    /// Each column's name with its dictionary.
    pub fn columns(&self) -> [(&'static str, &[String]); 9] {
        [
            (Self::NAMES[0], &self.vendors),
            (Self::NAMES[1], &self.company_codes),
            (Self::NAMES[2], &self.countries),
            (Self::NAMES[3], &self.currencies),
            (Self::NAMES[4], &self.document_types),
            (Self::NAMES[5], &self.payment_terms),
            (Self::NAMES[6], &self.plants),
            (Self::NAMES[7], &self.purchasing_groups),
            (Self::NAMES[8], &self.channels),
        ]
    }

    /// Distinct values over all nine columns (the study had about 1,885).
    pub fn total(&self) -> usize {
        self.columns().iter().map(|(_, values)| values.len()).sum()
    }
}

/// One row of the raw accounts-payable export. `None` marks a value missing in
/// the export, where the study found missing values; the other categorical
/// columns are always filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawPayable {
    /// Unique invoice identifier.
    pub invoice_id: u64,
    /// Index into [`Categories::vendors`].
    pub vendor: Option<u32>,
    /// Index into [`Categories::company_codes`].
    pub company_code: Option<u16>,
    /// Index into [`Categories::countries`].
    pub country: u16,
    /// Index into [`Categories::currencies`].
    pub currency: u16,
    /// Index into [`Categories::document_types`].
    pub document_type: u16,
    /// Index into [`Categories::payment_terms`].
    pub payment_terms: u16,
    /// Index into [`Categories::plants`].
    pub plant: u16,
    /// Index into [`Categories::purchasing_groups`].
    pub purchasing_group: u16,
    /// Index into [`Categories::channels`].
    pub channel: u16,
    /// Rated urgent: served first by every queue.
    pub urgent: bool,
    /// Amount in the invoice currency; negative for credit notes.
    pub amount: Option<f64>,
    /// Date the invoice was posted (entered the ledger and the workflow).
    pub posting_date: Option<NaiveDate>,
    /// Date payment is due.
    pub due_date: Option<NaiveDate>,
    /// Date it was cleared (paid), `None` when still open at the snapshot.
    pub cleared_date: Option<NaiveDate>,
}

/// The raw export: invoices, category dictionaries and the process event log,
/// before study 2's cleaning ([`RawPayables::clean`]).
///
/// Nothing is validated here; by convention invoices are in posting order with
/// ascending ids and events are sorted by `(invoice_id, start)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawPayables {
    /// The invoice rows.
    pub invoices: Vec<RawPayable>,
    /// Dictionaries of the nine categorical columns.
    pub categories: Categories,
    /// The process event log, sorted by `(invoice_id, start)`.
    pub events: Vec<ProcessEvent>,
    /// The date of the export: clearings and events after it are unknown.
    pub snapshot_date: NaiveDate,
    /// What the generator injected, by cleaning reason (ground truth a real
    /// export would not have: `None` there).
    pub injected: Option<CleaningCounts>,
}

/// One clean accounts-payable invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payable {
    /// Unique invoice identifier.
    pub invoice_id: u64,
    /// Index into [`Categories::vendors`].
    pub vendor: u32,
    /// Index into [`Categories::company_codes`].
    pub company_code: u16,
    /// Index into [`Categories::countries`].
    pub country: u16,
    /// Index into [`Categories::currencies`].
    pub currency: u16,
    /// Index into [`Categories::document_types`].
    pub document_type: u16,
    /// Index into [`Categories::payment_terms`].
    pub payment_terms: u16,
    /// Index into [`Categories::plants`].
    pub plant: u16,
    /// Index into [`Categories::purchasing_groups`].
    pub purchasing_group: u16,
    /// Index into [`Categories::channels`].
    pub channel: u16,
    /// Rated urgent.
    pub urgent: bool,
    /// Amount in the invoice currency, non-negative.
    pub amount: f64,
    /// Date the invoice was posted: its first prediction moment.
    pub posting_date: NaiveDate,
    /// Date payment is due.
    pub due_date: NaiveDate,
    /// Date it was cleared (paid), `None` when still open at the snapshot.
    pub cleared_date: Option<NaiveDate>,
}

impl Payable {
    /// The payables label as known at the start of day `as_of`.
    ///
    /// Late = cleared after the due date ([`PAYABLES_LATE_AFTER_DAYS`] = 0, no
    /// grace, unlike receivables). A clearing on or after `as_of` is not yet
    /// known. An open invoice is known to be late from the start of the day after
    /// its due date; open and not yet past due is `Unknown`.
    pub fn outcome_as_of(&self, as_of: NaiveDate) -> Outcome {
        let late_from = self.due_date + Duration::days(PAYABLES_LATE_AFTER_DAYS + 1);
        match self.cleared_date {
            Some(cleared) if cleared < as_of => {
                if cleared >= late_from {
                    Outcome::Late
                } else {
                    Outcome::OnTime
                }
            }
            _ if as_of >= late_from => Outcome::Late,
            _ => Outcome::Unknown,
        }
    }

    /// Days between due date and clearing (negative when paid early).
    pub fn days_late(&self) -> Option<i64> {
        self.cleared_date.map(|c| (c - self.due_date).num_days())
    }

    /// Days from posting to due date.
    pub fn terms_days(&self) -> i64 {
        (self.due_date - self.posting_date).num_days()
    }

    /// The nine categorical codes, in [`Categories::NAMES`] order: each
    /// indexes its column's dictionary.
    pub fn category_codes(&self) -> [usize; 9] {
        [
            self.vendor as usize,
            usize::from(self.company_code),
            usize::from(self.country),
            usize::from(self.currency),
            usize::from(self.document_type),
            usize::from(self.payment_terms),
            usize::from(self.plant),
            usize::from(self.purchasing_group),
            usize::from(self.channel),
        ]
    }
}

/// A clean, validated accounts-payable table with its process event log.
///
/// Invariants (checked by [`PayablesTable::new`]): invoice ids strictly
/// increase; every categorical code indexes its dictionary; amounts are finite
/// and non-negative; `posting_date <= due_date`; nothing is posted after the
/// snapshot; a clearing lies between the posting date and the snapshot. Events
/// are sorted by `(invoice_id, start)`, each belongs to an invoice of the table,
/// has `start <= end`, and lies between the start of its invoice's posting date
/// and the end of its clearing date (or of the snapshot date when open); every
/// invoice has at least one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayablesTable {
    invoices: Vec<Payable>,
    categories: Categories,
    events: Vec<ProcessEvent>,
    snapshot_date: NaiveDate,
}

impl PayablesTable {
    /// Validates and wraps a table. Errors name the offending invoice row and
    /// column (`events` for the log, the event's index in the reason); an event
    /// of no invoice is reported at its own index in the log.
    pub fn new(
        invoices: Vec<Payable>,
        categories: Categories,
        events: Vec<ProcessEvent>,
        snapshot_date: NaiveDate,
    ) -> Result<Self, DataError> {
        for (row, inv) in invoices.iter().enumerate() {
            let previous = row.checked_sub(1).map(|p| &invoices[p]);
            check_invoice(row, inv, previous, &categories, snapshot_date)?;
        }
        check_events(&invoices, &events, snapshot_date)?;
        Ok(Self { invoices, categories, events, snapshot_date })
    }

    /// The invoices, by ascending id.
    pub fn invoices(&self) -> &[Payable] {
        &self.invoices
    }

    /// The dictionaries of the categorical columns.
    pub fn categories(&self) -> &Categories {
        &self.categories
    }

    /// The whole event log, sorted by `(invoice_id, start)`.
    pub fn events(&self) -> &[ProcessEvent] {
        &self.events
    }

    /// The events of one invoice in time order (empty for an unknown id).
    pub fn events_of(&self, invoice_id: u64) -> &[ProcessEvent] {
        let from = self.events.partition_point(|e| e.invoice_id < invoice_id);
        let to = self.events.partition_point(|e| e.invoice_id <= invoice_id);
        &self.events[from..to]
    }

    /// The date of the snapshot: clearings and events after it are unknown.
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

    /// Counts of payables outcomes as known at the day after the snapshot.
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

fn check_invoice(
    row: usize,
    inv: &Payable,
    previous: Option<&Payable>,
    categories: &Categories,
    snapshot: NaiveDate,
) -> Result<(), DataError> {
    let bad = |column: &'static str, reason: String| Err(DataError::InvalidRow { row, column, reason });
    if let Some(prev) = previous
        && inv.invoice_id <= prev.invoice_id
    {
        return bad(
            "invoice_id",
            format!("{} does not follow {} (ids must increase)", inv.invoice_id, prev.invoice_id),
        );
    }
    for ((column, values), code) in categories.columns().into_iter().zip(inv.category_codes()) {
        if code >= values.len() {
            return bad(column, format!("code {code} but only {} values", values.len()));
        }
    }
    if !inv.amount.is_finite() || inv.amount < 0.0 {
        return bad("amount", format!("{} is not a finite non-negative amount", inv.amount));
    }
    if inv.posting_date > snapshot {
        return bad("posting_date", format!("{} is after the snapshot {snapshot}", inv.posting_date));
    }
    if inv.due_date < inv.posting_date {
        return bad("due_date", format!("{} is before the posting date {}", inv.due_date, inv.posting_date));
    }
    if let Some(cleared) = inv.cleared_date {
        if cleared < inv.posting_date {
            return bad("cleared_date", format!("{cleared} is before the posting date {}", inv.posting_date));
        }
        if cleared > snapshot {
            return bad("cleared_date", format!("{cleared} is after the snapshot {snapshot}"));
        }
    }
    Ok(())
}

fn check_events(invoices: &[Payable], events: &[ProcessEvent], snapshot: NaiveDate) -> Result<(), DataError> {
    // An event that does not belong where the walk below expects it.
    let stray = |index: usize| {
        let id = events[index].invoice_id;
        let reason = if invoices.binary_search_by_key(&id, |i| i.invoice_id).is_ok() {
            format!("event {index} (invoice {id}) is out of (invoice_id, start) order")
        } else {
            format!("event {index} refers to invoice {id}, which is not in the table")
        };
        Err(DataError::InvalidRow { row: index, column: "events.invoice_id", reason })
    };
    // Invoices and events both ascend by id: walk them together.
    let mut next = 0;
    for (row, inv) in invoices.iter().enumerate() {
        let bad = |reason: String| Err(DataError::InvalidRow { row, column: "events", reason });
        if next < events.len() && events[next].invoice_id < inv.invoice_id {
            return stray(next);
        }
        let from = next;
        while next < events.len() && events[next].invoice_id == inv.invoice_id {
            next += 1;
        }
        if from == next {
            return match events.iter().position(|e| e.invoice_id == inv.invoice_id) {
                Some(index) => bad(format!("event {index} is out of (invoice_id, start) order")),
                None => bad(format!("invoice {} has no process events", inv.invoice_id)),
            };
        }
        let opens = inv.posting_date.and_hms_opt(0, 0, 0).expect("midnight exists");
        // The end of the last day: midnight after the clearing (or the snapshot).
        let closes = inv.cleared_date.unwrap_or(snapshot).succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0));
        for index in from..next {
            let event = &events[index];
            let what = || format!("event {index} ({} {})", event.action.name(), event.start);
            if event.end < event.start {
                return bad(format!("{} ends at {}, before it starts", what(), event.end));
            }
            if index > from && event.start < events[index - 1].start {
                return bad(format!("{} starts before the event before it", what()));
            }
            if event.start < opens {
                return bad(format!("{} starts before the posting date {}", what(), inv.posting_date));
            }
            if closes.is_some_and(|closes| event.end >= closes) {
                let until = inv.cleared_date.map_or(format!("the snapshot {snapshot}"), |c| format!("clearing {c}"));
                return bad(format!("{} ends at {} after {until}", what(), event.end));
            }
        }
    }
    if next < events.len() {
        return stray(next);
    }
    Ok(())
}
