//! The datasets of a sweep's feature variants, built from its data when first
//! needed: shared by the sweep runner and `overdue features`.

use std::time::Instant;

use overdue_features::{Dataset, ReceivablesRows, collections_dataset};

use crate::data_source::{Loaded, LoadedData, load_data};
use crate::{FeatureVariant, SweepConfig, SweepError, SweepEvent};

/// Loads (or generates) a sweep's data, saying what was loaded.
pub(crate) fn load_announced(
    config: &SweepConfig,
    on_event: &mut (dyn FnMut(SweepEvent) + Send),
) -> Result<Loaded, SweepError> {
    let started = Instant::now();
    let loaded = load_data(config)?;
    let seconds = started.elapsed().as_secs_f64();
    let origin = &loaded.origin;
    let stage = match &loaded.data {
        LoadedData::Receivables(table) => format!("data: {} invoices in {seconds:.2}s ({origin})", table.len()),
        LoadedData::Payables { table, cleaning } => format!(
            "data: {} invoices and {} process events in {seconds:.2}s ({origin}); cleaning kept {} of {} raw rows",
            table.len(),
            table.events().len(),
            cleaning.kept,
            cleaning.raw
        ),
        LoadedData::Collections { rows, .. } => {
            format!("data: {} collections cases in {seconds:.2}s ({origin})", rows.len())
        }
    };
    on_event(SweepEvent::Stage(stage));
    Ok(loaded)
}

/// The datasets of a sweep's feature variants, one at a time: asking for a
/// variant builds it, in place of the one held before.
///
/// Runs come variant by variant (the grid's order), so each variant is built
/// once. Holding one matrix at a time keeps memory flat however many
/// variants a sweep has (eleven windows of 10M invoices would take 10 GB, a
/// one-hot payables dataset of the default world 2 GB), and a receivables
/// window is written into the memory of the window before it.
pub(crate) struct Datasets<'a> {
    config: &'a SweepConfig,
    data: &'a LoadedData,
    pub(crate) variants: Vec<FeatureVariant>,
    /// The labelled rows and event streams all windows share, prepared with
    /// the first window, and the seconds that took.
    receivables: Option<(ReceivablesRows, f64)>,
    /// The variant held, its dataset and the seconds its features took.
    current: Option<(usize, Dataset, f64)>,
}

impl<'a> Datasets<'a> {
    /// The datasets of `config`'s feature variants over `data`; none is built yet.
    pub(crate) fn new(config: &'a SweepConfig, data: &'a LoadedData) -> Self {
        Self { config, data, variants: config.features.variants(), receivables: None, current: None }
    }

    /// The dataset of variant `index` and the seconds its features took.
    pub(crate) fn get(
        &mut self,
        index: usize,
        on_event: &mut (dyn FnMut(SweepEvent) + Send),
    ) -> Result<(&Dataset, f64), SweepError> {
        if self.current.as_ref().map(|(held, ..)| *held) != Some(index) {
            let previous = self.current.take().map(|(_, dataset, _)| dataset);
            let (dataset, seconds) = self.build(index, previous, on_event)?;
            self.current = Some((index, dataset, seconds));
        }
        let (_, dataset, seconds) = self.current.as_ref().expect("built above");
        Ok((dataset, *seconds))
    }

    /// Builds variant `index`, reusing the memory of `previous` where it can.
    ///
    /// A receivables window's seconds include the preparation all windows
    /// share: each reports what building it alone would cost.
    fn build(
        &mut self,
        index: usize,
        previous: Option<Dataset>,
        on_event: &mut (dyn FnMut(SweepEvent) + Send),
    ) -> Result<(Dataset, f64), SweepError> {
        let variant = self.variants[index];
        let started = Instant::now();
        let (dataset, seconds, shared_seconds) = match (self.data, variant) {
            (LoadedData::Receivables(table), FeatureVariant::Window(window)) => {
                let prepared_seconds = match &self.receivables {
                    Some((_, seconds)) => *seconds,
                    None => {
                        let rows = ReceivablesRows::new(table, &self.config.split)?;
                        let seconds = started.elapsed().as_secs_f64();
                        on_event(SweepEvent::Stage(format!(
                            "features: {} labelled rows and their customers' event streams in {seconds:.2}s",
                            rows.n_rows()
                        )));
                        self.receivables = Some((rows, seconds));
                        seconds
                    }
                };
                let rows = &self.receivables.as_ref().expect("prepared above").0;
                let started = Instant::now();
                let dataset = rows.dataset(window, previous.map(Dataset::into_values).unwrap_or_default())?;
                (dataset, started.elapsed().as_secs_f64(), prepared_seconds)
            }
            (LoadedData::Payables { table, .. }, FeatureVariant::Payables(features)) => {
                // The previous variant's matrix goes before this one is built.
                drop(previous);
                (features.build(table, &self.config.split)?, started.elapsed().as_secs_f64(), 0.0)
            }
            (LoadedData::Collections { rows, closing_days }, FeatureVariant::CollectionsActions) => {
                (collections_dataset(rows, closing_days, &self.config.split)?, started.elapsed().as_secs_f64(), 0.0)
            }
            _ => {
                return Err(SweepError::Config {
                    path: self.config.source.clone(),
                    key: "features".into(),
                    message: format!(
                        "feature variant {} does not fit {} data",
                        variant.label(),
                        self.config.data.kind()
                    ),
                });
            }
        };
        on_event(SweepEvent::Stage(format!(
            "features {}: {} rows x {} columns in {seconds:.2}s",
            variant.label(),
            dataset.n_rows(),
            dataset.n_features()
        )));
        Ok((dataset, shared_seconds + seconds))
    }
}
