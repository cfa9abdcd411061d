//! The as-of property: nothing that happens at or after an invoice's date can
//! change its features.
//!
//! For a cut date `T`, the future (every settlement on or after `T`, every invoice
//! issued on or after `T`) is rewritten at random: settlements moved or erased,
//! invoices dropped, new invoices added for existing customers. Every invoice
//! issued on or before `T` that is a row in both datasets must keep exactly the
//! same features, in every window.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use overdue_data::{Invoice, InvoiceTable, ReceivablesWorld};
use overdue_features::{HistoryWindow, ReceivablesFeatures, SplitSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn rewrite_future(table: &InvoiceTable, cut: NaiveDate, seed: u64) -> InvoiceTable {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let snapshot = table.snapshot_date();
    let days_to_snapshot = (snapshot - cut).num_days();
    let mut invoices = Vec::new();
    for inv in table.invoices() {
        let mut inv = inv.clone();
        if inv.invoice_date >= cut && rng.random_bool(0.3) {
            continue; // this future invoice never happens
        }
        if inv.settled_date.is_some_and(|s| s >= cut) || (inv.settled_date.is_none() && rng.random_bool(0.5)) {
            // Any settlement on or after the cut may move anywhere in [max(cut, issued), snapshot], or vanish.
            let earliest = inv.invoice_date.max(cut);
            let span = (snapshot - earliest).num_days();
            inv.settled_date =
                (span >= 0 && rng.random_bool(0.8)).then(|| earliest + Duration::days(rng.random_range(0..=span)));
        }
        invoices.push(inv);
    }
    let next_id = invoices.iter().map(|i| i.invoice_id).max().unwrap() + 1;
    for k in 0..500u64 {
        let template = &table.invoices()[rng.random_range(0..table.len())];
        let issued = cut + Duration::days(rng.random_range(0..=days_to_snapshot));
        invoices.push(Invoice {
            invoice_id: next_id + k,
            invoice_date: issued,
            due_date: issued + Duration::days(30),
            settled_date: rng.random_bool(0.5).then_some(snapshot.min(issued + Duration::days(20))),
            amount: rng.random_range(1.0..1e6),
            ..template.clone()
        });
    }
    invoices.sort_by_key(|i| i.invoice_date);
    InvoiceTable::new(invoices, table.countries().to_vec(), snapshot).unwrap()
}

/// Features of each invoice dated on or before `cut`, per window, keyed by invoice id.
fn features_up_to(table: &InvoiceTable, cut: NaiveDate) -> Vec<HashMap<u64, Vec<f32>>> {
    let windows: Vec<HistoryWindow> = [2, 5, 12].into_iter().map(|m| HistoryWindow::new(m).unwrap()).collect();
    let built = ReceivablesFeatures::new(&windows).unwrap().build(table, &SplitSpec::default()).unwrap();
    built
        .iter()
        .map(|(_, dataset)| {
            (0..dataset.n_rows())
                .filter(|&r| dataset.invoice_dates()[r] <= cut)
                .map(|r| (dataset.invoice_ids()[r], dataset.features().row(r).to_vec()))
                .collect()
        })
        .collect()
}

#[test]
fn rewriting_the_future_leaves_past_features_unchanged() {
    let world = ReceivablesWorld { invoices: 6_000, customers: 150, contracts: 400, ..ReceivablesWorld::default() };
    let table = world.generate().unwrap();
    for (k, cut) in ["2017-06-15", "2017-12-31", "2018-05-02"].into_iter().enumerate() {
        let cut: NaiveDate = cut.parse().unwrap();
        let original = features_up_to(&table, cut);
        let rewritten = features_up_to(&rewrite_future(&table, cut, k as u64), cut);
        for (window, (before, after)) in original.iter().zip(&rewritten).enumerate() {
            let mut compared = 0;
            for (id, features) in before {
                if let Some(other) = after.get(id) {
                    assert_eq!(features, other, "invoice {id}, window #{window}, cut {cut}");
                    compared += 1;
                }
            }
            assert!(compared > 500, "only {compared} invoices compared at cut {cut}");
        }
    }
}

#[test]
fn rewriting_the_past_does_change_features() {
    // The property above must not hold vacuously: moving a settlement from after an
    // invoice's date to before it changes that invoice's features.
    let world = ReceivablesWorld { invoices: 3_000, customers: 100, contracts: 300, ..ReceivablesWorld::default() };
    let table = world.generate().unwrap();
    let cut: NaiveDate = "2018-01-15".parse().unwrap();
    let mut invoices = table.invoices().to_vec();
    for inv in invoices.iter_mut().filter(|i| i.invoice_date < cut - Duration::days(40)) {
        inv.settled_date = Some(inv.invoice_date);
    }
    let changed = InvoiceTable::new(invoices, table.countries().to_vec(), table.snapshot_date()).unwrap();
    let (before, after) = (&features_up_to(&table, cut)[1], &features_up_to(&changed, cut)[1]);
    let differing = before.iter().filter(|(id, f)| after.get(id).is_some_and(|g| g != *f)).count();
    assert!(differing > 100, "only {differing} invoices changed");
}
