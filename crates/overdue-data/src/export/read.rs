//! Reading the mapped columns of a CSV or Parquet file with polars, and walking
//! their cells whatever their stored type. Polars stays inside this module and
//! `write.rs`: nothing polars appears in the crate's public API.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use polars::prelude::*;

use super::{ExportFormat, ExportSource};
use crate::DataError;

/// Days from 0001-01-01 (chrono's day 1 of the common era) to 1970-01-01 (day 0 of Arrow dates).
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// One cell, as the file stored it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'a> {
    /// Empty.
    Null,
    /// Text (every CSV cell; Parquet string columns).
    Text(&'a str),
    /// A Parquet integer.
    Int(i64),
    /// A Parquet float.
    Float(f64),
    /// A Parquet date or timestamp (its date).
    Date(NaiveDate),
}

impl Cell<'_> {
    /// Text with surrounding whitespace removed; empty text is `Null`.
    pub(crate) fn trimmed(self) -> Self {
        match self {
            Cell::Text(text) if text.trim().is_empty() => Cell::Null,
            Cell::Text(text) => Cell::Text(text.trim()),
            other => other,
        }
    }

    /// The value as a user would read it in the file, shortened for messages.
    pub(crate) fn shown(self) -> String {
        match self {
            Cell::Null => "an empty cell".into(),
            Cell::Text(text) if text.chars().count() > 60 => {
                format!("`{}...`", text.chars().take(60).collect::<String>())
            }
            Cell::Text(text) => format!("`{text}`"),
            Cell::Int(value) => format!("`{value}`"),
            Cell::Float(value) => format!("`{value}`"),
            Cell::Date(date) => format!("`{date}`"),
        }
    }
}

/// A column normalised to one of four physical types so that its cells can
/// be walked without caring how the file stored them.
pub(crate) struct Values {
    column: Column,
}

impl Values {
    fn new(column: &Column) -> PolarsResult<Self> {
        let dtype = column.dtype();
        let column = if dtype.is_integer() {
            column.cast(&DataType::Int64)?
        } else if dtype.is_float() {
            column.cast(&DataType::Float64)?
        } else {
            match dtype {
                DataType::String | DataType::Date => column.clone(),
                DataType::Datetime(_, _) => column.cast(&DataType::Date)?,
                _ => column.cast(&DataType::String)?,
            }
        };
        Ok(Self { column })
    }

    /// The cells, top to bottom.
    pub(crate) fn cells(&self) -> Box<dyn Iterator<Item = Cell<'_>> + '_> {
        let column = &self.column;
        match column.dtype() {
            DataType::Int64 => match column.i64() {
                Ok(values) => Box::new(values.iter().map(|v| v.map_or(Cell::Null, Cell::Int))),
                Err(_) => unreachable!("cast to Int64 above"),
            },
            DataType::Float64 => match column.f64() {
                Ok(values) => Box::new(values.iter().map(|v| v.map_or(Cell::Null, Cell::Float))),
                Err(_) => unreachable!("cast to Float64 above"),
            },
            DataType::Date => match column.date() {
                Ok(values) => Box::new(values.physical().iter().map(|days| {
                    let date = days
                        .and_then(|d| d.checked_add(UNIX_EPOCH_DAYS_FROM_CE))
                        .and_then(NaiveDate::from_num_days_from_ce_opt);
                    date.map_or(Cell::Null, Cell::Date)
                })),
                Err(_) => unreachable!("kept as Date above"),
            },
            _ => match column.str() {
                Ok(values) => Box::new(values.iter().map(|v| v.map_or(Cell::Null, Cell::Text))),
                Err(_) => unreachable!("cast to String above"),
            },
        }
    }
}

/// The mapped columns of a file, each normalised, with the number of data rows.
pub(crate) struct Columns {
    names: Vec<String>,
    values: Vec<Values>,
    height: usize,
}

impl Columns {
    /// Data rows in the file.
    pub(crate) fn height(&self) -> usize {
        self.height
    }

    /// The values of a mapped column, with its name.
    pub(crate) fn named<'c>(&'c self, name: &'c str) -> (&'c Values, &'c str) {
        let index = self.names.iter().position(|n| n == name).expect("every mapped column was read");
        (&self.values[index], name)
    }
}

/// Reads the columns `source` maps from `path`. A mapped column missing from
/// the file is an error naming it, its mapping key and the file's columns.
pub(crate) fn read_columns(path: &Path, source: &ExportSource) -> Result<Columns, DataError> {
    let polars_error = |e: PolarsError| DataError::Format { path: path.to_path_buf(), message: e.to_string() };
    let format = source.format()?;
    if !path.is_file() {
        let source = std::fs::metadata(path).err().unwrap_or_else(|| std::io::Error::other("not a file"));
        return Err(DataError::Io { path: path.to_path_buf(), source });
    }
    let mapped = source.columns.mapped();
    let available = match format {
        ExportFormat::Csv => csv_options(source, None).and_then(|o| o.with_n_rows(Some(0)).read(path)),
        ExportFormat::Parquet => {
            parquet_reader(path)?.schema().map(|s| s.iter_names().map(|n| n.to_string()).collect())
        }
    }
    .map_err(polars_error)?;
    for &(key, column) in &mapped {
        if !available.iter().any(|a| a == column) {
            return Err(DataError::MissingColumn {
                path: path.to_path_buf(),
                key,
                column: column.to_string(),
                available,
            });
        }
    }
    let mut names: Vec<String> = Vec::new();
    for (_, column) in mapped {
        if !names.iter().any(|n| n == column) {
            names.push(column.to_string());
        }
    }
    let frame = match format {
        ExportFormat::Csv => csv_options(source, Some(&names)).and_then(|o| o.read_frame(path)),
        ExportFormat::Parquet => parquet_reader(path)?.with_columns(Some(names.clone())).finish(),
    }
    .map_err(polars_error)?;
    let values = names
        .iter()
        .map(|name| frame.column(name).and_then(Values::new))
        .collect::<PolarsResult<Vec<_>>>()
        .map_err(polars_error)?;
    Ok(Columns { names, values, height: frame.height() })
}

/// CSV options: every column read as text (so that dates, amounts and ids are
/// parsed by our rules and a bad cell can be named), `"` quotes, the separator.
struct CsvRead(CsvReadOptions);

fn csv_options(source: &ExportSource, columns: Option<&[String]>) -> PolarsResult<CsvRead> {
    let separator =
        u8::try_from(source.separator).map_err(|_| polars_err!(InvalidOperation: "separator is not ASCII"))?;
    let options = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_raise_if_empty(true)
        .with_columns(columns.map(|c| c.iter().map(|name| PlSmallStr::from_str(name)).collect::<Arc<[_]>>()))
        .map_parse_options(|parse| parse.with_separator(separator).with_quote_char(Some(b'"')));
    Ok(CsvRead(options))
}

impl CsvRead {
    fn with_n_rows(self, rows: Option<usize>) -> Self {
        Self(self.0.with_n_rows(rows))
    }

    fn read_frame(self, path: &Path) -> PolarsResult<DataFrame> {
        self.0.try_into_reader_with_file_path(Some(path.to_path_buf()))?.finish()
    }

    /// The column names of the header.
    fn read(self, path: &Path) -> PolarsResult<Vec<String>> {
        Ok(self.read_frame(path)?.get_column_names().iter().map(|n| n.to_string()).collect())
    }
}

fn parquet_reader(path: &Path) -> Result<ParquetReader<File>, DataError> {
    let file = File::open(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    Ok(ParquetReader::new(file))
}
