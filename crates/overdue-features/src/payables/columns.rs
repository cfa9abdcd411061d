//! Writing one feature row, group after group, with the names kept in step.

/// A cursor over one row of the feature matrix. Groups push their values in
/// the order their names were listed; the builder checks that a row is filled
/// exactly.
pub(super) struct RowWriter<'a> {
    out: &'a mut [f32],
    at: usize,
}

impl<'a> RowWriter<'a> {
    /// A writer at the start of `out`, which must be all zeros (one-hot blocks
    /// only set their one).
    pub(super) fn new(out: &'a mut [f32]) -> Self {
        Self { out, at: 0 }
    }

    /// The next column.
    pub(super) fn push(&mut self, value: f64) {
        self.out[self.at] = value as f32;
        self.at += 1;
    }

    /// A count and its share of `total` (0 when `total` is 0).
    pub(super) fn push_count_and_share(&mut self, count: u32, total: u32) {
        self.push(f64::from(count));
        self.push(share(count, total));
    }

    /// A block of `width` indicator columns with a one at `hot`, if any.
    pub(super) fn one_hot(&mut self, width: usize, hot: Option<usize>) {
        if let Some(hot) = hot {
            debug_assert!(hot < width);
            self.out[self.at + hot] = 1.0;
        }
        self.at += width;
    }

    /// Columns written so far.
    pub(super) fn written(&self) -> usize {
        self.at
    }
}

/// `count / total`, or 0 when `total` is 0 (the matching count says so).
pub(super) fn share(count: u32, total: u32) -> f64 {
    if total == 0 { 0.0 } else { f64::from(count) / f64::from(total) }
}
