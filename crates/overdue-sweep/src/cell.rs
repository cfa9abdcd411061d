//! Run cells and their content-derived identities.

use serde::{Deserialize, Serialize};

/// One cell of a sweep's grid: everything that determines a run's results.
///
/// Its identity ([`RunCell::run_id`]) is a hash of this content, so the same cell
/// in another sweep, another shard or a resumed sweep has the same id, and any
/// change of data, window, model, hyperparameters, seed, split or code version
/// gives a new one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunCell {
    /// Fingerprint of the data source (hash of its config or content).
    pub data: String,
    /// Feature set name.
    pub feature_set: String,
    /// History window in months.
    pub window_months: u32,
    /// How the rows were split (serialised `SplitSpec`).
    pub split: serde_json::Value,
    /// Model family.
    pub family: String,
    /// Hyperparameters, exactly as used.
    pub hyperparameters: serde_json::Value,
    /// Seed of the run.
    pub seed: u64,
    /// overdue's version: results are comparable only within one version.
    pub code_version: String,
}

impl RunCell {
    /// A 16-hex-digit identity: the start of the BLAKE3 hash of the cell's
    /// canonical JSON (serde_json sorts no keys, but struct fields serialise in
    /// declaration order and hyperparameter maps are built from structs, so the
    /// text is stable).
    pub fn run_id(&self) -> String {
        let canonical = serde_json::to_string(self).expect("a cell always serialises");
        blake3::hash(canonical.as_bytes()).to_hex()[..16].to_string()
    }
}

/// Fingerprint of any serialisable data description.
pub fn fingerprint<T: Serialize>(value: &T) -> String {
    let text = serde_json::to_string(value).expect("configs always serialise");
    blake3::hash(text.as_bytes()).to_hex()[..16].to_string()
}
