//! A sweep, end to end: records, resume, determinism and reports.

use std::fs;
use std::path::Path;

use overdue_sweep::{
    RunOutcome, RunRecord, RunStore, Shard, SweepConfig, SweepOptions, merge_folders, report_folder, run_sweep,
};

fn config(output: &Path, extra_models: &str) -> SweepConfig {
    let text = format!(
        r#"
        name = "tiny"
        seeds = [0, 1]
        [data]
        kind = "receivables"
        invoices = 2500
        customers = 80
        contracts = 200
        [features]
        windows = [2, 4]
        [[models]]
        family = "logistic_regression"
        {extra_models}
        "#
    );
    let mut config = SweepConfig::parse(&text).unwrap();
    config.output = output.to_path_buf();
    config
}

fn run(config: &SweepConfig) -> overdue_sweep::SweepSummary {
    run_sweep(config, &SweepOptions::default(), &mut |_| {}).unwrap()
}

fn jsonl(output: &Path) -> Vec<RunRecord> {
    fs::read_to_string(output.join("runs.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn every_cell_gets_one_finished_record_and_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "");
    let summary = run(&config);
    assert_eq!((summary.cells, summary.finished, summary.failed, summary.skipped), (4, 4, 0, 0));

    let records = jsonl(dir.path());
    assert_eq!(records.len(), 4);
    let mut ids: Vec<_> = records.iter().map(|r| r.run_id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 4, "run ids are distinct");
    for record in &records {
        let RunOutcome::Finished(results) = &record.outcome else { panic!("{record:?}") };
        assert!(results.test.accuracy > results.test.majority_baseline, "LR beats the majority baseline");
        let rows = |k: usize| record.splits[k].rows as u64;
        assert_eq!(results.validation.as_ref().unwrap().rows, rows(1), "validation metrics cover its part");
        assert_eq!(results.test.rows, rows(2), "test metrics cover exactly the test part");
        // The cost is measured, not defaulted: a fit and a prediction take
        // some time, and the throughputs are the rows over those times.
        let cost = record.cost.as_ref().unwrap();
        assert!(cost.fit_seconds > 0.0 && cost.predict_seconds > 0.0, "{cost:?}");
        let train_rows = record.splits[0].rows as f64;
        assert!((cost.train_rows_per_second * cost.fit_seconds / train_rows - 1.0).abs() < 1e-9, "{cost:?}");
        assert!(!record.environment.cpu.is_empty());
    }
    let report = fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(report.contains("## Test accuracy") && report.contains("## Test AUPRC"), "{report}");
    assert!(report.contains("| 2 |") && report.contains("| 4 |"), "one row per window: {report}");
    assert!(report.contains("95% confidence interval") && report.contains(" ± "), "{report}");
    let csv = fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2, "a header and one row per window x model: {csv}");
    assert!(fs::read_to_string(dir.path().join("tables.tex")).unwrap().contains("\\toprule"));
    // Plots need a TrueType font; without one the report must say so.
    let plotted = ["accuracy_by_window", "auprc_by_window", "pr_curves", "throughput"]
        .iter()
        .all(|stem| dir.path().join(format!("{stem}.png")).exists() && dir.path().join(format!("{stem}.svg")).exists());
    assert!(plotted || report.contains("Plots were not drawn: no TrueType font"), "{report}");
    assert!(report.contains("## Models") && report.contains("\"class_weight\""), "{report}");
}

#[test]
fn a_second_run_resumes_and_only_reruns_missing_cells() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "");
    run(&config);
    let first = jsonl(dir.path());

    let again = run(&config);
    assert_eq!((again.skipped, again.finished), (4, 0));

    // Lose one record and leave a half-written temporary file behind, as a
    // killed sweep would.
    fs::remove_file(dir.path().join("runs").join(format!("{}.json", first[1].run_id))).unwrap();
    fs::write(dir.path().join("runs").join(format!(".{}.json.tmp", first[1].run_id)), "{\"run_id\": ").unwrap();
    let resumed = run(&config);
    assert_eq!((resumed.skipped, resumed.finished), (3, 1));
    let after = jsonl(dir.path());
    assert_eq!(after.len(), 4);
    assert_eq!(first[1].outcome, after[1].outcome, "the re-run gives the same results");
}

#[test]
fn the_same_config_gives_the_same_results() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run(&config(a.path(), ""));
    run(&config(b.path(), ""));
    let outcomes = |p: &Path| jsonl(p).into_iter().map(|r| (r.run_id, r.outcome)).collect::<Vec<_>>();
    assert_eq!(outcomes(a.path()), outcomes(b.path()));
}

#[test]
fn changing_a_hyperparameter_changes_the_run_identity() {
    let dir = tempfile::tempdir().unwrap();
    run(&config(dir.path(), ""));
    let summary = run(&config(dir.path(), "c = 0.5"));
    assert_eq!((summary.skipped, summary.finished), (0, 4));
    assert_eq!(RunStore::open(dir.path()).unwrap().records().unwrap().len(), 8);
}

#[test]
fn a_corrupt_record_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "");
    run(&config);
    let victim = jsonl(dir.path())[0].run_id.clone();
    fs::write(dir.path().join("runs").join(format!("{victim}.json")), "not json").unwrap();
    let err = run_sweep(&config, &SweepOptions::default(), &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains(&victim) && err.contains("corrupt run record"), "{err}");
}

fn outcomes_by_id(output: &Path) -> Vec<(String, RunOutcome)> {
    let mut records = RunStore::open(output).unwrap().records().unwrap();
    records.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    records.into_iter().map(|r| (r.run_id, r.outcome)).collect()
}

#[test]
fn merged_shards_equal_the_unsharded_sweep() {
    let whole = tempfile::tempdir().unwrap();
    run(&config(whole.path(), ""));
    let shards: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for (i, dir) in shards.iter().enumerate() {
        let options = SweepOptions { shard: Some(Shard { index: i + 1, count: 3 }), ..SweepOptions::default() };
        run_sweep(&config(dir.path(), ""), &options, &mut |_| {}).unwrap();
    }
    let merged = tempfile::tempdir().unwrap();
    let sources: Vec<&Path> = shards.iter().map(|d| d.path()).collect();
    let summary = merge_folders(merged.path(), &sources).unwrap();
    assert_eq!((summary.copied, summary.kept, summary.conflicts.len()), (4, 0, 0));
    assert_eq!(outcomes_by_id(merged.path()), outcomes_by_id(whole.path()));

    // Merging again changes nothing.
    let again = merge_folders(merged.path(), &sources).unwrap();
    assert_eq!((again.copied, again.kept), (0, 4));
}

#[test]
fn a_report_is_rebuilt_from_records_alone() {
    let dir = tempfile::tempdir().unwrap();
    run(&config(dir.path(), ""));
    let original = fs::read_to_string(dir.path().join("report.md")).unwrap();
    for name in ["report.md", "summary.csv", "tables.tex", "runs.jsonl"] {
        fs::remove_file(dir.path().join(name)).unwrap();
    }
    report_folder(dir.path()).unwrap();
    assert_eq!(fs::read_to_string(dir.path().join("report.md")).unwrap(), original);
    assert_eq!(jsonl(dir.path()).len(), 4);
}

#[test]
fn reporting_a_folder_without_records_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = report_folder(dir.path()).unwrap_err().to_string();
    assert!(err.contains("no run records"), "{err}");
}

#[test]
fn tree_records_carry_named_feature_importance_and_the_report_lists_the_top_five() {
    let dir = tempfile::tempdir().unwrap();
    let trees = r#"
        [[models]]
        family = "random_forest"
        n_estimators = 10
        max_depth = 6
        [[models]]
        family = "decision_tree"
        max_depth = 4
    "#;
    run(&config(dir.path(), trees));
    let records = jsonl(dir.path());
    assert_eq!(records.len(), 12);
    for record in &records {
        let RunOutcome::Finished(results) = &record.outcome else { panic!("{record:?}") };
        let family = record.cell.family.as_str();
        match (&results.feature_importance, family) {
            (None, "logistic_regression") => {}
            (Some(importance), "random_forest" | "decision_tree") => {
                assert_eq!(importance.len(), record.features, "{family}: one entry per feature");
                let mut names: Vec<&str> = importance.iter().map(|f| f.feature.as_str()).collect();
                assert!(names.iter().all(|n| !n.is_empty()));
                names.sort_unstable();
                names.dedup();
                assert_eq!(names.len(), record.features, "{family}: distinct feature names");
                assert!(importance.iter().all(|f| f.gain.is_finite() && f.gain >= 0.0));
                assert!(importance.iter().map(|f| f.splits).sum::<u64>() > 0, "{family}: the trees split");
            }
            (other, _) => panic!("{family}: unexpected importance {other:?}"),
        }
    }
    let report = fs::read_to_string(dir.path().join("report.md")).unwrap();
    let section = report.split("## Feature importance (top 5 by gain)").nth(1).expect("an importance section");
    let section = section.split("\n## ").next().unwrap();
    assert!(section.contains("| random_forest | 4 |") && section.contains("| decision_tree | 4 |"), "{section}");
    assert!(!section.contains("logistic_regression"), "{section}");
    let forest_row = section.lines().find(|l| l.starts_with("| random_forest")).unwrap();
    assert_eq!(forest_row.matches("% (").count(), 5, "five features: {forest_row}");
}

#[test]
fn mlp_records_carry_their_device_and_the_report_compares_backends() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(
        dir.path(),
        r#"[[models]]
        family = "mlp"
        epochs = 3
        grid = { backend = ["burn_ndarray", "candle"] }"#,
    );
    config.seeds = vec![0];
    let summary = run(&config);
    assert_eq!((summary.finished, summary.failed), (6, 0));

    for record in jsonl(dir.path()).iter().filter(|r| r.cell.family == "mlp") {
        let training = record.cost.as_ref().unwrap().training.as_ref().expect("the MLP reports its training");
        let device = training.device.as_ref().unwrap();
        assert_eq!(Some(device.backend.as_str()), record.cell.hyperparameters["backend"].as_str());
        assert_eq!(training.epochs, Some(3));
        assert!(training.first_step_seconds.unwrap() > 0.0 && training.steady_rows_per_second.unwrap() > 0.0);
    }
    let report = fs::read_to_string(dir.path().join("report.md")).unwrap();
    let devices = report.split("## Training devices").nth(1).expect("a device table");
    for line in [
        "| mlp (backend=burn_ndarray) | burn_ndarray | cpu | — | 2 | 3 |",
        "| mlp (backend=candle) | candle | cpu | — | 2 | 3 |",
    ] {
        assert!(devices.contains(line), "{line} missing from {devices}");
    }
    assert!(!devices.contains("logistic_regression"), "families without a device report are left out");
}

#[test]
fn a_collections_sweep_splits_the_log_by_day_and_trees_learn_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
        name = "collections"
        [data]
        kind = "collections"
        rows = 3000
        noise = 0.05
        cases_per_day = 30
        [[models]]
        family = "decision_tree"
        max_depth = 6
        [[models]]
        family = "logistic_regression"
    "#;
    let mut config = SweepConfig::parse(text).unwrap();
    config.output = dir.path().to_path_buf();
    let summary = run(&config);
    assert_eq!((summary.cells, summary.finished), (2, 2));

    let records = jsonl(dir.path());
    let splits = &records[0].splits;
    assert_eq!(splits.iter().map(|s| s.rows).collect::<Vec<_>>(), [2100, 450, 450], "70/15/15 of 100 days");
    assert_eq!(splits[0].first_date.unwrap().to_string(), "2019-01-01");
    assert!(splits[0].last_date < splits[1].first_date && splits[1].last_date < splits[2].first_date);
    let accuracy = |family: &str| {
        let record = records.iter().find(|r| r.cell.family == family).unwrap();
        assert_eq!(record.cell.feature_label(), "reminders");
        let RunOutcome::Finished(results) = &record.outcome else { panic!("{record:?}") };
        results.test.accuracy
    };
    // With 5% of labels flipped, a tree that states the rules is right on
    // about 95% of cases; a linear model cannot state "emails == sms".
    let (tree, linear) = (accuracy("decision_tree"), accuracy("logistic_regression"));
    assert!(tree > 0.92, "the tree learns the rules: {tree:.4}");
    assert!(tree > linear + 0.05, "the rules are not linear: tree {tree:.4}, linear {linear:.4}");
    let report = fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(report.contains("reminders"), "{report}");
}
