//! The collections-actions world of the Keras tutorial (seed 000): which reminders
//! make a customer pay a late invoice.
//!
//! Each row counts the reminders sent for one late invoice, per channel, 0 to 3
//! (0 nothing sent, 1 friendly, 2 neutral, 3 firm; the value is also the number
//! of messages), and says whether a payment followed. The tutorial's made-up data
//! follows three rules ([`paid_under_rules`]):
//!
//! 1. no payment without an email;
//! 2. payment only if as many emails as sms were sent;
//! 3. one email and one sms alone are not enough: a call is needed too.
//!
//! [`TUTORIAL_TABLE`] is the tutorial's exact nine-row training table and
//! [`TUTORIAL_QUERY`] its question, (3, 3, 3), which the rules answer "paid".
//!
//! [`CollectionsWorld`] generates larger tables that follow the rules. Most rows
//! follow the tutorial's escalation (friendly email, friendly sms, friendly call,
//! neutral email, ... until payment or the firm call), stopped after a uniformly
//! drawn number of steps (0 to 9), which is how the tutorial's rows arise; the
//! rest (a quarter) are any of the 64 combinations, like the tutorial's (0, 1, 1).
//! A configurable share of labels is then flipped as noise. Generation uses one
//! seeded ChaCha stream: same parameters, same table.
//!
//! The tutorial's table has no dates, but a benchmark splits by time, so a
//! generated table is a log: its cases close in generation order,
//! `cases_per_day` a day from `first_day` ([`CollectionsWorld::closing_days`]).

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::DataError;

/// The most reminders of one channel (firm tone).
const MAX_REMINDERS: u8 = 3;

/// Share of generated rows drawn uniformly from all combinations instead of
/// following the escalation.
const OFF_SCRIPT_SHARE: f64 = 0.25;

/// One late invoice: reminders sent per channel and whether it was then paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CollectionsRow {
    /// Emails sent, 0-3.
    pub email: u8,
    /// Text messages sent, 0-3.
    pub sms: u8,
    /// Automated calls made, 0-3.
    pub call: u8,
    /// A payment followed.
    pub paid: bool,
}

impl CollectionsRow {
    /// The three inputs as model features.
    pub fn features(&self) -> [f32; 3] {
        [f32::from(self.email), f32::from(self.sms), f32::from(self.call)]
    }
}

const fn row(email: u8, sms: u8, call: u8, paid: bool) -> CollectionsRow {
    CollectionsRow { email, sms, call, paid }
}

/// The tutorial's training table, in its order.
pub const TUTORIAL_TABLE: [CollectionsRow; 9] = [
    row(1, 0, 0, false),
    row(1, 1, 0, false),
    row(1, 1, 1, true),
    row(0, 1, 1, false),
    row(2, 1, 1, false),
    row(2, 2, 1, true),
    row(2, 2, 2, true),
    row(3, 2, 2, false),
    row(3, 3, 2, true),
];

/// The tutorial's query, `(email, sms, call)`: nine messages, expected to be paid.
pub const TUTORIAL_QUERY: (u8, u8, u8) = (3, 3, 3);

/// Whether the tutorial's rules say these reminders lead to a payment.
pub fn paid_under_rules(email: u8, sms: u8, call: u8) -> bool {
    let has_email = email > 0;
    let balanced = email == sms;
    let single_pair_without_call = email == 1 && sms == 1 && call == 0;
    has_email && balanced && !single_pair_without_call
}

/// The escalation order of the tutorial: email, sms, call, each tone in turn.
const ESCALATION_STEPS: usize = 3 * MAX_REMINDERS as usize;

/// Parameters of a generated collections table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollectionsWorld {
    /// Number of rows.
    pub rows: usize,
    /// Share of rows whose label is flipped against the rules, in [0, 1].
    pub noise: f64,
    /// Seed of the random stream: same seed, same table.
    pub seed: u64,
    /// The day the first cases closed.
    #[serde(deserialize_with = "crate::date_serde::deserialize")]
    pub first_day: NaiveDate,
    /// Cases closed per day (the last day may have fewer).
    pub cases_per_day: u32,
}

impl Default for CollectionsWorld {
    fn default() -> Self {
        Self {
            rows: 10_000,
            noise: 0.05,
            seed: 2019,
            first_day: NaiveDate::from_ymd_opt(2019, 1, 1).expect("a valid date"),
            cases_per_day: 40,
        }
    }
}

impl CollectionsWorld {
    /// Checks the parameters, naming the first bad one.
    pub fn validate(&self) -> Result<(), DataError> {
        if self.rows == 0 {
            return Err(DataError::InvalidParameter { name: "rows", reason: "must be at least 1".into() });
        }
        if !(0.0..=1.0).contains(&self.noise) {
            return Err(DataError::InvalidParameter {
                name: "noise",
                reason: format!("{} is not a share in [0, 1]", self.noise),
            });
        }
        if self.cases_per_day == 0 {
            return Err(DataError::InvalidParameter { name: "cases_per_day", reason: "must be at least 1".into() });
        }
        let days = self.rows.div_ceil(self.cases_per_day as usize) as u64;
        if self.first_day.checked_add_days(Days::new(days)).is_none() {
            return Err(DataError::InvalidParameter {
                name: "first_day",
                reason: format!("{} cases from {} run past the last date there is", self.rows, self.first_day),
            });
        }
        Ok(())
    }

    /// The day each generated case closed, row by row: sorted, `cases_per_day`
    /// cases a day from `first_day`. Call after [`validate`](Self::validate).
    pub fn closing_days(&self) -> Vec<NaiveDate> {
        let per_day = self.cases_per_day.max(1) as usize;
        (0..self.rows)
            .map(|row| {
                let day = Days::new((row / per_day) as u64);
                self.first_day.checked_add_days(day).expect("validate checks the last day exists")
            })
            .collect()
    }

    /// Generates the table: rule-following rows, each label flipped with
    /// probability `noise`.
    pub fn generate(&self) -> Result<Vec<CollectionsRow>, DataError> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let table = (0..self.rows)
            .map(|_| {
                let (email, sms, call) = if rng.random_bool(OFF_SCRIPT_SHARE) {
                    let mut draw = || rng.random_range(0..=MAX_REMINDERS);
                    (draw(), draw(), draw())
                } else {
                    escalation(rng.random_range(0..=ESCALATION_STEPS))
                };
                let flip = rng.random_bool(self.noise);
                row(email, sms, call, paid_under_rules(email, sms, call) != flip)
            })
            .collect();
        Ok(table)
    }
}

/// Reminders sent after `steps` steps of the escalation (email, sms, call, ...).
fn escalation(steps: usize) -> (u8, u8, u8) {
    let count = |channel: usize| ((steps + 2 - channel) / 3) as u8;
    (count(0), count(1), count(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_escalation_sends_email_then_sms_then_call() {
        let sent: Vec<_> = (0..=ESCALATION_STEPS).map(escalation).collect();
        assert_eq!(sent[0], (0, 0, 0));
        assert_eq!(sent[1], (1, 0, 0));
        assert_eq!(sent[2], (1, 1, 0));
        assert_eq!(sent[3], (1, 1, 1));
        assert_eq!(sent[4], (2, 1, 1));
        assert_eq!(sent[9], (3, 3, 3));
    }

    #[test]
    fn the_tutorial_rows_after_one_step_or_more_are_escalation_prefixes() {
        let prefixes: Vec<_> = (1..ESCALATION_STEPS).map(escalation).collect();
        for r in TUTORIAL_TABLE.iter().filter(|r| (r.email, r.sms, r.call) != (0, 1, 1)) {
            assert!(prefixes.contains(&(r.email, r.sms, r.call)), "{r:?}");
        }
    }
}
