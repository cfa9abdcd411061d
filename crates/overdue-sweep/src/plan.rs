//! The grid of a sweep: which runs it consists of, before any data is touched.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::data_source::data_fingerprint;
use crate::{RunCell, SweepConfig, SweepError};

/// One run of the grid, with its identity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedRun {
    /// Content-derived identity of the cell.
    pub run_id: String,
    /// What the run is.
    pub cell: RunCell,
    /// Index of the model in [`SweepConfig::models`].
    pub model: usize,
    /// Index of the run's dataset in the sweep's `FeatureConfig::variants`.
    pub variant: usize,
}

/// A deterministic share of a grid: `index` of `count` (1-based, as `--shard 2/4`).
///
/// Run number `k` of the grid (in grid order) belongs to shard `k % count + 1`,
/// so the shards of one config partition its grid exactly and evenly. Every
/// shard must be given the same config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which share, 1..=count.
    pub index: usize,
    /// How many shares.
    pub count: usize,
}

impl Shard {
    /// Whether grid position `k` belongs to this shard.
    pub fn contains(&self, k: usize) -> bool {
        k % self.count + 1 == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a shard such as 2/4 (shard 2 of 4)");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = index.trim().parse().map_err(|_| bad())?;
        let count: usize = count.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {index}/{count}: need 1 <= i <= n"));
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The grid of `config` in a stable order (feature variant, then model, then
/// seed), restricted to `shard` when one is given.
pub fn plan_sweep(config: &SweepConfig, shard: Option<Shard>) -> Result<Vec<PlannedRun>, SweepError> {
    let data = data_fingerprint(config)?;
    let split = serde_json::to_value(&config.split).expect("split specs serialise");
    let mut plan = Vec::new();
    for (variant, features) in config.features.variants().iter().enumerate() {
        for (model, spec) in config.models.iter().enumerate() {
            let classifier = spec.classifier();
            for &seed in &config.seeds {
                let cell = RunCell {
                    data: data.clone(),
                    feature_set: config.features.set_name().into(),
                    window_months: features.window_months(),
                    variant: features.variant_name(),
                    split: split.clone(),
                    family: classifier.family().into(),
                    hyperparameters: classifier.hyperparameters(),
                    seed,
                    code_version: env!("CARGO_PKG_VERSION").into(),
                };
                plan.push(PlannedRun { run_id: cell.run_id(), cell, model, variant });
            }
        }
    }
    Ok(match shard {
        Some(shard) => plan.into_iter().enumerate().filter(|(k, _)| shard.contains(*k)).map(|(_, run)| run).collect(),
        None => plan,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_positions_evenly() {
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for k in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.contains(k)).count(), 1, "position {k}");
        }
        assert_eq!((0..9).filter(|&k| shards[1].contains(k)).count(), 3);
    }

    #[test]
    fn shard_syntax_is_checked() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1/0", "2", "a/b"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
