//! Exact sums of invoice amounts, for running totals that invoices enter and
//! leave.
//!
//! A window's running total gains an amount when an invoice enters and loses
//! it when the invoice leaves. In floating point, `(a + b) - a` need not be
//! `b`, so a long sweep would drift and an emptied window would keep a
//! residue. Amounts are therefore summed as fixed-point integers: every
//! addition and subtraction is exact, the total does not depend on the
//! order, and converting it back gives the correctly rounded sum.

/// The fixed-point representation shared by every amount of one table.
#[derive(Debug, Clone, Copy)]
pub(super) struct AmountScale {
    /// A power of two: `fixed = amount * to_fixed`, exactly.
    to_fixed: f64,
}

/// Bits a total may use: the largest possible sum (every amount of the table)
/// still fits an `i128` with room to spare.
const TOTAL_BITS: i32 = 125;

impl AmountScale {
    /// The finest scale at which the sum of all `amounts` fits [`TOTAL_BITS`].
    ///
    /// Amounts are finite and non-negative (the invoice table checks). The only
    /// inexactness is truncation below the scale's last bit: 2^-60 (about
    /// 1e-18) for ten million amounts up to a trillion, far below a cent and
    /// below what the f32 features can show.
    pub(super) fn for_amounts(amounts: impl Iterator<Item = f64>) -> Self {
        let (count, largest) = amounts.fold((0usize, 0.0f64), |(n, max), a| (n + 1, max.max(a)));
        // sum <= count * largest < 2^(bits of count + exponent of largest)
        let count_bits = (usize::BITS - count.leading_zeros()) as i32;
        let largest_exponent = if largest > 0.0 { largest.log2().ceil() as i32 + 1 } else { 0 };
        let exponent = (TOTAL_BITS - count_bits - largest_exponent).clamp(-1000, 1000);
        Self { to_fixed: 2f64.powi(exponent) }
    }

    /// `amount` in fixed point (exact unless below the scale's last bit).
    pub(super) fn fixed(self, amount: f64) -> i128 {
        (amount * self.to_fixed) as i128
    }

    /// A fixed-point total back as an amount, correctly rounded.
    pub(super) fn amount(self, fixed: i128) -> f64 {
        fixed as f64 / self.to_fixed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entering_and_leaving_in_any_order_leaves_an_exact_total() {
        let amounts = [0.1, 1e9 + 0.37, 0.2, 123.45, 1e-3, 0.0];
        let scale = AmountScale::for_amounts(amounts.iter().copied());
        let mut total: i128 = amounts.iter().map(|&a| scale.fixed(a)).sum();
        for &a in &amounts[1..] {
            total -= scale.fixed(a);
        }
        // In f64, ((0.1 + 1e9) + ...) - 1e9 - ... is not 0.1.
        assert_eq!(scale.amount(total), 0.1);
        total -= scale.fixed(0.1);
        assert_eq!(total, 0, "an emptied window sums to exactly zero");
    }

    #[test]
    fn a_total_is_the_correctly_rounded_sum() {
        let two_to_53 = 9_007_199_254_740_992.0;
        let amounts = [two_to_53, 1.0, 1.0];
        let scale = AmountScale::for_amounts(amounts.iter().copied());
        let total: i128 = amounts.iter().map(|&a| scale.fixed(a)).sum();
        assert_eq!(scale.amount(total), two_to_53 + 2.0);
        assert_eq!((two_to_53 + 1.0) + 1.0, two_to_53, "sequential f64 summation loses both ones");
    }

    #[test]
    fn huge_and_zero_amounts_neither_overflow_nor_vanish() {
        let amounts = [f64::MAX / 4.0, 0.0, 1.0];
        let scale = AmountScale::for_amounts(amounts.iter().copied());
        let total: i128 = amounts.iter().map(|&a| scale.fixed(a)).sum();
        assert_eq!(scale.amount(total), f64::MAX / 4.0);
        let zeros = AmountScale::for_amounts([0.0, 0.0].into_iter());
        assert_eq!(zeros.amount(zeros.fixed(0.0)), 0.0);
        let tiny = AmountScale::for_amounts([1e-9, 1e12].into_iter());
        let total = tiny.fixed(1e-9) + tiny.fixed(1e12) - tiny.fixed(1e12);
        assert_eq!(tiny.amount(total), 1e-9, "a nano-amount beside a trillion stays exact");
    }
}
