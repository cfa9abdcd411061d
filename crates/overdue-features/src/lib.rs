//! # overdue-features
//!
//! Turns a validated invoice table into a [`Dataset`]: a contiguous, row-major f32
//! feature matrix with labels, invoice dates, feature names and a time split.
//!
//! **What it is for.** Leakage-free, *as-of* features. Every row has a
//! prediction moment `t` (a day): the invoice date for receivables, the posting
//! date or a day before the due date for payables. Every feature of that row is
//! computed from what was known at the **start** of day `t`, that is from
//! facts dated strictly before `t`:
//!
//! * another invoice counts only if it was issued (posted) before `t`;
//!   invoices of the same day are not visible to each other;
//! * it counts as **paid** only if it was settled (cleared) before `t`;
//! * it is **outstanding** (open, in the system) at `t` if it was issued before
//!   `t` and not settled before `t`; **late outstanding** if also past due at `t`;
//! * its **outcome** (late or on time) counts only if it was known before `t`:
//!   settled before `t`, or still open after its due date (so known to be late);
//! * a process-log event counts only if it **started** before `t`; only its
//!   type and start are used, never its end;
//! * the invoice's own fields (amount, dates, categorical values) are known
//!   from its posting or issue date on.
//!
//! A settlement, an invoice, an event or anything else dated `t` or later can
//! therefore never change the features of a row predicted at `t`;
//! `tests/leakage.rs` and `tests/payables_leakage.rs` check this as a property
//! (the future is rewritten at random; past features must not move), and
//! `tests/hand_computed.rs` and `tests/payables_hand_computed.rs` check tiny
//! worlds by hand. Splits are by time only ([`SplitSpec`]): every row of the
//! training part is dated strictly before every row of the validation part,
//! and so on; with a purge ([`SplitSpec::purges`]) no kept row's label was
//! unknown when the next part began. Rows are selected as of their moment as
//! well ([`EvaluationSubset`]).
//!
//! The feature sets:
//!
//! * [`ReceivablesFeatures`] (study 1): per-customer history over lookback
//!   windows of `w` months, for many windows at once, or one window at a
//!   time from shared preparation ([`ReceivablesRows`]) on large tables.
//! * [`PayablesFeatures`] (study 2): urgent invoices and load (inter-case),
//!   the invoice's own fields, vendor history and process state, at posting
//!   or `k` days before the due date ([`PredictionMoment`]), with categorical
//!   columns encoded historically or one-hot ([`CategoricalEncoding`]).
//! * [`collections_dataset`] (the Keras tutorial): reminders sent per channel,
//!   to predict whether a late invoice stays unpaid.
//!
//! **What it is not for.** It generates and loads nothing (that is `overdue-data`),
//! knows no model and no config file. Its output types ([`Dataset`], [`Samples`],
//! [`MatrixView`]) are the only thing models see.

mod calendar;
mod collections;
mod dataset;
mod error;
mod payables;
mod receivables;
mod split;

pub use collections::{COLLECTIONS_FEATURES, collections_dataset};
pub use dataset::{Dataset, MatrixView, Samples, Split, SplitSummary, TimeSplit};
pub use error::FeatureError;
pub use payables::{CategoricalEncoding, EvaluationSubset, PayablesFeatures, PredictionMoment};
pub use receivables::{HistoryWindow, ReceivablesFeatures, ReceivablesRows};
pub use split::SplitSpec;
