//! Combining the output folders of shards (or of interrupted sweeps on several
//! machines) into one.

use std::path::Path;

use crate::{RunOutcome, RunStore, SweepError};

/// What a merge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeSummary {
    /// Records copied into the output.
    pub copied: usize,
    /// Records already present with the same outcome (or a finished one kept
    /// over a failed one).
    pub kept: usize,
    /// Run ids finished in two folders with different results: the first one
    /// met is kept. Deterministic runs never differ, so a non-empty list means
    /// the folders came from different code or machines; say so.
    pub conflicts: Vec<String>,
}

/// Copies every record of `sources` into `output` (atomically, one by one): a
/// finished record replaces a failed one, never the other way round.
pub fn merge_folders(output: &Path, sources: &[&Path]) -> Result<MergeSummary, SweepError> {
    let target = RunStore::open(output)?;
    let mut summary = MergeSummary::default();
    for source in sources {
        for record in RunStore::open_existing(source)?.records()? {
            match target.read(&record.run_id)? {
                None => {
                    target.write(&record)?;
                    summary.copied += 1;
                }
                Some(existing) => match (&existing.outcome, &record.outcome) {
                    (RunOutcome::Failed { .. }, RunOutcome::Finished(_)) => {
                        target.write(&record)?;
                        summary.copied += 1;
                    }
                    (RunOutcome::Finished(a), RunOutcome::Finished(b)) if a != b => {
                        summary.conflicts.push(record.run_id.clone())
                    }
                    _ => summary.kept += 1,
                },
            }
        }
    }
    Ok(summary)
}
