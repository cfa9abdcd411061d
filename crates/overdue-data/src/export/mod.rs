//! Real exports: a user's own invoices, CSV or Parquet, loaded through a column
//! mapping into the same validated [`crate::InvoiceTable`] the generators make.
//!
//! **Reading.** [`ExportSource`] says which file, which column holds what
//! ([`ColumnMapping`]), how dates (chrono formats, tried in order) and numbers
//! (thousands separators, decimal comma) are written and what to do with dirty
//! rows ([`DirtyRowPolicy`]). Polars reads the mapped columns only, CSV cells as
//! text: LF or CRLF line endings, `"`-quoted fields with embedded separators,
//! quotes (`""`) and line breaks. Every cell is then parsed by our own rules so
//! that a bad one can be named: errors give the file, the one-based data row
//! (the first row after the header is row 1) and the column.
//!
//! **Rules.** A row is dirty when a required cell is empty, a date or number
//! does not parse, an amount is negative, NaN or infinite, the due date or the
//! settlement is before the invoice date, something is dated after a given
//! snapshot date, or its invoice id appeared on an earlier row. Under `reject`
//! the earliest dirty row fails the load; under `drop` dirty rows are left out
//! and counted per reason in the [`LoadReport`]. An empty settled date is an
//! open invoice, never a silently paid one.
//!
//! **Identifiers.** Integer ids keep their values; text ids get codes in order
//! of first appearance, their texts kept in [`IdNames`].
//!
//! **Writing.** `write_*` put the generated worlds into files with the column
//! names [`ColumnMapping::generated`] expects, so that generate -> load gives
//! back the same table; [`write_table`] writes any other table (a feature
//! matrix) from plain vectors.
//!
//! Polars stays inside this module: no polars type is part of the crate's API.

mod dirty;
mod load;
mod parse;
mod read;
mod source;
mod write;

pub use dirty::{DirtyCount, DirtyReason, LoadReport};
pub use load::{CategoricalColumn, ExtraColumns, IdNames, LoadedExport, NO_COUNTRY, NumericColumn};
pub use source::{ColumnMapping, DirtyRowPolicy, ExportFormat, ExportSource};
pub use write::{ColumnValues, events_path, write_collections, write_payables, write_receivables, write_table};
