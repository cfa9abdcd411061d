//! Payables features of a tiny world, computed by hand from the as-of rules.
//!
//! January 2018 (the 1st is a Monday); snapshot 2018-01-31. Vendor VA (country
//! US) and vendor VB (country DE, urgent invoices):
//!
//! | id | vendor | posted | due   | cleared | outcome, known from        |
//! |----|--------|--------|-------|---------|----------------------------|
//! | 1  | VA     | 01-01  | 01-11 | 01-09   | on time, 01-10             |
//! | 2  | VA     | 01-02  | 01-12 | 01-16   | late, 01-13                |
//! | 3  | VB (u) | 01-03  | 01-13 | 01-09   | on time, 01-10             |
//! | 4  | VA     | 01-03  | 01-07 | 01-05   | on time, 01-06             |
//! | 5  | VA     | 01-03  | 01-09 | 01-11   | late, 01-10                |
//! | 6  | VA     | 01-04  | 01-10 | 01-11   | late, 01-11                |
//! | 7  | VA     | 01-05  | 01-17 | 01-19   | late (the invoice studied) |
//! | 8  | VB (u) | 01-10  | 01-15 | open    | late, 01-16                |
//! | 9  | VA     | 01-14  | 01-16 | 01-16   | on time, 01-17             |
//! | 10 | VB     | 01-20  | 02-20 | open    | unknown at the snapshot    |

use chrono::{Duration, NaiveDate, NaiveDateTime};
use overdue_data::{Action, Actor, Categories, Payable, PayablesTable, ProcessEvent};
use overdue_features::{CategoricalEncoding, Dataset, PayablesFeatures, PredictionMoment, SplitSpec};

fn date(s: &str) -> NaiveDate {
    format!("2018-{s}").parse().unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(&format!("2018-{s}"), "%Y-%m-%d %H:%M").unwrap()
}

const VA: u32 = 0;
const VB: u32 = 1;
const PAPER: u16 = 1;

fn invoice(id: u64, vendor: u32, urgent: bool, posted: &str, due: &str, cleared: Option<&str>) -> Payable {
    Payable {
        invoice_id: id,
        vendor,
        company_code: 0,
        country: vendor as u16,
        currency: 0,
        document_type: 0,
        payment_terms: 0,
        plant: 0,
        purchasing_group: 0,
        channel: if matches!(id, 1 | 2 | 7) { PAPER } else { 0 },
        urgent,
        amount: 100.0 * id as f64,
        posting_date: date(posted),
        due_date: date(due),
        cleared_date: cleared.map(date),
    }
}

/// Events of one invoice: `(action, start)`, each lasting ten minutes, except
/// a clarification, which lasts until `clarified`.
fn log(id: u64, steps: &[(Action, &str)], clarified: &str) -> Vec<ProcessEvent> {
    steps
        .iter()
        .map(|&(action, start)| {
            let start = at(start);
            let end = if action == Action::Clarify { at(clarified) } else { start + Duration::minutes(10) };
            ProcessEvent { invoice_id: id, action, actor: Actor::System, start, end }
        })
        .collect()
}

fn tiny_table() -> PayablesTable {
    use Action::*;
    let invoices = vec![
        invoice(1, VA, false, "01-01", "01-11", Some("01-09")),
        invoice(2, VA, false, "01-02", "01-12", Some("01-16")),
        invoice(3, VB, true, "01-03", "01-13", Some("01-09")),
        invoice(4, VA, false, "01-03", "01-07", Some("01-05")),
        invoice(5, VA, false, "01-03", "01-09", Some("01-11")),
        invoice(6, VA, false, "01-04", "01-10", Some("01-11")),
        invoice(7, VA, false, "01-05", "01-17", Some("01-19")),
        invoice(8, VB, true, "01-10", "01-15", None),
        invoice(9, VA, false, "01-14", "01-16", Some("01-16")),
        invoice(10, VB, false, "01-20", "02-20", None),
    ];
    let none = "";
    let events = [
        log(
            1,
            &[(Receive, "01-01 09:00"), (Validate, "01-02 10:00"), (Approve, "01-03 10:00"), (Release, "01-04 10:00")],
            none,
        ),
        log(
            2,
            &[
                (Receive, "01-02 08:00"),
                (Validate, "01-03 09:00"),
                (Exception, "01-03 09:30"),
                (Clarify, "01-03 09:45"),
                (Validate, "01-11 09:00"),
                (Approve, "01-12 09:00"),
                (Release, "01-15 09:00"),
                (Pay, "01-16 06:00"),
            ],
            "01-10 10:00",
        ),
        log(
            3,
            &[
                (Receive, "01-03 08:00"),
                (Validate, "01-04 09:00"),
                (Approve, "01-05 09:00"),
                (Release, "01-08 09:00"),
                (Pay, "01-09 06:00"),
            ],
            none,
        ),
        log(4, &[(Receive, "01-03 11:00"), (Pay, "01-05 06:00")], none),
        log(5, &[(Receive, "01-03 12:00"), (Pay, "01-11 06:00")], none),
        log(6, &[(Receive, "01-04 12:00"), (Pay, "01-11 06:00")], none),
        log(
            7,
            &[
                (Receive, "01-05 09:00"),
                (Scan, "01-08 09:00"),
                (Validate, "01-09 10:00"),
                (Exception, "01-09 10:20"),
                (Clarify, "01-09 10:30"),
                (Validate, "01-16 09:00"),
                (Approve, "01-17 09:00"),
                (Release, "01-18 09:00"),
                (Pay, "01-19 06:00"),
            ],
            "01-15 11:00",
        ),
        log(8, &[(Receive, "01-10 08:00"), (Validate, "01-11 09:00"), (Approve, "01-13 09:00")], none),
        log(
            9,
            &[(Receive, "01-14 08:00"), (Validate, "01-15 09:00"), (Release, "01-15 11:00"), (Pay, "01-16 06:00")],
            none,
        ),
        log(10, &[(Receive, "01-20 08:00")], none),
    ]
    .concat();
    let names = |values: &[&str]| values.iter().map(|v| v.to_string()).collect::<Vec<_>>();
    let categories = Categories {
        vendors: names(&["VA", "VB"]),
        company_codes: names(&["1000"]),
        countries: names(&["US", "DE"]),
        currencies: names(&["USD"]),
        document_types: names(&["RE"]),
        payment_terms: names(&["N030"]),
        plants: names(&["P1"]),
        purchasing_groups: names(&["G1"]),
        channels: names(&["edi", "paper"]),
    };
    PayablesTable::new(invoices, categories, events, date("01-31")).unwrap()
}

fn build(moment: PredictionMoment, encoding: CategoricalEncoding) -> Dataset {
    let spec = SplitSpec::Fractions { train: 0.5, validation: 0.0, purge: false };
    PayablesFeatures::new(moment, encoding).unwrap().build(&tiny_table(), &spec).unwrap()
}

const BEFORE_DUE: PredictionMoment = PredictionMoment::BeforeDue { days: 3 };

/// The named features of invoice `id`.
fn features_of(dataset: &Dataset, id: u64) -> Vec<(String, f32)> {
    let row = dataset.invoice_ids().iter().position(|&i| i == id).unwrap_or_else(|| panic!("no row {id}"));
    dataset.feature_names().iter().cloned().zip(dataset.features().row(row).iter().copied()).collect()
}

fn get(features: &[(String, f32)], name: &str) -> f32 {
    features.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no feature {name}")).1
}

fn assert_features(features: &[(String, f32)], expected: &[(&str, f32)]) {
    for &(name, value) in expected {
        assert_eq!(get(features, name), value, "{name}");
    }
}

#[test]
fn rows_are_labelled_invoices_open_at_their_moment_in_moment_order() {
    let at_posting = build(PredictionMoment::AtPosting, CategoricalEncoding::Historical);
    assert_eq!(at_posting.invoice_ids(), &[1, 2, 3, 4, 5, 6, 7, 8, 9], "10's outcome is unknown at the snapshot");
    assert_eq!(at_posting.invoice_dates()[6], date("01-05"));

    let before_due = build(BEFORE_DUE, CategoricalEncoding::Historical);
    // 3 was cleared on 01-09, before its moment 01-10: nothing left to predict.
    // 9 is due two days after its posting: its moment is its posting date.
    assert_eq!(before_due.invoice_ids(), &[4, 5, 6, 1, 2, 8, 7, 9]);
    let moments: Vec<NaiveDate> =
        ["01-04", "01-06", "01-07", "01-08", "01-09", "01-12", "01-14", "01-14"].map(date).to_vec();
    assert_eq!(before_due.invoice_dates(), moments);
    assert_eq!(before_due.labels(), &[false, true, true, false, true, true, true, false]);
}

#[test]
fn urgent_and_load_three_days_before_the_due_date() {
    // Invoice 7 at 01-14: open others are 2 (cleared 01-16) and 8 (open); 9 is
    // posted that very day, so not yet in the system.
    let f = features_of(&build(BEFORE_DUE, CategoricalEncoding::Historical), 7);
    assert_features(
        &f,
        &[
            ("due_soon_open", 1.0),               // 8, due 01-15
            ("urgent_open", 1.0),                 // 8
            ("urgent_posted_since_posting", 1.0), // 8 (posted 01-10); 3 was posted before 7
            ("open_invoices", 2.0),
            ("open_invoice_actions", 9.0), // 2: six events before 01-14; 8: three
        ],
    );
}

#[test]
fn urgent_and_load_at_posting() {
    // Invoice 7 at 01-05: 1 to 6 are in the system (4 is cleared on 01-05 itself).
    let f = features_of(&build(PredictionMoment::AtPosting, CategoricalEncoding::Historical), 7);
    assert_features(
        &f,
        &[("due_soon_open", 1.0), ("urgent_open", 1.0), ("open_invoices", 6.0), ("open_invoice_actions", 13.0)],
    );
    assert!(f.iter().all(|(n, _)| n != "urgent_posted_since_posting" && n != "actions_so_far"), "no life yet");
}

#[test]
fn invoice_fields_describe_the_invoice() {
    let f = features_of(&build(BEFORE_DUE, CategoricalEncoding::Historical), 7);
    assert_features(
        &f,
        &[
            ("amount_log", 701f64.ln() as f32),
            ("terms_days", 12.0),
            ("working_days_to_due", 8.0), // Mon 01-08 to Fri 01-12, Mon 01-15 to Wed 01-17
            ("urgent", 0.0),
            ("posting_month", 1.0),
            ("posting_day", 5.0),
            ("posting_weekday", 4.0), // Friday
            ("posting_month_end", 0.0),
        ],
    );
}

#[test]
fn history_counts_outcomes_known_before_the_moment() {
    // At 01-14, known: 4 on time (01-06), 1 on time and 5 late (01-10), 3 on
    // time (01-10), 6 late (01-11), 2 late (01-13). Not 8 (01-16) nor 9.
    let f = features_of(&build(BEFORE_DUE, CategoricalEncoding::Historical), 7);
    assert_features(
        &f,
        &[
            ("all_late", 3.0),
            ("all_on_time", 3.0),
            ("all_late_share", 0.5),
            ("vendor_n1", 5.0),
            ("vendor_late", 3.0),
            ("vendor_late_share", 0.6),
            ("vendor_on_time", 2.0),
            ("vendor_on_time_share", 0.4),
            // VA's last three known: 5, 6, 2, all late.
            ("vendor_last3_late", 3.0),
            ("vendor_last3_late_share", 1.0),
            ("vendor_last3_on_time", 0.0),
            ("vendor_last3_on_time_share", 0.0),
            ("vendor_last5_late", 3.0),
            ("vendor_last5_on_time", 2.0),
            ("vendor_last5_on_time_share", 0.4),
            // Paper invoices known: 1 (on time) and 2 (late).
            ("channel_n1", 2.0),
            ("channel_late", 1.0),
            ("channel_late_share", 0.5),
            ("channel_on_time", 1.0),
            ("channel_on_time_share", 0.5),
            ("country_n1", 5.0),
            ("company_code_n1", 6.0),
            ("company_code_late_share", 0.5),
        ],
    );
}

#[test]
fn at_posting_no_outcome_is_known_yet() {
    let f = features_of(&build(PredictionMoment::AtPosting, CategoricalEncoding::Historical), 7);
    for name in ["all_late", "all_on_time", "all_late_share", "vendor_n1", "vendor_last5_late", "channel_n1"] {
        assert_eq!(get(&f, name), 0.0, "{name}: 4's outcome is known only from 01-06");
    }
    // Invoice 9, posted 01-14, sees the same outcomes as 7 three days before its due date.
    let f = features_of(&build(PredictionMoment::AtPosting, CategoricalEncoding::Historical), 9);
    assert_features(&f, &[("all_late", 3.0), ("vendor_last3_late", 3.0), ("vendor_n1", 5.0)]);
}

#[test]
fn process_state_uses_events_started_before_the_moment() {
    let dataset = build(BEFORE_DUE, CategoricalEncoding::Historical);
    // Invoice 7 at 01-14: receive, scan, validate, exception, clarify (started
    // 01-09, still running: its end is never used).
    let f = features_of(&dataset, 7);
    assert_features(
        &f,
        &[
            ("actions_so_far", 5.0),
            ("exceptions_so_far", 1.0),
            ("days_since_last_action", 5.0),
            ("latest_action_clarify", 1.0),
            ("latest_action_exception", 0.0),
            ("latest_action_receive", 0.0),
        ],
    );
    let hot: f32 = f.iter().filter(|(n, _)| n.starts_with("latest_action_")).map(|(_, v)| v).sum();
    assert_eq!(hot, 1.0);
    // Invoice 9's moment is its posting day: no event yet.
    let f = features_of(&dataset, 9);
    assert_features(&f, &[("actions_so_far", 0.0), ("days_since_last_action", 0.0)]);
    assert_eq!(f.iter().filter(|(n, _)| n.starts_with("latest_action_")).map(|(_, v)| v).sum::<f32>(), 0.0);
}

#[test]
fn one_hot_replaces_the_historical_encoding_with_one_column_per_value() {
    let historical = build(PredictionMoment::AtPosting, CategoricalEncoding::Historical);
    let one_hot = build(PredictionMoment::AtPosting, CategoricalEncoding::OneHot);
    assert_eq!(historical.n_features(), 68);
    assert_eq!(build(BEFORE_DUE, CategoricalEncoding::Historical).n_features(), 81);
    let values = tiny_table().categories().total();
    assert_eq!(values, 12);
    assert_eq!(one_hot.n_features(), 68 - 8 * 5 + values);
    let f = features_of(&one_hot, 7);
    assert_features(&f, &[("vendor_VA", 1.0), ("vendor_VB", 0.0), ("channel_paper", 1.0), ("channel_edi", 0.0)]);
    assert_eq!(get(&f, "vendor_n1"), 0.0, "the vendor history stays");
    let f = features_of(&one_hot, 8);
    assert_features(&f, &[("vendor_VB", 1.0), ("country_DE", 1.0), ("country_US", 0.0)]);
}

#[test]
fn a_moment_too_far_before_the_due_date_is_rejected() {
    let err = PayablesFeatures::new(PredictionMoment::BeforeDue { days: 400 }, CategoricalEncoding::Historical);
    assert!(err.unwrap_err().to_string().contains("400"));
}
