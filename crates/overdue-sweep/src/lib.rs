//! # overdue-sweep
//!
//! Config-driven sweeps: a TOML file ([`SweepConfig`]) describes data, features,
//! split, models and seeds; [`run_sweep`] runs every cell of that grid and stores
//! one [`RunRecord`] per run; the report is written from the stored records
//! alone.
//!
//! **Invariants.**
//! * *Run identity*: a run's id is a hash of its [`RunCell`] (data fingerprint,
//!   feature set, window or feature variant, split, model family,
//!   hyperparameters, seed, code version). Same content, same id, in any sweep or shard.
//! * *No finished run is ever lost*: records are stored atomically, one file per
//!   run, as each run ends ([`RunStore`]); a sweep started again skips the runs
//!   already finished and re-runs failed ones.
//! * *A failing cell never stops a sweep* (unless asked to fail fast): it is
//!   recorded as failed with its reason, panics included.
//!
//! **What it is not for.** No model, feature or metric code lives here: this
//! crate wires the layers together. Argument parsing lives in `overdue-cli`.

mod cell;
mod compare;
mod config;
mod data_source;
mod datasets;
mod environment;
mod error;
mod fault;
mod feature_config;
mod features_file;
mod merge;
mod plan;
mod record;
mod report;
mod runner;
mod store;

pub use cell::{RunCell, fingerprint};
pub use compare::{CompareOptions, Comparison, MetricChange, TimingChange, Verdict, compare, load_records};
pub use config::{DEFAULT_OUTPUT_ROOT, DataConfig, ModelSpec, SweepConfig};
pub use data_source::config_dir;
pub use environment::Environment;
pub use error::SweepError;
pub use fault::{FAULT_VARIABLE, InjectedFault};
pub use feature_config::{FeatureConfig, FeatureVariant};
pub use features_file::{FEATURE_FILE_KEYS, FeaturesFile, write_features};
pub use merge::{MergeSummary, merge_folders};
pub use plan::{PlannedRun, Shard, plan_sweep};
pub use record::{CurvePoints, FeatureImportance, RunCost, RunOutcome, RunRecord, RunResults};
pub use report::{
    CellSummary, DatasetSummary, DeviceCost, Estimate, FeatureRow, ModelColumn, ModelImportance, Summary,
    model_columns, report_folder, summarize, write_report,
};
pub use runner::{SweepEvent, SweepOptions, SweepSummary, run_sweep};
pub use store::RunStore;
