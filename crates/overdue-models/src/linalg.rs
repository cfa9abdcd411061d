//! Small dense linear algebra for the Newton solvers: a Cholesky solve in f64.

/// Relative pivot below which a (unit-diagonal) matrix counts as numerically
/// singular, per dimension.
const PIVOT_TOLERANCE: f64 = f64::EPSILON;

/// Ridges tried, relative to the mean diagonal of the scaled matrix (which is 1),
/// when the plain Cholesky factorisation fails.
const FALLBACK_RIDGES: [f64; 4] = [1e-10, 1e-8, 1e-6, 1e-4];

/// Solves `a x = b` for a symmetric positive (semi-)definite `a`, given as a full
/// `n x n` row-major matrix, by Cholesky in f64.
///
/// The matrix is first scaled symmetrically to a unit diagonal
/// (`D^-1 a D^-1`, `D = sqrt(diag a)`): the solution is mathematically the same,
/// but the factorisation no longer suffers from columns on wildly different
/// scales (features of scale 1e6 next to 1e-3).
///
/// Only if that factorisation fails (a pivot not above `n * eps`: the matrix is
/// singular to working precision, e.g. duplicated columns without a penalty) is a
/// tiny ridge, `1e-10 * trace / n` of the scaled matrix, added to the diagonal,
/// growing a hundredfold per retry up to `1e-4`. Returns the solution and whether
/// a ridge was needed, or `None` when even the largest ridge fails (non-finite
/// entries).
pub(crate) fn solve_spd(a: &[f64], b: &[f64]) -> Option<(Vec<f64>, bool)> {
    let n = b.len();
    debug_assert_eq!(a.len(), n * n);
    let scales: Vec<f64> = (0..n)
        .map(|i| {
            let d = a[i * n + i];
            if d > 0.0 && d.is_finite() { 1.0 / d.sqrt() } else { 1.0 }
        })
        .collect();
    let mut scaled = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            scaled[i * n + j] = a[i * n + j] * scales[i] * scales[j];
        }
    }
    let rhs: Vec<f64> = b.iter().zip(&scales).map(|(v, s)| v * s).collect();

    let trace_per_dim = (0..n).map(|i| scaled[i * n + i]).sum::<f64>() / n.max(1) as f64;
    let ridges = std::iter::once(0.0).chain(FALLBACK_RIDGES.iter().map(|r| r * trace_per_dim));
    for (attempt, ridge) in ridges.enumerate() {
        let mut m = scaled.clone();
        for i in 0..n {
            m[i * n + i] += ridge;
        }
        if cholesky_in_place(&mut m, n) {
            let y = cholesky_solve(&m, n, &rhs);
            let x: Vec<f64> = y.iter().zip(&scales).map(|(v, s)| v * s).collect();
            if x.iter().all(|v| v.is_finite()) {
                return Some((x, attempt > 0));
            }
        }
    }
    None
}

/// Overwrites the lower triangle of `m` with `L` such that `m = L L^T`.
/// Returns `false` when a pivot is not comfortably positive.
fn cholesky_in_place(m: &mut [f64], n: usize) -> bool {
    let tolerance = PIVOT_TOLERANCE * n as f64;
    for j in 0..n {
        let mut pivot = m[j * n + j];
        for k in 0..j {
            pivot -= m[j * n + k] * m[j * n + k];
        }
        if !(pivot > tolerance && pivot.is_finite()) {
            return false;
        }
        let l_jj = pivot.sqrt();
        m[j * n + j] = l_jj;
        for i in j + 1..n {
            let mut v = m[i * n + j];
            for k in 0..j {
                v -= m[i * n + k] * m[j * n + k];
            }
            m[i * n + j] = v / l_jj;
        }
    }
    true
}

/// Solves `L L^T x = b` given the factor in the lower triangle of `l`.
fn cholesky_solve(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..n {
        let mut v = y[i];
        for k in 0..i {
            v -= l[i * n + k] * y[k];
        }
        y[i] = v / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut v = y[i];
        for k in i + 1..n {
            v -= l[k * n + i] * y[k];
        }
        y[i] = v / l[i * n + i];
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_badly_scaled_system() {
        // [[1e12, 1e3], [1e3, 1e-6 + 1]] x = [1e12 + 2e3, 1e3 + 2 * (1e-6 + 1)] -> x = [1, 2]
        let a = [1e12, 1e3, 1e3, 1.0 + 1e-6];
        let b = [1e12 + 2e3, 1e3 + 2.0 * (1.0 + 1e-6)];
        let (x, ridged) = solve_spd(&a, &b).unwrap();
        assert!(!ridged);
        assert!((x[0] - 1.0).abs() < 1e-9 && (x[1] - 2.0).abs() < 1e-6, "{x:?}");
    }

    #[test]
    fn singular_matrix_gets_a_ridge() {
        // Two identical columns: rank one.
        let a = [2.0, 2.0, 2.0, 2.0];
        let (x, ridged) = solve_spd(&a, &[2.0, 2.0]).unwrap();
        assert!(ridged);
        assert!((x[0] - 0.5).abs() < 1e-6 && (x[1] - 0.5).abs() < 1e-6, "{x:?}");
    }
}
