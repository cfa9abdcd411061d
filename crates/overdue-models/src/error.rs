//! Errors of the model layer.

/// Why a model could not be fitted or could not predict.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// There are no rows to fit on or predict.
    #[error("no rows to {0}")]
    Empty(&'static str),
    /// The training labels hold a single class.
    #[error("training labels hold only the {} class: a classifier needs both", if *.late { "late" } else { "on-time" })]
    OneClass {
        /// Which class is present (`true` = late).
        late: bool,
    },
    /// A feature value is NaN or infinite.
    #[error("feature value {value} at row {row}, column {column} is not finite")]
    NonFinite {
        /// Row index within the matrix given.
        row: usize,
        /// Column index.
        column: usize,
        /// The offending value.
        value: f32,
    },
    /// The matrix has a different number of columns than the model was fitted on.
    #[error("the model was fitted on {expected} features but got {got}")]
    WidthMismatch {
        /// Columns at fit time.
        expected: usize,
        /// Columns now.
        got: usize,
    },
    /// A hyperparameter is out of its valid range.
    #[error("invalid hyperparameter {name}: {reason}")]
    InvalidHyperparameter {
        /// The hyperparameter's name.
        name: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// The device a model asked for does not exist on this machine (e.g. no GPU
    /// adapter); the message says what to install or choose instead.
    #[error("{0}")]
    DeviceUnavailable(String),
    /// Optimisation failed (diverged or produced non-finite parameters).
    #[error("fitting failed: {0}")]
    FitFailed(String),
}
