//! Real exports load through a column mapping into the same validated table the
//! generators make, and bad input is named by file, row and column.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use overdue_data::{
    ColumnMapping, DataError, DirtyReason, DirtyRowPolicy, ExportSource, Invoice, InvoiceTable, LoadedExport,
    ReceivablesWorld, write_receivables,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn load(source: &ExportSource) -> Result<LoadedExport, DataError> {
    source.load(Path::new(""))
}

/// The mapping of `us_export_crlf.csv`: nothing under the default names.
fn us_export() -> ExportSource {
    let mut source = ExportSource::new(fixture("us_export_crlf.csv"));
    source.columns = ColumnMapping {
        invoice_id: "Document No.".into(),
        customer: "Customer Name".into(),
        contract: Some("Contract Ref".into()),
        invoice_date: "Doc Date".into(),
        due_date: "Net Due Date".into(),
        settled_date: "Cleared On".into(),
        amount: "Amount (USD)".into(),
        country: Some("Ctry".into()),
        credit_rating: Some("Rating".into()),
        categorical: vec!["Region".into()],
        numeric: vec!["Discount %".into()],
    };
    source.date_format = vec!["%m/%d/%Y".into()];
    source.thousands_separator = Some(',');
    source
}

#[test]
fn a_us_export_with_crlf_quotes_and_thousands_separators_loads_through_its_mapping() {
    let bytes = std::fs::read(fixture("us_export_crlf.csv")).unwrap();
    assert!(bytes.windows(2).filter(|w| w == b"\r\n").count() >= 7, "the fixture really has CRLF line endings");

    let loaded = load(&us_export()).unwrap();
    let table = &loaded.table;
    assert_eq!(loaded.report.rows_read, 6);
    assert_eq!(loaded.report.rows_kept, 6);
    assert!(loaded.report.dropped.is_empty());
    assert_eq!(table.countries(), ["US", "CA", "MX"]);
    assert_eq!(table.snapshot_date(), date("2018-04-20"), "default snapshot: the latest date in the file");

    let names = &loaded.names;
    assert_eq!(names.invoice_ids.as_ref().unwrap()[3], "INV-0004");
    assert_eq!(names.customers.as_deref().unwrap(), ["Acme, Inc.", "Bolt \"Fast\" Ltd", "Chen Trading"]);
    assert_eq!(names.contracts.as_ref().unwrap().len(), 4);

    let inv: &[Invoice] = table.invoices();
    let customers: Vec<u32> = inv.iter().map(|i| i.customer_id).collect();
    assert_eq!(customers, [0, 1, 0, 2, 1, 2], "quoted names with commas and quotes are one customer each");
    let amounts: Vec<f64> = inv.iter().map(|i| i.amount).collect();
    assert_eq!(amounts, [1250.0, 980.5, 12000.75, 75.0, 1_000_000.0, 310.25]);
    assert_eq!(inv[0].invoice_date, date("2018-01-03"), "01/03/2018 is January 3rd");
    assert_eq!(inv[3].due_date, date("2018-03-12"), "single-digit months and days parse");
    assert_eq!(inv[2].settled_date, None, "an empty settled date is an open invoice");
    assert_eq!(inv[5].settled_date, None);
    assert_eq!(inv.iter().map(|i| i.credit_rating).collect::<Vec<_>>(), [2, 4, 2, 3, 4, 3]);
    assert_eq!(inv.iter().map(|i| i.country).collect::<Vec<_>>(), [0, 1, 0, 2, 1, 2]);

    let region = &loaded.extras.categorical[0];
    assert_eq!(region.name, "Region");
    assert_eq!(region.codes, [Some(0), Some(1), Some(0), Some(2), Some(1), None]);
    assert_eq!(region.values[0], "North, East");
    assert_eq!(region.values[2], "South\r\nWest", "a quoted field may span lines");
    let discount = &loaded.extras.numeric[0];
    assert_eq!(discount.values, [Some(0.0), Some(2.5), None, Some(1.0), Some(0.5), None]);
}

#[test]
fn a_missing_mapped_column_names_the_column_the_file_and_the_columns_it_has() {
    let source = ExportSource::new(fixture("us_export_crlf.csv"));
    let error = load(&source).unwrap_err().to_string();
    for expected in ["us_export_crlf.csv", "`invoice_id`", "columns.invoice_id", "`Document No.`", "`Discount %`"] {
        assert!(error.contains(expected), "{expected} missing from: {error}");
    }
}

#[test]
fn under_reject_the_first_dirty_row_fails_the_load_naming_file_row_and_column() {
    let source = ExportSource::new(fixture("dirty_rows.csv"));
    let error = load(&source).unwrap_err().to_string();
    assert!(error.contains("dirty_rows.csv: data row 2, column `settled_date`: unparsable date"), "{error}");
    assert!(error.contains("`2018-02-30`") && error.contains("%Y-%m-%d"), "{error}");
}

#[test]
fn under_drop_dirty_rows_are_left_out_and_counted_per_reason() {
    let mut source = ExportSource::new(fixture("dirty_rows.csv"));
    source.dirty_rows = DirtyRowPolicy::Drop;
    let loaded = load(&source).unwrap();
    let ids: Vec<u64> = loaded.table.invoices().iter().map(|i| i.invoice_id).collect();
    assert_eq!(ids, [1, 9]);
    assert_eq!((loaded.report.rows_read, loaded.report.rows_kept, loaded.report.rows_dropped()), (10, 2, 8));
    let counts: Vec<(DirtyReason, &str, usize, usize)> =
        loaded.report.dropped.iter().map(|c| (c.reason, c.column.as_str(), c.rows, c.first_row)).collect();
    assert_eq!(
        counts,
        [
            (DirtyReason::MissingValue, "customer_id", 1, 4),
            (DirtyReason::UnparsableDate, "settled_date", 1, 2),
            (DirtyReason::UnparsableNumber, "amount", 1, 9),
            (DirtyReason::NotFinite, "amount", 1, 3),
            (DirtyReason::NegativeAmount, "amount", 1, 7),
            (DirtyReason::DueBeforeInvoiceDate, "due_date", 1, 5),
            (DirtyReason::SettledBeforeInvoiceDate, "settled_date", 1, 6),
            (DirtyReason::DuplicateInvoiceId, "invoice_id", 1, 8),
        ]
    );
    let text = loaded.report.to_string();
    assert!(text.contains("10 rows read, 2 kept, 8 dropped") && text.contains("duplicate invoice id"), "{text}");
}

/// Loads `header` + a clean first row + `bad_row` under `reject`.
fn reject_error(bad_row: &str, configure: impl FnOnce(&mut ExportSource)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    let text = format!(
        "invoice_id,customer_id,invoice_date,due_date,settled_date,amount\n1,10,2018-01-02,2018-02-01,,100\n{bad_row}\n"
    );
    std::fs::write(&path, text).unwrap();
    let mut source = ExportSource::new(&path);
    configure(&mut source);
    load(&source).unwrap_err().to_string()
}

#[test]
fn each_kind_of_bad_row_is_named_with_its_row_column_and_value() {
    for (row, column, expected) in [
        ("2,11,01/05/2018,2018-02-04,,1", "invoice_date", "unparsable date: `01/05/2018`"),
        ("2,11,2018-01-05,,,1", "due_date", "missing value"),
        ("2,11,2018-01-05,2018-02-04,,NaN", "amount", "NaN or infinite number: `NaN`"),
        ("2,11,2018-01-05,2018-02-04,,inf", "amount", "NaN or infinite number"),
        ("2,11,2018-01-05,2018-02-04,,1.2.3", "amount", "unparsable number: `1.2.3` is not a number"),
        ("2,11,2018-01-05,2018-02-04,,-3", "amount", "negative amount"),
        ("2,11,2018-01-05,2018-01-04,,1", "due_date", "due before invoice date: due 2018-01-04 but issued 2018-01-05"),
        ("2,11,2018-01-05,2018-02-04,2018-01-01,1", "settled_date", "settled before invoice date"),
        ("1,11,2018-01-05,2018-02-04,,1", "invoice_id", "duplicate invoice id: `1` is also on an earlier row"),
    ] {
        let error = reject_error(row, |_| {});
        let expected_start = format!("export.csv: data row 2, column `{column}`: {expected}");
        assert!(error.contains(&expected_start), "{row}: expected `{expected_start}` in: {error}");
    }
}

#[test]
fn blank_lines_are_skipped_and_still_counted_in_row_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blank.csv");
    let header = "invoice_id,customer_id,invoice_date,due_date,settled_date,amount";
    std::fs::write(&path, format!("{header}\n1,10,2018-01-02,2018-02-01,,1\n\n2,11,2018-01-03,2018-02-02,,2\n\n\n"))
        .unwrap();
    let loaded = load(&ExportSource::new(&path)).unwrap();
    assert_eq!((loaded.report.rows_read, loaded.report.blank_rows, loaded.report.rows_kept), (2, 3, 2));
    assert!(loaded.report.to_string().contains("(3 blank lines skipped)"), "{}", loaded.report);

    std::fs::write(&path, format!("{header}\n1,10,2018-01-02,2018-02-01,,1\n\n2,11,2018-01-03,2018-02-02,,x\n"))
        .unwrap();
    let error = load(&ExportSource::new(&path)).unwrap_err().to_string();
    assert!(error.contains("data row 3, column `amount`"), "the blank line counts, as in an editor: {error}");
}

#[test]
fn a_given_snapshot_date_rejects_anything_dated_after_it() {
    let error = reject_error("2,11,2018-03-05,2018-04-04,,1", |s| s.snapshot_date = Some(date("2018-03-01")));
    assert!(error.contains("data row 2, column `invoice_date`: dated after the snapshot"), "{error}");
    let error = reject_error("2,11,2018-01-05,2018-02-04,2018-03-02,1", |s| s.snapshot_date = Some(date("2018-03-01")));
    assert!(error.contains("data row 2, column `settled_date`: dated after the snapshot"), "{error}");
}

#[test]
fn invalid_settings_are_named() {
    let mut source = ExportSource::new("x.csv");
    source.date_format = vec!["%Q".into()];
    assert!(load(&source).unwrap_err().to_string().contains("date_format"));
    let mut source = ExportSource::new("x.csv");
    source.thousands_separator = Some('.');
    assert!(load(&source).unwrap_err().to_string().contains("thousands_separator"));
    let error = load(&ExportSource::new("no/such/export.csv")).unwrap_err().to_string();
    assert!(error.contains("no/such/export.csv"), "{error}");
    let error = load(&ExportSource::new("export.xlsx")).unwrap_err().to_string();
    assert!(error.contains("export.xlsx") && error.contains("format"), "{error}");
}

/// Each invoice with its country name, so that tables whose country lists are
/// ordered differently compare equal when they say the same thing.
fn with_country_names(table: &InvoiceTable) -> Vec<(Invoice, String)> {
    let countries = table.countries();
    let mut rows: Vec<(Invoice, String)> = table
        .invoices()
        .iter()
        .map(|inv| (Invoice { country: 0, ..inv.clone() }, countries[usize::from(inv.country)].clone()))
        .collect();
    rows.sort_by_key(|(inv, _)| inv.invoice_id);
    rows
}

#[test]
fn a_generated_world_written_as_csv_or_parquet_loads_back_as_the_same_table() {
    let world = ReceivablesWorld { seed: 5, invoices: 3_000, customers: 150, contracts: 400, ..Default::default() };
    let table = world.generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for file in ["world.csv", "world.parquet"] {
        let path = dir.path().join(file);
        write_receivables(&table, &path).unwrap();
        let mut source = ExportSource::new(file);
        source.columns = ColumnMapping::generated();
        source.snapshot_date = Some(world.end_date);
        let loaded = source.load(dir.path()).unwrap();
        assert_eq!(loaded.report.rows_kept, table.len(), "{file}");
        assert_eq!(loaded.names.invoice_ids, None, "integer ids keep their values");
        assert_eq!(loaded.table.snapshot_date(), table.snapshot_date());
        assert_eq!(with_country_names(&loaded.table), with_country_names(&table), "{file}");
        assert_eq!(loaded.table.outcome_counts(), table.outcome_counts(), "{file}");
    }
}
