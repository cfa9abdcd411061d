//! # overdue-data
//!
//! Where invoices come from: synthetic worlds and loaders for real exports,
//! all producing a validated [`InvoiceTable`].
//!
//! **What it is for.** Generating seeded, deterministic invoice worlds whose
//! behaviour gives the studies' features something real to find, validating
//! tables so that downstream code can rely on their invariants, and the single
//! definition of each label:
//!
//! * [`ReceivablesWorld`] (study 1): customers paying invoices; late means paid
//!   more than [`LATE_AFTER_DAYS`] (5) days after the due date ([`Outcome`]).
//! * [`PayablesWorld`] (study 2): vendor invoices flowing through a
//!   capacity-limited approval process that writes an event log, with dirty rows
//!   and study 2's cleaning; late means cleared after the due date
//!   ([`PAYABLES_LATE_AFTER_DAYS`] = 0).
//! * [`CollectionsWorld`] and [`TUTORIAL_TABLE`]: the collections-actions
//!   tutorial (reminders sent -> paid).
//! * [`ExportSource`]: a user's own CSV or Parquet export, loaded through a
//!   column mapping, with dirty rows rejected or dropped and counted
//!   ([`LoadReport`]); `write_*` write the generated worlds as such files.
//!   Polars, the heavy dependency that reads and writes them, is confined to the
//!   private `export` module.
//!
//! **What it is not for.** No features, splits or models: this crate knows nothing
//! downstream of the invoice table.

mod calendar;
mod collections;
pub mod date_serde;
mod error;
mod export;
mod invoice;
mod payables;
mod receivables;
mod summary;

pub use collections::{CollectionsRow, CollectionsWorld, TUTORIAL_QUERY, TUTORIAL_TABLE, paid_under_rules};
pub use error::DataError;
pub use export::{
    CategoricalColumn, ColumnMapping, ColumnValues, DirtyCount, DirtyReason, DirtyRowPolicy, ExportFormat,
    ExportSource, ExtraColumns, IdNames, LoadReport, LoadedExport, NO_COUNTRY, NumericColumn, events_path,
    write_collections, write_payables, write_receivables, write_table,
};
pub use invoice::{Invoice, InvoiceTable, LATE_AFTER_DAYS, Outcome, OutcomeCounts};
pub use payables::{
    Action, Actor, Categories, CleaningCounts, DirtyRates, PAYABLES_LATE_AFTER_DAYS, Payable, PayablesTable,
    PayablesWorld, ProcessEvent, RawPayable, RawPayables,
};
pub use receivables::ReceivablesWorld;
pub use summary::TableSummary;
