//! # overdue
//!
//! The command-line front end: argument parsing and nothing else. Every command
//! is a thin call into `overdue-sweep`; errors are printed with their full
//! chain and exit non-zero.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use overdue_sweep::{SweepConfig, SweepOptions, run_sweep};

/// Benchmark machine-learning models that predict which invoices will be paid late.
#[derive(Debug, Parser)]
#[command(name = "overdue", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every cell of a sweep config (data x windows x models x seeds).
    ///
    /// Records go to `<output>/runs/<run_id>.json` as each run ends, then
    /// `<output>/runs.jsonl` and `<output>/report.md` are written. Running the
    /// same config again resumes: finished runs are skipped, failed ones retried.
    Sweep {
        /// The sweep config (TOML), e.g. configs/quickstart.toml.
        config: PathBuf,
        /// Write results here instead of the config's `output` (default
        /// `results/<config name>`).
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Stop at the first failed run (default: record the failure and go on).
        #[arg(long)]
        fail_fast: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Sweep { config, output, fail_fast } => {
            let mut config = SweepConfig::load(&config)?;
            if let Some(output) = output {
                config.output = output;
            }
            let options = SweepOptions { fail_fast };
            let summary = run_sweep(&config, &options, &mut |line| eprintln!("{line}"))
                .with_context(|| format!("sweep `{}`", config.name))?;
            println!(
                "{} cells: {} run, {} failed, {} already finished. Results in {}",
                summary.cells,
                summary.finished,
                summary.failed,
                summary.skipped,
                summary.output.display()
            );
            if summary.failed > 0 {
                anyhow::bail!("{} runs failed (see {})", summary.failed, summary.output.join("report.md").display());
            }
            Ok(())
        }
    }
}
