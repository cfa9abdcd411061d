//! overdue-data's integration tests: the generated worlds and the export loader.
//!
//! One test binary per crate (ripgrep's layout): each file beside this one is
//! a module, so the suite links the crate's dependencies once, not once per
//! file. Add a module here when adding a file.

mod collections_world;
mod exports;
mod payables_world;
mod receivables_world;
