//! # overdue-features
//!
//! Turns a validated invoice table into a [`Dataset`]: a contiguous, row-major f32
//! feature matrix with labels, invoice dates, feature names and a time split.
//!
//! **What it is for.** Leakage-free, *as-of* features. For an invoice dated `t`,
//! every feature is computed from what was known strictly before `t`:
//!
//! * another invoice of the same customer counts only if it was issued before `t`
//!   (`invoice_date < t`; invoices of the same day are not visible to each other);
//! * it counts as **paid** only if it was settled before `t` (`settled_date < t`);
//! * it is **outstanding** at `t` if it was issued before `t` and not settled before `t`;
//! * it is **late outstanding** at `t` if it is outstanding and its due date is before `t`.
//!
//! A settlement, an invoice or anything else dated `t` or later can therefore never
//! change the features of an invoice dated `t`; `tests/leakage.rs` checks this as a
//! property. Splits are by time only ([`SplitSpec`]): every invoice of the training
//! part is dated strictly before every invoice of the validation part, and so on.
//!
//! **What it is not for.** It generates and loads nothing (that is `overdue-data`),
//! knows no model and no config file. Its output types ([`Dataset`], [`Samples`],
//! [`MatrixView`]) are the only thing models see.

mod dataset;
mod error;
mod receivables;
mod split;

pub use dataset::{Dataset, MatrixView, Samples, Split, SplitSummary, TimeSplit};
pub use error::FeatureError;
pub use receivables::{HistoryWindow, ReceivablesFeatures};
pub use split::SplitSpec;
