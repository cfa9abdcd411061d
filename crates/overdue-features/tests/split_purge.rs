//! The label purge at split boundaries, as a specification: with `purge`, no
//! training row's label is unknown at the start of the validation part and no
//! validation row's label is unknown at the start of the test part; without
//! it, the default worlds do hold such rows (the gap is real). The test part
//! and every kept row's features are the same either way.

use std::collections::HashMap;

use chrono::NaiveDate;
use overdue_data::{Outcome, PayablesWorld, ReceivablesWorld};
use overdue_features::{
    CategoricalEncoding, Dataset, PayablesFeatures, PredictionMoment, ReceivablesFeatures, Split, SplitSpec,
};

const PLAIN: SplitSpec = SplitSpec::Fractions { train: 0.7, validation: 0.15, purge: false };
const PURGED: SplitSpec = SplitSpec::Fractions { train: 0.7, validation: 0.15, purge: true };

/// Rows of `part` whose label, by `known_as_of`, was unknown at the start of
/// the next part's first day.
fn rows_labelled_too_late(
    dataset: &Dataset,
    part: Split,
    next: Split,
    known_as_of: impl Fn(u64, NaiveDate) -> bool,
) -> usize {
    let next_start = dataset.invoice_dates()[dataset.split().rows(next).start];
    dataset.split().rows(part).filter(|&row| !known_as_of(dataset.invoice_ids()[row], next_start)).count()
}

/// Checks the purge contract for one feature set built both ways.
fn check_purge(plain: &Dataset, purged: &Dataset, known_as_of: impl Fn(u64, NaiveDate) -> bool) {
    let too_late_train = rows_labelled_too_late(plain, Split::Train, Split::Validation, &known_as_of);
    let too_late_validation = rows_labelled_too_late(plain, Split::Validation, Split::Test, &known_as_of);
    assert!(too_late_train > 0 && too_late_validation > 0, "the unpurged split holds rows labelled later");

    assert_eq!(rows_labelled_too_late(purged, Split::Train, Split::Validation, &known_as_of), 0);
    assert_eq!(rows_labelled_too_late(purged, Split::Validation, Split::Test, &known_as_of), 0);
    assert_eq!(purged.split().purged_train, too_late_train, "exactly those rows go");
    assert_eq!(purged.split().purged_validation, too_late_validation);
    let summaries = purged.split_summaries();
    assert_eq!(summaries.iter().map(|s| s.purged).collect::<Vec<_>>(), [too_late_train, too_late_validation, 0]);
    assert_eq!(purged.n_rows() + too_late_train + too_late_validation, plain.n_rows());

    let test = |d: &Dataset| {
        let rows = d.split().rows(Split::Test);
        (d.invoice_ids()[rows].to_vec(), d.part(Split::Test).features().as_slice().to_vec())
    };
    assert_eq!(test(plain), test(purged), "the test part is never purged");
    let by_id: HashMap<u64, &[f32]> = plain.invoice_ids().iter().copied().zip(plain.features().rows()).collect();
    for (id, row) in purged.invoice_ids().iter().zip(purged.features().rows()) {
        assert_eq!(by_id[id], row, "invoice {id}: a purge drops rows, it never changes one");
    }
}

#[test]
fn receivables_purge_drops_exactly_the_rows_labelled_after_the_next_part_begins() {
    let world = ReceivablesWorld { invoices: 6_000, customers: 150, contracts: 400, ..ReceivablesWorld::default() };
    let table = world.generate().unwrap();
    let features = ReceivablesFeatures::new(&[overdue_features::HistoryWindow::new(3).unwrap()]).unwrap();
    let plain = features.build(&table, &PLAIN).unwrap().remove(0).1;
    let purged = features.build(&table, &PURGED).unwrap().remove(0).1;
    let invoices: HashMap<u64, _> = table.invoices().iter().map(|i| (i.invoice_id, i)).collect();
    check_purge(&plain, &purged, |id, day| invoices[&id].outcome_as_of(day) != Outcome::Unknown);
}

#[test]
fn payables_purge_drops_exactly_the_rows_labelled_after_the_next_part_begins() {
    let world = PayablesWorld { invoices: 8_000, vendors: 150, ..PayablesWorld::default() };
    let table = world.generate_clean().unwrap().0;
    let invoices: HashMap<u64, _> = table.invoices().iter().map(|i| (i.invoice_id, i)).collect();
    for moment in [PredictionMoment::AtPosting, PredictionMoment::BeforeDue { days: 3 }] {
        let features = PayablesFeatures::new(moment, CategoricalEncoding::Historical).unwrap();
        let plain = features.build(&table, &PLAIN).unwrap();
        let purged = features.build(&table, &PURGED).unwrap();
        check_purge(&plain, &purged, |id, day| invoices[&id].outcome_as_of(day) != Outcome::Unknown);
    }
}
