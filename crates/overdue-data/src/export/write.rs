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
