//! fastware's own file of results (`fastware bench cargo --save NAME`, and
//! `bench cargo --format json`): the benchmarks with their raw samples when
//! the harness kept them, and what they were measured on — git commit,
//! rustc, the bench binaries and their hashes. Schema
//! `fastware/bench-results/1`; times in microseconds. Files of the earlier
//! format (`"fastware_bench": 1`, times in nanoseconds) are still read.

use crate::BenchError;
use std::path::Path;

use fastware_report::json::FineDuration;
use fastware_report::Error;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::results::{Benchmark, Measure, Meta, Results, Source};

pub const SCHEMA: &str = "fastware/bench-results/1";

/// One benchmark as saved.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedBenchmark {
    pub name: String,
    pub estimate_us: FineDuration,
    /// `mean` or `median`.
    pub statistic: String,
    pub spread_us: Option<FineDuration>,
    pub samples_us: Option<Vec<FineDuration>>,
    /// Samples per run, when `samples_us` holds several runs (`--repeat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_sizes: Option<Vec<usize>>,
}

impl SavedResults {
    /// A benchmark's estimate in seconds (for `runs trend`).
    pub fn estimate_s(&self, name: &str) -> Option<f64> {
        self.benchmarks.iter().find(|b| b.name == name).map(|b| b.estimate_us.0 / 1e9)
    }
}

/// Results as fastware saves them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedResults {
    pub schema: String,
    /// The format they were read from: `libtest`, `criterion`, `hyperfine`.
    pub source: String,
    /// The criterion baseline.
    pub baseline: Option<String>,
    /// `iteration` or `run`.
    pub measure: String,
    pub meta: Option<Meta>,
    pub benchmarks: Vec<SavedBenchmark>,
    /// Where `bench cargo --save` wrote them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_to: Option<String>,
}

impl SavedResults {
    pub fn new(r: &Results) -> SavedResults {
        let (source, baseline) = r.source.key();
        SavedResults {
            schema: SCHEMA.into(),
            source: source.into(),
            baseline: baseline.map(str::to_string),
            measure: r.measure.name().into(),
            meta: r.meta.clone(),
            benchmarks: r
                .benchmarks
                .iter()
                .map(|b| SavedBenchmark {
                    name: b.name.clone(),
                    estimate_us: FineDuration(b.estimate),
                    statistic: b.statistic.into(),
                    spread_us: b.spread.map(FineDuration),
                    samples_us: b.samples.as_ref().map(|s| s.iter().copied().map(FineDuration).collect()),
                    run_sizes: b.runs.clone(),
                })
                .collect(),
            saved_to: None,
        }
    }

    /// The results again, as read from `path`.
    pub fn results(&self, path: &Path) -> Result<Results, Error> {
        let shown = path.display().to_string();
        let from = source(&self.source, self.baseline.as_deref())
            .ok_or_else(|| Error::from(BenchError::UnknownSource { from: self.source.clone() }).at(&shown))?;
        let mut benchmarks = Vec::new();
        for b in &self.benchmarks {
            benchmarks.push(
                Benchmark {
                    name: b.name.clone(),
                    estimate: b.estimate_us.0,
                    statistic: if b.statistic == "median" { "median" } else { "mean" },
                    spread: b.spread_us.map(|s| s.0),
                    samples: b.samples_us.as_ref().map(|s| s.iter().map(|x| x.0).collect()),
                    runs: b.run_sizes.clone(),
                }
                .checked(&shown, None)?,
            );
        }
        if benchmarks.is_empty() {
            return Err(Error::from(BenchError::SavedEmpty).at(&shown));
        }
        Ok(Results {
            source: Source::Saved { from: Box::new(from) },
            measure: if self.measure == "run" { Measure::Run } else { Measure::Iteration },
            benchmarks,
            path: path.to_path_buf(),
            meta: self.meta.clone(),
            warnings: Vec::new(),
        })
    }
}

fn source(name: &str, baseline: Option<&str>) -> Option<Source> {
    Some(match name {
        "libtest" => Source::Libtest,
        "criterion" => Source::Criterion { baseline: baseline.unwrap_or("new").to_string() },
        "hyperfine" => Source::Hyperfine,
        _ => return None,
    })
}

pub fn looks_like(v: &Value) -> bool {
    v.get("schema").and_then(Value::as_str).is_some_and(|s| s.starts_with("fastware/bench-results/"))
        || v.get("fastware_bench").is_some()
}

pub fn parse(v: &Value, path: &Path) -> Result<Results, Error> {
    let shown = path.display().to_string();
    if v.get("fastware_bench").is_some() {
        return parse_version_1(v, path);
    }
    let text = v.to_string();
    let saved: SavedResults = fastware_report::json::read(&text, SCHEMA, &shown)?;
    saved.results(path)
}

/// The first format: `"fastware_bench": 1`, times in nanoseconds.
fn parse_version_1(v: &Value, path: &Path) -> Result<Results, Error> {
    let shown = path.display().to_string();
    let bad = |m: &str| Error::from(BenchError::Version1(m.to_string())).at(&shown);
    if v["fastware_bench"].as_u64() != Some(1) {
        return Err(bad(&format!(
            "fastware bench file version {}: this fastware reads version 1",
            v["fastware_bench"]
        )));
    }
    let from = source(v["source"].as_str().unwrap_or_default(), v["baseline"].as_str())
        .ok_or_else(|| bad("fastware bench file without a known `source`"))?;
    let mut benchmarks = Vec::new();
    for b in v["benchmarks"].as_array().into_iter().flatten() {
        let (Some(name), Some(estimate)) = (b["name"].as_str(), b["estimate_ns"].as_f64()) else {
            return Err(bad("a benchmark without `name` or `estimate_ns`"));
        };
        let samples = crate::results::json_numbers(&b["samples_ns"])
            .transpose()
            .map_err(|i| bad(&format!("benchmark `{name}`: sample {i} is not a number")))?;
        benchmarks.push(
            Benchmark {
                name: name.to_string(),
                estimate,
                statistic: if b["statistic"] == "median" { "median" } else { "mean" },
                spread: b["spread_ns"].as_f64(),
                samples,
                runs: None,
            }
            .checked(&shown, None)?,
        );
    }
    if benchmarks.is_empty() {
        return Err(bad("fastware bench file without benchmarks"));
    }
    let meta = serde_json::from_value(v["meta"].clone()).ok();
    Ok(Results {
        source: Source::Saved { from: Box::new(from) },
        measure: if v["measure"] == "run" { Measure::Run } else { Measure::Iteration },
        benchmarks,
        path: path.to_path_buf(),
        meta,
        warnings: Vec::new(),
    })
}
