//! Sweeps over a user's export: `[data] kind = "file"`, paths relative to the
//! config, run identities that follow the file's content.

use std::fs;
use std::path::Path;

use overdue_sweep::{DataConfig, SweepConfig, SweepOptions, plan_sweep, run_sweep};

const CONFIG: &str = r#"
    [data]
    kind = "file"
    path = "exports/invoices.csv"
    date_format = ["%m/%d/%Y", "%Y-%m-%d"]
    [data.columns]
    invoice_id = "Doc"
    customer = "Client"
    [features]
    windows = [2]
    [[models]]
    family = "logistic_regression"
"#;

/// A config file in `dir/configs/` naming `dir/configs/exports/invoices.csv`,
/// which holds `csv`.
fn write_config(dir: &Path, csv: &str) -> SweepConfig {
    fs::create_dir_all(dir.join("configs/exports")).unwrap();
    fs::write(dir.join("configs/exports/invoices.csv"), csv).unwrap();
    let path = dir.join("configs/sweep.toml");
    fs::write(&path, CONFIG).unwrap();
    SweepConfig::load(&path).unwrap()
}

const CSV: &str = "Doc,Client,invoice_date,due_date,settled_date,amount\n\
                   A1,x,01/02/2018,2018-02-01,,10\n";

#[test]
fn the_file_kind_parses_with_its_mapping_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), CSV);
    let DataConfig::File(source) = &config.data else { panic!("{:?}", config.data) };
    assert_eq!(source.columns.invoice_id, "Doc");
    assert_eq!(source.columns.due_date, "due_date", "unmapped columns keep their default names");
    assert_eq!(source.date_format, ["%m/%d/%Y", "%Y-%m-%d"]);
}

#[test]
fn mapping_errors_name_the_key() {
    let (key, message) = SweepConfig::parse(&CONFIG.replace("invoice_id =", "invoce_id =")).unwrap_err();
    assert_eq!(key, "data.columns.invoce_id", "{message}");
    assert!(message.contains("did you mean `columns.invoice_id`"), "{message}");
    let (key, message) = SweepConfig::parse(&CONFIG.replace("%m/%d/%Y", "%Q")).unwrap_err();
    assert_eq!(key, "data");
    assert!(message.contains("date_format") && message.contains("%Q"), "{message}");
}

#[test]
fn run_ids_follow_the_file_content_not_where_the_checkout_lives() {
    let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ids = |config: &SweepConfig| plan_sweep(config, None).unwrap()[0].run_id.clone();
    let first = ids(&write_config(a.path(), CSV));
    assert_eq!(ids(&write_config(b.path(), CSV)), first, "same file elsewhere: same runs");
    let changed = CSV.replace(",10\n", ",11\n");
    assert_ne!(ids(&write_config(c.path(), &changed)), first, "other content: other runs");
}

#[test]
fn a_missing_export_is_named_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), CSV);
    fs::remove_file(dir.path().join("configs/exports/invoices.csv")).unwrap();
    let error = plan_sweep(&config, None).unwrap_err().to_string();
    assert!(error.contains("invoices.csv"), "{error}");
}

#[test]
fn the_shipped_file_example_runs_end_to_end() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/file_example.toml");
    let mut config = SweepConfig::load(&path).unwrap();
    let out = tempfile::tempdir().unwrap();
    config.output = out.path().to_path_buf();
    let mut stages = Vec::new();
    let summary = run_sweep(&config, &SweepOptions::default(), &mut |event| stages.push(format!("{event:?}"))).unwrap();
    assert_eq!((summary.cells, summary.finished, summary.failed), (4, 4, 0));
    let data_stage = stages.iter().find(|s| s.contains("data:")).unwrap();
    assert!(data_stage.contains("3000 invoices") && data_stage.contains("example_invoices.csv"), "{data_stage}");
}

#[test]
fn dropped_dirty_rows_are_counted_in_the_records_and_the_report() {
    // The shipped example export with three dirty rows appended, read with
    // the "drop" policy from a copy of the shipped config.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("data")).unwrap();
    let mut csv = fs::read_to_string(root.join("data/example_invoices.csv")).unwrap();
    csv.push_str("3001,41,41,BR,3,-12.5,2018-08-01,2018-08-31,\n");
    csv.push_str("3002,41,41,BR,3,-99.0,2018-08-01,2018-08-31,\n");
    csv.push_str("3003,19,19,PE,3,100.0,2018-13-01,2018-08-31,\n");
    fs::write(dir.path().join("data/example_invoices.csv"), csv).unwrap();
    let toml = fs::read_to_string(root.join("file_example.toml"))
        .unwrap()
        .replace(r#"dirty_rows = "reject""#, r#"dirty_rows = "drop""#);
    fs::write(dir.path().join("sweep.toml"), toml).unwrap();
    let mut config = SweepConfig::load(&dir.path().join("sweep.toml")).unwrap();
    config.output = dir.path().join("out");
    run_sweep(&config, &SweepOptions::default(), &mut |_| {}).unwrap();

    let first_record = fs::read_to_string(config.output.join("runs.jsonl")).unwrap();
    let record: serde_json::Value = serde_json::from_str(first_record.lines().next().unwrap()).unwrap();
    let export = &record["export"];
    assert_eq!(export["path"], "data/example_invoices.csv", "the config's path, not this machine's");
    assert_eq!((export["rows_read"].as_u64(), export["rows_kept"].as_u64()), (Some(3003), Some(3000)));

    let report = fs::read_to_string(config.output.join("report.md")).unwrap();
    assert!(report.contains("## Data loading (`data/example_invoices.csv`)"), "{report}");
    assert!(report.contains("3003 data rows read, 3000 kept, 3 dropped as dirty"), "{report}");
    assert!(report.contains("| negative amount | `amount` | 2 | 3001:"), "{report}");
    assert!(report.contains("| unparsable date | `invoice_date` | 1 | 3003:"), "{report}");
}
