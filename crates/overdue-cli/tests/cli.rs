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
    for family in
        ["logistic_regression", "gaussian_naive_bayes", "k_nearest_neighbors", "gradient_boosted_trees", "mlp"]
    {
        assert!(report.contains(family), "{family} missing from {report}");
    }
    let records = std::fs::read_to_string(dir.path().join("runs.jsonl")).unwrap();
    assert_eq!(records.lines().count(), 14, "two windows x seven models (the MLP on two backends) x one seed");
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

/// A tiny payables world: both moments, both encodings, one model.
const PAYABLES_RUNS: &str = r#"
[data]
kind = "payables"
invoices = 3000
vendors = 60
[features]
set = "payables"
moments = ["at_posting", { before_due = 3 }]
encodings = ["historical", "one_hot"]
[[models]]
family = "logistic_regression"
"#;

#[test]
fn a_payables_sweep_records_cleaning_and_shows_feature_counts() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("payables.toml");
    std::fs::write(&config, PAYABLES_RUNS).unwrap();
    let output = dir.path().join("out");
    let result = overdue(&["sweep", config.to_str().unwrap(), "--output", output.to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));

    let lines = std::fs::read_to_string(output.join("runs.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 4, "two moments x two encodings x one model");
    let variants: Vec<&str> = records.iter().map(|r| r["cell"]["variant"].as_str().unwrap()).collect();
    assert_eq!(
        variants,
        ["at_posting/historical", "at_posting/one_hot", "before_due_3/historical", "before_due_3/one_hot"]
    );
    let features: Vec<u64> = records.iter().map(|r| r["features"].as_u64().unwrap()).collect();
    // 68 and 81 columns with the historical encoding; one-hot swaps its 40
    // columns for one per categorical value: 60 vendors + 426 other values.
    assert_eq!(features, [68, 514, 81, 527]);
    for record in &records {
        assert_eq!(record["status"], "finished", "{record}");
        assert_eq!(record["cell"]["feature_set"], "payables");
        assert!(record["cell"].get("window_months").is_none(), "no window: {record}");
        assert_eq!(record["cleaning"], records[0]["cleaning"], "one data set, one cleaning");
        let split = &record["cell"]["split"];
        assert_eq!((split["train"].as_f64(), split["validation"].as_f64()), (Some(0.6), Some(0.2)), "study 2's split");
    }
    let cleaning = &records[0]["cleaning"];
    let dropped: u64 = ["missing_vendor", "missing_amount", "missing_company_code", "missing_due_date"]
        .iter()
        .chain(&["missing_posting_date", "negative_amount", "due_before_posting", "no_process_log"])
        .map(|reason| cleaning[reason].as_u64().unwrap())
        .sum();
    assert_eq!(cleaning["raw"], 3000);
    assert_eq!(cleaning["kept"].as_u64().unwrap() + dropped, 3000);
    assert!(cleaning["no_process_log"].as_u64().unwrap() > 0, "{cleaning}");

    let report = std::fs::read_to_string(output.join("report.md")).unwrap();
    assert!(report.contains("## Data cleaning"), "{report}");
    let line = format!("| no process log | {} |", cleaning["no_process_log"]);
    assert!(report.contains(&line), "{line} missing from {report}");
    assert!(report.contains(&format!("| **all rules** | **{dropped}** |")), "{report}");
    for row in ["| at_posting/historical | 68 |", "| at_posting/one_hot | 514 |", "| before_due_3/one_hot | 527 |"] {
        assert!(report.contains(row), "{row} missing from {report}");
    }
    // The moments date rows differently, so each has its split table, shared by its encodings.
    for heading in
        ["`at_posting/historical`, `at_posting/one_hot`:", "`before_due_3/historical`, `before_due_3/one_hot`:"]
    {
        assert!(report.contains(heading), "{heading} missing from {report}");
    }
    let csv = std::fs::read_to_string(output.join("summary.csv")).unwrap();
    assert!(csv.lines().any(|l| l.starts_with("0,before_due_3/one_hot,527,logistic_regression")), "{csv}");
}

#[test]
fn features_writes_one_file_per_window_and_a_bad_extension_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tiny.toml");
    let text = "[data]\nkind = \"receivables\"\ninvoices = 800\ncustomers = 40\ncontracts = 90\n\
                [features]\nwindows = [2, 4]\n[[models]]\nfamily = \"logistic_regression\"\n";
    std::fs::write(&config, text).unwrap();
    let out = dir.path().join("features.parquet");
    let output = overdue(&["features", config.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for window in ["w2", "w4"] {
        let file = dir.path().join(format!("features.{window}.parquet"));
        assert!(file.is_file(), "{} missing: {stdout}", file.display());
    }
    assert!(stdout.contains("w=2: ") && stdout.contains(" features -> "), "{stdout}");

    let output = overdue(&["features", config.to_str().unwrap(), "--out", "features.xlsx"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("xlsx"), "{}", stderr(&output));
}

#[test]
fn the_payables_study_config_plans_without_running() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/payables_study2.toml");
    let output = overdue(&["sweep", config.to_str().unwrap(), "--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let variants = "2 payables feature variants (at_posting/historical/pay10_vendor11, \
                    before_due_3/historical/pay10_vendor11)";
    assert!(text.contains(variants), "{text}");
    assert!(text.contains("20 runs"), "{text}");
}
