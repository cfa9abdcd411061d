//! `overdue generate` writes the worlds as exports; `overdue inspect` reads
//! them back through a mapping and says what they hold.

use std::path::Path;
use std::process::{Command, Output};

use overdue_data::{ReceivablesWorld, TableSummary};

fn overdue(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_overdue")).args(args).output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn ok(args: &[&str]) -> String {
    let output = overdue(args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output)
}

fn path(dir: &Path, file: &str) -> String {
    dir.join(file).to_str().unwrap().to_string()
}

#[test]
fn a_generated_receivables_world_inspects_as_the_table_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let world = ReceivablesWorld { seed: 3, invoices: 2_000, customers: 100, contracts: 300, ..Default::default() };
    let expected = TableSummary::of(&world.generate().unwrap()).to_string();
    for file in ["ar.csv", "ar.parquet"] {
        let out = path(dir.path(), file);
        let args = ["generate", "ar", "--invoices", "2000", "--customers", "100", "--contracts", "300", "--seed", "3"];
        let written = ok(&[&args[..], &["--out", &out]].concat());
        assert!(written.contains("2000 receivables invoices"), "{written}");
        let optional = ["--contract", "contract_id", "--country", "country", "--credit-rating", "credit_rating"];
        let end = world.end_date.to_string();
        let shown = ok(&[&["inspect", &out, "--snapshot-date", &end][..], &optional].concat());
        assert!(shown.contains("2000 rows read, 2000 kept, 0 dropped"), "{shown}");
        let summary = &shown[shown.find("invoices:").unwrap()..];
        assert_eq!(summary, expected, "{file}: generate -> load gives back the same table");
        let unmapped = ok(&["inspect", &out]);
        assert!(unmapped.contains("not mapped: contract, country, credit_rating"), "{unmapped}");
    }
    let header = std::fs::read_to_string(dir.path().join("ar.csv")).unwrap().lines().next().unwrap().to_string();
    assert_eq!(
        header,
        "invoice_id,customer_id,contract_id,country,credit_rating,amount,invoice_date,due_date,settled_date"
    );
}

#[test]
fn a_payables_export_with_its_event_log_inspects_with_dirty_rows_counted() {
    let dir = tempfile::tempdir().unwrap();
    let out = path(dir.path(), "ap.csv");
    let written = ok(&["generate", "ap", "--invoices", "3000", "--seed", "1", "--out", &out]);
    assert!(written.contains("ap_events.csv") && written.contains("process events"), "{written}");
    let events = std::fs::read_to_string(dir.path().join("ap_events.csv")).unwrap();
    assert!(events.starts_with("invoice_id,action,actor,start,end\n"), "{}", &events[..80]);
    assert!(events.lines().count() > 3000, "several events per invoice");

    let mapping = ["--customer", "vendor", "--invoice-date", "posting_date", "--settled-date", "cleared_date"];
    let shown = ok(&[&["inspect", &out][..], &mapping].concat());
    for expected in ["3000 rows read", "missing value in `vendor`", "negative amount in `amount`", "late share:"] {
        assert!(shown.contains(expected), "{expected} missing from:\n{shown}");
    }
    let rejected = overdue(&[&["inspect", &out, "--dirty-rows", "reject"][..], &mapping].concat());
    assert!(!rejected.status.success());
    let error = stderr(&rejected);
    assert!(error.contains("ap.csv: data row ") && error.contains(", column `"), "{error}");
}

#[test]
fn a_collections_table_has_one_row_per_case() {
    let dir = tempfile::tempdir().unwrap();
    let out = path(dir.path(), "collections.csv");
    ok(&["generate", "collections", "--invoices", "50", "--noise", "0", "--out", &out]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().next(), Some("email,sms,call,paid"));
    assert_eq!(text.lines().count(), 51);
}

#[test]
fn inspect_names_a_missing_column_and_the_columns_the_file_has() {
    let dir = tempfile::tempdir().unwrap();
    let out = path(dir.path(), "c.csv");
    ok(&["generate", "collections", "--invoices", "5", "--out", &out]);
    let output = overdue(&["inspect", &out]);
    assert!(!output.status.success());
    let error = stderr(&output);
    assert!(error.contains("c.csv") && error.contains("`invoice_id`") && error.contains("`email`"), "{error}");
}

#[test]
fn inspect_reads_the_mapping_of_a_sweep_config() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/file_example.toml");
    let shown = ok(&["inspect", "--config", config.to_str().unwrap()]);
    assert!(shown.contains("example_invoices.csv: 3000 rows read, 3000 kept, 0 dropped"), "{shown}");
    assert!(shown.contains("countries:       8"), "the config maps the country column: {shown}");
}

#[test]
fn generate_refuses_an_unknown_extension() {
    let output = overdue(&["generate", "collections", "--invoices", "5", "--out", "table.xlsx"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("table.xlsx"), "{}", stderr(&output));
}
