//! Errors of the data layer.

/// Why invoices could not be generated, loaded or validated.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A generator parameter is out of range.
    #[error("invalid world parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter's name, as in configs.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A row of an invoice table breaks an invariant.
    #[error("invalid invoice at row {row}, column `{column}`: {reason}")]
    InvalidRow {
        /// Zero-based row index in the table.
        row: usize,
        /// The offending column.
        column: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}
