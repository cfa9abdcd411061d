//! overdue-features' integration tests: hand-computed features, the as-of (leakage) property, the history definitions and the split purge.
//!
//! One test binary per crate (ripgrep's layout): each file beside this one is
//! a module, so the suite links the crate's dependencies once, not once per
//! file. Add a module here when adding a file.

mod hand_computed;
mod history_definitions;
mod leakage;
mod payables_hand_computed;
mod payables_leakage;
mod split_purge;
