//! `overdue features`: a config's datasets written as tables hold exactly the
//! rows, split, labels and features the models see.

use std::fs;

use overdue_data::ReceivablesWorld;
use overdue_features::{HistoryWindow, ReceivablesFeatures, Split, SplitSpec};
use overdue_sweep::{FEATURE_FILE_KEYS, SweepConfig, write_features};

const CONFIG: &str = r#"
    [data]
    kind = "receivables"
    seed = 7
    invoices = 1500
    customers = 60
    contracts = 150
    [features]
    windows = [2, 5]
    [split]
    by = "fractions"
    train = 0.6
    validation = 0.2
    purge = true
    [[models]]
    family = "logistic_regression"
"#;

#[test]
fn each_window_is_written_with_its_keys_split_labels_and_exact_features() {
    let config = SweepConfig::parse(CONFIG).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let written = write_features(&config, &dir.path().join("features.csv"), &mut |_| {}).unwrap();
    let names: Vec<_> = written.iter().map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["features.w2.csv", "features.w5.csv"]);

    let world = ReceivablesWorld { seed: 7, invoices: 1500, customers: 60, contracts: 150, ..Default::default() };
    let windows = [HistoryWindow::new(2).unwrap(), HistoryWindow::new(5).unwrap()];
    let split = SplitSpec::Fractions { train: 0.6, validation: 0.2, purge: true };
    let expected = ReceivablesFeatures::new(&windows).unwrap().build(&world.generate().unwrap(), &split).unwrap();
    assert!(expected[0].1.split().purged_train > 0, "the purge is part of what is written");

    for (file, (window, dataset)) in written.iter().zip(&expected) {
        assert_eq!(file.variant, format!("w={}", window.months));
        assert_eq!((file.rows, file.features), (dataset.n_rows(), dataset.n_features()));
        let text = fs::read_to_string(&file.path).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let mut expected_header: Vec<&str> = FEATURE_FILE_KEYS.to_vec();
        expected_header.extend(dataset.feature_names().iter().map(String::as_str));
        assert_eq!(header, expected_header);

        let mut parts = Vec::new();
        for (row, line) in lines.enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells[0].parse::<u64>().unwrap(), dataset.invoice_ids()[row]);
            assert_eq!(cells[1], dataset.invoice_dates()[row].to_string());
            parts.push(cells[2].to_string());
            assert_eq!(cells[3].parse::<bool>().unwrap(), dataset.labels()[row]);
            let features: Vec<f32> = cells[4..].iter().map(|c| c.parse().unwrap()).collect();
            assert_eq!(features, dataset.features().row(row), "row {row}: the exact f32 values");
        }
        assert_eq!(parts.len(), dataset.n_rows());
        for part in Split::ALL {
            let rows = dataset.split().rows(part);
            assert!(parts[rows].iter().all(|p| p == part.name()), "{}", part.name());
        }
    }
}

#[test]
fn one_variant_goes_to_the_file_named_and_parquet_follows_the_extension() {
    let config = SweepConfig::parse(&CONFIG.replace("windows = [2, 5]", "windows = [3]")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w3.parquet");
    let written = write_features(&config, &out, &mut |_| {}).unwrap();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].path, out);
    let bytes = fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"), "a Parquet file");
}

#[test]
fn an_unknown_extension_is_an_error_naming_the_file() {
    let config = SweepConfig::parse(&CONFIG.replace("windows = [2, 5]", "windows = [3]")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = write_features(&config, &dir.path().join("features.xlsx"), &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("features.xlsx"), "{err}");
}
