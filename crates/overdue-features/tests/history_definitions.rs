//! Every history column of every row equals its definition (the crate
//! documentation's as-of rules), recomputed the slow, obvious way: filter the
//! customer's invoices for each row and window, and count.
//!
//! The feature builder updates running totals as invoices enter, fall past
//! due, get settled and leave each window; this pins it to the definitions on
//! a generated world, in short and long windows, with contract ids reused
//! across customers (a customer's contracts are its own).
//! Building one window at a time into reused memory gives the same datasets.

use chrono::{Months, NaiveDate};
use overdue_data::{Invoice, InvoiceTable, LATE_AFTER_DAYS, ReceivablesWorld};
use overdue_features::{HistoryWindow, ReceivablesFeatures, ReceivablesRows, SplitSpec};

/// The history columns of an invoice dated `t`, by definition.
fn history_by_definition(customer_invoices: &[&Invoice], t: NaiveDate, months: u32) -> Vec<(&'static str, f64)> {
    let start = t.checked_sub_months(Months::new(months)).unwrap();
    let window: Vec<&Invoice> =
        customer_invoices.iter().copied().filter(|h| start <= h.invoice_date && h.invoice_date < t).collect();
    let paid: Vec<&Invoice> = window.iter().copied().filter(|h| h.settled_date.is_some_and(|s| s < t)).collect();
    let outstanding: Vec<&Invoice> = window.iter().copied().filter(|h| h.settled_date.is_none_or(|s| s >= t)).collect();
    let late: Vec<&Invoice> = outstanding.iter().copied().filter(|h| h.due_date < t).collect();
    let days_late_paid: Vec<i64> = paid.iter().map(|h| (h.settled_date.unwrap() - h.due_date).num_days()).collect();
    let days_late_outstanding: Vec<i64> = late.iter().map(|h| (t - h.due_date).num_days()).collect();
    let mean = |days: &[i64]| if days.is_empty() { 0.0 } else { days.iter().sum::<i64>() as f64 / days.len() as f64 };
    let sum = |invoices: &[&Invoice]| invoices.iter().map(|h| h.amount).sum::<f64>();
    let mut contracts: Vec<u32> = window.iter().map(|h| h.contract_id).collect();
    contracts.sort_unstable();
    contracts.dedup();
    vec![
        ("paid_count", paid.len() as f64),
        ("paid_late_count", days_late_paid.iter().filter(|&&d| d > LATE_AFTER_DAYS).count() as f64),
        ("paid_amount", sum(&paid)),
        ("outstanding_count", outstanding.len() as f64),
        ("outstanding_amount", sum(&outstanding)),
        ("late_outstanding_count", late.len() as f64),
        ("late_outstanding_amount", sum(&late)),
        ("avg_days_late_paid", mean(&days_late_paid)),
        ("avg_days_late_outstanding", mean(&days_late_outstanding)),
        ("pay_frequency", paid.len() as f64 / f64::from(months)),
        ("contract_count", contracts.len() as f64),
    ]
}

/// A generated world whose contract ids repeat across customers.
fn world() -> InvoiceTable {
    let world = ReceivablesWorld { invoices: 4_000, customers: 60, contracts: 300, ..ReceivablesWorld::default() };
    let table = world.generate().unwrap();
    let invoices =
        table.invoices().iter().map(|inv| Invoice { contract_id: inv.contract_id % 5, ..inv.clone() }).collect();
    InvoiceTable::new(invoices, table.countries().to_vec(), table.snapshot_date()).unwrap()
}

#[test]
fn every_history_column_equals_its_definition() {
    let table = world();
    let months = [1, 2, 5, 12, HistoryWindow::MAX_MONTHS];
    let windows: Vec<HistoryWindow> = months.iter().map(|&m| HistoryWindow::new(m).unwrap()).collect();
    let built = ReceivablesFeatures::new(&windows).unwrap().build(&table, &SplitSpec::default()).unwrap();
    let by_id: std::collections::HashMap<u64, &Invoice> = table.invoices().iter().map(|i| (i.invoice_id, i)).collect();

    let mut nonzero = std::collections::HashMap::<&str, usize>::new();
    for (window, dataset) in &built {
        let names = dataset.feature_names();
        for r in 0..dataset.n_rows() {
            let invoice = by_id[&dataset.invoice_ids()[r]];
            let customer: Vec<&Invoice> =
                table.invoices().iter().filter(|h| h.customer_id == invoice.customer_id).collect();
            let row = dataset.features().row(r);
            for (name, expected) in history_by_definition(&customer, invoice.invoice_date, window.months) {
                let got = row[names.iter().position(|n| n == name).unwrap()];
                let context = format!("{name}, invoice {}, window {}", invoice.invoice_id, window.months);
                if name.ends_with("_amount") {
                    // The builder's sums are exact, then rounded once; the
                    // sequential f64 sum here may differ in its last bits.
                    let tolerance = 1e-6 * expected.abs().max(1.0);
                    assert!((f64::from(got) - expected).abs() <= tolerance, "{context}: {got} vs {expected}");
                } else {
                    assert_eq!(got, expected as f32, "{context}");
                }
                *nonzero.entry(name).or_default() += usize::from(expected != 0.0);
            }
        }
    }
    // The comparison must not hold vacuously: every column is exercised.
    for (name, count) in &nonzero {
        assert!(*count > 100, "{name} is nonzero in only {count} rows");
    }
    assert_eq!(nonzero.len(), 11);
}

#[test]
fn a_window_written_into_reused_memory_equals_one_written_into_fresh_memory() {
    let table = world();
    let split = SplitSpec::default();
    let (short, long) = (HistoryWindow::new(2).unwrap(), HistoryWindow::new(9).unwrap());
    let fresh = ReceivablesFeatures::new(&[short, long]).unwrap().build(&table, &split).unwrap();

    let rows = ReceivablesRows::new(&table, &split).unwrap();
    let first = rows.dataset(short, Vec::new()).unwrap();
    assert_eq!(first, fresh[0].1);
    // The memory of the window before, then memory full of garbage: no old
    // value may show through.
    let second = rows.dataset(long, first.into_values()).unwrap();
    assert_eq!(second, fresh[1].1);
    let garbage = vec![f32::NAN; second.features().as_slice().len()];
    let third = rows.dataset(short, garbage).unwrap();
    assert_eq!(third, fresh[0].1);
    assert_ne!(fresh[0].1, fresh[1].1, "the two windows must differ for this test to mean anything");
}
