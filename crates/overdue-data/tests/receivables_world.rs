//! The synthetic receivables world hits the study's targets and is deterministic.

use chrono::Duration;
use overdue_data::{InvoiceTable, Outcome, ReceivablesWorld};

fn small_world(seed: u64) -> ReceivablesWorld {
    ReceivablesWorld { seed, invoices: 20_000, customers: 500, contracts: 2_000, ..ReceivablesWorld::default() }
}

#[test]
fn same_seed_same_table_other_seed_other_table() {
    let a = small_world(7).generate().unwrap();
    let b = small_world(7).generate().unwrap();
    let c = small_world(8).generate().unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn sizes_and_dates_follow_the_parameters() {
    let world = small_world(1);
    let table = world.generate().unwrap();
    assert_eq!(table.len(), world.invoices);
    assert_eq!(table.countries().len(), 8);
    assert_eq!(table.snapshot_date(), world.end_date);
    let inv = table.invoices();
    assert!(inv.windows(2).all(|w| w[0].invoice_date <= w[1].invoice_date), "sorted by date");
    assert!(inv.iter().all(|i| i.invoice_date >= world.start_date && i.invoice_date <= world.end_date));
    let customers: std::collections::HashSet<_> = inv.iter().map(|i| i.customer_id).collect();
    assert!(customers.len() > 450, "most customers have invoices: {}", customers.len());
}

#[test]
fn late_rate_is_in_the_studies_range() {
    let counts = small_world(3).generate().unwrap().outcome_counts();
    let share = counts.late_share();
    assert!((0.52..=0.64).contains(&share), "late share {share:.3}");
    assert!(counts.unknown > 0, "some invoices are still open at the snapshot");
}

fn late_share(table: &InvoiceTable, from: usize, to: usize) -> f64 {
    let as_of = table.snapshot_date() + Duration::days(1);
    let known: Vec<bool> = table.invoices()[from..to]
        .iter()
        .map(|i| i.outcome_as_of(as_of))
        .filter(|o| *o != Outcome::Unknown)
        .map(|o| o == Outcome::Late)
        .collect();
    known.iter().filter(|&&l| l).count() as f64 / known.len() as f64
}

#[test]
fn the_collection_process_changes_over_the_period() {
    let table = small_world(4).generate().unwrap();
    let n = table.len();
    let (first, last) = (late_share(&table, 0, n / 3), late_share(&table, 2 * n / 3, n));
    assert!(first - last > 0.05, "late share fell from {first:.3} to {last:.3}");
    let steady = ReceivablesWorld { process_change: 0.0, ..small_world(4) }.generate().unwrap();
    let (first, last) = (late_share(&steady, 0, n / 3), late_share(&steady, 2 * n / 3, n));
    assert!((first - last).abs() < 0.05, "without the change: {first:.3} vs {last:.3}");
}

#[test]
fn bad_parameters_are_named() {
    let err = ReceivablesWorld { contracts: 10, customers: 20, ..ReceivablesWorld::default() }.generate().unwrap_err();
    assert!(err.to_string().contains("`contracts`"), "{err}");
}
