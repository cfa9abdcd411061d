//! Splitting a node's sorted runs into its children's, keeping them sorted.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::grow::Constants;
use super::presort::Entry;

/// Nodes with at least this many entries (rows times features) evaluate and
/// partition their features in parallel; smaller ones are one task each.
pub(super) const PARALLEL_ENTRIES: usize = 1 << 15;

/// A split node of a level whose children must be partitioned.
#[derive(Debug, Clone, Copy)]
pub(super) struct Partition {
    pub(super) start: usize,
    pub(super) rows: usize,
    pub(super) feature: usize,
    pub(super) n_left: usize,
    /// Whether the left and right children will be split again; a child that
    /// is a leaf needs no sorted runs.
    pub(super) keep: [bool; 2],
    /// Features constant in the node: their runs are never read again.
    pub(super) skip: Constants,
}

/// Partitions every split node of a level from `source` into `destination`.
/// `splits` are in increasing `start`.
pub(super) fn partition_level(
    source: &[Entry],
    destination: &mut [Entry],
    d: usize,
    splits: &[Partition],
    side: &[AtomicBool],
) {
    // Carve the destination into the split nodes' blocks.
    let mut jobs = Vec::with_capacity(splits.len());
    let mut rest = destination;
    let mut offset = 0;
    for split in splits {
        let tail = std::mem::take(&mut rest);
        let (_, tail) = tail.split_at_mut(split.start * d - offset);
        let (block, tail) = tail.split_at_mut(split.rows * d);
        rest = tail;
        offset = (split.start + split.rows) * d;
        jobs.push((split, &source[split.start * d..(split.start + split.rows) * d], block));
    }
    jobs.into_par_iter().for_each(|(split, from, to)| {
        let (rows, n_left) = (split.rows, split.n_left);
        // Rows of the left child are the first n_left of the split feature.
        for (k, e) in from[split.feature * rows..(split.feature + 1) * rows].iter().enumerate() {
            side[e.row()].store(k < n_left, Ordering::Relaxed);
        }
        let (left, right) = to.split_at_mut(n_left * d);
        let n_right = rows - n_left;
        if rows * d >= PARALLEL_ENTRIES {
            from.par_chunks(rows)
                .zip(left.par_chunks_mut(n_left).zip(right.par_chunks_mut(n_right)))
                .enumerate()
                .filter(|(f, _)| !split.skip.contains(*f))
                .for_each(|(_, (run, children))| partition_run(run, children, split.keep, side));
        } else {
            from.chunks(rows)
                .zip(left.chunks_mut(n_left).zip(right.chunks_mut(n_right)))
                .enumerate()
                .filter(|(f, _)| !split.skip.contains(*f))
                .for_each(|(_, (run, children))| partition_run(run, children, split.keep, side));
        }
    });
}

thread_local! {
    /// Per-thread scratch space of [`partition_run`], kept between calls so
    /// that partitioning allocates nothing (it grows to the largest run seen).
    static SCRATCH: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// Splits one sorted run into its left and right parts, both still sorted.
/// Entries are scattered into a scratch buffer (left part first) at an index
/// chosen without a branch, since the side of consecutive rows is
/// unpredictable, then copied to the children that need them.
fn partition_run(run: &[Entry], (left, right): (&mut [Entry], &mut [Entry]), keep: [bool; 2], side: &[AtomicBool]) {
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        if scratch.len() < run.len() {
            scratch.resize(run.len(), Entry::default());
        }
        scatter(run, left, right, keep, side, &mut scratch[..run.len()]);
    });
}

fn scatter(
    run: &[Entry],
    left: &mut [Entry],
    right: &mut [Entry],
    keep: [bool; 2],
    side: &[AtomicBool],
    scratch: &mut [Entry],
) {
    let n_left = left.len();
    let (mut i, mut j) = (0, n_left);
    for &e in run {
        let goes_left = side[e.row()].load(Ordering::Relaxed);
        let slot = if goes_left { i } else { j };
        scratch[slot] = e;
        i += usize::from(goes_left);
        j += usize::from(!goes_left);
    }
    if keep[0] {
        left.copy_from_slice(&scratch[..n_left]);
    }
    if keep[1] {
        right.copy_from_slice(&scratch[n_left..]);
    }
}
