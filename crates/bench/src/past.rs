//! Noise from history: how much each benchmark's figure moved from one kept
//! run to the next on this machine sets the change a new comparison must
//! exceed to be called — rustc-perf's rule: a change is significant only
//! beyond Q3 + 1.5·IQR of the past |relative changes| (an outlier of the
//! benchmark's own history). Too little history: the usual rules, said so.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Past changes a benchmark needs before its history sets its threshold.
pub const MIN_CHANGES: usize = 5;

/// What the history said, for a comparison's options and its report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PastNoise {
    /// Past runs read (of these benchmarks, on this machine).
    pub runs: usize,
    /// Per benchmark: (threshold, past changes it rests on).
    pub thresholds: BTreeMap<String, (f64, usize)>,
}

/// The `q` quantile of sorted values, interpolated linearly between ranks
/// (numpy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo as f64)
}

/// Q3 + 1.5·IQR of `changes` (their absolute values); `None` under [`MIN_CHANGES`].
pub fn threshold(changes: &[f64]) -> Option<f64> {
    if changes.len() < MIN_CHANGES {
        return None;
    }
    let mut v: Vec<f64> = changes.iter().map(|c| c.abs()).filter(|c| c.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    if v.len() < MIN_CHANGES {
        return None;
    }
    let (q1, q3) = (quantile(&v, 0.25), quantile(&v, 0.75));
    Some(q3 + 1.5 * (q3 - q1))
}

impl PastNoise {
    /// From each benchmark's figures in past runs, oldest first (`runs`: how many runs were read).
    pub fn from_series(runs: usize, series: &BTreeMap<String, Vec<f64>>) -> PastNoise {
        let thresholds = series
            .iter()
            .filter_map(|(name, figures)| {
                let changes: Vec<f64> = figures.windows(2).filter(|w| w[0] > 0.0).map(|w| w[1] / w[0] - 1.0).collect();
                threshold(&changes).map(|t| (name.clone(), (t, changes.len())))
            })
            .collect();
        PastNoise { runs, thresholds }
    }

    /// From past runs' saved results, oldest first.
    pub fn from_runs(runs: &[crate::saved::SavedResults]) -> PastNoise {
        let mut series: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for r in runs {
            for b in &r.benchmarks {
                series.entry(b.name.clone()).or_default().push(b.estimate_us.0);
            }
        }
        PastNoise::from_series(runs.len(), &series)
    }

    /// The sentence a report says about it.
    pub fn describe(&self) -> String {
        if self.thresholds.is_empty() {
            return format!(
                "history: {} past run(s) on this machine give no benchmark {MIN_CHANGES} run-to-run changes; the rules above decide alone",
                self.runs
            );
        }
        format!(
            "history: {} past run(s) on this machine set the threshold of {} benchmark(s): a change must also exceed Q3 + 1.5·IQR of its past run-to-run changes (rustc-perf's rule)",
            self.runs,
            self.thresholds.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_by_hand() {
        // |changes| sorted: 0.01 0.02 0.03 0.04 0.05 0.10; ranks 1.25 and 3.75:
        // Q1 = 0.02 + 0.25·0.01 = 0.0225, Q3 = 0.04 + 0.75·0.01 = 0.0475
        let t = threshold(&[0.03, -0.01, 0.10, 0.02, -0.05, 0.04]).expect("enough");
        assert!((t - (0.0475 + 1.5 * 0.025)).abs() < 1e-12, "{t}");
        assert_eq!(threshold(&[0.1, 0.2, 0.3, 0.4]), None, "four changes are not enough");
    }

    #[test]
    fn series_to_thresholds() {
        let mut s = BTreeMap::new();
        // figures 100, 101, 99, 100, 102, 100: changes +1%, −1.98%, +1.01%, +2%, −1.96%
        s.insert("a".to_string(), vec![100.0, 101.0, 99.0, 100.0, 102.0, 100.0]);
        s.insert("short".to_string(), vec![1.0, 2.0]);
        let p = PastNoise::from_series(6, &s);
        assert_eq!(p.thresholds.len(), 1);
        let (t, n) = p.thresholds["a"];
        assert_eq!(n, 5);
        let mut c = [0.01, 2.0 / 101.0, 1.0 / 99.0, 0.02, 2.0 / 102.0];
        c.sort_by(f64::total_cmp);
        let (q1, q3) = (c[1], c[3]);
        assert!((t - (q3 + 1.5 * (q3 - q1))).abs() < 1e-12, "{t}");
        assert!(p.describe().contains("set the threshold of 1 benchmark"));
    }
}
