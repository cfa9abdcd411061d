//! overdue-sweep's integration tests: sweeps end to end, sweeps over exports, features files and the shipped configs.
//!
//! One test binary per crate (ripgrep's layout): each file beside this one is
//! a module, so the suite links the crate's dependencies once, not once per
//! file. Add a module here when adding a file.

mod features_file;
mod file_data;
mod shipped_configs;
mod sweep;
