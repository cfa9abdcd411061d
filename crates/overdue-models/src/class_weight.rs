//! Per-class sample weights, shared by the model families that support them.

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// How much each training row counts in the loss, by class.
///
/// In configuration files: `"none"`, `"balanced"`, or a table of the two
/// weights, e.g. `{ late = 4.0, on_time = 1.0 }` (JSON:
/// `{"late": 4.0, "on_time": 1.0}`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ClassWeight {
    /// Every row has weight 1.
    #[default]
    None,
    /// Each class weighs `n_rows / (2 * n_rows_of_class)`, as scikit-learn's
    /// `class_weight="balanced"`: both classes then carry the same total weight.
    Balanced,
    /// Explicit weights; both must be positive and finite.
    #[serde(untagged)]
    Custom {
        /// Weight of a late row (label `true`).
        late: f64,
        /// Weight of an on-time row (label `false`).
        on_time: f64,
    },
}

impl ClassWeight {
    /// Checks explicit weights: both must be positive and finite. A zero weight
    /// is rejected too, since it would silently drop a whole class.
    pub fn validate(&self) -> Result<(), ModelError> {
        if let ClassWeight::Custom { late, on_time } = *self {
            for (class, w) in [("late", late), ("on_time", on_time)] {
                if !(w.is_finite() && w > 0.0) {
                    return Err(ModelError::InvalidHyperparameter {
                        name: "class_weight",
                        reason: format!("the {class} weight must be positive and finite, got {w}"),
                    });
                }
            }
        }
        Ok(())
    }

    /// The weight of each class for these training labels, indexed by label:
    /// `[on_time, late]`, so a row's weight is `weights[usize::from(label)]`.
    ///
    /// Fails on invalid explicit weights, and for [`ClassWeight::Balanced`] when a
    /// class is absent.
    pub fn resolve(&self, labels: &[bool]) -> Result<[f64; 2], ModelError> {
        self.validate()?;
        match *self {
            ClassWeight::None => Ok([1.0, 1.0]),
            ClassWeight::Balanced => {
                let n = labels.len();
                let late = labels.iter().filter(|&&l| l).count();
                if late == 0 || late == n {
                    return Err(ModelError::OneClass { late: late > 0 });
                }
                let n = n as f64;
                Ok([n / (2.0 * (n - late as f64)), n / (2.0 * late as f64)])
            }
            ClassWeight::Custom { late, on_time } => Ok([on_time, late]),
        }
    }
}
