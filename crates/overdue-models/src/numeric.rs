//! The logistic function and its log-partner, written once for every family
//! that turns scores into probabilities or losses (logistic regression,
//! gradient boosting, the MLP in overdue-nn).

/// `1 / (1 + exp(-z))`, without overflow for any finite `z`.
#[inline]
pub fn sigmoid(z: f64) -> f64 {
    // Both quotients are computed and one is picked: in the boosting loop the
    // sign of a score is a coin toss, and a branch on it was mispredicted often
    // enough to cost more than the second division.
    let e = (-z.abs()).exp();
    let (non_negative, negative) = (1.0 / (1.0 + e), e / (1.0 + e));
    if z >= 0.0 { non_negative } else { negative }
}

/// `log(1 + exp(z))`, without overflow or cancellation: the log loss of a
/// score `z` is `softplus(-z)` for a positive label and `softplus(z)` for a
/// negative one.
#[inline]
pub(crate) fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_saturate_without_overflow() {
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-16);
        assert!((sigmoid(2.0) + sigmoid(-2.0) - 1.0).abs() <= f64::EPSILON);
        assert!((softplus(-800.0) - 0.0).abs() < 1e-300);
        assert_eq!(softplus(800.0), 800.0);
        assert!((softplus(0.0) - std::f64::consts::LN_2).abs() < 1e-16);
    }
}
