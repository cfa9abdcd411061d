//! What a user writes to describe an export: the file, its format, which column
//! holds what, how dates and numbers are written and what to do with dirty rows.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use super::parse::{DateFormat, NumberFormat};
use crate::DataError;

/// An invoice export and how to read it: `[data]` of a sweep config with
/// `kind = "file"`, or the options of `overdue inspect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSource {
    /// The export file. A relative path is taken from the folder of the config
    /// that names it.
    pub path: PathBuf,
    /// `csv` or `parquet`; by default the file's extension decides.
    #[serde(default)]
    pub format: Option<ExportFormat>,
    /// Which column holds what.
    #[serde(default, deserialize_with = "columns_table")]
    pub columns: ColumnMapping,
    /// Formats of text dates (chrono strftime syntax), tried in order: one
    /// (`"%m/%d/%Y"`) or a list. Default `"%Y-%m-%d"`. Parquet date columns need none.
    #[serde(default = "default_date_formats", deserialize_with = "one_or_many")]
    pub date_format: Vec<String>,
    /// What to do with rows that break a rule (unparsable date, missing value,
    /// negative amount, duplicate id...).
    #[serde(default)]
    pub dirty_rows: DirtyRowPolicy,
    /// The day the export was taken: settlements after it are unknown. Default:
    /// the latest invoice or settlement date in the file.
    #[serde(default, deserialize_with = "crate::date_serde::deserialize_option")]
    pub snapshot_date: Option<NaiveDate>,
    /// CSV field separator (one ASCII character).
    #[serde(default = "default_separator")]
    pub separator: char,
    /// Character grouping thousands in text amounts (`,` in `1,234.50`), if any.
    #[serde(default)]
    pub thousands_separator: Option<char>,
    /// Text amounts use a decimal comma (`1234,50`).
    #[serde(default)]
    pub decimal_comma: bool,
}

fn default_date_formats() -> Vec<String> {
    vec!["%Y-%m-%d".into()]
}

fn default_separator() -> char {
    ','
}

/// `[data.columns]`, with an unknown key reported as `columns.<key>`: configs
/// read `[data]` as a tagged table, whose error paths stop at `data`.
fn columns_table<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ColumnMapping, D::Error> {
    ColumnMapping::deserialize(deserializer).map_err(|error| {
        let message = error.to_string();
        if !message.starts_with("unknown field `") {
            return error;
        }
        // Every other backtick opens a quoted name: prefix those names.
        let mut prefixed = String::with_capacity(message.len() + 64);
        for (index, part) in message.split('`').enumerate() {
            if index > 0 {
                prefixed.push('`');
                if index % 2 == 1 {
                    prefixed.push_str("columns.");
                }
            }
            prefixed.push_str(part);
        }
        serde::de::Error::custom(prefixed)
    })
}

fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(format) => vec![format],
        OneOrMany::Many(formats) => formats,
    })
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// Comma (or otherwise) separated text, LF or CRLF line endings, `"`-quoted fields.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl ExportFormat {
    /// The format a file's extension names: `.csv` / `.tsv` / `.txt` or `.parquet` / `.pq`.
    pub fn of_path(path: &Path) -> Result<Self, DataError> {
        let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("csv" | "tsv" | "txt") => Ok(Self::Csv),
            Some("parquet" | "pq") => Ok(Self::Parquet),
            _ => Err(DataError::UnknownFormat { path: path.to_path_buf() }),
        }
    }
}

/// What happens to a row that breaks a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirtyRowPolicy {
    /// Fail on the first bad row, naming the file, the row and the column.
    #[default]
    Reject,
    /// Leave bad rows out and count them per reason ([`super::LoadReport`]).
    Drop,
}

/// Which column of the export holds each field. Column names are matched
/// exactly (case and spaces included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ColumnMapping {
    /// Unique invoice identifier (integers or any text).
    pub invoice_id: String,
    /// The customer who owes the invoice (integers or any text).
    pub customer: String,
    /// The contract, if the export has one; otherwise every invoice gets contract 0.
    pub contract: Option<String>,
    /// Date the invoice was issued: its prediction moment.
    pub invoice_date: String,
    /// Date payment is due.
    pub due_date: String,
    /// Date it was paid; an empty cell means still open.
    pub settled_date: String,
    /// Invoice amount (non-negative).
    pub amount: String,
    /// The customer's country, if any; otherwise one country named `all`.
    pub country: Option<String>,
    /// Credit rating, an integer 0-255 (the generated worlds use 1 best to 5
    /// worst), if any; otherwise 0.
    pub credit_rating: Option<String>,
    /// Further categorical columns to load (missing cells allowed).
    pub categorical: Vec<String>,
    /// Further numeric columns to load (missing cells allowed; text must be a
    /// finite number).
    pub numeric: Vec<String>,
}

impl Default for ColumnMapping {
    /// The required columns under the names `overdue generate ar` writes; no
    /// optional column.
    fn default() -> Self {
        Self {
            invoice_id: "invoice_id".into(),
            customer: "customer_id".into(),
            contract: None,
            invoice_date: "invoice_date".into(),
            due_date: "due_date".into(),
            settled_date: "settled_date".into(),
            amount: "amount".into(),
            country: None,
            credit_rating: None,
            categorical: Vec::new(),
            numeric: Vec::new(),
        }
    }
}

impl ColumnMapping {
    /// Every column `overdue generate ar` writes, optional ones included.
    pub fn generated() -> Self {
        Self {
            contract: Some("contract_id".into()),
            country: Some("country".into()),
            credit_rating: Some("credit_rating".into()),
            ..Self::default()
        }
    }

    /// Each mapped file column with the mapping key that names it, in the order
    /// rows are checked.
    pub fn mapped(&self) -> Vec<(&'static str, &str)> {
        let mut mapped = vec![("invoice_id", self.invoice_id.as_str()), ("customer", self.customer.as_str())];
        mapped.extend(self.contract.as_deref().map(|c| ("contract", c)));
        mapped.extend([
            ("invoice_date", self.invoice_date.as_str()),
            ("due_date", self.due_date.as_str()),
            ("settled_date", self.settled_date.as_str()),
            ("amount", self.amount.as_str()),
        ]);
        mapped.extend(self.country.as_deref().map(|c| ("country", c)));
        mapped.extend(self.credit_rating.as_deref().map(|c| ("credit_rating", c)));
        mapped.extend(self.categorical.iter().map(|c| ("categorical", c.as_str())));
        mapped.extend(self.numeric.iter().map(|c| ("numeric", c.as_str())));
        mapped
    }
}

impl std::fmt::Display for ColumnMapping {
    /// `key <- `column`` for each mapped column, then the optional keys left unmapped.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mapped: Vec<String> = self.mapped().iter().map(|(key, column)| format!("{key} <- `{column}`")).collect();
        write!(f, "{}", mapped.join(", "))?;
        let unmapped: Vec<&str> =
            [("contract", &self.contract), ("country", &self.country), ("credit_rating", &self.credit_rating)]
                .iter()
                .filter(|(_, column)| column.is_none())
                .map(|(key, _)| *key)
                .collect();
        if !unmapped.is_empty() {
            write!(f, "; not mapped: {}", unmapped.join(", "))?;
        }
        Ok(())
    }
}

impl ExportSource {
    /// A source reading `path` with the default mapping and options.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            format: None,
            columns: ColumnMapping::default(),
            date_format: default_date_formats(),
            dirty_rows: DirtyRowPolicy::default(),
            snapshot_date: None,
            separator: default_separator(),
            thousands_separator: None,
            decimal_comma: false,
        }
    }

    /// Checks what serde cannot: formats, separators, column names.
    pub fn validate(&self) -> Result<(), DataError> {
        let bad = |key: &'static str, reason: String| Err(DataError::InvalidSetting { key, reason });
        if self.path.as_os_str().is_empty() {
            return bad("path", "give the export file".into());
        }
        if self.date_format.is_empty() {
            return bad("date_format", "give at least one date format".into());
        }
        if let Err(reason) = self.date_formats() {
            return bad("date_format", reason);
        }
        if !self.separator.is_ascii() || self.separator == '"' || self.separator == '\n' || self.separator == '\r' {
            return bad(
                "separator",
                format!("{:?} is not usable: give one ASCII character such as ',' or ';'", self.separator),
            );
        }
        if let Some(thousands) = self.thousands_separator {
            if thousands.is_ascii_digit() || thousands == '-' || thousands == '+' {
                return bad("thousands_separator", format!("{thousands:?} would change numbers"));
            }
            let decimal = if self.decimal_comma { ',' } else { '.' };
            if thousands == decimal {
                return bad("thousands_separator", format!("{thousands:?} is also the decimal mark"));
            }
        }
        for (key, column) in self.columns.mapped() {
            if column.is_empty() {
                return bad("columns", format!("`{key}` names an empty column"));
            }
        }
        Ok(())
    }

    /// The format: given, or from the extension.
    pub fn format(&self) -> Result<ExportFormat, DataError> {
        match self.format {
            Some(format) => Ok(format),
            None => ExportFormat::of_path(&self.path),
        }
    }

    /// The file, with a relative path taken from `base_dir`.
    pub fn resolved_path(&self, base_dir: &Path) -> PathBuf {
        if self.path.is_absolute() { self.path.clone() } else { base_dir.join(&self.path) }
    }

    pub(crate) fn date_formats(&self) -> Result<Vec<DateFormat>, String> {
        self.date_format.iter().map(|f| DateFormat::new(f)).collect()
    }

    pub(crate) fn number_format(&self) -> NumberFormat {
        NumberFormat { thousands_separator: self.thousands_separator, decimal_comma: self.decimal_comma }
    }
}
