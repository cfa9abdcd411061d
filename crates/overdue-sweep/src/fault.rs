//! Deliberate faults, to prove that the regression gate catches regressions.
//!
//! A fault in [`SweepOptions::fault`](crate::SweepOptions) makes every run of
//! a sweep worse in a known way, without changing any run's identity, so that
//! `overdue compare` against a clean baseline must fail. Runs made with a fault
//! say so in their record (`injected_fault`). The library never reads the
//! environment for it: the `overdue` binary parses [`FAULT_VARIABLE`]
//! (`OVERDUE_INJECT_FAULT`) and passes the fault in. Never set it for real
//! measurements.
//!
//! * `slowdown:F` — fitting takes F times as long (F >= 1), by sleeping after
//!   the fit for (F - 1) times its duration;
//! * `degrade:P` — a deterministic share P (0..=1) of predicted probabilities
//!   is replaced by 1 - p, which costs accuracy and ranking quality.

/// The environment variable through which the `overdue` binary injects a fault.
pub const FAULT_VARIABLE: &str = "OVERDUE_INJECT_FAULT";

/// A fault to inject into every run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InjectedFault {
    /// Fitting takes this many times as long.
    Slowdown(f64),
    /// This share of probabilities is flipped.
    Degrade(f64),
}

impl InjectedFault {
    /// Parses `slowdown:F` or `degrade:P`, the value of [`FAULT_VARIABLE`];
    /// the error names the variable and what it expects.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{FAULT_VARIABLE}={text}: expected slowdown:F (F >= 1) or degrade:P (0 <= P <= 1)");
        let (kind, value) = text.split_once(':').ok_or_else(bad)?;
        let value: f64 = value.trim().parse().map_err(|_| bad())?;
        match kind.trim() {
            "slowdown" if value >= 1.0 && value.is_finite() => Ok(Self::Slowdown(value)),
            "degrade" if (0.0..=1.0).contains(&value) => Ok(Self::Degrade(value)),
            _ => Err(bad()),
        }
    }

    /// How the fault is named in run records.
    pub fn describe(&self) -> String {
        match self {
            Self::Slowdown(factor) => format!("slowdown:{factor}"),
            Self::Degrade(share) => format!("degrade:{share}"),
        }
    }

    /// After a fit that took `fit_seconds`: sleeps for a slowdown.
    pub(crate) fn after_fit(&self, fit_seconds: f64) {
        if let Self::Slowdown(factor) = self {
            std::thread::sleep(std::time::Duration::from_secs_f64(fit_seconds * (factor - 1.0)));
        }
    }

    /// Flips a deterministic share of `probabilities` for a degrade fault.
    pub(crate) fn degrade(&self, probabilities: &mut [f64]) {
        if let Self::Degrade(share) = self {
            // Golden-ratio sequence: an even, deterministic spread over rows.
            for (i, p) in probabilities.iter_mut().enumerate() {
                if (i as f64 * 0.618_033_988_749_895).fract() < *share {
                    *p = 1.0 - *p;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_and_bad_values_are_named() {
        assert_eq!(InjectedFault::parse("slowdown:3"), Ok(InjectedFault::Slowdown(3.0)));
        assert_eq!(InjectedFault::parse("degrade:0.25"), Ok(InjectedFault::Degrade(0.25)));
        for bad in ["slowdown:0.5", "degrade:2", "faster:2", "slowdown"] {
            assert!(InjectedFault::parse(bad).unwrap_err().contains(FAULT_VARIABLE), "{bad}");
        }
    }

    #[test]
    fn degrading_flips_about_the_requested_share() {
        let mut p = vec![0.9; 10_000];
        InjectedFault::Degrade(0.3).degrade(&mut p);
        let flipped = p.iter().filter(|&&v| (v - 0.1).abs() < 1e-12).count();
        assert!((2900..=3100).contains(&flipped), "{flipped}");
    }
}
