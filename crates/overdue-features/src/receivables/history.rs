//! The history columns of every row for one window, in one sweep forward in
//! time.
//!
//! A row's window holds its customer's invoices issued in `[start, t)`. The
//! next row of the same customer, at a later `t'`, sees the same window moved
//! forward, so instead of rescanning it the sweep keeps each customer's
//! running totals and updates them on four kinds of event, each applied
//! once per invoice:
//!
//! * **issued**: an invoice issued before `t` enters the window, outstanding;
//! * **past due**: from the day after its due date it is late outstanding;
//! * **settled**: from the day after its settlement it is paid;
//! * **left**: once it was issued before the window's start it leaves.
//!
//! Before answering at `t`, every event dated before `t` is applied (issued
//! first, leaving last), so a row sees exactly the as-of state of the crate
//! documentation, and nothing dated `t` or later. The cost is linear in the
//! invoices and rows, whatever a customer's size; a rescan is quadratic in a
//! large customer's invoices.
//!
//! The sweep goes customer by customer (each customer's rows in time
//! order), not row by row in global time order: a customer's invoices then
//! stay in cache from one row to the next, and chunks of customers are
//! swept in parallel. The output goes, in the same order, to a list that
//! is then gathered into the matrix in row order ([`CustomerStreams::sweep`]).
//!
//! Counts and day sums are integers and amounts are exact fixed point
//! ([`AmountScale`]), so every total is exact whatever the order of events.

use chrono::NaiveDate;
use overdue_data::{Invoice, LATE_AFTER_DAYS};
use rayon::prelude::*;

use std::ops::{Range, RangeInclusive};

use super::exact_amount::AmountScale;
use super::{HISTORY_COLUMNS, HistoryWindow};
use crate::calendar::day_number;

/// What the sweep needs of one invoice, in its customer's issue order.
#[derive(Debug, Clone, Copy)]
struct HistoryInvoice {
    amount: i128,
    issued: i32,
    due: i32,
    /// The settlement day; `i32::MAX` while open.
    settled: i32,
    /// The invoice's contract, numbered from 0 within its customer.
    contract: u32,
}

impl HistoryInvoice {
    /// Paid late: settled more than [`LATE_AFTER_DAYS`] after its due date.
    fn paid_late(&self) -> bool {
        i64::from(self.settled) - i64::from(self.due) > LATE_AFTER_DAYS
    }
}

/// Every customer's invoices as the event streams of the sweep, and the
/// rows to answer, shared by all windows.
///
/// Lists grouped by customer keep each group contiguous; `*_starts[g]` is
/// where group `g` starts (one extra entry closes the last group). Positions
/// are counted from the start of the group.
pub(super) struct CustomerStreams {
    scale: AmountScale,
    /// Invoices grouped by customer, each group in issue order.
    by_issue: Vec<HistoryInvoice>,
    group_starts: Vec<u32>,
    /// Each group's invoices by due date (grouped like `by_issue`).
    by_due: Vec<u32>,
    /// Each group's settled invoices by settlement date.
    by_settlement: Vec<u32>,
    settlement_starts: Vec<u32>,
    /// Each group's contracts are numbered from 0; the group's count.
    contract_counts: Vec<u32>,
    /// The prediction days of the rows to answer, grouped by customer, each
    /// group in time order.
    row_days: Vec<i32>,
    row_starts: Vec<u32>,
    /// Per output row, its position in `row_days`.
    position_of_row: Vec<u32>,
    /// The first and last prediction day of the rows.
    row_day_span: RangeInclusive<i32>,
    /// Where each parallel chunk of a sweep starts, as a group index (one
    /// extra entry closes the last chunk).
    chunk_starts: Vec<u32>,
}

/// The range of group `group` in a list grouped by `starts`.
fn group_range(starts: &[u32], group: usize) -> Range<usize> {
    starts[group] as usize..starts[group + 1] as usize
}

/// Group boundaries from a count per group.
fn starts_from_counts(counts: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut starts = vec![0];
    for count in counts {
        starts.push(starts.last().copied().unwrap_or(0) + count);
    }
    starts
}

/// `list` cut into its groups, to work on them in parallel.
fn groups_mut<'a, T>(mut list: &'a mut [T], starts: &[u32]) -> Vec<&'a mut [T]> {
    let mut groups = Vec::with_capacity(starts.len().saturating_sub(1));
    for bounds in starts.windows(2) {
        let (group, rest) = list.split_at_mut((bounds[1] - bounds[0]) as usize);
        groups.push(group);
        list = rest;
    }
    groups
}

/// Groups in each parallel chunk of a sweep: enough rows per chunk to
/// amortise scheduling, enough chunks to balance the threads.
fn chunk_starts(row_starts: &[u32]) -> Vec<u32> {
    let groups = row_starts.len() - 1;
    let rows = row_starts[groups] as usize;
    let target = (rows / (rayon::current_num_threads() * 16)).max(1024) as u32;
    let mut starts = vec![0u32];
    let mut chunk_rows = 0;
    for group in 0..groups {
        chunk_rows += row_starts[group + 1] - row_starts[group];
        if chunk_rows >= target {
            starts.push(group as u32 + 1);
            chunk_rows = 0;
        }
    }
    if starts.last() != Some(&(groups as u32)) {
        starts.push(groups as u32);
    }
    starts
}

impl CustomerStreams {
    /// The streams of `invoices`, to answer the invoices `rows` (indices into
    /// `invoices`, in time order), row `r` being `rows[r]`.
    pub(super) fn new(invoices: &[Invoice], rows: &[usize]) -> Self {
        let scale = AmountScale::for_amounts(invoices.iter().map(|inv| inv.amount));
        // Invoices of one customer and day enter and leave every window
        // together, so their order within the day does not matter; the index
        // only makes the sort deterministic.
        let mut order: Vec<(u32, i32, u32)> = invoices
            .par_iter()
            .enumerate()
            .map(|(i, inv)| (inv.customer_id, day_number(inv.invoice_date), i as u32))
            .collect();
        order.par_sort_unstable();
        let mut group_starts = Vec::new();
        let mut group_of = vec![0u32; invoices.len()];
        for (p, &(customer, _, i)) in order.iter().enumerate() {
            if p == 0 || order[p - 1].0 != customer {
                group_starts.push(p as u32);
            }
            group_of[i as usize] = (group_starts.len() - 1) as u32;
        }
        group_starts.push(order.len() as u32);

        let mut by_issue: Vec<HistoryInvoice> = order
            .par_iter()
            .map(|&(_, _, i)| {
                let inv = &invoices[i as usize];
                HistoryInvoice {
                    amount: scale.fixed(inv.amount),
                    issued: day_number(inv.invoice_date),
                    due: day_number(inv.due_date),
                    settled: inv.settled_date.map_or(i32::MAX, day_number),
                    contract: inv.contract_id,
                }
            })
            .collect();
        drop(order);
        // Contracts are renumbered per customer from 0 (the same id under two
        // customers is two contracts).
        let contract_counts: Vec<u32> = groups_mut(&mut by_issue, &group_starts)
            .into_par_iter()
            .map_init(Vec::new, |ids: &mut Vec<u32>, group| {
                ids.clear();
                ids.extend(group.iter().map(|inv| inv.contract));
                ids.sort_unstable();
                ids.dedup();
                for inv in group.iter_mut() {
                    inv.contract = ids.binary_search(&inv.contract).unwrap_or(0) as u32;
                }
                ids.len() as u32
            })
            .collect();

        let mut by_due = vec![0u32; by_issue.len()];
        groups_mut(&mut by_due, &group_starts).into_par_iter().enumerate().for_each(|(g, order)| {
            let group = &by_issue[group_range(&group_starts, g)];
            order.iter_mut().enumerate().for_each(|(p, o)| *o = p as u32);
            order.sort_unstable_by_key(|&p| (group[p as usize].due, p));
        });

        let settled_counts: Vec<u32> = (0..group_starts.len() - 1)
            .into_par_iter()
            .map(|g| {
                by_issue[group_range(&group_starts, g)].iter().filter(|inv| inv.settled != i32::MAX).count() as u32
            })
            .collect();
        let settlement_starts = starts_from_counts(settled_counts.into_iter());
        let mut by_settlement = vec![0u32; *settlement_starts.last().unwrap_or(&0) as usize];
        groups_mut(&mut by_settlement, &settlement_starts).into_par_iter().enumerate().for_each(|(g, order)| {
            let group = &by_issue[group_range(&group_starts, g)];
            let settled = (0..group.len() as u32).filter(|&p| group[p as usize].settled != i32::MAX);
            order.iter_mut().zip(settled).for_each(|(o, p)| *o = p);
            order.sort_unstable_by_key(|&p| (group[p as usize].settled, p));
        });

        // Rows come in time order, so grouping them stably keeps each
        // customer's rows in time order.
        let mut row_counts = vec![0u32; group_starts.len() - 1];
        for &i in rows {
            row_counts[group_of[i] as usize] += 1;
        }
        let row_starts = starts_from_counts(row_counts.into_iter());
        let mut next: Vec<u32> = row_starts.clone();
        let mut row_days = vec![0i32; rows.len()];
        let mut position_of_row = vec![0u32; rows.len()];
        for (r, &i) in rows.iter().enumerate() {
            let slot = &mut next[group_of[i] as usize];
            row_days[*slot as usize] = day_number(invoices[i].invoice_date);
            position_of_row[r] = *slot;
            *slot += 1;
        }

        let first_day = row_days.iter().copied().min().unwrap_or(0);
        let last_day = row_days.iter().copied().max().unwrap_or(-1);
        Self {
            scale,
            chunk_starts: chunk_starts(&row_starts),
            row_day_span: first_day..=last_day,
            by_issue,
            group_starts,
            by_due,
            by_settlement,
            settlement_starts,
            contract_counts,
            row_days,
            row_starts,
            position_of_row,
        }
    }

    /// The history columns of `window` for every row, written to `history`
    /// in customer order: row `r`'s columns are [`Self::history_of_row`].
    ///
    /// Customers are independent, so chunks of them are swept in parallel,
    /// each chunk writing its own contiguous stretch of `history`. Writing
    /// the matrix directly in customer order would scatter every write
    /// across gigabytes, and on large tables those stalls cost more than
    /// the sweep.
    pub(super) fn sweep(&self, window: HistoryWindow, history: &mut Vec<f32>) {
        const H: usize = HISTORY_COLUMNS.len();
        if history.len() != self.row_days.len() * H {
            history.clear();
            history.resize(self.row_days.len() * H, 0.0);
        }
        let starts = WindowStarts::new(window, self.row_day_span.clone());
        let chunks = &self.chunk_starts;
        let mut outputs = Vec::with_capacity(chunks.len());
        let mut rest = history.as_mut_slice();
        for groups in chunks.windows(2) {
            let rows = (self.row_starts[groups[1] as usize] - self.row_starts[groups[0] as usize]) as usize;
            let (out, after) = rest.split_at_mut(rows * H);
            outputs.push(out);
            rest = after;
        }
        outputs.into_par_iter().zip(chunks.par_windows(2)).for_each_init(
            || (Vec::new(), Vec::new()),
            |(standing, contract_invoices), (out, groups)| {
                let first_position = self.row_starts[groups[0] as usize] as usize;
                for group in groups[0] as usize..groups[1] as usize {
                    let positions = group_range(&self.row_starts, group);
                    if positions.is_empty() {
                        continue;
                    }
                    let invoices = &self.by_issue[group_range(&self.group_starts, group)];
                    standing.clear();
                    standing.resize(invoices.len(), Standing::NotIssued);
                    contract_invoices.clear();
                    contract_invoices.resize(self.contract_counts[group] as usize, 0);
                    let mut customer = CustomerWindow {
                        invoices,
                        by_due: &self.by_due[group_range(&self.group_starts, group)],
                        by_settlement: &self.by_settlement[group_range(&self.settlement_starts, group)],
                        standing,
                        contract_invoices,
                        totals: WindowTotals::default(),
                        next: Cursors::default(),
                    };
                    let out = &mut out[(positions.start - first_position) * H..(positions.end - first_position) * H];
                    for (&day, out) in self.row_days[positions].iter().zip(out.chunks_exact_mut(H)) {
                        customer.advance(day, starts.start(day));
                        customer.totals.write(day, window, self.scale, out);
                    }
                }
            },
        );
    }

    /// Row `row`'s history columns in the output of [`Self::sweep`].
    pub(super) fn history_of_row<'h>(&self, history: &'h [f32], row: usize) -> &'h [f32] {
        const H: usize = HISTORY_COLUMNS.len();
        &history[self.position_of_row[row] as usize * H..][..H]
    }
}

/// Each prediction day's window start, computed once per day of the rows'
/// span (a table spans a few thousand days but has millions of rows).
struct WindowStarts {
    first_day: i32,
    starts: Vec<i32>,
}

impl WindowStarts {
    fn new(window: HistoryWindow, days: RangeInclusive<i32>) -> Self {
        let first_day = *days.start();
        let starts = days
            .map(|day| {
                let date = NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(NaiveDate::MIN);
                day_number(window.start(date))
            })
            .collect();
        Self { first_day, starts }
    }

    fn start(&self, day: i32) -> i32 {
        self.starts[(day - self.first_day) as usize]
    }
}

/// Where an invoice stands in one window's sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    NotIssued,
    Outstanding,
    LateOutstanding,
    Paid,
    Left,
}

/// How far each event stream of one customer has been applied: the next
/// positions to be issued, to fall past due, to be settled and to leave.
#[derive(Debug, Clone, Copy, Default)]
struct Cursors {
    issued: usize,
    due: usize,
    settled: usize,
    leaving: usize,
}

/// One customer's running totals in one window.
#[derive(Debug, Clone, Default)]
struct WindowTotals {
    paid_count: u32,
    paid_late_count: u32,
    paid_amount: i128,
    days_late_paid: i64,
    outstanding_count: u32,
    outstanding_amount: i128,
    late_outstanding_count: u32,
    late_outstanding_amount: i128,
    /// Sum of the due days of the late outstanding invoices: their days late
    /// at `t` sum to `count * t - this`.
    late_outstanding_due_days: i64,
    distinct_contracts: u32,
}

/// One customer's sweep through one window.
struct CustomerWindow<'a> {
    invoices: &'a [HistoryInvoice],
    by_due: &'a [u32],
    by_settlement: &'a [u32],
    standing: &'a mut [Standing],
    /// Per contract of the customer, its invoices in the window.
    contract_invoices: &'a mut [u32],
    totals: WindowTotals,
    next: Cursors,
}

impl CustomerWindow<'_> {
    /// Applies every event dated before day `t`, for a window starting at
    /// day `start`.
    fn advance(&mut self, t: i32, start: i32) {
        let invoices = self.invoices;
        let totals = &mut self.totals;
        while let Some(inv) = invoices.get(self.next.issued).filter(|inv| inv.issued < t) {
            self.standing[self.next.issued] = Standing::Outstanding;
            totals.outstanding_count += 1;
            totals.outstanding_amount += inv.amount;
            let contract = &mut self.contract_invoices[inv.contract as usize];
            if *contract == 0 {
                totals.distinct_contracts += 1;
            }
            *contract += 1;
            self.next.issued += 1;
        }
        // An invoice is issued on or before its due and settlement days, so
        // anything past due or settled before `t` has been issued above.
        while let Some(&p) = self.by_due.get(self.next.due).filter(|&&p| invoices[p as usize].due < t) {
            let (p, inv) = (p as usize, &invoices[p as usize]);
            if self.standing[p] == Standing::Outstanding {
                self.standing[p] = Standing::LateOutstanding;
                totals.late_outstanding_count += 1;
                totals.late_outstanding_amount += inv.amount;
                totals.late_outstanding_due_days += i64::from(inv.due);
            }
            self.next.due += 1;
        }
        while let Some(&p) = self.by_settlement.get(self.next.settled).filter(|&&p| invoices[p as usize].settled < t) {
            let (p, inv) = (p as usize, &invoices[p as usize]);
            if matches!(self.standing[p], Standing::Outstanding | Standing::LateOutstanding) {
                totals.remove(inv, self.standing[p]);
                self.standing[p] = Standing::Paid;
                totals.paid_count += 1;
                totals.paid_amount += inv.amount;
                totals.days_late_paid += i64::from(inv.settled) - i64::from(inv.due);
                totals.paid_late_count += u32::from(inv.paid_late());
            }
            self.next.settled += 1;
        }
        while self.next.leaving < self.next.issued && invoices[self.next.leaving].issued < start {
            let (p, inv) = (self.next.leaving, &invoices[self.next.leaving]);
            totals.remove(inv, self.standing[p]);
            self.standing[p] = Standing::Left;
            let contract = &mut self.contract_invoices[inv.contract as usize];
            *contract -= 1;
            if *contract == 0 {
                totals.distinct_contracts -= 1;
            }
            self.next.leaving += 1;
        }
    }
}

impl WindowTotals {
    /// Takes `inv`, standing as `standing`, out of the totals it counts in.
    fn remove(&mut self, inv: &HistoryInvoice, standing: Standing) {
        match standing {
            Standing::Outstanding | Standing::LateOutstanding => {
                self.outstanding_count -= 1;
                self.outstanding_amount -= inv.amount;
                if standing == Standing::LateOutstanding {
                    self.late_outstanding_count -= 1;
                    self.late_outstanding_amount -= inv.amount;
                    self.late_outstanding_due_days -= i64::from(inv.due);
                }
            }
            Standing::Paid => {
                self.paid_count -= 1;
                self.paid_late_count -= u32::from(inv.paid_late());
                self.paid_amount -= inv.amount;
                self.days_late_paid -= i64::from(inv.settled) - i64::from(inv.due);
            }
            Standing::NotIssued | Standing::Left => {}
        }
    }

    /// The history columns at day `t`, in [`HISTORY_COLUMNS`] order.
    fn write(&self, t: i32, window: HistoryWindow, scale: AmountScale, out: &mut [f32]) {
        let mean = |sum: i64, count: u32| if count == 0 { 0.0 } else { sum as f64 / f64::from(count) };
        let days_late_outstanding =
            i64::from(self.late_outstanding_count) * i64::from(t) - self.late_outstanding_due_days;
        let values = [
            f64::from(self.paid_count),
            f64::from(self.paid_late_count),
            scale.amount(self.paid_amount),
            f64::from(self.outstanding_count),
            scale.amount(self.outstanding_amount),
            f64::from(self.late_outstanding_count),
            scale.amount(self.late_outstanding_amount),
            mean(self.days_late_paid, self.paid_count),
            mean(days_late_outstanding, self.late_outstanding_count),
            f64::from(self.paid_count) / f64::from(window.months),
            f64::from(self.distinct_contracts),
        ];
        debug_assert_eq!(values.len(), HISTORY_COLUMNS.len());
        for (o, v) in out.iter_mut().zip(values) {
            *o = v as f32;
        }
    }
}
