//! Run cells and their content-derived identities.

use serde::{Deserialize, Serialize};

/// One cell of a sweep's grid: everything that determines a run's results.
///
/// Its identity ([`RunCell::run_id`]) is a hash of this content, so the same cell
/// in another sweep, another shard or a resumed sweep has the same id, and any
/// change of data, window or feature variant, model, hyperparameters, seed,
/// split or code version gives a new one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunCell {
    /// Fingerprint of the data source (hash of its config or content).
    pub data: String,
    /// Feature set name.
    pub feature_set: String,
    /// History window in months; 0 (and left out of the JSON) for feature
    /// sets without windows.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub window_months: u32,
    /// The feature variant of sets without windows (payables:
    /// `<moment>/<encoding>`, e.g. `before_due_3/historical`); absent otherwise,
    /// so that receivables cells keep their identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
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

    /// The cell's features as people read them: `w=3`, or the variant's name.
    pub fn feature_label(&self) -> String {
        self.variant.clone().unwrap_or_else(|| format!("w={}", self.window_months))
    }
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// Fingerprint of any serialisable data description.
pub fn fingerprint<T: Serialize>(value: &T) -> String {
    let text = serde_json::to_string(value).expect("configs always serialise");
    blake3::hash(text.as_bytes()).to_hex()[..16].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(window_months: u32, variant: Option<&str>) -> RunCell {
        RunCell {
            data: "3885eca7d1b37500".into(),
            feature_set: "receivables_history".into(),
            window_months,
            variant: variant.map(String::from),
            split: serde_json::json!({"by": "fractions", "train": 0.7, "validation": 0.15}),
            family: "gaussian_naive_bayes".into(),
            hyperparameters: serde_json::json!({"priors": null, "var_smoothing": 1e-9}),
            seed: 0,
            code_version: "0.1.0".into(),
        }
    }

    #[test]
    fn window_cells_keep_the_identity_they_had_before_feature_variants() {
        // The quickstart's naive Bayes run at w = 3, as recorded before cells had variants.
        let cell = cell(3, None);
        assert_eq!(cell.run_id(), "e2ee86fe27b36f6f");
        assert_eq!(cell.feature_label(), "w=3");
    }

    #[test]
    fn variant_cells_name_their_variant_and_have_no_window() {
        let cell = RunCell { feature_set: "payables".into(), ..cell(0, Some("before_due_3/historical")) };
        let json = serde_json::to_string(&cell).unwrap();
        assert!(json.contains(r#""variant":"before_due_3/historical""#) && !json.contains("window_months"), "{json}");
        let back: RunCell = serde_json::from_str(&json).unwrap();
        assert_eq!((back.window_months, back.run_id()), (0, cell.run_id()));
        assert_eq!(cell.feature_label(), "before_due_3/historical");
    }
}
