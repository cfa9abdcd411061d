//! Features of a tiny world, computed by hand from the as-of rules.

use chrono::NaiveDate;
use overdue_data::{Invoice, InvoiceTable};
use overdue_features::{Dataset, HistoryWindow, ReceivablesFeatures, Split, SplitSpec};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[allow(clippy::too_many_arguments)]
fn invoice(
    id: u64,
    customer: u32,
    contract: u32,
    amount: f64,
    issued: &str,
    due: &str,
    settled: Option<&str>,
) -> Invoice {
    Invoice {
        invoice_id: id,
        customer_id: customer,
        contract_id: contract,
        country: 1,
        credit_rating: 2,
        amount,
        invoice_date: date(issued),
        due_date: date(due),
        settled_date: settled.map(date),
    }
}

/// Customer 7's invoices A..E and one invoice of another customer.
fn tiny_table() -> InvoiceTable {
    let invoices = vec![
        invoice(1, 7, 1, 100.0, "2018-01-01", "2018-01-31", Some("2018-02-10")), // A: paid 10 days late
        invoice(2, 7, 2, 200.0, "2018-02-01", "2018-03-03", None),               // B: open, past due
        invoice(3, 7, 1, 50.0, "2018-03-15", "2018-04-14", Some("2018-04-10")),  // C: the target
        invoice(4, 7, 3, 70.0, "2018-03-15", "2018-04-14", Some("2018-04-20")),  // E: same day as C, 6 days late
        invoice(5, 9, 4, 999.0, "2018-03-01", "2018-03-31", Some("2018-03-02")), // another customer
        invoice(6, 7, 1, 10.0, "2018-06-20", "2018-07-20", None),                // open, not yet late
    ];
    InvoiceTable::new(invoices, vec!["BR".into(), "MX".into()], date("2018-06-30")).unwrap()
}

fn build(windows: &[u32]) -> Vec<(HistoryWindow, Dataset)> {
    let windows: Vec<HistoryWindow> = windows.iter().map(|&m| HistoryWindow::new(m).unwrap()).collect();
    let spec = SplitSpec::Fractions { train: 0.5, validation: 0.0, purge: false };
    ReceivablesFeatures::new(&windows).unwrap().build(&tiny_table(), &spec).unwrap()
}

/// The named features of invoice `id`.
fn features_of(dataset: &Dataset, id: u64) -> Vec<(String, f32)> {
    let row = dataset.invoice_ids().iter().position(|&i| i == id).unwrap();
    dataset.feature_names().iter().cloned().zip(dataset.features().row(row).iter().copied()).collect()
}

fn get(features: &[(String, f32)], name: &str) -> f32 {
    features.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no feature {name}")).1
}

#[test]
fn two_month_window_sees_only_the_open_late_invoice() {
    let datasets = build(&[2]);
    let c = features_of(&datasets[0].1, 3);
    // Window [2018-01-15, 2018-03-15): A (issued 01-01) is outside, B inside, E same day: invisible.
    assert_eq!(get(&c, "paid_count"), 0.0);
    assert_eq!(get(&c, "outstanding_count"), 1.0);
    assert_eq!(get(&c, "outstanding_amount"), 200.0);
    assert_eq!(get(&c, "late_outstanding_count"), 1.0);
    assert_eq!(get(&c, "late_outstanding_amount"), 200.0);
    assert_eq!(get(&c, "avg_days_late_outstanding"), 12.0, "B due 03-03, t = 03-15");
    assert_eq!(get(&c, "avg_days_late_paid"), 0.0);
    assert_eq!(get(&c, "pay_frequency"), 0.0);
    assert_eq!(get(&c, "contract_count"), 1.0);
}

#[test]
fn three_month_window_adds_the_invoice_paid_late() {
    let datasets = build(&[2, 3]);
    let c = features_of(&datasets[1].1, 3);
    assert_eq!(datasets[1].0.months, 3);
    assert_eq!(get(&c, "paid_count"), 1.0);
    assert_eq!(get(&c, "paid_late_count"), 1.0, "A was paid 10 days after its due date");
    assert_eq!(get(&c, "paid_amount"), 100.0);
    assert_eq!(get(&c, "avg_days_late_paid"), 10.0);
    assert_eq!(get(&c, "outstanding_count"), 1.0);
    assert_eq!(get(&c, "pay_frequency"), 1.0 / 3.0);
    assert_eq!(get(&c, "contract_count"), 2.0);
}

#[test]
fn own_fields_describe_the_invoice() {
    let datasets = build(&[3]);
    let c = features_of(&datasets[0].1, 3);
    assert_eq!(get(&c, "amount_log"), 51f64.ln() as f32);
    assert_eq!(get(&c, "terms_days"), 30.0);
    assert_eq!(get(&c, "credit_rating"), 2.0);
    assert_eq!(get(&c, "invoice_month"), 3.0);
    assert_eq!(get(&c, "invoice_day"), 15.0);
    assert_eq!(get(&c, "month_end"), 0.0);
    assert_eq!((get(&c, "country_BR"), get(&c, "country_MX")), (0.0, 1.0));
}

#[test]
fn rows_are_the_labelled_invoices_in_time_order() {
    let datasets = build(&[3]);
    let dataset = &datasets[0].1;
    // Invoice 6 is open and not yet late at the snapshot: its label is unknown.
    assert_eq!(dataset.invoice_ids(), &[1, 2, 5, 3, 4]);
    assert_eq!(dataset.labels(), &[true, true, false, false, true]);
    let split = dataset.split();
    assert_eq!(split.train, 0..3);
    assert!(dataset.part(Split::Test).labels().len() == 2, "03-15 is not cut in two");
}
