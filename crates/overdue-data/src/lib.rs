//! # overdue-data
//!
//! Where invoices come from: synthetic worlds and (later) loaders for real exports,
//! all producing a validated [`InvoiceTable`].
//!
//! **What it is for.** Generating seeded, deterministic invoice worlds whose
//! behaviour gives the studies' features something real to find
//! ([`ReceivablesWorld`]), validating tables so that downstream code can rely on
//! their invariants, and the single definition of the label ([`Outcome`],
//! [`LATE_AFTER_DAYS`]): late means paid more than five days after the due date.
//!
//! **What it is not for.** No features, splits or models: this crate knows nothing
//! downstream of the invoice table.

pub mod date_serde;
mod error;
mod invoice;
mod receivables;

pub use error::DataError;
pub use invoice::{Invoice, InvoiceTable, LATE_AFTER_DAYS, Outcome, OutcomeCounts};
pub use receivables::ReceivablesWorld;
