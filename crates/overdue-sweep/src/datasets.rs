//! The datasets of a sweep's feature variants, built from its data when first
//! needed: shared by the sweep runner and `overdue features`.

use std::time::Instant;

use overdue_data::{CleaningCounts, LoadReport};
use overdue_features::{Dataset, ReceivablesFeatures, collections_dataset};

use crate::data_source::{Loaded, LoadedData, load_data};
use crate::{FeatureVariant, SweepConfig, SweepError, SweepEvent};

/// The datasets of a sweep's feature variants, each built when a run first
/// needs it, with the seconds its features took.
///
/// Receivables windows are built together in one pass (each gets the whole
/// cost). Payables variants are built one at a time, and building one frees
/// the others: runs come variant by variant, and a one-hot dataset of the
/// default world takes about 2 GB.
pub(crate) struct Datasets<'a> {
    config: &'a SweepConfig,
    data: LoadedData,
    /// How an export was read (file data only).
    pub(crate) export: Option<LoadReport>,
    pub(crate) variants: Vec<FeatureVariant>,
    built: Vec<Option<(Dataset, f64)>>,
}

impl<'a> Datasets<'a> {
    pub(crate) fn load(
        config: &'a SweepConfig,
        on_event: &mut (dyn FnMut(SweepEvent) + Send),
    ) -> Result<Self, SweepError> {
        let started = Instant::now();
        let Loaded { data, origin, export } = load_data(config)?;
        let seconds = started.elapsed().as_secs_f64();
        let stage = match &data {
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
        let variants = config.features.variants();
        Ok(Self { config, data, export, built: vec![None; variants.len()], variants })
    }

    /// The error for a feature variant that does not fit the data (a config
    /// built in code; parsed configs are checked).
    fn mismatch(&self, variant: &FeatureVariant) -> SweepError {
        SweepError::Config {
            path: self.config.source.clone(),
            key: "features".into(),
            message: format!("feature variant {} does not fit {} data", variant.label(), self.config.data.kind()),
        }
    }

    /// Study 2's cleaning counts, for payables data.
    pub(crate) fn cleaning(&self) -> Option<CleaningCounts> {
        match &self.data {
            LoadedData::Receivables(_) | LoadedData::Collections { .. } => None,
            LoadedData::Payables { cleaning, .. } => Some(*cleaning),
        }
    }

    /// The dataset of variant `index` and the seconds its features took.
    pub(crate) fn get(
        &mut self,
        index: usize,
        on_event: &mut (dyn FnMut(SweepEvent) + Send),
    ) -> Result<(&Dataset, f64), SweepError> {
        if self.built[index].is_none() {
            let started = Instant::now();
            match &self.data {
                LoadedData::Receivables(table) => {
                    let mut windows = Vec::with_capacity(self.variants.len());
                    for variant in &self.variants {
                        match variant {
                            FeatureVariant::Window(window) => windows.push(*window),
                            FeatureVariant::Payables(_) | FeatureVariant::CollectionsActions => {
                                return Err(self.mismatch(variant));
                            }
                        }
                    }
                    let built = ReceivablesFeatures::new(&windows)?.build(table, &self.config.split)?;
                    let seconds = started.elapsed().as_secs_f64();
                    let (_, first) = &built[0];
                    on_event(SweepEvent::Stage(format!(
                        "features: {} windows x {} rows x {} columns in {seconds:.2}s",
                        built.len(),
                        first.n_rows(),
                        first.n_features()
                    )));
                    for (slot, (_, dataset)) in self.built.iter_mut().zip(built) {
                        *slot = Some((dataset, seconds));
                    }
                }
                LoadedData::Payables { table, .. } => {
                    let FeatureVariant::Payables(features) = self.variants[index] else {
                        return Err(self.mismatch(&self.variants[index]));
                    };
                    self.built.iter_mut().for_each(|slot| *slot = None);
                    let dataset = features.build(table, &self.config.split)?;
                    let seconds = started.elapsed().as_secs_f64();
                    on_event(SweepEvent::Stage(format!(
                        "features {}: {} rows x {} columns in {seconds:.2}s",
                        features.name(),
                        dataset.n_rows(),
                        dataset.n_features()
                    )));
                    self.built[index] = Some((dataset, seconds));
                }
                LoadedData::Collections { rows, closing_days } => {
                    if self.variants[index] != FeatureVariant::CollectionsActions {
                        return Err(self.mismatch(&self.variants[index]));
                    }
                    let dataset = collections_dataset(rows, closing_days, &self.config.split)?;
                    let seconds = started.elapsed().as_secs_f64();
                    on_event(SweepEvent::Stage(format!(
                        "features: {} rows x {} columns in {seconds:.2}s",
                        dataset.n_rows(),
                        dataset.n_features()
                    )));
                    self.built[index] = Some((dataset, seconds));
                }
            }
        }
        let (dataset, seconds) = self.built[index].as_ref().expect("built above");
        Ok((dataset, *seconds))
    }
}
