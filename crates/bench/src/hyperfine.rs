//! hyperfine's `--export-json`: each command's mean, standard deviation and
//! the time of every run (`times`, seconds).

use crate::BenchError;
use std::path::Path;

use fastware_report::Error;
use serde_json::Value;

use crate::results::{Benchmark, Measure, Results, Source};

pub fn looks_like(v: &Value) -> bool {
    v["results"].as_array().is_some_and(|r| r.iter().all(|x| x.get("command").is_some()))
}

pub fn parse(v: &Value, path: &Path) -> Result<Results, Error> {
    let shown = path.display().to_string();
    let mut benchmarks = Vec::new();
    for (k, r) in v["results"].as_array().into_iter().flatten().enumerate() {
        let name = r["command"].as_str().unwrap_or_default().to_string();
        let times = crate::results::json_numbers(&r["times"]).transpose().map_err(|i| {
            let value = r["times"][i].to_string();
            Error::from(BenchError::HyperfineTime { name: name.clone(), index: k, sample: i, value }).at(&shown)
        })?;
        let times: Option<Vec<f64>> = times.map(|t| t.into_iter().map(|s| s * 1e9).collect());
        let Some(mean) = r["mean"].as_f64().map(|s| s * 1e9).or_else(|| times.as_deref().map(crate::stats::mean))
        else {
            return Err(Error::from(BenchError::HyperfineNoMean { name }).at(&shown));
        };
        benchmarks.push(
            Benchmark {
                name,
                estimate: mean,
                statistic: "mean",
                spread: r["stddev"].as_f64().map(|s| s * 1e9),
                samples: times.filter(|t| !t.is_empty()),
                runs: None,
            }
            .checked(&shown, None)?,
        );
    }
    if benchmarks.is_empty() {
        return Err(Error::from(BenchError::HyperfineEmpty).at(&shown));
    }
    Ok(Results {
        source: Source::Hyperfine,
        measure: Measure::Run,
        benchmarks,
        path: path.to_path_buf(),
        meta: None,
        warnings: Vec::new(),
    })
}
