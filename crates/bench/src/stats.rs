//! The statistics of a comparison: mean, median, standard deviation,
//! Welch's t-test (unequal variances; the t distribution from statrs), and
//! a bootstrap confidence interval for the ratio of two statistics.

use statrs::distribution::{ContinuousCDF, StudentsT};

pub fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

pub fn median(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Sample variance (n − 1).
pub fn variance(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() as f64 - 1.0)
}

pub fn std_dev(x: &[f64]) -> f64 {
    variance(x).sqrt()
}

/// Welch's t-test of two samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    /// (mean(b) − mean(a)) / standard error.
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Two-sided p-value.
    pub p: f64,
}

/// Welch's t-test; `None` with fewer than two values on a side or no variance at all.
pub fn welch(a: &[f64], b: &[f64]) -> Option<Welch> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let (va, vb) = (variance(a) / a.len() as f64, variance(b) / b.len() as f64);
    let se2 = va + vb;
    if se2 <= 0.0 || !se2.is_finite() {
        return None;
    }
    let t = (mean(b) - mean(a)) / se2.sqrt();
    let df = se2 * se2 / (va * va / (a.len() as f64 - 1.0) + vb * vb / (b.len() as f64 - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let p = 2.0 * (1.0 - dist.cdf(t.abs()));
    Some(Welch { t, df, p: p.clamp(0.0, 1.0) })
}

/// The `confidence` interval of `stat(b) / stat(a)` by the percentile
/// bootstrap: `resamples` times, each side resampled with replacement.
/// Seeded, so the same inputs give the same interval.
pub fn bootstrap_ratio(
    a: &[f64],
    b: &[f64],
    stat: fn(&[f64]) -> f64,
    confidence: f64,
    resamples: usize,
    seed: u64,
) -> (f64, f64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut ra = vec![0.0; a.len()];
    let mut rb = vec![0.0; b.len()];
    let mut ratios: Vec<f64> = (0..resamples)
        .map(|_| {
            ra.iter_mut().for_each(|x| *x = a[rng.usize(..a.len())]);
            rb.iter_mut().for_each(|x| *x = b[rng.usize(..b.len())]);
            stat(&rb) / stat(&ra)
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    let at = |q: f64| ratios[((q * resamples as f64) as usize).min(resamples - 1)];
    (at(tail), at(1.0 - tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&x), 5.0);
        assert_eq!(median(&x), 4.5);
        // sum of squared deviations 32, n − 1 = 7
        assert!((variance(&x) - 32.0 / 7.0).abs() < 1e-12);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }

    #[test]
    fn bootstrap_of_a_scaled_copy_is_tight_around_the_scale() {
        let a: Vec<f64> = (0..50).map(|i| 100.0 + (i % 7) as f64).collect();
        let b: Vec<f64> = a.iter().map(|x| x * 1.5).collect();
        let (lo, hi) = bootstrap_ratio(&a, &b, mean, 0.95, 2000, 1);
        assert!(lo < 1.5 && hi > 1.5 && hi - lo < 0.05, "{lo} {hi}");
    }
}
