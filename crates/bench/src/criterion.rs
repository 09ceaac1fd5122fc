//! criterion's results: `target/criterion/<benchmark>/<baseline>/` holds
//! `benchmark.json` (the name), `sample.json` (the raw samples: iteration
//! counts and total times) and `estimates.json` (criterion's own analysis).
//! fastware reads the raw samples: each is a mean time per iteration.

use crate::BenchError;
use std::path::{Path, PathBuf};

use fastware_report::Error;
use serde_json::Value;

use crate::results::{Benchmark, Measure, Results, Source};

/// The criterion directory of `dir`: `dir` itself, or `dir/criterion` (a
/// target directory), or `dir/target/criterion` (a project).
pub fn root_of(dir: &Path) -> Option<PathBuf> {
    [dir.to_path_buf(), dir.join("criterion"), dir.join("target/criterion")]
        .into_iter()
        .find(|d| d.is_dir() && !baselines_in(d).is_empty())
}

/// Every `<baseline>` directory holding a `benchmark.json`, with its baseline name.
fn walk(dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if !p.is_dir() {
            continue;
        }
        if p.join("benchmark.json").is_file() {
            let name = e.file_name().to_string_lossy().into_owned();
            // `change` is criterion's own comparison, `report` its HTML
            if name != "change" && name != "report" {
                out.push((name, p.clone()));
            }
        } else {
            walk(&p, out);
        }
    }
}

/// The baseline names in a criterion directory, sorted.
pub fn baselines_in(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    walk(root, &mut found);
    let mut names: Vec<String> = found.into_iter().map(|(n, _)| n).collect();
    names.sort();
    names.dedup();
    names
}

/// Reads baseline `baseline` of the criterion directory `root`.
pub fn read(root: &Path, baseline: &str) -> Result<Results, Error> {
    read_where(root, baseline, |_| true)
}

/// The benchmarks a run wrote at or after `since` (criterion rewrites
/// `sample.json` for each benchmark it runs), or `None` when it wrote none.
/// A run writes `new` (and copies the previous `new` to `base`), or the
/// baseline named with `--save-baseline`, given here as `saved`.
pub fn read_updated(root: &Path, since: std::time::SystemTime, saved: Option<&str>) -> Result<Option<Results>, Error> {
    let fresh =
        |d: &Path| std::fs::metadata(d.join("sample.json")).and_then(|m| m.modified()).is_ok_and(|t| t >= since);
    let mut found = Vec::new();
    walk(root, &mut found);
    let mut baselines: Vec<&String> = found.iter().filter(|(_, d)| fresh(d)).map(|(n, _)| n).collect();
    baselines.sort();
    baselines.dedup();
    let wanted = saved.unwrap_or("new");
    if baselines.iter().any(|b| *b == wanted) {
        return read_where(root, wanted, fresh).map(Some);
    }
    match baselines.as_slice() {
        [] => Ok(None),
        [one] => read_where(root, one, fresh).map(Some),
        many => {
            Err(Error::from(BenchError::SeveralBaselines { baselines: many.iter().map(|s| s.to_string()).collect() })
                .at(&root.display().to_string()))
        }
    }
}

fn read_where(root: &Path, baseline: &str, keep: impl Fn(&Path) -> bool) -> Result<Results, Error> {
    let shown = root.display().to_string();
    let mut found = Vec::new();
    walk(root, &mut found);
    let dirs: Vec<PathBuf> = found.iter().filter(|(n, d)| n == baseline && keep(d)).map(|(_, p)| p.clone()).collect();
    if dirs.is_empty() {
        let found = baselines_in(root);
        return Err(Error::from(BenchError::NoBaseline { baseline: baseline.to_string(), found }).at(&shown));
    }
    let mut benchmarks = Vec::new();
    for d in dirs {
        benchmarks.push(one(&d)?);
    }
    benchmarks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Results {
        source: Source::Criterion { baseline: baseline.to_string() },
        measure: Measure::Iteration,
        benchmarks,
        path: root.to_path_buf(),
        meta: None,
        warnings: Vec::new(),
    })
}

fn json_file(path: &Path) -> Result<Value, Error> {
    let shown = path.display().to_string();
    let text = fastware_report::input::read_to_string(path)?;
    serde_json::from_str(&text)
        .map_err(|e| fastware_report::json::parse_error(&shown, &text, &e, "not criterion's JSON"))
}

/// One benchmark from its baseline directory.
fn one(dir: &Path) -> Result<Benchmark, Error> {
    let info = json_file(&dir.join("benchmark.json"))?;
    let name = info["full_id"].as_str().or_else(|| info["title"].as_str()).unwrap_or_default().to_string();
    let sample_path = dir.join("sample.json");
    let samples = if sample_path.is_file() {
        let s = json_file(&sample_path)?;
        let nums = |k: &str| -> Option<Vec<f64>> { s[k].as_array()?.iter().map(Value::as_f64).collect() };
        let (iters, times) = (nums("iters"), nums("times"));
        match (iters, times) {
            (Some(i), Some(t)) if i.len() == t.len() && !i.is_empty() && i.iter().all(|&n| n > 0.0) => {
                Some(t.iter().zip(&i).map(|(t, n)| t / n).collect::<Vec<f64>>())
            }
            _ => return Err(Error::from(BenchError::CriterionSample).at(&sample_path.display().to_string())),
        }
    } else {
        None
    };
    let estimates_path = dir.join("estimates.json");
    let (mean, std_dev) = if estimates_path.is_file() {
        let e = json_file(&estimates_path)?;
        (e["mean"]["point_estimate"].as_f64(), e["std_dev"]["point_estimate"].as_f64())
    } else {
        (None, None)
    };
    let estimate = match (mean, &samples) {
        (Some(m), _) => m,
        (None, Some(s)) => crate::stats::mean(s),
        (None, None) => return Err(Error::from(BenchError::CriterionNoEstimate).at(&dir.display().to_string())),
    };
    let spread = std_dev.or_else(|| samples.as_deref().map(crate::stats::std_dev));
    Benchmark { name, estimate, statistic: "mean", spread, samples, runs: None }
        .checked(&dir.display().to_string(), None)
}
