//! The run store: one JSON file per run, written atomically.
//!
//! A record is written to a temporary file in the same folder, flushed to disk
//! and renamed over its final name. A rename within a folder is atomic, so a
//! sweep killed at any moment (SIGKILL included) leaves each record either
//! complete or absent, never half-written; leftover temporary files are ignored.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{RunOutcome, RunRecord, SweepError};

/// A folder of run records, `<output>/runs/<run_id>.json`.
#[derive(Debug, Clone)]
pub struct RunStore {
    runs: PathBuf,
}

impl RunStore {
    /// Opens (creating if needed) the store under `output`.
    pub fn open(output: &Path) -> Result<Self, SweepError> {
        let runs = output.join("runs");
        fs::create_dir_all(&runs).map_err(|source| SweepError::Io { path: runs.clone(), source })?;
        Ok(Self { runs })
    }

    /// Opens the store under `output`, which must already hold a `runs` folder.
    pub fn open_existing(output: &Path) -> Result<Self, SweepError> {
        let runs = output.join("runs");
        if !runs.is_dir() {
            return Err(SweepError::NoRecords { path: runs });
        }
        Ok(Self { runs })
    }

    fn path_of(&self, run_id: &str) -> PathBuf {
        self.runs.join(format!("{run_id}.json"))
    }

    /// The stored record of `run_id`, if any.
    pub fn read(&self, run_id: &str) -> Result<Option<RunRecord>, SweepError> {
        let path = self.path_of(run_id);
        if !path.exists() {
            return Ok(None);
        }
        read_record(&path).map(Some)
    }

    /// Whether a finished (not failed) record of `run_id` is stored.
    pub fn is_finished(&self, run_id: &str) -> Result<bool, SweepError> {
        Ok(self.read(run_id)?.is_some_and(|r| matches!(r.outcome, RunOutcome::Finished(_))))
    }

    /// Stores `record` atomically, replacing any earlier record of the same run.
    pub fn write(&self, record: &RunRecord) -> Result<(), SweepError> {
        let path = self.path_of(&record.run_id);
        let tmp = self.runs.join(format!(".{}.json.tmp", record.run_id));
        let io = |source| SweepError::Io { path: tmp.clone(), source };
        let text = serde_json::to_string_pretty(record).expect("records always serialise");
        let mut file = fs::File::create(&tmp).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        fs::rename(&tmp, &path).map_err(|source| SweepError::Io { path: path.clone(), source })?;
        // Make the rename itself durable (best effort: not every platform can
        // open a directory).
        if let Ok(dir) = fs::File::open(&self.runs) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Every stored record, in run-id order.
    pub fn records(&self) -> Result<Vec<RunRecord>, SweepError> {
        let entries = fs::read_dir(&self.runs).map_err(|source| SweepError::Io { path: self.runs.clone(), source })?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(|source| SweepError::Io { path: self.runs.clone(), source })?.path();
            let is_record = path.extension().is_some_and(|e| e == "json")
                && !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if is_record {
                paths.push(path);
            }
        }
        paths.sort();
        paths.iter().map(|p| read_record(p)).collect()
    }
}

fn read_record(path: &Path) -> Result<RunRecord, SweepError> {
    let text = fs::read_to_string(path).map_err(|source| SweepError::Io { path: path.to_path_buf(), source })?;
    serde_json::from_str(&text)
        .map_err(|e| SweepError::CorruptRecord { path: path.to_path_buf(), message: e.to_string() })
}
