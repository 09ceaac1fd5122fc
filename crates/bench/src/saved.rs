//! fastware's own file of results (`fastware bench cargo --save NAME`):
//! the benchmarks with their raw samples when the harness kept them, and
//! what they were measured on — git commit, rustc, the bench binaries and
//! their hashes.

use std::path::Path;

use fastware_report::InputError;
use serde_json::{json, Value};

use crate::results::{Benchmark, Measure, Results, Source};

/// The format's version, in the file's `fastware_bench` field.
pub const VERSION: u64 = 1;

pub fn looks_like(v: &Value) -> bool {
    v.get("fastware_bench").is_some()
}

/// Results as fastware saves them.
pub fn to_json(r: &Results) -> Value {
    let (source, baseline) = r.source.key();
    json!({
        "fastware_bench": VERSION,
        "source": source,
        "baseline": baseline,
        "measure": r.measure.name(),
        "meta": r.meta,
        "benchmarks": r.benchmarks.iter().map(|b| json!({
            "name": b.name,
            "estimate_ns": b.estimate,
            "statistic": b.statistic,
            "spread_ns": b.spread,
            "samples_ns": b.samples,
        })).collect::<Vec<_>>(),
    })
}

pub fn parse(v: &Value, path: &Path) -> Result<Results, InputError> {
    let shown = path.display().to_string();
    let bad = |m: &str| InputError::input(&shown, None, m.to_string());
    if v["fastware_bench"].as_u64() != Some(VERSION) {
        return Err(bad(&format!(
            "fastware bench file version {}: this fastware reads version {VERSION}",
            v["fastware_bench"]
        )));
    }
    let from = match v["source"].as_str() {
        Some("libtest") => Source::Libtest,
        Some("criterion") => Source::Criterion { baseline: v["baseline"].as_str().unwrap_or("new").to_string() },
        Some("hyperfine") => Source::Hyperfine,
        _ => return Err(bad("fastware bench file without a known `source`")),
    };
    let measure = match v["measure"].as_str() {
        Some("run") => Measure::Run,
        _ => Measure::Iteration,
    };
    let mut benchmarks = Vec::new();
    for b in v["benchmarks"].as_array().into_iter().flatten() {
        let (Some(name), Some(estimate)) = (b["name"].as_str(), b["estimate_ns"].as_f64()) else {
            return Err(bad("a benchmark without `name` or `estimate_ns`"));
        };
        let statistic = if b["statistic"] == "median" { "median" } else { "mean" };
        benchmarks.push(Benchmark {
            name: name.to_string(),
            estimate,
            statistic,
            spread: b["spread_ns"].as_f64(),
            samples: b["samples_ns"].as_array().map(|s| s.iter().filter_map(Value::as_f64).collect()),
        });
    }
    if benchmarks.is_empty() {
        return Err(bad("fastware bench file without benchmarks"));
    }
    let meta = Some(v["meta"].clone()).filter(|m| !m.is_null());
    Ok(Results { source: Source::Saved { from: Box::new(from) }, measure, benchmarks, path: path.to_path_buf(), meta })
}
