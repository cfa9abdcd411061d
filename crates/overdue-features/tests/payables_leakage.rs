//! The as-of property for payables: nothing that happens at or after a row's
//! prediction moment can change its features, at either moment and with
//! either encoding.
//!
//! For a cut date `T`, the future is rewritten at random: invoices posted on or
//! after `T` dropped, their fields redrawn (after `T`) or new ones added;
//! every clearing on or after `T` moved or erased, and open invoices cleared;
//! every event starting on or after `T` dropped or replaced, and the ends of
//! events still running at `T` moved. Every row predicted on or before `T`
//! that is a row of both datasets must keep exactly the same features.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use overdue_data::{Action, Actor, Payable, PayablesTable, PayablesWorld, ProcessEvent};
use overdue_features::{CategoricalEncoding, EvaluationSubset, PayablesFeatures, PredictionMoment, SplitSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn world() -> &'static PayablesTable {
    static TABLE: OnceLock<PayablesTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let world = PayablesWorld { invoices: 8_000, vendors: 150, ..PayablesWorld::default() };
        world.generate_clean().expect("valid world").0
    })
}

fn midnight(date: NaiveDate) -> NaiveDateTime {
    date.and_hms_opt(0, 0, 0).unwrap()
}

/// A random moment in `[from, until)`.
fn random_time(rng: &mut ChaCha8Rng, from: NaiveDateTime, until: NaiveDateTime) -> NaiveDateTime {
    let minutes = (until - from).num_minutes().max(1);
    from + Duration::minutes(rng.random_range(0..minutes))
}

/// Random new events of `invoice` in `[from, closes)`, in time order.
fn random_events(rng: &mut ChaCha8Rng, id: u64, from: NaiveDateTime, closes: NaiveDateTime) -> Vec<ProcessEvent> {
    let mut events: Vec<ProcessEvent> = (0..rng.random_range(0..5))
        .map(|_| {
            let start = random_time(rng, from, closes);
            let end = random_time(rng, start, closes).max(start);
            let action = Action::ALL[rng.random_range(0..Action::ALL.len())];
            ProcessEvent { invoice_id: id, action, actor: Actor::User(rng.random_range(1..50)), start, end }
        })
        .collect();
    events.sort_by_key(|e| e.start);
    events
}

/// The same invoice with fresh random fields, posted on `posted` and not cleared.
fn redraw(rng: &mut ChaCha8Rng, table: &PayablesTable, invoice: &Payable, posted: NaiveDate) -> Payable {
    let c = table.categories();
    let mut code = |n: usize| rng.random_range(0..n);
    Payable {
        vendor: code(c.vendors.len()) as u32,
        company_code: code(c.company_codes.len()) as u16,
        country: code(c.countries.len()) as u16,
        currency: code(c.currencies.len()) as u16,
        document_type: code(c.document_types.len()) as u16,
        payment_terms: code(c.payment_terms.len()) as u16,
        plant: code(c.plants.len()) as u16,
        purchasing_group: code(c.purchasing_groups.len()) as u16,
        channel: code(c.channels.len()) as u16,
        urgent: rng.random_bool(0.3),
        amount: rng.random_range(0.0..1e7),
        posting_date: posted,
        due_date: posted + Duration::days(rng.random_range(0..60)),
        cleared_date: None,
        ..invoice.clone()
    }
}

fn rewrite_future(table: &PayablesTable, cut: NaiveDate, seed: u64) -> PayablesTable {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let snapshot = table.snapshot_date();
    let mut invoices = Vec::new();
    let mut events = Vec::new();
    let mut rewrite = |rng: &mut ChaCha8Rng, mut invoice: Payable, past: &[ProcessEvent]| {
        let open_at_cut = invoice.cleared_date.is_none_or(|c| c >= cut);
        if open_at_cut && (invoice.cleared_date.is_some() || rng.random_bool(0.5)) {
            let earliest = invoice.posting_date.max(cut);
            let span = (snapshot - earliest).num_days();
            invoice.cleared_date =
                (span >= 0 && rng.random_bool(0.8)).then(|| earliest + Duration::days(rng.random_range(0..=span)));
        }
        let closes = midnight(invoice.cleared_date.unwrap_or(snapshot) + Duration::days(1));
        let mut own: Vec<ProcessEvent> = past.iter().filter(|e| e.start.date() < cut).cloned().collect();
        if open_at_cut {
            // Events still running at the cut end at a new random time.
            for event in own.iter_mut().filter(|e| e.end >= midnight(cut)) {
                event.end = random_time(rng, event.start, closes).max(event.start);
            }
            let from = midnight(invoice.posting_date.max(cut));
            own.extend(random_events(rng, invoice.invoice_id, from, closes));
        }
        if own.is_empty() {
            let start = midnight(invoice.posting_date);
            own.push(ProcessEvent {
                invoice_id: invoice.invoice_id,
                action: Action::Receive,
                actor: Actor::System,
                start,
                end: start,
            });
        }
        events.extend(own);
        invoices.push(invoice);
    };
    for invoice in table.invoices() {
        let posted = invoice.posting_date;
        if posted >= cut && rng.random_bool(0.3) {
            continue; // this future invoice never arrives
        }
        let past = table.events_of(invoice.invoice_id);
        let invoice = if posted > cut { redraw(&mut rng, table, invoice, posted) } else { invoice.clone() };
        rewrite(&mut rng, invoice, past);
    }
    let next_id = table.invoices().last().unwrap().invoice_id + 1;
    let days = (snapshot - cut).num_days();
    for k in 0..400 {
        let posted = cut + Duration::days(rng.random_range(0..=days));
        let template = &table.invoices()[rng.random_range(0..table.len())];
        let invoice = Payable { invoice_id: next_id + k, ..redraw(&mut rng, table, template, posted) };
        rewrite(&mut rng, invoice, &[]);
    }
    PayablesTable::new(invoices, table.categories().clone(), events, snapshot).expect("the rewritten world is valid")
}

const VARIANTS: [(PredictionMoment, CategoricalEncoding); 4] = [
    (PredictionMoment::AtPosting, CategoricalEncoding::Historical),
    (PredictionMoment::AtPosting, CategoricalEncoding::OneHot),
    (PredictionMoment::BeforeDue { days: 3 }, CategoricalEncoding::Historical),
    (PredictionMoment::BeforeDue { days: 10 }, CategoricalEncoding::OneHot),
];

/// Features of each row predicted on or before `cut`, keyed by invoice id.
fn features_up_to(table: &PayablesTable, features: PayablesFeatures, cut: NaiveDate) -> HashMap<u64, Vec<f32>> {
    let dataset = features.build(table, &SplitSpec::payables_default()).unwrap();
    (0..dataset.n_rows())
        .filter(|&r| dataset.invoice_dates()[r] <= cut)
        .map(|r| (dataset.invoice_ids()[r], dataset.features().row(r).to_vec()))
        .collect()
}

#[test]
fn rewriting_the_future_leaves_past_features_unchanged() {
    let table = world();
    for (k, cut) in ["2017-03-15", "2017-07-01", "2017-10-20"].into_iter().enumerate() {
        let cut: NaiveDate = cut.parse().unwrap();
        let rewritten = rewrite_future(table, cut, k as u64);
        for (moment, encoding) in VARIANTS {
            let features = PayablesFeatures::new(moment, encoding).unwrap();
            let before = features_up_to(table, features, cut);
            let after = features_up_to(&rewritten, features, cut);
            let mut compared = 0;
            for (id, values) in &before {
                if let Some(other) = after.get(id) {
                    assert_eq!(values, other, "invoice {id}, {}, cut {cut}", features.name());
                    compared += 1;
                }
            }
            assert!(compared > 500, "only {compared} rows compared for {} at cut {cut}", features.name());
        }
    }
}

#[test]
fn rewriting_the_past_does_change_features() {
    // The property above must not hold vacuously: flipping the urgent flag and
    // the vendor of invoices posted before the cut moves the features of rows
    // predicted shortly after.
    let table = world();
    let cut: NaiveDate = "2017-07-01".parse().unwrap();
    let vendors = table.categories().vendors.len() as u32;
    let invoices: Vec<Payable> = table
        .invoices()
        .iter()
        .map(|i| {
            let mut i = i.clone();
            if i.posting_date < cut - Duration::days(30) {
                i.urgent = !i.urgent;
                i.vendor = (i.vendor + 1) % vendors;
            }
            i
        })
        .collect();
    let changed =
        PayablesTable::new(invoices, table.categories().clone(), table.events().to_vec(), table.snapshot_date())
            .unwrap();
    for (moment, encoding) in VARIANTS {
        let features = PayablesFeatures::new(moment, encoding).unwrap();
        let before = features_up_to(table, features, cut);
        let after = features_up_to(&changed, features, cut);
        let differing = before.iter().filter(|(id, f)| after.get(id).is_some_and(|g| g != *f)).count();
        assert!(differing > 500, "only {differing} rows changed for {}", features.name());
    }
}

#[test]
fn the_evaluation_subset_is_chosen_as_of_the_moment() {
    // Study 2's subset keeps invoices with 10 days to pay from vendors with
    // more than 10 earlier invoices. Rewriting the future may change which
    // rows are labelled, but never whether a row predicted before the cut is
    // in the subset.
    let table = world();
    let cut: NaiveDate = "2017-07-01".parse().unwrap();
    let rewritten = rewrite_future(table, cut, 11);
    for moment in [PredictionMoment::AtPosting, PredictionMoment::BeforeDue { days: 3 }] {
        let all = PayablesFeatures::new(moment, CategoricalEncoding::Historical).unwrap();
        let subset = all.with_subset(EvaluationSubset::STUDY2);
        let (all_before, all_after) = (features_up_to(table, all, cut), features_up_to(&rewritten, all, cut));
        let (kept_before, kept_after) = (features_up_to(table, subset, cut), features_up_to(&rewritten, subset, cut));
        let in_both: Vec<u64> = all_before.keys().filter(|id| all_after.contains_key(id)).copied().collect();
        let kept = in_both.iter().filter(|id| kept_before.contains_key(id)).count();
        assert!(kept > 300 && kept < in_both.len(), "{kept} of {} rows kept: not a real selection", in_both.len());
        for id in &in_both {
            assert_eq!(kept_before.get(id), kept_after.get(id), "invoice {id} at {moment}");
        }
    }
}

#[test]
fn the_evaluation_subset_keeps_exactly_the_rows_its_definition_selects() {
    let table = world();
    let invoices: HashMap<u64, &Payable> = table.invoices().iter().map(|i| (i.invoice_id, i)).collect();
    let moment = PredictionMoment::BeforeDue { days: 3 };
    let all = PayablesFeatures::new(moment, CategoricalEncoding::Historical).unwrap();
    let subset = all.with_subset(EvaluationSubset::STUDY2);
    assert_eq!(subset.name(), "before_due_3/historical/pay10_vendor11");
    let split = SplitSpec::payables_default();
    let (full, selected) = (all.build(table, &split).unwrap(), subset.build(table, &split).unwrap());
    let expected: Vec<(u64, &[f32])> = (0..full.n_rows())
        .filter(|&row| {
            let invoice = invoices[&full.invoice_ids()[row]];
            let at = full.invoice_dates()[row];
            let earlier = table
                .invoices()
                .iter()
                .filter(|o| o.vendor == invoice.vendor && o.invoice_id != invoice.invoice_id && o.posting_date < at)
                .count();
            (invoice.due_date - invoice.posting_date).num_days() >= 10 && earlier > 10
        })
        .map(|row| (full.invoice_ids()[row], full.features().row(row)))
        .collect();
    let got: Vec<(u64, &[f32])> =
        (0..selected.n_rows()).map(|row| (selected.invoice_ids()[row], selected.features().row(row))).collect();
    assert_eq!(got, expected, "the same rows with the same features");
}
