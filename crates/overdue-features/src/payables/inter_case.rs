//! Groups 1 and 2, inter-case: what the other invoices in the system were doing
//! at the moment (urgent invoices competing for the same people, and load).
//!
//! Everything here is a count of facts dated before the moment's day, so each
//! is a difference of per-day prefix sums: one pass to build them, O(1) per row.

use crate::calendar::day_number;
use chrono::{Duration, NaiveDate};
use overdue_data::{Payable, PayablesTable};

use super::columns::RowWriter;
use super::process::EventIndex;

/// Days ahead that make an open invoice "due soon" (study 2: due in 1–2 days).
const DUE_SOON_DAYS: [i64; 2] = [1, 2];

/// Names of the group's columns; `lifetime` adds the count over the invoice's
/// life so far (empty at posting, so left out there).
pub(super) fn names(lifetime: bool) -> Vec<String> {
    let mut names = vec!["due_soon_open", "urgent_open"];
    if lifetime {
        names.push("urgent_posted_since_posting");
    }
    names.extend(["open_invoices", "open_invoice_actions"]);
    names.into_iter().map(String::from).collect()
}

/// [`crate::calendar::day_number`], widened for the prefix arithmetic.
fn day(date: NaiveDate) -> i64 {
    i64::from(day_number(date))
}

/// How many things happened before each day: `before(d)` counts those dated
/// strictly before `d`.
struct DailyCounts {
    /// Day number of the first day counted.
    first: i64,
    /// `prefix[j]`: the count dated before `first + j` days.
    prefix: Vec<u64>,
}

impl DailyCounts {
    /// Counts `(date, weight)` items over days `first..first + days`.
    fn new(first: NaiveDate, days: usize, items: impl Iterator<Item = (NaiveDate, u64)>) -> Self {
        let first = day(first);
        let mut prefix = vec![0u64; days + 1];
        for (date, weight) in items {
            let j = (day(date) - first).clamp(0, days as i64 - 1) as usize;
            prefix[j + 1] += weight;
        }
        for j in 1..prefix.len() {
            prefix[j] += prefix[j - 1];
        }
        Self { first, prefix }
    }

    fn before(&self, date: NaiveDate) -> u64 {
        let j = (day(date) - self.first).clamp(0, self.prefix.len() as i64 - 1);
        self.prefix[j as usize]
    }
}

/// Whether `invoice` is in the system at the start of day `moment`: posted
/// before it and not cleared before it.
pub(super) fn is_open_at(invoice: &Payable, moment: NaiveDate) -> bool {
    invoice.posting_date < moment && invoice.cleared_date.is_none_or(|cleared| cleared >= moment)
}

/// The per-day counts of a table.
pub(super) struct InterCase {
    posted: DailyCounts,
    cleared: DailyCounts,
    urgent_posted: DailyCounts,
    urgent_cleared: DailyCounts,
    /// Events by the day they started.
    events_started: DailyCounts,
    /// Events of each invoice, all counted on its clearing day (by then all
    /// of them had started).
    events_cleared: DailyCounts,
    /// Day number of `due_soon[0]`.
    first: i64,
    /// `due_soon[j]`: invoices open at the start of day `first + j` and due 1 or 2 days later.
    due_soon: Vec<u32>,
}

impl InterCase {
    /// Counts over the whole table; queries are answered for any day.
    pub(super) fn new(table: &PayablesTable, events: &EventIndex<'_>) -> Self {
        let invoices = table.invoices();
        let first = invoices.iter().map(|i| i.posting_date).min().unwrap_or(table.snapshot_date());
        let last = invoices.iter().map(|i| i.due_date).max().unwrap_or(first).max(table.snapshot_date());
        let days = (last - first).num_days() as usize + DUE_SOON_DAYS[1] as usize + 2;
        let counts = |items: &mut dyn Iterator<Item = (NaiveDate, u64)>| DailyCounts::new(first, days, items);
        let urgent = || invoices.iter().filter(|i| i.urgent);
        let cleared = |i: &Payable| i.cleared_date.map(|c| (c, 1));
        Self {
            posted: counts(&mut invoices.iter().map(|i| (i.posting_date, 1))),
            cleared: counts(&mut invoices.iter().filter_map(cleared)),
            urgent_posted: counts(&mut urgent().map(|i| (i.posting_date, 1))),
            urgent_cleared: counts(&mut urgent().filter_map(cleared)),
            events_started: counts(&mut table.events().iter().map(|e| (e.start.date(), 1))),
            events_cleared: counts(
                &mut invoices
                    .iter()
                    .enumerate()
                    .filter_map(|(k, i)| Some((i.cleared_date?, events.of(k).len() as u64))),
            ),
            first: day(first),
            due_soon: due_soon_by_day(invoices, first, days),
        }
    }

    /// Writes the group for invoice `invoice` at `moment`; `own_events` is the
    /// number of its own events that started before the moment.
    pub(super) fn write(
        &self,
        invoice: &Payable,
        moment: NaiveDate,
        own_events: usize,
        lifetime: bool,
        row: &mut RowWriter<'_>,
    ) {
        // The invoice itself is never one of the "other" invoices.
        let own_open = u64::from(is_open_at(invoice, moment));
        let own_due_soon = DUE_SOON_DAYS.iter().any(|&d| invoice.due_date == moment + Duration::days(d));
        let due_soon = self.due_soon_at(moment) - u64::from(own_due_soon) * own_open;
        let urgent_open = self.urgent_posted.before(moment) - self.urgent_cleared.before(moment);
        row.push(due_soon as f64);
        row.push((urgent_open - u64::from(invoice.urgent) * own_open) as f64);
        if lifetime {
            let since = self.urgent_posted.before(moment) - self.urgent_posted.before(invoice.posting_date);
            let own = u64::from(invoice.urgent && invoice.posting_date < moment);
            row.push((since - own) as f64);
        }
        let open = self.posted.before(moment) - self.cleared.before(moment);
        row.push((open - own_open) as f64);
        let open_actions = self.events_started.before(moment) - self.events_cleared.before(moment);
        row.push((open_actions - own_events as u64) as f64);
    }

    fn due_soon_at(&self, moment: NaiveDate) -> u64 {
        let j = day(moment) - self.first;
        usize::try_from(j).ok().and_then(|j| self.due_soon.get(j)).map_or(0, |&n| u64::from(n))
    }
}

/// For each day, the invoices open at its start and due 1 or 2 days later:
/// each invoice is looked at on the two days it could count, so 2n steps.
fn due_soon_by_day(invoices: &[Payable], first: NaiveDate, days: usize) -> Vec<u32> {
    let mut counts = vec![0u32; days];
    for invoice in invoices {
        for ahead in DUE_SOON_DAYS {
            let day = invoice.due_date - Duration::days(ahead);
            let Ok(j) = usize::try_from((day - first).num_days()) else { continue };
            if j < days && is_open_at(invoice, day) {
                counts[j] += 1;
            }
        }
    }
    counts
}
