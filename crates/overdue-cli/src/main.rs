//! # overdue
//!
//! The command-line front end: argument parsing and progress display, nothing
//! else. Every command is a thin call into `overdue-sweep` or `overdue-data`;
//! errors are printed with their full chain and the process exits non-zero.

mod generate;
mod inspect;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use overdue_sweep::{
    CompareOptions, FAULT_VARIABLE, InjectedFault, Shard, SweepConfig, SweepEvent, SweepOptions, Verdict, compare,
    load_records, merge_folders, plan_sweep, report_folder, run_sweep, write_features,
};

/// Benchmark machine-learning models that predict which invoices will be paid late.
#[derive(Debug, Parser)]
#[command(name = "overdue", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every cell of a sweep config (windows or feature variants x models x hyperparameters x seeds).
    ///
    /// Each record is stored in `<output>/runs/<run_id>.json` as soon as its run
    /// ends; then `runs.jsonl`, `report.md`, `summary.csv` and `tables.tex` are
    /// written. Running the same config again resumes: finished runs are
    /// skipped, failed ones retried.
    Sweep {
        /// The sweep config (TOML), e.g. configs/quickstart.toml.
        config: PathBuf,
        /// Write results here instead of the config's `output` (default
        /// `out/<config name>`; the committed reports live in `results/`).
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Stop at the first failed run (default: record the failure and go on).
        #[arg(long)]
        fail_fast: bool,
        /// Run only shard I of N of the grid (e.g. 2/4), for several machines
        /// sharing one sweep; combine their folders with `overdue merge`.
        #[arg(long, value_name = "I/N")]
        shard: Option<Shard>,
        /// Print the expanded grid and the number of runs, and run nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Build a sweep config's datasets and write them as Parquet (or CSV, by
    /// the extension) for other tools: the same rows, split and features the
    /// models see.
    ///
    /// Columns: invoice_id (u64), prediction_date (date), split (train,
    /// validation or test), late (bool), then every feature as a 32-bit float
    /// under its name. With several feature variants (windows, moments x
    /// encodings) each goes to `<stem>.<variant>.<ext>` next to FILE.
    Features {
        /// The sweep config (TOML), e.g. configs/quickstart.toml.
        config: PathBuf,
        /// The file to write, e.g. features.parquet.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Write the report (report.md, summary.csv, tables.tex, runs.jsonl) of a
    /// results folder from its stored records, without running anything.
    Report {
        /// A sweep's output folder (the one holding `runs/`).
        results: PathBuf,
    },
    /// Compare a run against a baseline, cell by cell: the regression gate.
    ///
    /// Quality metrics (accuracy, average precision, ROC AUC, balanced
    /// accuracy) may not drop by more than the tolerance; each model's median fit
    /// and predict times may not grow beyond the slowdown ratio, where both
    /// sides ran on the same machine (CPU model, cores, threads, build
    /// profile; elsewhere times are shown, not gated). Exit status: 0
    /// no regression, 1 regression, 2 could not compare (different cells,
    /// failed runs, unreadable input).
    Compare {
        /// Baseline: a results folder or a runs.jsonl file.
        baseline: PathBuf,
        /// Current: a results folder or a runs.jsonl file.
        current: PathBuf,
        /// Largest allowed absolute drop of a quality metric.
        #[arg(long, default_value_t = CompareOptions::default().metric_tolerance, value_name = "DROP")]
        metric_tolerance: f64,
        /// Largest allowed ratio of current to baseline median time.
        #[arg(long, default_value_t = CompareOptions::default().max_slowdown, value_name = "RATIO")]
        max_slowdown: f64,
        /// Baseline median times under this many seconds are shown but not gated.
        #[arg(long, default_value_t = CompareOptions::default().min_gated_seconds, value_name = "SECONDS")]
        min_gated_seconds: f64,
        /// Gate timings even when the two sides ran on different machines (CPU
        /// model, cores, threads or build profile differ); by default such
        /// timings are shown, not gated, and the verdict rests on quality.
        #[arg(long)]
        gate_timings_across_machines: bool,
    },
    /// Generate a synthetic world and write it as an export (CSV or Parquet, by
    /// the output's extension).
    Generate {
        #[command(subcommand)]
        world: generate::World,
    },
    /// Load an export (CSV or Parquet) through a column mapping and print what
    /// it holds: rows read, kept and dropped per reason, customers, date range,
    /// open invoices and the late share (paid more than 5 days after due).
    Inspect(inspect::InspectArgs),
    /// Combine the output folders of shards into one, then write its report.
    Merge {
        /// The folder to merge into (created if needed).
        output: PathBuf,
        /// The shard folders.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
    },
}

/// Exit status of `overdue compare` when nothing can be concluded.
const CANNOT_COMPARE: u8 = 2;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Sweep { config, output, fail_fast, shard, dry_run } => {
            let mut config = SweepConfig::load(&config)?;
            if let Some(output) = output {
                config.output = output;
            }
            if dry_run {
                print_plan(&config, shard)?;
                return Ok(ExitCode::SUCCESS);
            }
            let fault = match std::env::var(FAULT_VARIABLE) {
                Ok(text) => Some(InjectedFault::parse(&text).map_err(anyhow::Error::msg)?),
                Err(std::env::VarError::NotPresent) => None,
                Err(error) => anyhow::bail!("{FAULT_VARIABLE}: {error}"),
            };
            let options = SweepOptions { fail_fast, shard, fault };
            let mut display = progress::SweepDisplay::new();
            let result = run_sweep(&config, &options, &mut |event| display.show(event));
            display.finish();
            let summary = result.with_context(|| format!("sweep `{}`", config.name))?;
            println!(
                "{} runs: {} run now, {} failed, {} already finished. Results in {}",
                summary.cells,
                summary.finished,
                summary.failed,
                summary.skipped,
                summary.output.display()
            );
            if summary.failed > 0 {
                anyhow::bail!("{} runs failed (see {})", summary.failed, summary.output.join("report.md").display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Features { config, out } => {
            let config = SweepConfig::load(&config)?;
            let written = write_features(&config, &out, &mut |event| {
                if let SweepEvent::Stage(stage) = event {
                    eprintln!("{stage}");
                }
            })
            .with_context(|| format!("features of `{}`", config.name))?;
            for file in written {
                println!(
                    "{}: {} rows x {} features -> {}",
                    file.variant,
                    file.rows,
                    file.features,
                    file.path.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { results } => {
            for path in report_folder(&results)? {
                println!("wrote {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare {
            baseline,
            current,
            metric_tolerance,
            max_slowdown,
            min_gated_seconds,
            gate_timings_across_machines,
        } => {
            let options =
                CompareOptions { metric_tolerance, max_slowdown, min_gated_seconds, gate_timings_across_machines };
            Ok(run_compare(&baseline, &current, &options))
        }
        Command::Generate { world } => {
            generate::run(world)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Inspect(args) => {
            inspect::run(args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Merge { output, shards } => {
            let sources: Vec<&std::path::Path> = shards.iter().map(|p| p.as_path()).collect();
            let merged = merge_folders(&output, &sources)?;
            println!(
                "merged {} folders into {}: {} records copied, {} already there",
                shards.len(),
                output.display(),
                merged.copied,
                merged.kept
            );
            if !merged.conflicts.is_empty() {
                eprintln!(
                    "warning: {} runs finished with different results in different folders (kept the first): {}",
                    merged.conflicts.len(),
                    merged.conflicts.join(", ")
                );
            }
            for path in report_folder(&output)? {
                println!("wrote {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_compare(baseline: &std::path::Path, current: &std::path::Path, options: &CompareOptions) -> ExitCode {
    let load = |path: &std::path::Path| load_records(path).with_context(|| format!("reading {}", path.display()));
    let (baseline, current) = match (load(baseline), load(current)) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("could not compare: {e:#}");
            return ExitCode::from(CANNOT_COMPARE);
        }
    };
    let comparison = compare(&baseline, &current, options);
    print!("{}", comparison.render(options));
    match comparison.verdict {
        Verdict::NoRegression => ExitCode::SUCCESS,
        Verdict::Regression => ExitCode::FAILURE,
        Verdict::CannotCompare(_) => ExitCode::from(CANNOT_COMPARE),
    }
}

fn print_plan(config: &SweepConfig, shard: Option<Shard>) -> anyhow::Result<()> {
    let plan = plan_sweep(config, shard)?;
    println!("sweep `{}` -> {}", config.name, config.output.display());
    println!(
        "{} x {} models x {} seeds{}",
        config.features.describe(),
        config.models.len(),
        config.seeds.len(),
        shard.map_or(String::new(), |s| format!(", shard {s}"))
    );
    let width = plan.iter().map(|run| run.cell.feature_label().len()).max().unwrap_or(0).max("features".len());
    println!("{:<16}  {:<width$}  {:>4}  model", "run id", "features", "seed");
    for run in &plan {
        let cell = &run.cell;
        println!(
            "{:<16}  {:<width$}  {:>4}  {} {}",
            run.run_id,
            cell.feature_label(),
            cell.seed,
            cell.family,
            serde_json::to_string(&cell.hyperparameters)?
        );
    }
    println!("{} runs", plan.len());
    Ok(())
}
