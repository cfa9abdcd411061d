//! `overdue inspect`: load an export through a mapping and say what it holds.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use overdue_data::{DirtyRowPolicy, ExportFormat, ExportSource, TableSummary};
use overdue_sweep::{DataConfig, SweepConfig, config_dir};

/// Where the export is and how to read it.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The export (CSV or Parquet). Optional with --config, which names one.
    file: Option<PathBuf>,
    /// Take the file and its mapping from a sweep config's `[data]` (kind = "file");
    /// the options below override it.
    #[arg(long, value_name = "CONFIG")]
    config: Option<PathBuf>,
    /// csv or parquet (default: from the extension).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Column holding the invoice id [default: invoice_id].
    #[arg(long, value_name = "COLUMN")]
    invoice_id: Option<String>,
    /// Column holding the customer [default: customer_id].
    #[arg(long, value_name = "COLUMN")]
    customer: Option<String>,
    /// Column holding the contract (optional).
    #[arg(long, value_name = "COLUMN")]
    contract: Option<String>,
    /// Column holding the invoice date [default: invoice_date].
    #[arg(long, value_name = "COLUMN")]
    invoice_date: Option<String>,
    /// Column holding the due date [default: due_date].
    #[arg(long, value_name = "COLUMN")]
    due_date: Option<String>,
    /// Column holding the settlement date, empty when open [default: settled_date].
    #[arg(long, value_name = "COLUMN")]
    settled_date: Option<String>,
    /// Column holding the amount [default: amount].
    #[arg(long, value_name = "COLUMN")]
    amount: Option<String>,
    /// Column holding the country (optional).
    #[arg(long, value_name = "COLUMN")]
    country: Option<String>,
    /// Column holding the credit rating, an integer (optional).
    #[arg(long, value_name = "COLUMN")]
    credit_rating: Option<String>,
    /// Date format in chrono syntax, e.g. "%m/%d/%Y"; repeat to try several in order
    /// [default: %Y-%m-%d].
    #[arg(long, value_name = "FORMAT")]
    date_format: Vec<String>,
    /// CSV field separator [default: ,].
    #[arg(long, value_name = "CHAR")]
    separator: Option<char>,
    /// Thousands separator in text amounts, e.g. ",".
    #[arg(long, value_name = "CHAR")]
    thousands_separator: Option<char>,
    /// Text amounts use a decimal comma (1234,50).
    #[arg(long)]
    decimal_comma: bool,
    /// Day the export was taken [default: the latest date in the file].
    #[arg(long, value_name = "YYYY-MM-DD")]
    snapshot_date: Option<chrono::NaiveDate>,
    /// drop: leave dirty rows out and count them (inspect's default); reject:
    /// fail on the first one, naming its row and column.
    #[arg(long, value_enum, value_name = "POLICY")]
    dirty_rows: Option<PolicyArg>,
}

/// File formats on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Comma-separated text.
    Csv,
    /// Apache Parquet.
    Parquet,
}

/// Dirty-row policies on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    /// Leave dirty rows out and count them.
    Drop,
    /// Fail on the first dirty row.
    Reject,
}

/// Loads the export and prints the load report and the table summary.
pub fn run(args: InspectArgs) -> anyhow::Result<()> {
    let source = source(args)?;
    let loaded = source.load(Path::new("")).with_context(|| format!("loading {}", source.path.display()))?;
    println!("columns: {}", source.columns);
    print!("{}", loaded.report);
    print!("{}", TableSummary::of(&loaded.table));
    Ok(())
}

/// The export source the arguments describe.
fn source(args: InspectArgs) -> anyhow::Result<ExportSource> {
    let mut source = match &args.config {
        Some(config_path) => {
            let config = SweepConfig::load(config_path)?;
            let DataConfig::File(source) = &config.data else {
                anyhow::bail!("{}: `[data]` is not of kind \"file\"", config_path.display());
            };
            let mut source = ExportSource::clone(source);
            source.path = source.resolved_path(&config_dir(&config));
            source
        }
        None => {
            let Some(file) = &args.file else { anyhow::bail!("give the export FILE, or --config CONFIG") };
            ExportSource::new(file)
        }
    };
    if let Some(file) = args.file {
        source.path = file;
    }
    let columns = &mut source.columns;
    for (field, given) in [
        (&mut columns.invoice_id, args.invoice_id),
        (&mut columns.customer, args.customer),
        (&mut columns.invoice_date, args.invoice_date),
        (&mut columns.due_date, args.due_date),
        (&mut columns.settled_date, args.settled_date),
        (&mut columns.amount, args.amount),
    ] {
        if let Some(column) = given {
            *field = column;
        }
    }
    for (field, given) in [
        (&mut columns.contract, args.contract),
        (&mut columns.country, args.country),
        (&mut columns.credit_rating, args.credit_rating),
    ] {
        if given.is_some() {
            *field = given;
        }
    }
    if let Some(format) = args.format {
        source.format = Some(match format {
            FormatArg::Csv => ExportFormat::Csv,
            FormatArg::Parquet => ExportFormat::Parquet,
        });
    }
    if !args.date_format.is_empty() {
        source.date_format = args.date_format;
    }
    if let Some(separator) = args.separator {
        source.separator = separator;
    }
    if args.thousands_separator.is_some() {
        source.thousands_separator = args.thousands_separator;
    }
    source.decimal_comma |= args.decimal_comma;
    if args.snapshot_date.is_some() {
        source.snapshot_date = args.snapshot_date;
    }
    source.dirty_rows = match args.dirty_rows {
        Some(PolicyArg::Reject) => DirtyRowPolicy::Reject,
        Some(PolicyArg::Drop) | None => DirtyRowPolicy::Drop,
    };
    Ok(source)
}
