//! The training matrix sorted once per feature: the root of every tree grown
//! on it, and the row weights the growth reads.

use overdue_features::Samples;
use rayon::prelude::*;

use crate::ModelError;

/// The late flag, packed into the top bit of an entry's row number.
const LATE_BIT: u32 = 1 << 31;

/// One row of one sorted feature column: the value and the row number, with
/// the row's label in the top bit so that scans need no other lookup.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Entry {
    pub(super) value: f32,
    code: u32,
}

impl Entry {
    pub(super) fn row(self) -> usize {
        (self.code & !LATE_BIT) as usize
    }

    pub(super) fn late(self) -> bool {
        self.code & LATE_BIT != 0
    }
}

/// The training matrix with every feature sorted: the root block of the tree,
/// computed once and shared by every tree grown on the same rows (AdaBoost
/// grows all its trees from one).
pub(crate) struct Presorted {
    pub(super) n_rows: usize,
    pub(super) n_cols: usize,
    /// Feature-major: feature `f`'s entries, sorted by value then row, at
    /// `[f * n_rows, (f + 1) * n_rows)`.
    pub(super) entries: Vec<Entry>,
}

impl Presorted {
    /// Sorts every feature of `train` (in parallel over features). The caller
    /// has checked that the values are finite.
    pub(crate) fn new(train: &Samples<'_>) -> Result<Self, ModelError> {
        let n_rows = train.n_rows();
        let n_cols = train.features().n_cols();
        if n_rows >= LATE_BIT as usize {
            return Err(ModelError::FitFailed(format!("a decision tree takes at most {} rows", LATE_BIT - 1)));
        }
        let values = train.features().as_slice();
        let mut entries = vec![Entry::default(); n_rows * n_cols];
        if n_rows > 0 {
            entries.par_chunks_mut(n_rows).enumerate().for_each_init(Vec::new, |keys, (f, column)| {
                // Sort (value, row) as one integer: the value's bits mapped to
                // an unsigned key that orders like `f32::total_cmp`, then the row.
                keys.clear();
                keys.extend((0..n_rows).map(|row| (u64::from(order_key(values[row * n_cols + f])) << 32) | row as u64));
                keys.sort_unstable();
                for (slot, &key) in column.iter_mut().zip(keys.iter()) {
                    let row = (key & u64::from(u32::MAX)) as usize;
                    let code = row as u32 | if train.labels()[row] { LATE_BIT } else { 0 };
                    *slot = Entry { value: values[row * n_cols + f], code };
                }
            });
        }
        Ok(Self { n_rows, n_cols, entries })
    }

    /// Number of training rows.
    pub(crate) fn n_rows(&self) -> usize {
        self.n_rows
    }
}

/// An unsigned key with the order of `f32::total_cmp`: flip every bit of a
/// negative value, only the sign bit of a positive one.
fn order_key(value: f32) -> u32 {
    let bits = value.to_bits();
    if bits & (1 << 31) != 0 { !bits } else { bits | (1 << 31) }
}

/// The weight of each training row.
pub(crate) trait RowWeights: Sync {
    /// Weight of the row of `entry`.
    fn weight(&self, entry: Entry) -> f64;
}

/// Weights that depend on the class only: `[on_time, late]`.
pub(crate) struct ClassWeights(pub [f64; 2]);

impl RowWeights for ClassWeights {
    fn weight(&self, entry: Entry) -> f64 {
        self.0[usize::from(entry.late())]
    }
}

/// One weight per training row (AdaBoost's sample weights).
pub(crate) struct SampleWeights<'a>(pub &'a [f64]);

impl RowWeights for SampleWeights<'_> {
    fn weight(&self, entry: Entry) -> f64 {
        self.0[entry.row()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_keys_sort_like_total_cmp() {
        let mut values = vec![
            f32::MIN,
            -1e30,
            -2.5,
            -1.0,
            -f32::MIN_POSITIVE,
            -0.0,
            0.0,
            f32::MIN_POSITIVE,
            1e-30,
            1.0,
            1.0000001,
            3.5,
            f32::MAX,
        ];
        let sorted = values.clone();
        values.reverse();
        values.sort_by_key(|&v| order_key(v));
        assert_eq!(
            values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            sorted.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}
