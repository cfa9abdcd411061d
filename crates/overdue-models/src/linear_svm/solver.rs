//! Coordinate descent for the L1-regularised squared-hinge SVM, after Yuan,
//! Chang, Hsieh & Lin (2010), "A comparison of optimization methods and software
//! for large-scale L1-regularized linear classification", JMLR 11 (their CDN:
//! coordinate descent with one-dimensional Newton directions), the method of
//! liblinear's `-s 5`.
//!
//! Minimises `F(w) = ||w||_1 + L(w)`, `L(w) = sum_i C_i * max(0, b_i(w))^2`,
//! `b_i(w) = 1 - y_i w . x_i`, one coordinate at a time:
//!
//! 1. **Direction.** `L` restricted to coordinate `j` is approximated by its
//!    second-order expansion (`L'_j`, and the generalised second derivative
//!    `L''_j = 2 sum_{b_i > 0} C_i x_ij^2`, floored at `1e-12`); the minimiser `d`
//!    of `|w_j + d| + L'_j d + L''_j d^2 / 2` is a soft-thresholded Newton step.
//! 2. **Line search.** The step `d, d/2, d/4, ...` (at most 20 tries) is accepted
//!    when `F(w + d e_j) - F(w) <= sigma * (|w_j + d| - |w_j| + L'_j d)` with
//!    `sigma = 0.01`. The cheap upper bound `L(w + d e_j) - L(w) <= L'_j d + (sum_i
//!    C_i x_ij^2) d^2` is tried first, so most steps cost no loss evaluation. If no
//!    step is accepted the coordinate is left unchanged.
//! 3. **Order and shrinking.** Each outer iteration visits the active
//!    coordinates in a fresh random order (ChaCha8 seeded by the fit's seed). A
//!    coordinate at zero whose gradient is well inside `(-1, 1)`, i.e.
//!    `|L'_j| < 1 - M / n` with `M` the largest violation of the previous
//!    iteration, is dropped from the active set until the next check.
//! 4. **Stopping.** The minimum-norm subgradient of `F` measures each
//!    coordinate's violation of optimality; when their sum (the 1-norm) falls to
//!    `tol` times its value in the first iteration, the fit stops if all
//!    coordinates are active, and otherwise reactivates all of them and goes on.
//!
//! The rows' residuals `b_i` are updated incrementally after each accepted step,
//! as liblinear does. To halve the memory traffic of every pass over a column
//! (the cost of this solver), rows are stored scaled by `sqrt(C_i)`: the solver
//! works with `u_i = sqrt(C_i) b_i` and columns `sqrt(C_i) y_i x_ij`, so that
//! `L = sum_i max(0, u_i)^2` needs no per-row cost.
//!
//! The passes are deliberately sequential: splitting each pass into parallel
//! chunks (with fixed-order partial sums) was measured two to four times slower
//! on the study-scale matrix, since a pass over one column is short and
//! memory-bound while every coordinate step would pay for a parallel dispatch.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Sufficient decrease constant of the line search (Yuan et al.: sigma).
const SIGMA: f64 = 0.01;

/// Step halvings tried before a coordinate is left unchanged.
const MAX_LINE_SEARCH: usize = 20;

/// Floor of the second derivative, so the Newton step stays finite for
/// coordinates that touch no row with a positive margin violation.
const MIN_CURVATURE: f64 = 1e-12;

/// Steps shorter than this are not taken (nothing left to gain).
const MIN_STEP: f64 = 1e-12;

/// The optimisation problem in the form the coordinate descent needs.
pub(super) struct Problem {
    /// Column-major: coordinate `j` is `columns[j * n_rows..(j + 1) * n_rows]`,
    /// holding `sqrt(C_i) * y_i * x_ij` (`y_i = +1` late, `-1` on time; `C_i` is
    /// `C` times the weight of row `i`'s class). The bias, when fitted, is the
    /// last coordinate, with `x_ij = 1`.
    pub columns: Vec<f64>,
    pub n_rows: usize,
    /// `sqrt(C_i)` of each row: the scaled residuals `u_i` at `w = 0`.
    pub root_costs: Vec<f64>,
}

/// The solver's result.
pub(super) struct Solution {
    /// One weight per coordinate (the bias last, when fitted).
    pub weights: Vec<f64>,
    /// Outer iterations performed.
    pub iterations: usize,
    /// Whether the stopping rule was met within `max_iter` iterations.
    pub converged: bool,
}

impl Problem {
    fn n_coords(&self) -> usize {
        self.columns.len().checked_div(self.n_rows).unwrap_or(0)
    }

    fn column(&self, j: usize) -> &[f64] {
        &self.columns[j * self.n_rows..(j + 1) * self.n_rows]
    }

    /// Runs the coordinate descent from `w = 0`.
    pub fn solve(&self, tol: f64, max_iter: usize, rng: &mut ChaCha8Rng) -> Solution {
        let n_coords = self.n_coords();
        let mut w = vec![0.0; n_coords];
        let mut margins = self.root_costs.clone();
        // Upper bound of L''_j / 2, for the cheap line-search test.
        let bounds: Vec<f64> = (0..n_coords).map(|j| self.column(j).iter().map(|x| x * x).sum()).collect();
        let mut order: Vec<usize> = (0..n_coords).collect();
        let mut active = n_coords;
        let mut previous_max = f64::INFINITY;
        let mut initial_norm = None;
        let shrink_scale = self.n_rows.max(1) as f64;

        let mut iterations = 0;
        while iterations < max_iter {
            order[..active].shuffle(rng);
            let mut max_violation: f64 = 0.0;
            let mut norm = 0.0;
            let mut s = 0;
            while s < active {
                let j = order[s];
                let column = self.column(j);
                let (gradient, curvature, loss) = self.coordinate_derivatives(column, &margins);
                let (up, down) = (gradient + 1.0, gradient - 1.0);
                let violation = if w[j] == 0.0 {
                    if up < 0.0 {
                        -up
                    } else if down > 0.0 {
                        down
                    } else {
                        if up > previous_max / shrink_scale && down < -previous_max / shrink_scale {
                            // Optimal at zero with room to spare: shrink.
                            active -= 1;
                            order.swap(s, active);
                            continue;
                        }
                        0.0
                    }
                } else if w[j] > 0.0 {
                    up.abs()
                } else {
                    down.abs()
                };
                max_violation = max_violation.max(violation);
                norm += violation;
                s += 1;

                let direction = if up < curvature * w[j] {
                    -up / curvature
                } else if down > curvature * w[j] {
                    -down / curvature
                } else {
                    -w[j]
                };
                if direction.abs() < MIN_STEP {
                    continue;
                }
                if let Some(step) = self.line_search(column, &margins, w[j], direction, gradient, bounds[j], loss) {
                    w[j] += step;
                    for (m, x) in margins.iter_mut().zip(column) {
                        *m -= step * x;
                    }
                }
            }

            let initial = *initial_norm.get_or_insert(norm);
            iterations += 1;
            if norm <= tol * initial {
                if active == n_coords {
                    return Solution { weights: w, iterations, converged: true };
                }
                // Converged on the active set: check every coordinate again.
                active = n_coords;
                previous_max = f64::INFINITY;
                continue;
            }
            previous_max = max_violation;
        }
        Solution { weights: w, iterations, converged: false }
    }

    /// `L'_j`, `L''_j` (floored) and `L(w)` at the current (scaled) margins.
    fn coordinate_derivatives(&self, column: &[f64], margins: &[f64]) -> (f64, f64, f64) {
        let (mut gradient, mut curvature, mut loss) = (0.0, 0.0, 0.0);
        for (&x, &m) in column.iter().zip(margins) {
            if m > 0.0 {
                gradient -= x * m;
                curvature += x * x;
                loss += m * m;
            }
        }
        (2.0 * gradient, (2.0 * curvature).max(MIN_CURVATURE), loss)
    }

    /// Backtracking along `direction` for coordinate `w_j`; returns the accepted
    /// step, or `None` when even the smallest one does not decrease `F` enough.
    #[allow(clippy::too_many_arguments)]
    fn line_search(
        &self,
        column: &[f64],
        margins: &[f64],
        w_j: f64,
        direction: f64,
        gradient: f64,
        bound: f64,
        loss: f64,
    ) -> Option<f64> {
        let mut step = direction;
        let mut predicted = (w_j + step).abs() - w_j.abs() + gradient * step;
        for _ in 0..MAX_LINE_SEARCH {
            let penalty_change = (w_j + step).abs() - w_j.abs();
            if bound * step * step + gradient * step + penalty_change <= SIGMA * predicted {
                return Some(step);
            }
            let mut trial = 0.0;
            for (&x, &m) in column.iter().zip(margins) {
                let u = m - step * x;
                if u > 0.0 {
                    trial += u * u;
                }
            }
            if penalty_change + trial - loss <= SIGMA * predicted {
                return Some(step);
            }
            step *= 0.5;
            predicted *= 0.5;
        }
        None
    }
}
