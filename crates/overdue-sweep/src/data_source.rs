//! Where a sweep's invoices come from: a generated world or a user's export.
//! Kept apart from the config parser and the runner so that each data kind
//! adds one arm here.

use std::io;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use overdue_data::{CleaningCounts, CollectionsRow, InvoiceTable, LoadReport, PayablesTable};

use crate::cell::fingerprint;
use crate::{DataConfig, SweepConfig, SweepError};

/// The folder relative paths of `config` are taken from: the config file's
/// own folder (the working directory for a config parsed from text).
pub fn config_dir(config: &SweepConfig) -> PathBuf {
    config.source.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The invoices of a sweep, loaded once.
pub(crate) enum LoadedData {
    /// Receivables invoices: a generated world or an export.
    Receivables(InvoiceTable),
    /// A generated payables world after study 2's cleaning.
    Payables { table: Box<PayablesTable>, cleaning: CleaningCounts },
    /// A generated collections log, with the day each case closed.
    Collections { rows: Vec<CollectionsRow>, closing_days: Vec<NaiveDate> },
}

impl LoadedData {
    /// Study 2's cleaning counts, for payables data.
    pub(crate) fn cleaning(&self) -> Option<CleaningCounts> {
        match self {
            LoadedData::Receivables(_) | LoadedData::Collections { .. } => None,
            LoadedData::Payables { cleaning, .. } => Some(*cleaning),
        }
    }
}

/// The invoices of a sweep, as loaded.
pub(crate) struct Loaded {
    pub data: LoadedData,
    /// A few words saying where the data came from (and, for an export, what
    /// was dropped), for the console.
    pub origin: String,
    /// How an export was read (file data only), for the run records; its path
    /// is the config's, relative to the config file, never this machine's.
    pub export: Option<LoadReport>,
}

/// Loads (or generates) the invoices of a sweep.
pub(crate) fn load_data(config: &SweepConfig) -> Result<Loaded, SweepError> {
    let generated = |data, origin: &str| Loaded { data, origin: origin.into(), export: None };
    match &config.data {
        DataConfig::Receivables(world) => {
            Ok(generated(LoadedData::Receivables(world.generate()?), "generated receivables world"))
        }
        DataConfig::Payables(world) => {
            let (table, cleaning) = world.generate_clean()?;
            Ok(generated(LoadedData::Payables { table: Box::new(table), cleaning }, "generated payables world"))
        }
        DataConfig::File(source) => {
            let loaded = source.load(&config_dir(config))?;
            let report = LoadReport { path: source.path.clone(), ..loaded.report };
            Ok(Loaded {
                data: LoadedData::Receivables(loaded.table),
                origin: describe_load(&report),
                export: Some(report),
            })
        }
        DataConfig::Collections(world) => {
            let rows = world.generate()?;
            let closing_days = world.closing_days();
            Ok(generated(LoadedData::Collections { rows, closing_days }, "generated collections log"))
        }
    }
}

fn describe_load(report: &LoadReport) -> String {
    let mut line = format!("{}", report.path.display());
    if report.rows_dropped() > 0 {
        let reasons: Vec<String> =
            report.dropped.iter().map(|c| format!("{} {} in `{}`", c.rows, c.reason, c.column)).collect();
        line.push_str(&format!(", {} dirty rows dropped: {}", report.rows_dropped(), reasons.join(", ")));
    }
    line
}

/// Fingerprint of the data a sweep uses: the hash of its config, and for an
/// export also of the file's bytes, so that a changed export gives new run ids
/// while a moved checkout (other absolute paths) does not.
pub(crate) fn data_fingerprint(config: &SweepConfig) -> Result<String, SweepError> {
    match &config.data {
        DataConfig::File(source) => {
            let path = source.resolved_path(&config_dir(config));
            let content = hash_file(&path).map_err(|source| SweepError::Io { path, source })?;
            Ok(fingerprint(&(source, content)))
        }
        data => Ok(fingerprint(data)),
    }
}

fn hash_file(path: &Path) -> io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(hasher.finalize().to_hex().to_string())
}

#[cfg(test)]
mod tests {
    use overdue_data::{DirtyCount, DirtyReason};

    use super::*;

    #[test]
    fn a_load_line_names_the_file_and_each_drop_reason() {
        let mut report =
            LoadReport { path: "x.csv".into(), rows_read: 10, blank_rows: 0, rows_kept: 10, dropped: Vec::new() };
        assert_eq!(describe_load(&report), "x.csv");
        report.rows_kept = 7;
        report.dropped = vec![DirtyCount {
            reason: DirtyReason::NegativeAmount,
            column: "Amount".into(),
            rows: 3,
            first_row: 2,
            first_detail: "-1".into(),
        }];
        assert_eq!(describe_load(&report), "x.csv, 3 dirty rows dropped: 3 negative amount in `Amount`");
    }
}
