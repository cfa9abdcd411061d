//! The day-by-day process simulation: invoices compete for limited daily
//! processing capacity, so load causes lateness.
//!
//! Route of an invoice (optional steps in parentheses):
//!
//! ```text
//! Receive (system, on the posting date)
//! -> (Scan: paper, fax and PDF invoices)
//! -> Validate -> (Exception -> Clarify: waiting for the vendor -> Validate again)
//! -> Approve -> (SecondApprove: large amounts)
//! -> Release -> Pay (system, at a payment run)
//! ```
//!
//! * Each queued action (scan, validate, approve, second approval, release) has a
//!   daily capacity (a multiple of its average workday demand) and works on
//!   weekdays only. Its queue is served by priority: urgent invoices first, then
//!   the earliest due date. The scan queue cannot see due dates, which are only
//!   known once the invoice is indexed: it serves urgent invoices first, then in
//!   order of arrival. So month-end peaks build a first-come queue at the scanners
//!   that delays everything behind them, while the due-date queues further on let
//!   invoices with slack wait and only fail when the backlog outgrows it.
//! * An invoice takes at most one queued step a day: a step done on day `d` makes
//!   the next one available from day `d + 1`.
//! * Clarification is not capacity-bound: it waits a random number of days for
//!   the vendor, then the invoice is validated again (which can raise another,
//!   rarer, exception).
//! * Payment runs are on Tuesdays and Fridays. A released invoice is paid on the
//!   last run on or before its due date (and after its release), or, when there is
//!   none, on the first run after its release: late. With the invoice's block
//!   probability that run blocks it instead: it waits a random number of days
//!   and goes with the first run after the wait. Blocks leave no event of their
//!   own; the log shows the late payment.
//! * The simulation starts some weeks before the first posting date with
//!   invoices that are not in the tables (a warm-up, so the first weeks do not
//!   meet empty queues) and stops at the snapshot: steps not finished by then are
//!   not in the log, and invoices not yet paid are open.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};

use super::{Action, Actor, ProcessEvent};

/// The capacity-bound actions, in queue index order.
const QUEUED: [Action; 5] = [Action::Scan, Action::Validate, Action::Approve, Action::SecondApprove, Action::Release];
const SCAN: usize = 0;
const VALIDATE: usize = 1;
const APPROVE: usize = 2;
const SECOND_APPROVE: usize = 3;
const RELEASE: usize = 4;
/// Size of the user pool of each queued action; user ids are numbered from 1
/// across the pools in this order.
const POOL_SIZES: [u16; 5] = [12, 30, 60, 8, 10];
/// Service time of each queued action in minutes: a uniform range.
const SERVICE_MINUTES: [(i64, i64); 5] = [(1, 6), (4, 40), (2, 30), (5, 60), (1, 10)];
/// A revalidation after a clarification raises another exception with this
/// fraction of the first validation's probability.
const REPEAT_EXCEPTION: f64 = 0.3;
/// Payment runs: weekdays counted from Monday = 0 (Tuesday and Friday).
const RUN_WEEKDAYS: [u32; 2] = [1, 4];
/// Working hours: queued actions start between 08:00 and 17:00.
const WORK_START_MINUTE: i64 = 8 * 60;
const WORK_MINUTES: i64 = 9 * 60;

/// What the simulation needs to know about an invoice.
pub(super) struct Job {
    /// Day of posting, counted from the start date.
    pub posting_day: u32,
    /// Day the invoice is due, counted from the start date.
    pub due_day: i64,
    pub urgent: bool,
    /// Arrived on paper, by fax or as a PDF: needs scanning.
    pub needs_scan: bool,
    /// Probability that the first validation raises an exception.
    pub exception_p: f64,
    /// Large amount: needs a second approval.
    pub large: bool,
    /// Probability that the payment run blocks it.
    pub block_p: f64,
}

/// Settings of the process.
pub(super) struct Process {
    pub start: NaiveDate,
    /// Days simulated, the snapshot being the last.
    pub days: u32,
    /// Capacity as a multiple of the average workday demand of each action.
    pub capacity: f64,
    /// Mean days waiting for a vendor's clarification.
    pub clarify_days: f64,
    /// Mean days a blocked payment waits.
    pub block_days: f64,
}

/// The log and the clearing day of each job (`None`: open at the snapshot).
pub(super) struct Simulated {
    /// Events sorted by `(invoice_id, start)`; invoice ids are job index + 1.
    pub events: Vec<ProcessEvent>,
    pub cleared_day: Vec<Option<u32>>,
}

/// Runs the process. `jobs` must be sorted by posting day; the first `hidden`
/// (the warm-up) take capacity but leave no events, and job `hidden + k` is
/// invoice `k + 1`.
pub(super) fn simulate(jobs: &[Job], hidden: usize, process: &Process, rng: &mut ChaCha8Rng) -> Simulated {
    let days = process.days as usize;
    let first_weekday = process.start.weekday().num_days_from_monday();
    let weekday = |day: usize| (first_weekday + day as u32) % 7;
    let workdays = (0..days).filter(|&d| weekday(d) < 5).count().max(1);
    let capacities = capacities(jobs, process.capacity, workdays);
    let clarify_wait = Exp::new(1.0 / process.clarify_days.max(f64::MIN_POSITIVE)).expect("positive rate");
    let block_wait = Exp::new(1.0 / process.block_days.max(f64::MIN_POSITIVE)).expect("positive rate");
    let mut pool_first = [1u16; 5];
    for q in 1..5 {
        pool_first[q] = pool_first[q - 1] + POOL_SIZES[q - 1];
    }

    let mut log = Log { events: Vec::with_capacity((jobs.len() - hidden) * 7), start: process.start, hidden };
    let mut cleared_day = vec![None; jobs.len()];
    let mut validations = vec![0u8; jobs.len()];
    let mut queues: [BinaryHeap<Reverse<(bool, i64, u32)>>; 5] = Default::default();
    // wake[d]: (job, queue) pairs that enter their next queue on day d.
    let mut wake: Vec<Vec<(u32, usize)>> = vec![Vec::new(); days + 1];
    let mut arriving = 0;
    for day in 0..days {
        while arriving < jobs.len() && jobs[arriving].posting_day as usize == day {
            let job = &jobs[arriving];
            let minute = rng.random_range(0..24 * 60 - 2);
            log.push(arriving, Action::Receive, Actor::System, day, minute, 1);
            wake[day + 1].push((arriving as u32, if job.needs_scan { SCAN } else { VALIDATE }));
            arriving += 1;
        }
        for (index, queue) in std::mem::take(&mut wake[day]) {
            let job = &jobs[index as usize];
            // The due date is only known once the invoice is indexed: the scan
            // queue serves urgent invoices first, then in order of arrival.
            let by = if queue == SCAN { i64::from(job.posting_day) } else { job.due_day };
            queues[queue].push(Reverse((!job.urgent, by, index)));
        }
        if weekday(day) >= 5 {
            continue;
        }
        for (q, action) in QUEUED.into_iter().enumerate() {
            let capacity = capacities[q];
            for slot in 0..capacity {
                let Some(Reverse((_, _, index))) = queues[q].pop() else { break };
                let i = index as usize;
                let job = &jobs[i];
                let user = Actor::User(pool_first[q] + rng.random_range(0..POOL_SIZES[q]));
                let minute = WORK_START_MINUTE + i64::from(slot) * WORK_MINUTES / i64::from(capacity);
                let (low, high) = SERVICE_MINUTES[q];
                let end = log.push(i, action, user, day, minute, rng.random_range(low..=high));
                let next = match q {
                    SCAN => Some(VALIDATE),
                    VALIDATE => {
                        validations[i] = validations[i].saturating_add(1);
                        let p = if validations[i] == 1 { job.exception_p } else { job.exception_p * REPEAT_EXCEPTION };
                        if rng.random_bool(p.clamp(0.0, 1.0)) {
                            let raised = log.push_at(i, Action::Exception, user, end, rng.random_range(1..=15));
                            let wait = (clarify_wait.sample(rng).round() as usize).max(1);
                            let back = day + wait;
                            if back < days {
                                let answered = day_start(process.start, back)
                                    + Duration::minutes(WORK_START_MINUTE + rng.random_range(0..WORK_MINUTES));
                                log.push_span(i, Action::Clarify, user, raised, answered);
                                wake[back + 1].push((index, VALIDATE));
                            }
                            None
                        } else {
                            Some(APPROVE)
                        }
                    }
                    APPROVE => Some(if job.large { SECOND_APPROVE } else { RELEASE }),
                    SECOND_APPROVE => Some(RELEASE),
                    _ => {
                        let mut pay = payment_day(day, job.due_day, &weekday);
                        if rng.random_bool(job.block_p.clamp(0.0, 1.0)) {
                            let wait = (block_wait.sample(rng).round() as usize).max(1);
                            pay = first_run_after(pay + wait, &weekday);
                        }
                        if pay < days {
                            let run = rng.random_range(0..30);
                            log.push(i, Action::Pay, Actor::System, pay, 6 * 60 + run, rng.random_range(1..=20));
                            cleared_day[i] = Some(pay as u32);
                        }
                        None
                    }
                };
                if let Some(queue) = next {
                    wake[day + 1].push((index, queue));
                }
            }
        }
    }
    Simulated { events: log.sorted_by_invoice(jobs.len() - hidden), cleared_day }
}

/// Daily capacity of each queued action: `capacity` times its expected visits
/// per workday, at least one.
fn capacities(jobs: &[Job], capacity: f64, workdays: usize) -> [u32; 5] {
    let mut demand = [0.0f64; 5];
    for job in jobs {
        let p = job.exception_p.clamp(0.0, 1.0);
        demand[SCAN] += f64::from(u8::from(job.needs_scan));
        // First validation, plus a revalidation per expected exception.
        demand[VALIDATE] += 1.0 + p * (1.0 + p * REPEAT_EXCEPTION);
        demand[APPROVE] += 1.0;
        demand[SECOND_APPROVE] += f64::from(u8::from(job.large));
        demand[RELEASE] += 1.0;
    }
    demand.map(|d| ((capacity * d / workdays as f64).ceil() as u32).max(1))
}

/// The payment-run day of an invoice released on `released`.
fn payment_day(released: usize, due_day: i64, weekday: &impl Fn(usize) -> u32) -> usize {
    let is_run = |day: usize| RUN_WEEKDAYS.contains(&weekday(day));
    // The last run on or before the due date, after the release day.
    let mut day = due_day;
    while day > released as i64 {
        if is_run(day as usize) {
            return day as usize;
        }
        day -= 1;
    }
    // None before the due date: the first run after the release.
    first_run_after(released, weekday)
}

/// The first payment-run day after `day`.
fn first_run_after(day: usize, weekday: &impl Fn(usize) -> u32) -> usize {
    let mut run = day + 1;
    while !RUN_WEEKDAYS.contains(&weekday(run)) {
        run += 1;
    }
    run
}

fn day_start(start: NaiveDate, day: usize) -> NaiveDateTime {
    (start + Duration::days(day as i64)).and_hms_opt(0, 0, 0).expect("midnight exists")
}

/// Events as they happen, tagged with their invoice index.
struct Log {
    events: Vec<(u32, ProcessEvent)>,
    start: NaiveDate,
    /// Jobs before this one leave no events.
    hidden: usize,
}

impl Log {
    /// An event starting `minute` minutes into `day`, lasting `minutes`; returns its end.
    fn push(
        &mut self,
        job: usize,
        action: Action,
        actor: Actor,
        day: usize,
        minute: i64,
        minutes: i64,
    ) -> NaiveDateTime {
        let start = day_start(self.start, day) + Duration::minutes(minute);
        self.push_at(job, action, actor, start, minutes)
    }

    fn push_at(
        &mut self,
        job: usize,
        action: Action,
        actor: Actor,
        start: NaiveDateTime,
        minutes: i64,
    ) -> NaiveDateTime {
        let end = start + Duration::minutes(minutes);
        self.push_span(job, action, actor, start, end);
        end
    }

    fn push_span(&mut self, job: usize, action: Action, actor: Actor, start: NaiveDateTime, end: NaiveDateTime) {
        if let Some(invoice) = job.checked_sub(self.hidden) {
            let invoice_id = invoice as u64 + 1;
            self.events.push((invoice as u32, ProcessEvent { invoice_id, action, actor, start, end }));
        }
    }

    /// Groups the events by invoice, keeping each invoice's events in the order
    /// they happened (which is time order): a counting sort.
    fn sorted_by_invoice(self, invoices: usize) -> Vec<ProcessEvent> {
        let mut offsets = vec![0usize; invoices + 1];
        for (invoice, _) in &self.events {
            offsets[*invoice as usize + 1] += 1;
        }
        for i in 0..invoices {
            offsets[i + 1] += offsets[i];
        }
        let mut slots: Vec<Option<ProcessEvent>> = vec![None; self.events.len()];
        for (invoice, event) in self.events {
            let at = &mut offsets[invoice as usize];
            slots[*at] = Some(event);
            *at += 1;
        }
        slots.into_iter().flatten().collect()
    }
}
