//! Errors of the data layer.

use std::path::PathBuf;

/// Lists column names for an error message: `a`, `b`, ... (at most 40).
fn list_columns(columns: &[String]) -> String {
    const SHOWN: usize = 40;
    let mut listed: Vec<String> = columns.iter().take(SHOWN).map(|c| format!("`{c}`")).collect();
    if columns.len() > SHOWN {
        listed.push(format!("and {} more", columns.len() - SHOWN));
    }
    listed.join(", ")
}

/// Why invoices could not be generated, loaded or validated.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A generator parameter is out of range.
    #[error("invalid world parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter's name, as in configs.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A row of an invoice table breaks an invariant.
    #[error("invalid invoice at row {row}, column `{column}`: {reason}")]
    InvalidRow {
        /// Zero-based row index in the table.
        row: usize,
        /// The offending column.
        column: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting of an export source is invalid.
    #[error("invalid export setting `{key}`: {reason}")]
    InvalidSetting {
        /// The setting's key, as in configs.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is not valid CSV or Parquet, or could not be written as such.
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What the reader or writer reported.
        message: String,
    },
    /// The format of a file cannot be told from its name.
    #[error(
        "{}: cannot tell the format from the extension (use .csv or .parquet, or set format = \"csv\" or \"parquet\")",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// A mapped column is not in the file.
    #[error(
        "{}: no column `{column}` (mapped as `columns.{key}`); the file's columns are {}",
        path.display(),
        list_columns(available)
    )]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The mapping key naming the column.
        key: &'static str,
        /// The column name the mapping gives.
        column: String,
        /// The columns the file has.
        available: Vec<String>,
    },
    /// A row of an export breaks a rule and the dirty-row policy is `reject`.
    #[error("{}: data row {row}, column `{column}`: {reason}", path.display())]
    BadRow {
        /// The file.
        path: PathBuf,
        /// One-based data row (the first row after the header is row 1).
        row: usize,
        /// The file's column at fault.
        column: String,
        /// What is wrong, with the value found.
        reason: String,
    },
}
