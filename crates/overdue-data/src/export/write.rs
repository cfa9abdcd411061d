//! Writing generated worlds as the files a company would export, CSV or
//! Parquet by the file's extension, so that they load back through a mapping.

use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use polars::prelude::*;

use super::ExportFormat;
use crate::{Actor, CollectionsRow, DataError, InvoiceTable, RawPayables};

/// Days from 0001-01-01 to 1970-01-01, the epoch of Arrow dates.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Writes a receivables table with the columns of [`super::ColumnMapping::generated`]:
/// `invoice_id, customer_id, contract_id, country, credit_rating, amount,
/// invoice_date, due_date, settled_date` (ISO dates; an empty settled date is an
/// open invoice).
pub fn write_receivables(table: &InvoiceTable, path: &Path) -> Result<(), DataError> {
    let invoices = table.invoices();
    let countries = table.countries();
    let columns = vec![
        column("invoice_id", invoices.iter().map(|i| i.invoice_id).collect::<Vec<_>>()),
        column("customer_id", invoices.iter().map(|i| i.customer_id).collect::<Vec<_>>()),
        column("contract_id", invoices.iter().map(|i| i.contract_id).collect::<Vec<_>>()),
        column("country", invoices.iter().map(|i| countries[usize::from(i.country)].as_str()).collect::<Vec<_>>()),
        column("credit_rating", invoices.iter().map(|i| u32::from(i.credit_rating)).collect::<Vec<_>>()),
        column("amount", invoices.iter().map(|i| i.amount).collect::<Vec<_>>()),
        dates("invoice_date", invoices.iter().map(|i| Some(i.invoice_date))),
        dates("due_date", invoices.iter().map(|i| Some(i.due_date))),
        dates("settled_date", invoices.iter().map(|i| i.settled_date)),
    ];
    write_frame(columns, path)
}

/// Where [`write_payables`] puts the event log of an invoice file:
/// `invoices.csv` -> `invoices_events.csv`.
pub fn events_path(invoices: &Path) -> PathBuf {
    let stem = invoices.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let extension = invoices.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    invoices.with_file_name(format!("{stem}_events{extension}"))
}

/// Writes a raw payables export (dirty rows included, categories as their
/// names, missing values empty) to `path` and its process event log to
/// [`events_path`]`(path)`; returns the latter.
///
/// Invoice columns: `invoice_id`, the nine categorical columns
/// ([`crate::Categories::NAMES`]), `urgent, amount, posting_date, due_date,
/// cleared_date`. Event columns: `invoice_id, action, actor, start, end`
/// (`actor` is `system` or `user_<n>`).
pub fn write_payables(raw: &RawPayables, path: &Path) -> Result<PathBuf, DataError> {
    let invoices = &raw.invoices;
    let names = &raw.categories;
    let name = |values: &[String], code: u16| values[usize::from(code)].clone();
    let text = |column_name: &str, values: Vec<Option<String>>| column(column_name, values);
    let columns = vec![
        column("invoice_id", invoices.iter().map(|i| i.invoice_id).collect::<Vec<_>>()),
        text("vendor", invoices.iter().map(|i| i.vendor.map(|v| names.vendors[v as usize].clone())).collect()),
        text("company_code", invoices.iter().map(|i| i.company_code.map(|c| name(&names.company_codes, c))).collect()),
        text("country", invoices.iter().map(|i| Some(name(&names.countries, i.country))).collect()),
        text("currency", invoices.iter().map(|i| Some(name(&names.currencies, i.currency))).collect()),
        text("document_type", invoices.iter().map(|i| Some(name(&names.document_types, i.document_type))).collect()),
        text("payment_terms", invoices.iter().map(|i| Some(name(&names.payment_terms, i.payment_terms))).collect()),
        text("plant", invoices.iter().map(|i| Some(name(&names.plants, i.plant))).collect()),
        text(
            "purchasing_group",
            invoices.iter().map(|i| Some(name(&names.purchasing_groups, i.purchasing_group))).collect(),
        ),
        text("channel", invoices.iter().map(|i| Some(name(&names.channels, i.channel))).collect()),
        column("urgent", invoices.iter().map(|i| i.urgent).collect::<Vec<_>>()),
        column("amount", invoices.iter().map(|i| i.amount).collect::<Vec<_>>()),
        dates("posting_date", invoices.iter().map(|i| i.posting_date)),
        dates("due_date", invoices.iter().map(|i| i.due_date)),
        dates("cleared_date", invoices.iter().map(|i| i.cleared_date)),
    ];
    write_frame(columns, path)?;
    let events = &raw.events;
    let actor = |actor: Actor| match actor {
        Actor::System => "system".to_string(),
        Actor::User(id) => format!("user_{id}"),
    };
    let columns = vec![
        column("invoice_id", events.iter().map(|e| e.invoice_id).collect::<Vec<_>>()),
        column("action", events.iter().map(|e| e.action.name()).collect::<Vec<_>>()),
        column("actor", events.iter().map(|e| actor(e.actor)).collect::<Vec<_>>()),
        timestamps("start", events.iter().map(|e| e.start)),
        timestamps("end", events.iter().map(|e| e.end)),
    ];
    let events_path = events_path(path);
    write_frame(columns, &events_path)?;
    Ok(events_path)
}

/// Writes a collections-actions table: `email, sms, call, paid`.
pub fn write_collections(rows: &[CollectionsRow], path: &Path) -> Result<(), DataError> {
    let count = |f: fn(&CollectionsRow) -> u8| rows.iter().map(|r| u32::from(f(r))).collect::<Vec<_>>();
    let columns = vec![
        column("email", count(|r| r.email)),
        column("sms", count(|r| r.sms)),
        column("call", count(|r| r.call)),
        column("paid", rows.iter().map(|r| r.paid).collect::<Vec<_>>()),
    ];
    write_frame(columns, path)
}

/// The values of one column of a table written by [`write_table`].
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// Unsigned integers, such as ids (Parquet `UINT64`).
    U64(Vec<u64>),
    /// Days (Parquet `DATE`; ISO dates in CSV).
    Date(Vec<NaiveDate>),
    /// Short texts from a fixed set, such as split names.
    Text(Vec<&'static str>),
    /// Flags (Parquet `BOOLEAN`).
    Bool(Vec<bool>),
    /// 32-bit floats (Parquet `FLOAT`).
    F32(Vec<f32>),
}

impl ColumnValues {
    fn into_column(self, name: &str) -> Column {
        match self {
            ColumnValues::U64(values) => column(name, values),
            ColumnValues::Date(values) => dates(name, values.into_iter().map(Some)),
            ColumnValues::Text(values) => column(name, values),
            ColumnValues::Bool(values) => column(name, values),
            ColumnValues::F32(values) => column(name, values),
        }
    }
}

/// Writes named columns of equal length as a table, CSV or Parquet by the
/// file's extension: the writer for tables other crates assemble (a feature
/// matrix), so that polars stays in this module.
pub fn write_table(columns: Vec<(String, ColumnValues)>, path: &Path) -> Result<(), DataError> {
    write_frame(columns.into_iter().map(|(name, values)| values.into_column(&name)).collect(), path)
}

fn column<T, P: ?Sized>(name: &str, values: T) -> Column
where
    Series: NamedFrom<T, P>,
{
    Series::new(PlSmallStr::from_str(name), values).into_column()
}

fn dates(name: &str, values: impl Iterator<Item = Option<NaiveDate>>) -> Column {
    let days: Vec<Option<i32>> = values.map(|d| d.map(|d| d.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE)).collect();
    Int32Chunked::new(PlSmallStr::from_str(name), &days).into_date().into_column()
}

fn timestamps(name: &str, values: impl Iterator<Item = NaiveDateTime>) -> Column {
    let millis: Vec<i64> = values.map(|t| t.and_utc().timestamp_millis()).collect();
    Int64Chunked::new(PlSmallStr::from_str(name), &millis).into_datetime(TimeUnit::Milliseconds, None).into_column()
}

fn write_frame(columns: Vec<Column>, path: &Path) -> Result<(), DataError> {
    let format = ExportFormat::of_path(path)?;
    let height = columns.first().map_or(0, |c| c.len());
    let failed = |e: PolarsError| DataError::Format { path: path.to_path_buf(), message: e.to_string() };
    let mut frame = DataFrame::new(height, columns).map_err(failed)?;
    let mut file = File::create(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    match format {
        ExportFormat::Csv => CsvWriter::new(&mut file).include_header(true).finish(&mut frame).map_err(failed),
        ExportFormat::Parquet => ParquetWriter::new(&mut file).finish(&mut frame).map(|_| ()).map_err(failed),
    }?;
    file.sync_all().map_err(|source| DataError::Io { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Vec<(String, ColumnValues)> {
        let day = |d| NaiveDate::from_ymd_opt(2018, 3, d).unwrap();
        vec![
            ("invoice_id".into(), ColumnValues::U64(vec![7, u64::MAX])),
            ("prediction_date".into(), ColumnValues::Date(vec![day(1), day(31)])),
            ("split".into(), ColumnValues::Text(vec!["train", "test"])),
            ("late".into(), ColumnValues::Bool(vec![false, true])),
            ("amount_log".into(), ColumnValues::F32(vec![1.5, -0.25])),
        ]
    }

    #[test]
    fn a_table_reads_back_from_parquet_with_its_names_types_and_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.parquet");
        write_table(table(), &path).unwrap();
        let frame = ParquetReader::new(File::open(&path).unwrap()).finish().unwrap();
        let names: Vec<&str> = frame.get_column_names().into_iter().map(|n| n.as_str()).collect();
        assert_eq!(names, ["invoice_id", "prediction_date", "split", "late", "amount_log"]);
        let types: Vec<DataType> = frame.dtypes();
        assert_eq!(types, [DataType::UInt64, DataType::Date, DataType::String, DataType::Boolean, DataType::Float32]);
        let ids: Vec<Option<u64>> = frame.column("invoice_id").unwrap().u64().unwrap().iter().collect();
        assert_eq!(ids, [Some(7), Some(u64::MAX)]);
        let days: Vec<Option<i32>> =
            frame.column("prediction_date").unwrap().date().unwrap().physical().iter().collect();
        assert_eq!(days, [Some(17_591), Some(17_621)], "days since 1970-01-01");
        let amounts: Vec<Option<f32>> = frame.column("amount_log").unwrap().f32().unwrap().iter().collect();
        assert_eq!(amounts, [Some(1.5), Some(-0.25)]);
    }

    #[test]
    fn a_table_is_written_as_csv_by_its_extension() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.csv");
        write_table(table(), &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "invoice_id,prediction_date,split,late,amount_log\n\
             7,2018-03-01,train,false,1.5\n\
             18446744073709551615,2018-03-31,test,true,-0.25\n"
        );
    }

    #[test]
    fn columns_of_different_lengths_are_an_error_naming_the_file() {
        let mut columns = table();
        columns.push(("short".into(), ColumnValues::F32(vec![1.0])));
        let err = write_table(columns, Path::new("features.parquet")).unwrap_err();
        assert!(err.to_string().contains("features.parquet"), "{err}");
    }
}
