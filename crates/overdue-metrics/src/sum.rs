//! Compensated summation, so means over millions of rows stay accurate.

/// Neumaier's compensated sum of `values`.
pub(crate) fn compensated_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    for v in values {
        let t = sum + v;
        if sum.abs() >= v.abs() {
            compensation += (sum - t) + v;
        } else {
            compensation += (v - t) + sum;
        }
        sum = t;
    }
    sum + compensation
}

#[cfg(test)]
mod tests {
    use super::compensated_sum;

    #[test]
    fn recovers_what_naive_summation_loses() {
        assert_eq!(compensated_sum([1.0, 1e100, 1.0, -1e100]), 2.0);
        assert_eq!(compensated_sum(std::iter::repeat_n(0.1, 10)), 1.0);
        assert_eq!(compensated_sum([]), 0.0);
    }
}
