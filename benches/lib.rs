//! Shared fixtures for the benchmarks: the study-scale world and its features,
//! built outside the timed closures.
//!
//! Benchmark names are stable (`layer/what/size`) so that results can be
//! compared across commits; run them with `cargo bench -p overdue-benches`.

use overdue_data::{InvoiceTable, ReceivablesWorld};
use overdue_features::{Dataset, HistoryWindow, ReceivablesFeatures, SplitSpec};

/// Study 1's scale: the default receivables world (164,043 invoices).
pub fn study_world() -> InvoiceTable {
    ReceivablesWorld::default().generate().expect("the default world is valid")
}

/// The study's eleven windows, w = 2..=12 months.
pub fn study_windows() -> Vec<HistoryWindow> {
    (2..=12).map(|m| HistoryWindow::new(m).expect("valid window")).collect()
}

/// The w = 4 dataset of the default world (the study's best window).
pub fn study_dataset() -> Dataset {
    let window = [HistoryWindow::new(4).expect("valid window")];
    let features = ReceivablesFeatures::new(&window).expect("one window");
    let mut built = features.build(&study_world(), &SplitSpec::default()).expect("features build");
    built.remove(0).1
}
