//! Errors of the sweep layer.

use std::path::PathBuf;

/// Why a sweep could not start, continue or publish.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The config is malformed or invalid.
    #[error("{}: {}{message}", path.display(), if key.is_empty() { String::new() } else { format!("key `{key}`: ") })]
    Config {
        /// The config file.
        path: PathBuf,
        /// Dotted path of the key at fault (empty for a syntax error).
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A stored run record could not be parsed.
    #[error("{}: corrupt run record: {message}", path.display())]
    CorruptRecord {
        /// The record file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The invoices could not be produced.
    #[error(transparent)]
    Data(#[from] overdue_data::DataError),
    /// The features could not be built.
    #[error(transparent)]
    Features(#[from] overdue_features::FeatureError),
    /// A results folder holds no run records.
    #[error("{}: no run records here (is this a sweep's output folder?)", path.display())]
    NoRecords {
        /// The folder that should hold `<run_id>.json` files.
        path: PathBuf,
    },
    /// The thread pool could not be built.
    #[error("cannot start the thread pool: {0}")]
    Threads(String),
    /// Runs failed and the sweep was asked to stop at the first failure.
    #[error("run {run_id} failed: {reason}")]
    RunFailed {
        /// Identity of the failed run.
        run_id: String,
        /// Why it failed.
        reason: String,
    },
}
