//! The statistics of a comparison: mean, median, standard deviation,
//! Welch's t-test (unequal variances; the t distribution from statrs), the
//! Mann–Whitney U test (for medians), and a bootstrap confidence interval for
//! the ratio of two statistics; and the Benjamini–Hochberg adjustment of
//! many benchmarks' p-values.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

pub fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

pub fn median(x: &[f64]) -> f64 {
    median_in_place(&mut x.to_vec())
}

/// The median, reordering `v` (selection, not a sort: the bootstrap calls
/// this ten thousand times per benchmark).
fn median_in_place(v: &mut [f64]) -> f64 {
    let n = v.len();
    let (below, mid, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let mid = *mid;
    if n % 2 == 1 {
        mid
    } else {
        let lower = below.iter().copied().max_by(f64::total_cmp).unwrap_or(mid);
        (lower + mid) / 2.0
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
    // the survival function, not 1 − cdf: p-values of 1e-100 stay exact
    let p = 2.0 * dist.sf(t.abs());
    Some(Welch { t, df, p: p.clamp(0.0, 1.0) })
}

/// The Mann–Whitney U test (Wilcoxon rank-sum) of two samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of `b`: the number of pairs in which the `b` value is the larger
    /// (ties count a half).
    pub u: f64,
    /// Standardised U − n·m/2, tie-corrected; positive when `b` tends larger.
    pub z: f64,
    /// Two-sided p-value from the normal approximation with continuity
    /// correction (as scipy's `mannwhitneyu(method="asymptotic")`).
    pub p: f64,
}

/// Mann–Whitney U; `None` with an empty side or all values equal.
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut all: Vec<(f64, bool)> = a.iter().map(|&x| (x, false)).chain(b.iter().map(|&x| (x, true))).collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    // ranks from 1, ties at their average rank; Σ(t³ − t) over tie groups
    let (mut rank_sum_b, mut ties, mut i) = (0.0, 0.0, 0);
    while i < all.len() {
        let j = i + all[i..].iter().take_while(|x| x.0 == all[i].0).count();
        let average = (i + 1 + j) as f64 / 2.0;
        rank_sum_b += average * all[i..j].iter().filter(|x| x.1).count() as f64;
        let t = (j - i) as f64;
        ties += t * t * t - t;
        i = j;
    }
    let u = rank_sum_b - n2 * (n2 + 1.0) / 2.0;
    let n = n1 + n2;
    let sd = (n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)))).sqrt();
    if sd <= 0.0 || !sd.is_finite() {
        return None;
    }
    let centred = u - n1 * n2 / 2.0;
    let z = (centred.abs() - 0.5).max(0.0) / sd;
    let p = 2.0 * Normal::standard().sf(z);
    Some(MannWhitney { u, z: z.copysign(centred), p: p.clamp(0.0, 1.0) })
}

/// Samples a side from which the interval of a ratio is the normal one
/// ([`normal_ratio`]) instead of the bootstrap: at that size the percentile
/// bootstrap has converged to it, and on a million-sample hyperfine run
/// ten thousand resamples would take minutes.
pub const LARGE: usize = 10_000;

/// The `confidence` interval of `stat(b) / stat(a)`: the percentile
/// bootstrap, or for samples of [`LARGE`] and more a side the normal interval.
pub fn ratio_interval(a: &[f64], b: &[f64], median: bool, confidence: f64, resamples: usize, seed: u64) -> (f64, f64) {
    if a.len().min(b.len()) >= LARGE {
        normal_ratio(a, b, median, confidence)
    } else if a.len().max(b.len()) >= LARGE {
        mixed_ratio(a, b, median, confidence, resamples, seed)
    } else {
        bootstrap_ratio(a, b, median, confidence, resamples, seed)
    }
}

/// One side of [`LARGE`] samples or more, the other small: the small side
/// is resampled as the bootstrap does, the large side's statistic drawn
/// from its normal distribution (the bootstrap's limit at that size) — so a
/// million samples against thirty take the time of thirty, not minutes.
fn mixed_ratio(a: &[f64], b: &[f64], median: bool, confidence: f64, resamples: usize, seed: u64) -> (f64, f64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let large_is_a = a.len() >= b.len();
    let (small, large) = if large_is_a { (b, a) } else { (a, b) };
    let (m, se) = with_error(large, median);
    let mut r = vec![0.0; small.len()];
    let normal = |rng: &mut fastrand::Rng| {
        // Box–Muller
        let (u1, u2) = (1.0 - rng.f64(), rng.f64());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    };
    let mut ratios: Vec<f64> = (0..resamples)
        .map(|_| {
            r.iter_mut().for_each(|x| *x = small[rng.usize(..small.len())]);
            let s = if median { median_in_place(&mut r) } else { mean(&r) };
            let l = m + se * normal(&mut rng);
            if large_is_a {
                s / l
            } else {
                l / s
            }
        })
        .collect();
    percentile_interval(&mut ratios, confidence)
}

/// The statistic and its standard error: the mean and s/√n, or the median
/// and the spread of the order statistics around it that bound a 95%
/// distribution-free interval (n/2 ∓ 1.96·√n/2), divided by 2·1.96.
fn with_error(x: &[f64], median: bool) -> (f64, f64) {
    let n = x.len() as f64;
    if !median {
        return (mean(x), (variance(x) / n).sqrt());
    }
    let mut v = x.to_vec();
    let m = median_in_place(&mut v);
    let z = 1.959963984540054;
    let half = z * n.sqrt() / 2.0;
    let rank = |r: f64| r.clamp(0.0, n - 1.0) as usize;
    let (lo, hi) = (rank((n / 2.0 - half).floor()), rank((n / 2.0 + half).ceil()));
    let at = |v: &mut [f64], k: usize| *v.select_nth_unstable_by(k, f64::total_cmp).1;
    (m, (at(&mut v, hi) - at(&mut v, lo)) / (2.0 * z))
}

/// The normal (delta-method) `confidence` interval of `stat(b) / stat(a)`:
/// r ± z·r·√((se_a/a)² + (se_b/b)²).
pub fn normal_ratio(a: &[f64], b: &[f64], median: bool, confidence: f64) -> (f64, f64) {
    let ((ma, sa), (mb, sb)) = (with_error(a, median), with_error(b, median));
    let r = mb / ma;
    let z = Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    let se = r * ((sa / ma).powi(2) + (sb / mb).powi(2)).sqrt();
    (r - z * se, r + z * se)
}

/// The `confidence` interval of `stat(b) / stat(a)` by the percentile
/// bootstrap: `resamples` times, each side resampled with replacement.
/// Seeded, so the same inputs give the same interval.
pub fn bootstrap_ratio(a: &[f64], b: &[f64], median: bool, confidence: f64, resamples: usize, seed: u64) -> (f64, f64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut ra = vec![0.0; a.len()];
    let mut rb = vec![0.0; b.len()];
    let mut ratios: Vec<f64> = (0..resamples)
        .map(|_| {
            ra.iter_mut().for_each(|x| *x = a[rng.usize(..a.len())]);
            rb.iter_mut().for_each(|x| *x = b[rng.usize(..b.len())]);
            if median {
                median_in_place(&mut rb) / median_in_place(&mut ra)
            } else {
                mean(&rb) / mean(&ra)
            }
        })
        .collect();
    percentile_interval(&mut ratios, confidence)
}

/// Benjamini–Hochberg adjusted p-values ("q-values"), in the order given:
/// calling every benchmark with q < α changed keeps the expected share of
/// false alarms among the changes called at α — and, when nothing changed
/// (an A/A comparison), the chance of calling any change at all at α,
/// however many benchmarks there are. q_(i) = min over j ≥ i of p_(j)·m/j,
/// capped at 1, with the p-values sorted ascending.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![1.0; m];
    let mut smallest = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        smallest = smallest.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = smallest;
    }
    q
}

/// The samples of each run, given how many each run gave.
pub fn split_runs<'a>(samples: &'a [f64], sizes: &[usize]) -> Vec<&'a [f64]> {
    let mut out = Vec::with_capacity(sizes.len());
    let mut at = 0;
    for &n in sizes {
        let end = (at + n).min(samples.len());
        out.push(&samples[at..end]);
        at = end;
    }
    out
}

/// The `confidence` interval of `stat(b) / stat(a)` when each side is
/// several runs: the hierarchical bootstrap — each resample draws runs with
/// replacement, then samples with replacement within each drawn run — so
/// that the interval carries the variation between runs, not only within
/// one. The work is kept near 10^8 draws (fewer resamples for long runs,
/// never under 1,000).
pub fn hierarchical_ratio(
    a: &[&[f64]],
    b: &[&[f64]],
    median: bool,
    confidence: f64,
    resamples: usize,
    seed: u64,
) -> (f64, f64) {
    let total: usize = a.iter().chain(b).map(|r| r.len()).sum();
    let resamples = resamples.min((100_000_000 / total.max(1)).max(1_000));
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut draw = |runs: &[&[f64]], into: &mut Vec<f64>| {
        into.clear();
        for _ in 0..runs.len() {
            let run = runs[rng.usize(..runs.len())];
            into.extend((0..run.len()).map(|_| run[rng.usize(..run.len())]));
        }
    };
    let stat = |v: &mut Vec<f64>| if median { median_in_place(v) } else { mean(v) };
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    let mut ratios: Vec<f64> = (0..resamples)
        .map(|_| {
            draw(a, &mut ra);
            draw(b, &mut rb);
            stat(&mut rb) / stat(&mut ra)
        })
        .collect();
    percentile_interval(&mut ratios, confidence)
}

/// The central `confidence` interval of resampled ratios (sorted here).
fn percentile_interval(ratios: &mut [f64], confidence: f64) -> (f64, f64) {
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    let tail = (1.0 - confidence) / 2.0;
    let at = |q: f64| ratios[((q * n as f64) as usize).min(n - 1)];
    (at(tail), at(1.0 - tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// By hand: sorted p·m/rank, then the smallest from each rank up.
    #[test]
    fn benjamini_hochberg_by_hand() {
        // sorted: 0.005·4/1 = 0.02, 0.01·4/2 = 0.02, 0.03·4/3 = 0.04, 0.04·4/4 = 0.04
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005]);
        let expected = [0.02, 0.04, 0.04, 0.02];
        assert!(q.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-12), "{q:?}");
        // 0.02·3/1 = 0.06 is lowered to 0.021·3/2 = 0.0315: q never falls with p
        let q = benjamini_hochberg(&[0.02, 0.021, 0.9]);
        assert!(q.iter().zip([0.0315, 0.0315, 0.9]).all(|(a, b)| (a - b).abs() < 1e-12), "{q:?}");
        assert_eq!(benjamini_hochberg(&[0.3]), vec![0.3]);
        assert!(benjamini_hochberg(&[]).is_empty());
    }

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
    fn mann_whitney_by_hand_and_by_scipy() {
        // sorted: 1a 2a 2a 2b 3a 3b 4b; ranks of b: 3 (ties 2,3,4), 5.5 (5,6), 7
        // R = 15.5, U = 15.5 − 3·4/2 = 9.5; ties Σ(t³ − t) = 24 + 6 = 30
        // sd = √(4·3/12 · (8 − 30/42)) = 2.699206; z = (9.5 − 6 − 0.5) / sd
        let m = mann_whitney(&[1.0, 2.0, 2.0, 3.0], &[2.0, 3.0, 4.0]).expect("test");
        assert_eq!(m.u, 9.5);
        assert!((m.z - 3.0 / (8.0f64 - 30.0 / 42.0).sqrt()).abs() < 1e-12, "{m:?}");
        // scipy 1.17.1: mannwhitneyu([2,3,4], [1,2,2,3], method="asymptotic") → 0.2663799233424825
        assert!((m.p - 0.2663799233424825).abs() < 1e-9, "{m:?}");
        let m = mann_whitney(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).expect("test");
        assert_eq!(m.u, 9.0);
        assert!((m.p - 0.08085559837005224).abs() < 1e-9, "{m:?}");
        // the other way round: same p, U of the other side, z negated
        let r = mann_whitney(&[4.0, 5.0, 6.0], &[1.0, 2.0, 3.0]).expect("test");
        assert_eq!((r.u, r.p, r.z), (0.0, m.p, -m.z));
        assert!(mann_whitney(&[1.0, 1.0], &[1.0]).is_none(), "all equal: no test");
    }

    /// On samples of [`LARGE`], the normal interval is the bootstrap's (its
    /// reference): each end within a tenth of the interval's width.
    #[test]
    fn the_normal_interval_of_large_samples_is_the_bootstraps() {
        let mut rng = fastrand::Rng::with_seed(7);
        let normal = Normal::standard();
        let mut log_normal = |scale: f64| -> Vec<f64> {
            (0..LARGE).map(|_| scale * (0.05 * normal.inverse_cdf(rng.f64().clamp(1e-12, 1.0 - 1e-12))).exp()).collect()
        };
        let (a, b) = (log_normal(100.0), log_normal(101.0));
        for median in [false, true] {
            let (lo, hi) = normal_ratio(&a, &b, median, 0.95);
            let (blo, bhi) = bootstrap_ratio(&a, &b, median, 0.95, 2000, 3);
            let width = bhi - blo;
            assert!(
                (lo - blo).abs() < width / 10.0 && (hi - bhi).abs() < width / 10.0,
                "{median}: {lo} {hi} / {blo} {bhi}"
            );
            assert_eq!(ratio_interval(&a, &b, median, 0.95, 2000, 3), (lo, hi));
        }
    }

    /// A large side against a small one: the mixed interval is the full
    /// bootstrap's (each end within a tenth of its width), either way round.
    #[test]
    fn a_large_side_against_a_small_one_is_the_bootstraps() {
        let mut rng = fastrand::Rng::with_seed(11);
        let normal = Normal::standard();
        let mut log_normal = |scale: f64, n: usize| -> Vec<f64> {
            (0..n).map(|_| scale * (0.05 * normal.inverse_cdf(rng.f64().clamp(1e-12, 1.0 - 1e-12))).exp()).collect()
        };
        let (large, small) = (log_normal(100.0, LARGE), log_normal(102.0, 30));
        for median in [false, true] {
            for (a, b) in [(&large, &small), (&small, &large)] {
                let (lo, hi) = ratio_interval(a, b, median, 0.95, 2000, 5);
                let (blo, bhi) = bootstrap_ratio(a, b, median, 0.95, 2000, 5);
                let width = bhi - blo;
                assert!(
                    (lo - blo).abs() < width / 10.0 && (hi - bhi).abs() < width / 10.0,
                    "{median}: {lo} {hi} / {blo} {bhi}"
                );
            }
        }
    }

    #[test]
    fn bootstrap_of_a_scaled_copy_is_tight_around_the_scale() {
        let a: Vec<f64> = (0..50).map(|i| 100.0 + (i % 7) as f64).collect();
        let b: Vec<f64> = a.iter().map(|x| x * 1.5).collect();
        let (lo, hi) = bootstrap_ratio(&a, &b, false, 0.95, 2000, 1);
        assert!(lo < 1.5 && hi > 1.5 && hi - lo < 0.05, "{lo} {hi}");
    }
}
