//! The synthetic accounts-payable world (study 2's shape and scale).
//!
//! The generative story, chosen so that what study 2 found is really there to be
//! found:
//!
//! * **Vendors** (1,459 by default) have a home country and currency, a usual
//!   company code, purchasing group, payment terms and arrival channel, an
//!   activity level (heavy-tailed: a few vendors send most invoices) and a
//!   persistent, latent **exception propensity**: how often their invoices do not
//!   match the purchase order. Vendor history is therefore predictive.
//! * **Invoices** are posted over one year, with month-end peaks, a seasonal swing
//!   (busy spring and autumn) and few weekend postings. Each carries nine
//!   categorical attributes (about 1,885 distinct values together, as in the
//!   study), an urgent flag (about 7%), an amount from a wide log-normal (cents
//!   to hundreds of millions), and a due date = posting date + payment terms
//!   (about 7% of terms are shorter than 15 days).
//! * **Processing** is a day-by-day simulation (see `simulation.rs`): invoices
//!   queue for scanning (paper, fax, PDF), validation, approval, second approval
//!   (large amounts) and release, each with a limited daily capacity served urgent
//!   first, then by due date (scanning, blind to due dates, first come first
//!   served). Mismatches send the invoice to the vendor for clarification, which
//!   takes days (12 on average). Peaks build queues, so invoices posted while
//!   many others are in process are more often late: load causes lateness, as the
//!   study's inter-case features assume. Short terms and exceptions make the rest.
//! * **Payment runs** on Tuesdays and Fridays pay each released invoice on the
//!   last run before its due date, or on the first run after its release when
//!   that is already too late. A run can also **block** a payment (bank details
//!   to verify, a hold from treasury): the invoice waits some days (6 on
//!   average) and goes with the first run after that. Blocks strike at the run
//!   itself, after any prediction moment before it, so an invoice released in
//!   time is likely but not certain to be paid in time; vendors with messy
//!   invoices are blocked more often, so vendor history tells part of it. The
//!   clearing date is the run's date; invoices not paid by the snapshot are
//!   open.
//! * **The label** is study 2's: late = cleared after the due date, no grace
//!   ([`PAYABLES_LATE_AFTER_DAYS`], [`Payable::outcome_as_of`]). Default
//!   capacities and block rate give about 11% late invoices (study: 9-10.3%).
//! * **Dirty rows** (`dirty.rs`): a few percent each of missing vendors, amounts,
//!   company codes, due and posting dates, credit notes, due dates before the
//!   posting date and invoices without a log, for [`RawPayables::clean`] to drop.
//!
//! Generation is sequential over one seeded ChaCha stream, so the same parameters
//! give the same tables, bit for bit, on every platform.

mod dirty;
mod simulation;
mod table;

use crate::calendar::last_day_of_month;
use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal, weighted::WeightedAliasIndex};
use serde::{Deserialize, Serialize};

pub use dirty::{CleaningCounts, DirtyRates};
pub use table::{
    Action, Actor, Categories, PAYABLES_LATE_AFTER_DAYS, Payable, PayablesTable, ProcessEvent, RawPayable, RawPayables,
};

use crate::DataError;
use simulation::{Job, Process};

/// Vendor countries with their currencies.
const COUNTRIES: [(&str, &str); 55] = [
    ("US", "USD"),
    ("DE", "EUR"),
    ("GB", "GBP"),
    ("FR", "EUR"),
    ("IN", "INR"),
    ("CN", "CNY"),
    ("JP", "JPY"),
    ("IT", "EUR"),
    ("ES", "EUR"),
    ("NL", "EUR"),
    ("CA", "CAD"),
    ("MX", "MXN"),
    ("BR", "BRL"),
    ("CH", "CHF"),
    ("SE", "SEK"),
    ("PL", "PLN"),
    ("BE", "EUR"),
    ("AT", "EUR"),
    ("IE", "EUR"),
    ("DK", "DKK"),
    ("NO", "NOK"),
    ("FI", "EUR"),
    ("PT", "EUR"),
    ("CZ", "CZK"),
    ("HU", "HUF"),
    ("RO", "RON"),
    ("TR", "TRY"),
    ("ZA", "ZAR"),
    ("AU", "AUD"),
    ("NZ", "NZD"),
    ("SG", "SGD"),
    ("MY", "MYR"),
    ("TH", "THB"),
    ("ID", "IDR"),
    ("PH", "PHP"),
    ("VN", "VND"),
    ("KR", "KRW"),
    ("TW", "TWD"),
    ("HK", "HKD"),
    ("AE", "AED"),
    ("SA", "SAR"),
    ("IL", "ILS"),
    ("EG", "EGP"),
    ("NG", "NGN"),
    ("KE", "KES"),
    ("AR", "ARS"),
    ("CL", "CLP"),
    ("CO", "COP"),
    ("PE", "PEN"),
    ("SK", "EUR"),
    ("SI", "EUR"),
    ("GR", "EUR"),
    ("LU", "EUR"),
    ("BG", "BGN"),
    ("HR", "EUR"),
];
/// Document types with their shares; `KG` is the credit memo.
const DOCUMENT_TYPES: [(&str, f64); 12] = [
    ("RE", 0.40),
    ("KR", 0.25),
    ("KG", 0.005),
    ("RN", 0.10),
    ("ZI", 0.05),
    ("ZS", 0.06),
    ("ZF", 0.04),
    ("ZU", 0.03),
    ("ZP", 0.02),
    ("ZT", 0.02),
    ("ZC", 0.015),
    ("ZR", 0.015),
];
const CREDIT_MEMO: u16 = 2;
/// Payment terms keys, the days they grant, and their relative weights. Terms of
/// 15 days or more are vendors' usual terms; shorter ones are one-off: an invoice
/// gets one with probability `SHORT_TERMS_SHARE`, drawn by these weights.
const PAYMENT_TERMS: [(&str, i64, f64); 24] = [
    ("N007", 7, 0.020),
    ("N010", 10, 0.020),
    ("N014", 14, 0.030),
    ("N015", 15, 0.060),
    ("N020", 20, 0.030),
    ("N021", 21, 0.020),
    ("N025", 25, 0.020),
    ("N028", 28, 0.015),
    ("N030", 30, 0.250),
    ("N035", 35, 0.020),
    ("N040", 40, 0.020),
    ("N045", 45, 0.100),
    ("N050", 50, 0.010),
    ("N060", 60, 0.100),
    ("N075", 75, 0.020),
    ("N090", 90, 0.060),
    ("N120", 120, 0.020),
    ("D210", 30, 0.050),
    ("D114", 30, 0.020),
    ("D315", 45, 0.030),
    ("D230", 60, 0.010),
    ("E030", 30, 0.010),
    ("E045", 45, 0.010),
    ("E060", 60, 0.005),
];
/// Arrival channels: share, whether the invoice needs scanning, and the channel's
/// effect on the exception log-odds.
const CHANNELS: [(&str, f64, bool, f64); 6] = [
    ("paper", 0.25, true, 0.4),
    ("email_pdf", 0.25, true, 0.2),
    ("fax", 0.03, true, 0.5),
    ("edi", 0.25, false, -0.7),
    ("portal", 0.12, false, -0.3),
    ("e_invoice", 0.10, false, -0.5),
];
/// Log-normal amounts: mean of the log, spread of vendors' means, spread within a
/// vendor. Both normal draws are truncated at `AMOUNT_TAIL` standard deviations,
/// which keeps the largest invoices in the hundreds of millions (study: $236M).
const LOG_AMOUNT: (f64, f64, f64) = (7.5, 1.5, 2.2);
const AMOUNT_TAIL: f64 = 3.8;
/// Share of an invoice's attributes that follow its vendor's usual value.
const USUAL: f64 = 0.85;
/// Share of invoices with payment terms under 15 days (study: 93% are due 15 or
/// more days after posting).
const SHORT_TERMS_SHARE: f64 = 0.07;
const SHORT_TERMS_DAYS: i64 = 15;
/// Posting weight of a weekend day, and of the last `MONTH_END_DAYS` days of a month.
const WEEKEND_WEIGHT: f64 = 0.05;
const MONTH_END_WEIGHT: f64 = 2.0;
const MONTH_END_DAYS: i64 = 4;
/// The process runs this many days before the start date, with invoices that
/// are not in the tables, so that the first weeks do not meet empty queues.
const WARM_UP_DAYS: i64 = 56;
/// Amplitude of the seasonal swing of postings (two cycles a year).
const SEASON_AMPLITUDE: f64 = 0.15;

/// Parameters of a synthetic accounts-payable world. Defaults are study 2's scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PayablesWorld {
    /// Seed of the random stream: same seed, same tables.
    pub seed: u64,
    /// Number of raw invoices, dirty rows included (study: 523,147 raw).
    pub invoices: usize,
    /// Number of vendors (study: 1,459).
    pub vendors: usize,
    /// Number of company codes.
    pub company_codes: usize,
    /// Number of plants, spread over the company codes.
    pub plants: usize,
    /// Number of purchasing groups.
    pub purchasing_groups: usize,
    /// First posting date.
    #[serde(deserialize_with = "crate::date_serde::deserialize")]
    pub start_date: NaiveDate,
    /// Last posting date, also the snapshot date: later events are unknown.
    #[serde(deserialize_with = "crate::date_serde::deserialize")]
    pub end_date: NaiveDate,
    /// Share of invoices rated urgent (study: about 7%).
    pub urgent_share: f64,
    /// Base probability that a first validation raises an exception, before the
    /// vendor's propensity and the channel shift it.
    pub exception_rate: f64,
    /// Spread of the vendors' exception propensity (standard deviation on the
    /// log-odds scale; 0 = all vendors alike).
    pub vendor_spread: f64,
    /// Mean days a clarification waits for the vendor.
    pub clarify_days: f64,
    /// Base probability that a payment run blocks an invoice, before the
    /// vendor's propensity shifts it (half the vendor's exception log-odds
    /// deviation); 0 turns blocks off.
    pub payment_block_rate: f64,
    /// Mean days a blocked payment waits before the next run can take it.
    pub payment_block_days: f64,
    /// Daily capacity of each processing step as a multiple of its average
    /// workday demand: below about 1.0 queues grow without end, higher means
    /// fewer late invoices. The default gives about 11% late (with blocks).
    pub capacity: f64,
    /// Amounts above this need a second approval.
    pub second_approval_amount: f64,
    /// Rates of injected dirty rows.
    pub dirty: DirtyRates,
}

impl Default for PayablesWorld {
    fn default() -> Self {
        Self {
            seed: 2018,
            invoices: 300_000,
            vendors: 1_459,
            company_codes: 48,
            plants: 160,
            purchasing_groups: 80,
            start_date: NaiveDate::from_ymd_opt(2017, 1, 1).expect("valid date"),
            end_date: NaiveDate::from_ymd_opt(2017, 12, 31).expect("valid date"),
            urgent_share: 0.07,
            exception_rate: 0.2,
            vendor_spread: 1.5,
            clarify_days: 12.0,
            payment_block_rate: 0.02,
            payment_block_days: 6.0,
            capacity: 1.03,
            second_approval_amount: 100_000.0,
            dirty: DirtyRates::default(),
        }
    }
}

/// A vendor's visible and hidden traits.
struct Vendor {
    country: u16,
    currency: u16,
    company_code: u16,
    purchasing_group: u16,
    payment_terms: u16,
    channel: u16,
    log_amount_mean: f64,
    /// Exception log-odds before the channel effect.
    exception_logit: f64,
    /// Log-odds that a payment run blocks one of its invoices.
    block_logit: f64,
}

impl PayablesWorld {
    /// Checks the parameters, naming the first bad one.
    pub fn validate(&self) -> Result<(), DataError> {
        let bad = |name: &'static str, reason: String| Err(DataError::InvalidParameter { name, reason });
        // Warm-up invoices come on top: keep all job indices within u32.
        let max_invoices = (u32::MAX / 2) as usize;
        if self.invoices == 0 || self.invoices > max_invoices {
            return bad("invoices", format!("{} is not in 1..={max_invoices}", self.invoices));
        }
        if self.vendors == 0 || self.vendors > u32::MAX as usize {
            return bad("vendors", format!("{} is not in 1..={}", self.vendors, u32::MAX));
        }
        let max_code = usize::from(u16::MAX) + 1;
        for (name, count) in [
            ("company_codes", self.company_codes),
            ("plants", self.plants),
            ("purchasing_groups", self.purchasing_groups),
        ] {
            if count == 0 || count > max_code {
                return bad(name, format!("{count} is not in 1..={max_code}"));
            }
        }
        if self.plants < self.company_codes {
            return bad("plants", format!("{} is fewer than the {} company codes", self.plants, self.company_codes));
        }
        let years = 1900..=2200;
        if !years.contains(&self.start_date.year()) {
            return bad("start_date", format!("{} is not in the years 1900 to 2200", self.start_date));
        }
        if !years.contains(&self.end_date.year()) {
            return bad("end_date", format!("{} is not in the years 1900 to 2200", self.end_date));
        }
        if self.end_date <= self.start_date {
            return bad("end_date", format!("{} is not after start_date {}", self.end_date, self.start_date));
        }
        for (name, share) in [
            ("urgent_share", self.urgent_share),
            ("exception_rate", self.exception_rate),
            ("payment_block_rate", self.payment_block_rate),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return bad(name, format!("{share} is not a share in [0, 1]"));
            }
        }
        if !(self.vendor_spread.is_finite() && self.vendor_spread >= 0.0) {
            return bad("vendor_spread", format!("{} is not a finite non-negative number", self.vendor_spread));
        }
        if !(self.clarify_days.is_finite() && self.clarify_days >= 1.0) {
            return bad("clarify_days", format!("{} is not a finite number of days >= 1", self.clarify_days));
        }
        if !(self.payment_block_days.is_finite() && self.payment_block_days >= 1.0) {
            let days = self.payment_block_days;
            return bad("payment_block_days", format!("{days} is not a finite number of days >= 1"));
        }
        if !(self.capacity.is_finite() && self.capacity > 0.0 && self.capacity <= 100.0) {
            return bad("capacity", format!("{} is not in (0, 100]", self.capacity));
        }
        if !(self.second_approval_amount.is_finite() && self.second_approval_amount >= 0.0) {
            return bad("second_approval_amount", format!("{} is not a finite amount", self.second_approval_amount));
        }
        self.dirty.validate()
    }

    /// Generates the raw export: invoices in posting order (ids 1, 2, ... in that
    /// order), the category dictionaries, and the event log.
    pub fn generate(&self) -> Result<RawPayables, DataError> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let categories = self.categories();
        let vendors = self.draw_vendors(&mut rng, &categories);
        let (mut invoices, jobs) = self.draw_invoices(&mut rng, &vendors, &categories)?;

        let warm_up = jobs.len() - invoices.len();
        let sim_start = self.start_date - Duration::days(WARM_UP_DAYS);
        let days = (self.end_date - sim_start).num_days() as u32 + 1;
        let process = Process {
            start: sim_start,
            days,
            capacity: self.capacity,
            clarify_days: self.clarify_days,
            block_days: self.payment_block_days,
        };
        let simulated = simulation::simulate(&jobs, warm_up, &process, &mut rng);
        for (invoice, cleared) in invoices.iter_mut().zip(&simulated.cleared_day[warm_up..]) {
            invoice.cleared_date = cleared.map(|d| sim_start + Duration::days(i64::from(d)));
        }

        let mut injected = CleaningCounts { raw: invoices.len(), ..CleaningCounts::default() };
        let mut unlogged = vec![false; invoices.len()];
        for (row, invoice) in invoices.iter_mut().enumerate() {
            if let Some(defect) = self.dirty.draw(&mut rng) {
                dirty::apply(invoice, defect, CREDIT_MEMO, &mut rng);
                unlogged[row] = defect == dirty::Defect::NoProcessLog;
                injected.count(defect);
            }
        }
        injected.kept = injected.raw - injected.dropped();
        let mut events = simulated.events;
        events.retain(|e| !unlogged[(e.invoice_id - 1) as usize]);
        Ok(RawPayables { invoices, categories, events, snapshot_date: self.end_date, injected: Some(injected) })
    }

    /// Generates the raw export and cleans it ([`RawPayables::clean`]).
    pub fn generate_clean(&self) -> Result<(PayablesTable, CleaningCounts), DataError> {
        self.generate()?.clean()
    }

    fn categories(&self) -> Categories {
        let mut currencies: Vec<String> = Vec::new();
        for (_, currency) in COUNTRIES {
            if !currencies.iter().any(|c| c == currency) {
                currencies.push(currency.to_string());
            }
        }
        Categories {
            vendors: (0..self.vendors).map(|i| format!("V{:06}", 100_000 + i)).collect(),
            company_codes: (0..self.company_codes).map(|i| format!("{:04}", 1000 + 10 * i)).collect(),
            countries: COUNTRIES.iter().map(|c| c.0.to_string()).collect(),
            currencies,
            document_types: DOCUMENT_TYPES.iter().map(|d| d.0.to_string()).collect(),
            payment_terms: PAYMENT_TERMS.iter().map(|t| t.0.to_string()).collect(),
            plants: (0..self.plants).map(|i| format!("P{:04}", 1000 + i)).collect(),
            purchasing_groups: (0..self.purchasing_groups).map(|i| format!("G{:03}", 100 + i)).collect(),
            channels: CHANNELS.iter().map(|c| c.0.to_string()).collect(),
        }
    }

    fn draw_vendors(&self, rng: &mut ChaCha8Rng, categories: &Categories) -> Vec<Vendor> {
        // Zipf-like shares: a few countries and company codes hold most vendors.
        let zipf = |n: usize| WeightedAliasIndex::new((1..=n).map(|r| 1.0 / r as f64).collect()).expect("weights");
        let pick_country = zipf(COUNTRIES.len());
        let pick_company = zipf(self.company_codes);
        let pick_terms = terms_picker(false);
        let pick_channel = WeightedAliasIndex::new(CHANNELS.iter().map(|c| c.1).collect()).expect("weights");
        let currency_of = |name: &str| categories.currencies.iter().position(|c| c == name).expect("listed") as u16;
        let base_logit = logit(self.exception_rate);
        let block_logit = logit(self.payment_block_rate);
        (0..self.vendors)
            .map(|_| {
                let country = pick_country.sample(rng);
                let currency = match rng.random::<f64>() {
                    u if u < 0.10 => currency_of("USD"),
                    u if u < 0.15 => currency_of("EUR"),
                    _ => currency_of(COUNTRIES[country].1),
                };
                Vendor {
                    country: country as u16,
                    currency,
                    company_code: pick_company.sample(rng) as u16,
                    purchasing_group: rng.random_range(0..self.purchasing_groups) as u16,
                    payment_terms: pick_terms.sample(rng) as u16,
                    channel: pick_channel.sample(rng) as u16,
                    log_amount_mean: LOG_AMOUNT.0 + LOG_AMOUNT.1 * truncated_normal(rng, AMOUNT_TAIL),
                    exception_logit: base_logit + self.vendor_spread * rng.sample::<f64, _>(StandardNormal),
                    block_logit,
                }
            })
            .map(|mut vendor| {
                // Messy invoices and messy bank data tend to go together.
                vendor.block_logit += 0.5 * (vendor.exception_logit - base_logit);
                vendor
            })
            .collect()
    }

    /// Draws the invoices (clean, not yet cleared) and the simulation jobs of
    /// the warm-up invoices and of the invoices, both sorted by posting date; the
    /// invoices are the last jobs.
    fn draw_invoices(
        &self,
        rng: &mut ChaCha8Rng,
        vendors: &[Vendor],
        categories: &Categories,
    ) -> Result<(Vec<RawPayable>, Vec<Job>), DataError> {
        let activity: Vec<f64> =
            (0..vendors.len()).map(|_| (1.3 * rng.sample::<f64, _>(StandardNormal)).exp()).collect();
        let pick_vendor = WeightedAliasIndex::new(activity).map_err(|e| DataError::InvalidParameter {
            name: "vendors",
            reason: format!("cannot weight vendors: {e}"),
        })?;
        let sim_start = self.start_date - Duration::days(WARM_UP_DAYS);
        let weights = day_weights(sim_start, self.end_date);
        let (warm_weights, weights) = weights.split_at(WARM_UP_DAYS as usize);
        let bad_days = |e| DataError::InvalidParameter { name: "end_date", reason: format!("cannot weight days: {e}") };
        let pick_day = WeightedAliasIndex::new(weights.to_vec()).map_err(bad_days)?;
        let pick_warm_day = WeightedAliasIndex::new(warm_weights.to_vec()).map_err(bad_days)?;
        // As many warm-up invoices as the posting rate of the period implies.
        let warm_up = (self.invoices as f64 * warm_weights.iter().sum::<f64>() / weights.iter().sum::<f64>()).round();
        let warm_up = warm_up as usize;
        let draw = InvoiceDraw {
            world: self,
            vendors,
            pick_vendor,
            pick_document: WeightedAliasIndex::new(DOCUMENT_TYPES.iter().map(|d| d.1).collect()).expect("weights"),
            pick_terms: terms_picker(false),
            pick_short_terms: terms_picker(true),
            pick_channel: WeightedAliasIndex::new(CHANNELS.iter().map(|c| c.1).collect()).expect("weights"),
            company_codes: categories.company_codes.len(),
            plants: categories.plants.len(),
            purchasing_groups: categories.purchasing_groups.len(),
            sim_start,
        };
        let mut warm: Vec<Job> = (0..warm_up)
            .map(|_| {
                let day = pick_warm_day.sample(rng) as u32;
                draw.one(rng, day).1
            })
            .collect();
        warm.sort_by_key(|job| job.posting_day);
        let mut drafts: Vec<(RawPayable, Job)> = (0..self.invoices)
            .map(|_| {
                let day = WARM_UP_DAYS as u32 + pick_day.sample(rng) as u32;
                draw.one(rng, day)
            })
            .collect();
        // Stable sort: equal days keep draw order, so the result is deterministic.
        drafts.sort_by_key(|(_, job)| job.posting_day);
        let mut invoices = Vec::with_capacity(self.invoices);
        let mut jobs = warm;
        for (i, (mut invoice, job)) in drafts.into_iter().enumerate() {
            invoice.invoice_id = i as u64 + 1;
            invoices.push(invoice);
            jobs.push(job);
        }
        Ok((invoices, jobs))
    }
}

/// What drawing one invoice needs.
struct InvoiceDraw<'a> {
    world: &'a PayablesWorld,
    vendors: &'a [Vendor],
    pick_vendor: WeightedAliasIndex<f64>,
    pick_document: WeightedAliasIndex<f64>,
    pick_terms: WeightedAliasIndex<f64>,
    pick_short_terms: WeightedAliasIndex<f64>,
    pick_channel: WeightedAliasIndex<f64>,
    company_codes: usize,
    plants: usize,
    purchasing_groups: usize,
    sim_start: NaiveDate,
}

impl InvoiceDraw<'_> {
    /// An invoice posted on simulation day `day`, with id 0, and its job.
    fn one(&self, rng: &mut ChaCha8Rng, day: u32) -> (RawPayable, Job) {
        let vendor_index = self.pick_vendor.sample(rng);
        let vendor = &self.vendors[vendor_index];
        let usual = |rng: &mut ChaCha8Rng, own: u16, other: &dyn Fn(&mut ChaCha8Rng) -> usize| {
            if rng.random_bool(USUAL) { own } else { other(rng) as u16 }
        };
        let company_codes = self.company_codes;
        let company_code = usual(rng, vendor.company_code, &|r| r.random_range(0..company_codes));
        // Plant p belongs to company code p mod company_codes.
        let own_plants = (self.plants - usize::from(company_code)).div_ceil(company_codes);
        let plant = usize::from(company_code) + company_codes * rng.random_range(0..own_plants);
        let purchasing_group = usual(rng, vendor.purchasing_group, &|r| r.random_range(0..self.purchasing_groups));
        let payment_terms = if rng.random_bool(SHORT_TERMS_SHARE) {
            self.pick_short_terms.sample(rng) as u16
        } else {
            usual(rng, vendor.payment_terms, &|r| self.pick_terms.sample(r))
        };
        let channel = usual(rng, vendor.channel, &|r| self.pick_channel.sample(r));
        let document_type = self.pick_document.sample(rng) as u16;
        let urgent = rng.random_bool(self.world.urgent_share);
        let log_amount = vendor.log_amount_mean + LOG_AMOUNT.2 * truncated_normal(rng, AMOUNT_TAIL);
        let amount = ((log_amount.exp() * 100.0).round() / 100.0).max(0.01);
        let posting_date = self.sim_start + Duration::days(i64::from(day));
        let terms = PAYMENT_TERMS[usize::from(payment_terms)].1;
        let (_, _, needs_scan, channel_effect) = CHANNELS[usize::from(channel)];
        let invoice = RawPayable {
            invoice_id: 0,
            vendor: Some(vendor_index as u32),
            company_code: Some(company_code),
            country: vendor.country,
            currency: vendor.currency,
            document_type,
            payment_terms,
            plant: plant as u16,
            purchasing_group,
            channel,
            urgent,
            amount: Some(amount),
            posting_date: Some(posting_date),
            due_date: Some(posting_date + Duration::days(terms)),
            cleared_date: None,
        };
        let job = Job {
            posting_day: day,
            due_day: i64::from(day) + terms,
            urgent,
            needs_scan,
            exception_p: sigmoid(vendor.exception_logit + channel_effect),
            // Exactly 0 when blocks are off (logit clamps a zero rate).
            block_p: if self.world.payment_block_rate > 0.0 { sigmoid(vendor.block_logit) } else { 0.0 },
            large: amount > self.world.second_approval_amount,
        };
        (invoice, job)
    }
}

/// Draws payment terms under 15 days (`short`) or of 15 days and more.
fn terms_picker(short: bool) -> WeightedAliasIndex<f64> {
    let weights = PAYMENT_TERMS.iter().map(|t| if (t.1 < SHORT_TERMS_DAYS) == short { t.2 } else { 0.0 }).collect();
    WeightedAliasIndex::new(weights).expect("some terms of each kind")
}

/// Posting weight of each day from `from` to `to`: few postings on weekends,
/// more in the last days of a month, and a seasonal swing.
fn day_weights(from: NaiveDate, to: NaiveDate) -> Vec<f64> {
    let days = (to - from).num_days() + 1;
    (0..days)
        .map(|d| {
            let date = from + Duration::days(d);
            let weekend = date.weekday().num_days_from_monday() >= 5;
            let month_end = (last_day_of_month(date) - date).num_days() < MONTH_END_DAYS;
            let year_phase = f64::from(date.ordinal0()) / 365.0;
            let season = 1.0 + SEASON_AMPLITUDE * (4.0 * std::f64::consts::PI * year_phase).sin();
            season
                * if weekend { WEEKEND_WEIGHT } else { 1.0 }
                * if month_end && !weekend { MONTH_END_WEIGHT } else { 1.0 }
        })
        .collect()
}
/// A standard normal draw within `limit` (drawn again until it is).
fn truncated_normal(rng: &mut ChaCha8Rng, limit: f64) -> f64 {
    loop {
        let z: f64 = rng.sample(StandardNormal);
        if z.abs() <= limit {
            return z;
        }
    }
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
