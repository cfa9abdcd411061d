//! overdue-metrics' integration tests: every metric against scikit-learn, and degenerate inputs.
//!
//! One test binary per crate (ripgrep's layout): each file beside this one is
//! a module, so the suite links the crate's dependencies once, not once per
//! file. Add a module here when adding a file.

mod degenerate;
mod scikit_learn;
