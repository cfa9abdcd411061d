//! The synthetic accounts-receivable world (study 1's shape and scale).
//!
//! The generative story, chosen so that the phenomena the study found are really
//! there to be found:
//!
//! * each customer has a persistent, latent **payment propensity**; the credit
//!   rating is a noisy reading of it taken at the start, so history reveals more;
//! * the propensity **drifts** linearly over the period, differently per customer,
//!   and the collection **process changes** at 60% of the period (a global shift in
//!   lateness): old history describes a customer who no longer exists, so very long
//!   lookback windows stop helping;
//! * amounts are heavy-tailed (log-normal per customer), larger invoices are a
//!   little more often late;
//! * countries differ in lateness and in payment processing delay;
//! * invoices cluster at month ends, and invoices due around the year end are more
//!   often late;
//! * contracts carry payment terms of 15 to 90 days.
//!
//! Generation is sequential over one seeded ChaCha stream, so the same parameters
//! give the same table, bit for bit, on every platform.

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, StandardNormal, weighted::WeightedAliasIndex};
use serde::{Deserialize, Serialize};

use crate::calendar::last_day_of_month;
use crate::{DataError, Invoice, InvoiceTable};

/// Country codes of the default world (study 1: eight Latin-American countries).
const COUNTRY_CODES: [&str; 8] = ["BR", "MX", "AR", "CO", "CL", "PE", "EC", "UY"];
/// Relative share of customers per country.
const COUNTRY_WEIGHTS: [f64; 8] = [0.30, 0.22, 0.14, 0.10, 0.08, 0.07, 0.05, 0.04];
/// Additive effect of the country on the lateness log-odds.
const COUNTRY_LATENESS: [f64; 8] = [0.0, 0.25, 0.35, 0.1, -0.3, 0.15, 0.45, -0.2];
/// Days a payment spends in the country's processing before it is booked.
const COUNTRY_DELAY_DAYS: [i64; 8] = [2, 3, 4, 2, 1, 3, 5, 1];
/// Payment terms in days, with their probabilities.
const TERMS: [(i64, f64); 5] = [(15, 0.10), (30, 0.45), (45, 0.20), (60, 0.15), (90, 0.10)];

/// Parameters of a synthetic accounts-receivable world. Defaults are study 1's scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReceivablesWorld {
    /// Seed of the random stream: same seed, same table.
    pub seed: u64,
    /// Number of invoices.
    pub invoices: usize,
    /// Number of customers.
    pub customers: usize,
    /// Number of contracts (at least one per customer).
    pub contracts: usize,
    /// Number of countries, 1 to 8.
    pub countries: usize,
    /// First invoice date.
    #[serde(deserialize_with = "crate::date_serde::deserialize")]
    pub start_date: NaiveDate,
    /// Last invoice date, also the snapshot date: later settlements are unknown.
    #[serde(deserialize_with = "crate::date_serde::deserialize")]
    pub end_date: NaiveDate,
    /// Strength of per-customer behaviour drift over the period (0 = none).
    pub drift: f64,
    /// Shift of the lateness log-odds after the collection process changes
    /// (negative = collection improves).
    pub process_change: f64,
    /// Base lateness log-odds; the default gives about 58% late invoices.
    pub base_lateness: f64,
}

impl Default for ReceivablesWorld {
    fn default() -> Self {
        Self {
            seed: 2020,
            invoices: 164_043,
            customers: 3_779,
            contracts: 15_437,
            countries: 8,
            start_date: NaiveDate::from_ymd_opt(2017, 1, 1).expect("valid date"),
            end_date: NaiveDate::from_ymd_opt(2018, 8, 31).expect("valid date"),
            drift: 1.5,
            process_change: -0.3,
            base_lateness: 0.5,
        }
    }
}

/// A customer's hidden and visible traits.
struct Customer {
    country: u16,
    credit_rating: u8,
    propensity: f64,
    drift_direction: f64,
    log_amount_mean: f64,
    contracts: Vec<u32>,
}

/// A contract's payment terms.
struct Contract {
    terms_days: i64,
}

impl ReceivablesWorld {
    /// Checks the parameters, naming the first bad one.
    pub fn validate(&self) -> Result<(), DataError> {
        let bad = |name: &'static str, reason: String| Err(DataError::InvalidParameter { name, reason });
        if self.invoices == 0 {
            return bad("invoices", "must be at least 1".into());
        }
        if self.customers == 0 {
            return bad("customers", "must be at least 1".into());
        }
        if self.contracts < self.customers {
            return bad("contracts", format!("{} is fewer than the {} customers", self.contracts, self.customers));
        }
        if !(1..=COUNTRY_CODES.len()).contains(&self.countries) {
            return bad("countries", format!("{} is not in 1..={}", self.countries, COUNTRY_CODES.len()));
        }
        if self.end_date <= self.start_date {
            return bad("end_date", format!("{} is not after start_date {}", self.end_date, self.start_date));
        }
        for (name, value) in
            [("drift", self.drift), ("process_change", self.process_change), ("base_lateness", self.base_lateness)]
        {
            if !value.is_finite() {
                return bad(name, format!("{value} is not finite"));
            }
        }
        Ok(())
    }

    /// Generates the invoice table, sorted by invoice date, ids numbered in that order.
    pub fn generate(&self) -> Result<InvoiceTable, DataError> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let (customers, contracts) = self.draw_customers(&mut rng);
        let activity: Vec<f64> = (0..customers.len()).map(|_| (rng.sample::<f64, _>(StandardNormal)).exp()).collect();
        let pick_customer = WeightedAliasIndex::new(activity).map_err(|e| DataError::InvalidParameter {
            name: "customers",
            reason: format!("cannot weight customers: {e}"),
        })?;
        let period_days = (self.end_date - self.start_date).num_days();
        let change_day = period_days * 3 / 5;
        let mut drafts: Vec<(NaiveDate, Invoice)> = Vec::with_capacity(self.invoices);
        for _ in 0..self.invoices {
            let customer_index = pick_customer.sample(&mut rng);
            let customer = &customers[customer_index];
            let contract_id = customer.contracts[rng.random_range(0..customer.contracts.len())];
            let terms = contracts[contract_id as usize].terms_days;
            let day = self.draw_invoice_day(&mut rng, period_days);
            let invoice_date = self.start_date + Duration::days(day);
            let due_date = invoice_date + Duration::days(terms);
            let amount = (customer.log_amount_mean + 0.8 * rng.sample::<f64, _>(StandardNormal)).exp();
            let amount = (amount * 100.0).round() / 100.0;

            let progress = day as f64 / period_days as f64;
            let propensity = customer.propensity + self.drift * customer.drift_direction * (progress - 0.5);
            let year_end = matches!(due_date.month(), 12 | 1);
            let month_end = invoice_date.day() >= 26;
            let logit = self.base_lateness
                + 1.4 * propensity
                + COUNTRY_LATENESS[usize::from(customer.country)]
                + 0.15 * (amount.ln() - customer.log_amount_mean)
                + if year_end { 0.35 } else { 0.0 }
                + if month_end { 0.2 } else { 0.0 }
                + if day >= change_day { self.process_change } else { 0.0 };
            let uniform: f64 = rng.random_range(f64::EPSILON..1.0);
            let late = logit + (uniform / (1.0 - uniform)).ln() > 0.0;
            let delay = COUNTRY_DELAY_DAYS[usize::from(customer.country)];
            let days_after_due = if late {
                let mean = 8.0 + 25.0 / (1.0 + (-propensity).exp());
                let tail: f64 = Exp::new(1.0 / mean).expect("positive rate").sample(&mut rng);
                6 + delay + tail as i64
            } else {
                rng.random_range(-(terms / 3)..=(5 - delay).max(-(terms / 3)))
            };
            let paid = (due_date + Duration::days(days_after_due)).max(invoice_date);
            let settled_date = (paid <= self.end_date).then_some(paid);
            drafts.push((
                invoice_date,
                Invoice {
                    invoice_id: 0,
                    customer_id: customer_index as u32,
                    contract_id,
                    country: customer.country,
                    credit_rating: customer.credit_rating,
                    amount,
                    invoice_date,
                    due_date,
                    settled_date,
                },
            ));
        }
        // Stable sort: equal dates keep draw order, so the result is deterministic.
        drafts.sort_by_key(|(date, _)| *date);
        let invoices = drafts
            .into_iter()
            .enumerate()
            .map(|(i, (_, mut inv))| {
                inv.invoice_id = i as u64 + 1;
                inv
            })
            .collect();
        let countries = COUNTRY_CODES[..self.countries].iter().map(|c| c.to_string()).collect();
        InvoiceTable::new(invoices, countries, self.end_date)
    }

    fn draw_customers(&self, rng: &mut ChaCha8Rng) -> (Vec<Customer>, Vec<Contract>) {
        let pick_country =
            WeightedAliasIndex::new(COUNTRY_WEIGHTS[..self.countries].to_vec()).expect("positive weights");
        let pick_terms = WeightedAliasIndex::new(TERMS.iter().map(|t| t.1).collect()).expect("positive weights");
        let mut customers: Vec<Customer> = (0..self.customers)
            .map(|_| {
                let propensity: f64 = rng.sample(StandardNormal);
                let noisy: f64 = 0.6 * propensity + 0.8 * rng.sample::<f64, _>(StandardNormal);
                Customer {
                    country: pick_country.sample(rng) as u16,
                    // Rating 1 (best) to 5: cut the noisy reading at -1.2, -0.4, 0.4, 1.2.
                    credit_rating: 1 + [-1.2, -0.4, 0.4, 1.2].iter().filter(|&&cut| noisy > cut).count() as u8,
                    propensity,
                    drift_direction: rng.sample(StandardNormal),
                    log_amount_mean: 8.5 + rng.sample::<f64, _>(StandardNormal),
                    contracts: Vec::new(),
                }
            })
            .collect();
        let contracts: Vec<Contract> =
            (0..self.contracts).map(|_| Contract { terms_days: TERMS[pick_terms.sample(rng)].0 }).collect();
        // Every customer gets one contract, the rest go to random customers.
        for id in 0..self.contracts {
            let owner = if id < self.customers { id } else { rng.random_range(0..self.customers) };
            customers[owner].contracts.push(id as u32);
        }
        (customers, contracts)
    }

    /// A day offset in `0..=period_days`; 30% of invoices move to their month's end.
    fn draw_invoice_day(&self, rng: &mut ChaCha8Rng, period_days: i64) -> i64 {
        let day = rng.random_range(0..=period_days);
        if rng.random::<f64>() >= 0.3 {
            return day;
        }
        let date = self.start_date + Duration::days(day);
        let month_last = last_day_of_month(date);
        let shifted = month_last - Duration::days(rng.random_range(0..3));
        (shifted - self.start_date).num_days().clamp(0, period_days)
    }
}
