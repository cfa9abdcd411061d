//! The `overdue` binary as a user meets it: help, errors and exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn overdue(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_overdue")).args(args).output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_describes_the_commands_and_options() {
    let top = overdue(&["--help"]);
    assert!(top.status.success());
    assert!(String::from_utf8_lossy(&top.stdout).contains("sweep"));
    let sweep = overdue(&["sweep", "--help"]);
    let text = String::from_utf8_lossy(&sweep.stdout);
    for option in ["<CONFIG>", "--output", "--fail-fast"] {
        assert!(text.contains(option), "sweep --help lacks {option}: {text}");
    }
}

#[test]
fn a_missing_config_names_the_file_and_fails() {
    let output = overdue(&["sweep", "no/such/config.toml"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no/such/config.toml"), "{}", stderr(&output));
}

#[test]
fn a_misspelt_key_names_the_file_and_the_key_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[data]\nkind = \"receivables\"\ninvoice = 10\n[features]\nwindows = [3]\n").unwrap();
    let output = overdue(&["sweep", path.to_str().unwrap()]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("bad.toml") && err.contains("data.invoice") && err.contains("did you mean `invoices`"),
        "{err}"
    );
}

#[test]
fn the_quickstart_config_runs_and_writes_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/quickstart.toml");
    let output = overdue(&["sweep", config.to_str().unwrap(), "--output", dir.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(report.contains("logistic_regression"), "{report}");
    let records = std::fs::read_to_string(dir.path().join("runs.jsonl")).unwrap();
    assert_eq!(records.lines().count(), 2, "two windows, one model, one seed");
}
