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
    for family in ["logistic_regression", "gaussian_naive_bayes", "k_nearest_neighbors", "gradient_boosted_trees"] {
        assert!(report.contains(family), "{family} missing from {report}");
    }
    let records = std::fs::read_to_string(dir.path().join("runs.jsonl")).unwrap();
    assert_eq!(records.lines().count(), 10, "two windows x five models x one seed");
    assert!(!records.contains("\"status\":\"failed\""), "{records}");
}

/// A sweep of many short runs: 11 windows x 8 seeds.
const MANY_RUNS: &str = r#"
seeds = [0, 1, 2, 3, 4, 5, 6, 7]
[data]
kind = "receivables"
invoices = 20000
customers = 400
contracts = 1000
[features]
windows = "2..=12"
[[models]]
family = "logistic_regression"
"#;

fn record_files(output: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(output.join("runs")) else { return Vec::new() };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json") && !p.file_name().unwrap().to_string_lossy().starts_with('.')
        })
        .collect()
}

#[test]
fn a_sweep_killed_with_sigkill_resumes_and_loses_no_finished_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("many.toml");
    std::fs::write(&config, MANY_RUNS).unwrap();
    let output = dir.path().join("out");
    let args = ["sweep", config.to_str().unwrap(), "--output", output.to_str().unwrap()];

    let mut child = Command::new(env!("CARGO_BIN_EXE_overdue"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while record_files(&output).len() < 3 {
        assert!(std::time::Instant::now() < deadline, "no records appeared");
        assert!(child.try_wait().unwrap().is_none(), "the sweep ended before it could be killed");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let survived = record_files(&output);
    assert!(survived.len() < 88, "the kill came too late to test anything");
    for path in &survived {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "half-written record {}", path.display());
    }

    let resumed = overdue(&args);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert!(stdout.contains(&format!("{} already finished", survived.len())), "{stdout}");
    assert_eq!(record_files(&output).len(), 88);
    let lines = std::fs::read_to_string(output.join("runs.jsonl")).unwrap();
    let mut ids: Vec<String> =
        lines.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["run_id"].to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 88, "every run present once");
}

#[test]
fn dry_run_and_shards_partition_the_grid() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("many.toml");
    std::fs::write(&config, MANY_RUNS).unwrap();
    let config = config.to_str().unwrap();
    let all = String::from_utf8_lossy(&overdue(&["sweep", config, "--dry-run"]).stdout).into_owned();
    assert!(all.contains("88 runs"), "{all}");
    let mut union = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let out =
            String::from_utf8_lossy(&overdue(&["sweep", config, "--dry-run", "--shard", shard]).stdout).into_owned();
        let is_run = |l: &&str| l.len() > 16 && l[..16].bytes().all(|b| b.is_ascii_hexdigit());
        union.extend(out.lines().filter(is_run).map(|l| l[..16].to_string()));
    }
    union.sort();
    let before = union.len();
    union.dedup();
    assert_eq!((before, union.len()), (88, 88), "shards are disjoint and cover the grid");
    let bad = overdue(&["sweep", config, "--shard", "4/3"]);
    assert!(!bad.status.success() && stderr(&bad).contains("4/3"), "{}", stderr(&bad));
}

#[test]
fn report_of_a_folder_without_records_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let output = overdue(&["report", dir.path().to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no run records"), "{}", stderr(&output));
}

/// A small sweep for the regression gate: 2 windows x 2 seeds.
const GATE_RUNS: &str = r#"
seeds = [0, 1]
[data]
kind = "receivables"
invoices = 6000
customers = 200
contracts = 600
[features]
windows = [3, 6]
[[models]]
family = "logistic_regression"
"#;

fn sweep_into(config: &Path, output: &Path, fault: Option<&str>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_overdue"));
    command.args(["sweep", config.to_str().unwrap(), "--output", output.to_str().unwrap()]);
    match fault {
        Some(fault) => command.env("OVERDUE_INJECT_FAULT", fault),
        None => command.env_remove("OVERDUE_INJECT_FAULT"),
    };
    let result = command.output().unwrap();
    assert!(result.status.success(), "{}", stderr(&result));
}

fn compare_exit(baseline: &Path, current: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["compare", baseline.to_str().unwrap(), current.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = overdue(&args);
    (output.status.code().unwrap(), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn the_regression_gate_passes_a_rerun_and_fails_injected_faults() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gate.toml");
    std::fs::write(&config, GATE_RUNS).unwrap();
    let (baseline, rerun, degraded, slowed) =
        (dir.path().join("baseline"), dir.path().join("rerun"), dir.path().join("degraded"), dir.path().join("slow"));
    sweep_into(&config, &baseline, None);
    sweep_into(&config, &rerun, None);
    sweep_into(&config, &degraded, Some("degrade:0.3"));
    sweep_into(&config, &slowed, Some("slowdown:20"));

    // Timings of runs this short are noisy: a generous threshold for the rerun.
    let (code, table) = compare_exit(&baseline, &rerun, &["--max-slowdown", "4"]);
    assert_eq!(code, 0, "{table}");
    assert!(table.contains("no regression (4 cells compared)"), "{table}");

    let (code, table) = compare_exit(&baseline, &degraded, &[]);
    assert_eq!(code, 1, "{table}");
    assert!(table.contains("accuracy") && table.contains("REGRESSION"), "{table}");

    let (code, table) = compare_exit(&baseline.join("runs.jsonl"), &slowed, &["--min-gated-seconds", "0"]);
    assert_eq!(code, 1, "{table}");
    assert!(table.lines().any(|l| l.contains(" fit ") && l.contains("REGRESSION")), "{table}");
}

#[test]
fn the_gate_cannot_compare_different_sweeps() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    std::fs::write(&a, GATE_RUNS).unwrap();
    std::fs::write(&b, GATE_RUNS.replace("[3, 6]", "[3, 4]")).unwrap();
    sweep_into(&a, &dir.path().join("a"), None);
    sweep_into(&b, &dir.path().join("b"), None);
    let (code, table) = compare_exit(&dir.path().join("a"), &dir.path().join("b"), &[]);
    assert_eq!(code, 2, "{table}");
    assert!(table.contains("could not compare"), "{table}");
    let (code, _) = compare_exit(&dir.path().join("a"), &dir.path().join("missing"), &[]);
    assert_eq!(code, 2);
}
