//! The `overdue` binary's integration tests: the commands as a user meets them.
//!
//! One test binary per crate (ripgrep's layout): each file beside this one is
//! a module, so the suite links the crate's dependencies once, not once per
//! file. Add a module here when adding a file.

mod cli;
mod generate_inspect;
