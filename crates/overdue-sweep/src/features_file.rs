//! `overdue features`: a sweep config's datasets written as tables (Parquet or
//! CSV), so that pandas, polars or scikit-learn read exactly the features the
//! models see.

use std::path::{Path, PathBuf};

use overdue_data::{ColumnValues, write_table};
use overdue_features::{Dataset, Split};

use crate::datasets::{Datasets, load_announced};
use crate::{FeatureVariant, SweepConfig, SweepError, SweepEvent};

/// The columns before the features, in order: the invoice (or case) id, the
/// day of the prediction moment, the part of the time split (`train`,
/// `validation`, `test`) and the label (`true` = late).
pub const FEATURE_FILE_KEYS: [&str; 4] = ["invoice_id", "prediction_date", "split", "late"];

/// One file written by [`write_features`].
#[derive(Debug, Clone, PartialEq)]
pub struct FeaturesFile {
    /// The feature variant, as run records name it (`w=3`, `before_due_3/historical`).
    pub variant: String,
    /// Where it was written.
    pub path: PathBuf,
    /// Rows (one per labelled invoice, in time order).
    pub rows: usize,
    /// Feature columns (after the [`FEATURE_FILE_KEYS`]).
    pub features: usize,
}

/// Writes the dataset of every feature variant of `config`: to `out` when
/// there is one variant, otherwise to one file per variant next to it,
/// `<stem>.<variant>.<extension>` (`features.w3.parquet`,
/// `features.before_due_3-historical.parquet`). The format follows the
/// extension: `.parquet` or `.csv`.
///
/// Columns: [`FEATURE_FILE_KEYS`], then the features under their names, as
/// 32-bit floats, exactly the matrix the models are fitted on.
pub fn write_features(
    config: &SweepConfig,
    out: &Path,
    on_event: &mut (dyn FnMut(SweepEvent) + Send),
) -> Result<Vec<FeaturesFile>, SweepError> {
    let loaded = load_announced(config, on_event)?;
    let mut datasets = Datasets::new(config, &loaded.data);
    let variants = datasets.variants.clone();
    let mut written = Vec::with_capacity(variants.len());
    for (index, variant) in variants.iter().enumerate() {
        let path = if variants.len() == 1 { out.to_path_buf() } else { variant_path(out, variant) };
        let (dataset, _) = datasets.get(index, on_event)?;
        write_dataset(dataset, &path)?;
        on_event(SweepEvent::Stage(format!("wrote {} ({} rows)", path.display(), dataset.n_rows())));
        written.push(FeaturesFile {
            variant: variant.label(),
            path,
            rows: dataset.n_rows(),
            features: dataset.n_features(),
        });
    }
    Ok(written)
}

/// `dir/features.parquet` -> `dir/features.<variant>.parquet`, the variant's
/// label made safe for a file name.
fn variant_path(out: &Path, variant: &FeatureVariant) -> PathBuf {
    let label: String = variant
        .label()
        .chars()
        .filter(|&c| c != '=')
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' })
        .collect();
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name = match out.extension() {
        Some(extension) => format!("{stem}.{label}.{}", extension.to_string_lossy()),
        None => format!("{stem}.{label}"),
    };
    out.with_file_name(name)
}

fn write_dataset(dataset: &Dataset, path: &Path) -> Result<(), SweepError> {
    // A feature named like a key column cannot pass unnoticed: the writer
    // rejects duplicate column names with an error naming the file.
    let mut part = vec![""; dataset.n_rows()];
    for split in Split::ALL {
        part[dataset.split().rows(split)].fill(split.name());
    }
    let mut columns = vec![
        (FEATURE_FILE_KEYS[0].to_string(), ColumnValues::U64(dataset.invoice_ids().to_vec())),
        (FEATURE_FILE_KEYS[1].to_string(), ColumnValues::Date(dataset.invoice_dates().to_vec())),
        (FEATURE_FILE_KEYS[2].to_string(), ColumnValues::Text(part)),
        (FEATURE_FILE_KEYS[3].to_string(), ColumnValues::Bool(dataset.labels().to_vec())),
    ];
    // One pass over the row-major matrix fills every column: a pass per
    // column would stream the whole matrix once per feature (1,900 one-hot
    // columns).
    let mut values: Vec<Vec<f32>> = vec![Vec::with_capacity(dataset.n_rows()); dataset.n_features()];
    for row in dataset.features().rows() {
        for (column, &value) in values.iter_mut().zip(row) {
            column.push(value);
        }
    }
    for (name, column) in dataset.feature_names().iter().zip(values) {
        columns.push((name.clone(), ColumnValues::F32(column)));
    }
    Ok(write_table(columns, path)?)
}
