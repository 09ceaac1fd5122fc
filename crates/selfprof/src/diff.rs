//! Two builds compared: label by label over everything, and crate by crate.

use std::collections::BTreeMap;

use crate::summary::{BuildSummary, LabelFigures};

/// A label's figures in both builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelDelta {
    pub label: String,
    pub base: LabelFigures,
    pub new: LabelFigures,
}

impl LabelDelta {
    pub fn self_delta(&self) -> i64 {
        self.new.self_ns - self.base.self_ns
    }
    pub fn total_delta(&self) -> i64 {
        self.new.total_ns - self.base.total_ns
    }
    pub fn count_delta(&self) -> i64 {
        self.new.count as i64 - self.base.count as i64
    }
}

/// A crate's totals in both builds (`None`: not in that build).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateDelta {
    pub crate_name: String,
    pub base_ns: Option<i64>,
    pub new_ns: Option<i64>,
}

impl CrateDelta {
    pub fn delta(&self) -> i64 {
        self.new_ns.unwrap_or(0) - self.base_ns.unwrap_or(0)
    }
}

/// The comparison of two builds (or two profiles).
#[derive(Debug, Clone, Default)]
pub struct Diff {
    pub base_total_ns: i64,
    pub new_total_ns: i64,
    /// Largest absolute change of self time first.
    pub labels: Vec<LabelDelta>,
    /// Largest absolute change of total time first.
    pub crates: Vec<CrateDelta>,
}

/// `change` as a percentage of `base` (`None` when there is no base).
pub fn percent_change(base: i64, change: i64) -> Option<f64> {
    (base != 0).then(|| change as f64 * 100.0 / base as f64)
}

/// Compares two summaries. Crates are matched by name (several profiles of
/// one name, such as build scripts, count together).
pub fn diff(base: &BuildSummary, new: &BuildSummary) -> Diff {
    let mut labels: BTreeMap<&str, (LabelFigures, LabelFigures)> = BTreeMap::new();
    for (l, f) in &base.labels {
        labels.entry(l).or_default().0 = *f;
    }
    for (l, f) in &new.labels {
        labels.entry(l).or_default().1 = *f;
    }
    let mut labels: Vec<LabelDelta> =
        labels.into_iter().map(|(l, (b, n))| LabelDelta { label: l.to_string(), base: b, new: n }).collect();
    labels.sort_by(|a, b| b.self_delta().abs().cmp(&a.self_delta().abs()).then_with(|| a.label.cmp(&b.label)));

    let mut crates: BTreeMap<&str, (Option<i64>, Option<i64>)> = BTreeMap::new();
    for p in &base.profiles {
        *crates.entry(&p.crate_name).or_default().0.get_or_insert(0) += p.total_ns;
    }
    for p in &new.profiles {
        *crates.entry(&p.crate_name).or_default().1.get_or_insert(0) += p.total_ns;
    }
    let mut crates: Vec<CrateDelta> =
        crates.into_iter().map(|(c, (b, n))| CrateDelta { crate_name: c.to_string(), base_ns: b, new_ns: n }).collect();
    crates.sort_by(|a, b| b.delta().abs().cmp(&a.delta().abs()).then_with(|| a.crate_name.cmp(&b.crate_name)));
    Diff { base_total_ns: base.total_ns, new_total_ns: new.total_ns, labels, crates }
}
