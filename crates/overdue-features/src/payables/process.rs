//! Group 5, process state: the invoice's own event log up to the moment.

use chrono::NaiveDate;
use overdue_data::{Action, PayablesTable, ProcessEvent};

use super::columns::RowWriter;

/// The process-state columns, before the latest action's indicators.
const COLUMNS: [&str; 3] = ["actions_so_far", "exceptions_so_far", "days_since_last_action"];

/// Names of the group's columns.
pub(super) fn names() -> Vec<String> {
    COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(Action::ALL.iter().map(|a| format!("latest_action_{}", a.name())))
        .collect()
}

/// Each invoice's slice of the event log, found once in one walk.
pub(super) struct EventIndex<'a> {
    events: &'a [ProcessEvent],
    /// `offsets[i]..offsets[i + 1]`: the events of invoice row `i`.
    offsets: Vec<usize>,
}

impl<'a> EventIndex<'a> {
    /// Indexes the log of `table` (sorted by invoice id, like the invoices).
    pub(super) fn new(table: &'a PayablesTable) -> Self {
        let events = table.events();
        let mut offsets = Vec::with_capacity(table.len() + 1);
        let mut next = 0;
        for invoice in table.invoices() {
            // Both ascend by invoice id: a linear walk, each event stepped over once.
            while next < events.len() && events[next].invoice_id < invoice.invoice_id {
                next += 1;
            }
            offsets.push(next);
        }
        // A valid table has no event of an unknown invoice, so each invoice's
        // events end where the next invoice's begin.
        offsets.push(events.len());
        Self { events, offsets }
    }

    /// All events of invoice row `i`, in time order.
    pub(super) fn of(&self, i: usize) -> &'a [ProcessEvent] {
        &self.events[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The events of invoice row `i` that started before day `moment`.
    pub(super) fn started_before(&self, i: usize, moment: NaiveDate) -> &'a [ProcessEvent] {
        let events = self.of(i);
        &events[..events.partition_point(|e| e.start.date() < moment)]
    }
}

/// Writes the process state of an invoice whose events before the moment are `so_far`.
pub(super) fn write(so_far: &[ProcessEvent], moment: NaiveDate, row: &mut RowWriter<'_>) {
    let exceptions = so_far.iter().filter(|e| e.action == Action::Exception).count();
    let latest = so_far.last();
    row.push(so_far.len() as f64);
    row.push(exceptions as f64);
    row.push(latest.map_or(0.0, |e| (moment - e.start.date()).num_days() as f64));
    let hot = latest.map(|e| Action::ALL.iter().position(|&a| a == e.action).expect("every action is listed"));
    row.one_hot(Action::ALL.len(), hot);
}
