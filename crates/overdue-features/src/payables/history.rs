//! Group 4 (history) and the historical encoding of the categorical columns:
//! outcomes known before the moment, counted per value.
//!
//! An invoice's outcome becomes known on one day and never changes after it
//! (see [`known_outcome`]). Rows are visited in time order while a pointer
//! walks the invoices in the order their outcomes became known, adding each
//! to the counters of its nine categorical values, its vendor's recent outcomes
//! and the global totals: one pass over both lists, O(1) per row and column.

use chrono::{Duration, NaiveDate};
use overdue_data::{Categories, Outcome, PAYABLES_LATE_AFTER_DAYS, Payable, PayablesTable};

use super::columns::{RowWriter, share};

/// Recency windows over a vendor's last known outcomes (study 2: 3 and 5).
const RECENT: [u32; 2] = [3, 5];

/// The five columns of the historical encoding of one categorical column.
const ENCODING_COLUMNS: [&str; 5] = ["n1", "late", "late_share", "on_time", "on_time_share"];

/// The four columns of a vendor recency window.
const RECENT_COLUMNS: [&str; 4] = ["late", "late_share", "on_time", "on_time_share"];

/// Names of the history group: global totals, the vendor's encoding and its
/// recency windows.
pub(super) fn names() -> Vec<String> {
    let mut names: Vec<String> = ["all_late", "all_on_time", "all_late_share"].map(String::from).to_vec();
    names.extend(encoding_names(Categories::NAMES[VENDOR]));
    for n in RECENT {
        names.extend(RECENT_COLUMNS.iter().map(|c| format!("vendor_last{n}_{c}")));
    }
    names
}

/// Names of the historical encoding of every categorical column but the
/// vendor, which the history group already encodes.
pub(super) fn category_names() -> Vec<String> {
    Categories::NAMES.iter().skip(1).flat_map(|column| encoding_names(column)).collect()
}

fn encoding_names(column: &str) -> impl Iterator<Item = String> + '_ {
    ENCODING_COLUMNS.iter().map(move |c| format!("{column}_{c}"))
}

/// Index of the vendor among [`Categories::NAMES`].
const VENDOR: usize = 0;

/// The day an invoice's outcome becomes known and what it is, if it ever
/// becomes known by `label_date`.
///
/// Known from the start of the day after its clearing when it was cleared by
/// its due date (on time), otherwise from the start of the first day past
/// its due date (late, whenever it is cleared later): the first day on which
/// [`Payable::outcome_as_of`] is not `Unknown`. The outcome never changes
/// afterwards.
pub(super) fn known_outcome(invoice: &Payable, label_date: NaiveDate) -> Option<(NaiveDate, bool)> {
    let late_from = invoice.due_date + Duration::days(PAYABLES_LATE_AFTER_DAYS + 1);
    let known_from = match invoice.cleared_date {
        Some(cleared) => (cleared + Duration::days(1)).min(late_from),
        None => late_from,
    };
    if known_from > label_date {
        return None;
    }
    match invoice.outcome_as_of(known_from) {
        Outcome::Late => Some((known_from, true)),
        Outcome::OnTime => Some((known_from, false)),
        Outcome::Unknown => None,
    }
}

/// Late and on-time counts.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    late: u32,
    on_time: u32,
}

impl Tally {
    fn add(&mut self, late: bool) {
        if late {
            self.late += 1;
        } else {
            self.on_time += 1;
        }
    }

    fn known(self) -> u32 {
        self.late + self.on_time
    }

    /// `n1`, late count and share, on-time count and share.
    fn write(self, row: &mut RowWriter<'_>) {
        row.push(f64::from(self.known()));
        self.write_shares(row);
    }

    fn write_shares(self, row: &mut RowWriter<'_>) {
        row.push_count_and_share(self.late, self.known());
        row.push_count_and_share(self.on_time, self.known());
    }
}

/// A vendor's most recent outcomes, newest in the lowest bit.
#[derive(Debug, Clone, Copy, Default)]
struct Recent {
    bits: u8,
    count: u32,
}

impl Recent {
    fn add(&mut self, late: bool) {
        self.bits = ((self.bits << 1) | u8::from(late)) & 0b1_1111;
        self.count += 1;
    }

    /// The tally of the last `n` (at most 5) outcomes.
    fn last(self, n: u32) -> Tally {
        let known = self.count.min(n);
        let late = (self.bits & ((1u8 << n) - 1)).count_ones();
        Tally { late, on_time: known - late }
    }
}

/// The counters as of the current moment, moved forward by [`Self::advance_to`].
pub(super) struct OutcomeHistory<'a> {
    invoices: &'a [Payable],
    /// `(known from, invoice row, late)`, by day, then by invoice id.
    known: Vec<(NaiveDate, usize, bool)>,
    next: usize,
    all: Tally,
    /// One tally per value of each categorical column.
    by_value: [Vec<Tally>; 9],
    recent: Vec<Recent>,
}

impl<'a> OutcomeHistory<'a> {
    /// Counters before any outcome is known; `known[i]` is the
    /// [`known_outcome`] of invoice row `i`.
    pub(super) fn new(table: &'a PayablesTable, known: &[Option<(NaiveDate, bool)>]) -> Self {
        let invoices = table.invoices();
        let mut known: Vec<(NaiveDate, usize, bool)> =
            known.iter().enumerate().filter_map(|(row, outcome)| outcome.map(|(day, late)| (day, row, late))).collect();
        // Rows ascend by invoice id, so (day, row) orders by day, then id.
        known.sort_unstable_by_key(|&(day, row, _)| (day, row));
        let by_value = table.categories().columns().map(|(_, values)| vec![Tally::default(); values.len()]);
        let recent = vec![Recent::default(); table.categories().vendors.len()];
        Self { invoices, known, next: 0, all: Tally::default(), by_value, recent }
    }

    /// Counts every outcome known at the start of day `moment` (moments must not decrease).
    pub(super) fn advance_to(&mut self, moment: NaiveDate) {
        while let Some(&(day, row, late)) = self.known.get(self.next) {
            if day > moment {
                break;
            }
            let codes = self.invoices[row].category_codes();
            for (tallies, code) in self.by_value.iter_mut().zip(codes) {
                tallies[code].add(late);
            }
            self.all.add(late);
            self.recent[codes[VENDOR]].add(late);
            self.next += 1;
        }
    }

    /// Writes the history group for `invoice`.
    pub(super) fn write(&self, invoice: &Payable, row: &mut RowWriter<'_>) {
        row.push(f64::from(self.all.late));
        row.push(f64::from(self.all.on_time));
        row.push(share(self.all.late, self.all.known()));
        let vendor = invoice.vendor as usize;
        self.by_value[VENDOR][vendor].write(row);
        for n in RECENT {
            self.recent[vendor].last(n).write_shares(row);
        }
    }

    /// Writes the historical encoding of every categorical column but the vendor.
    pub(super) fn write_categories(&self, invoice: &Payable, row: &mut RowWriter<'_>) {
        let codes = invoice.category_codes();
        for (tallies, code) in self.by_value.iter().zip(codes).skip(1) {
            tallies[code].write(row);
        }
    }
}
