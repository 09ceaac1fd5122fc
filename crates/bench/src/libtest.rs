//! libtest's benchmark output, as `cargo bench` prints it on nightly (or
//! with `RUSTC_BOOTSTRAP=1`): the text lines
//! `test parse ... bench:   1,234.56 ns/iter (+/- 78.90)` or the JSON lines
//! of `-Z unstable-options --format json`. libtest reports the median of its
//! samples and, as `+/-`, their range after winsorizing; it keeps no samples.

use crate::BenchError;
use std::path::Path;

use fastware_report::Error;
use serde_json::Value;

use crate::results::{Benchmark, Measure, Results, Source};

/// True when the text holds libtest benchmark lines.
pub fn looks_like(text: &str) -> bool {
    text.lines().any(|l| text_line(l).is_some() || json_line(l).is_some())
}

/// Reads every benchmark line; other lines (test results, cargo's) are skipped.
pub fn parse(text: &str, path: &Path) -> Result<Results, Error> {
    let shown = path.display().to_string();
    let mut benchmarks: Vec<Benchmark> = Vec::new();
    let mut at = 0u64;
    for line in text.split_inclusive('\n') {
        let offset = at;
        at += line.len() as u64;
        let line = line.trim_end_matches(['\n', '\r']);
        if let Some(b) = text_line(line).or_else(|| json_line(line)) {
            let b = b.checked(&shown, Some(offset))?;
            // a later run of the same benchmark replaces an earlier one
            benchmarks.retain(|x| x.name != b.name);
            benchmarks.push(b);
        } else if let Some(name) = bench_line_name(line) {
            // a benchmark's line whose figures do not read: never skipped in silence
            return Err(Error::from(BenchError::LibtestLine { name: name.to_string() })
                .at(&shown)
                .at_byte(Some(offset)));
        }
    }
    if benchmarks.is_empty() {
        return Err(Error::from(BenchError::NoLibtestResults).at(&path.display().to_string()));
    }
    // libtest ends each test binary's run with `test result:`; a file that
    // started a run (`running N tests`) and has no result after it was cut
    let last_run = text.rfind("\nrunning ").or_else(|| text.starts_with("running ").then_some(0));
    let mut warnings = Vec::new();
    if let Some(at) = last_run {
        if !text[at..].contains("test result:") {
            warnings.push(format!(
                "{shown}: the output ends before libtest's `test result:` line: cut short? {} benchmark(s) read",
                benchmarks.len()
            ));
        }
    }
    Ok(Results {
        source: Source::Libtest,
        measure: Measure::Iteration,
        benchmarks,
        path: path.to_path_buf(),
        meta: None,
        warnings,
    })
}

/// `test NAME ... bench:   1,234.56 ns/iter (+/- 78.90)` (`= N MB/s` may follow).
fn text_line(line: &str) -> Option<Benchmark> {
    let rest = line.trim_start().strip_prefix("test ")?;
    let (name, figures) = rest.split_once(" ... bench:")?;
    let (value, rest) = figures.trim_start().split_once(" ns/iter")?;
    let spread = rest.trim_start().strip_prefix("(+/-").and_then(|r| r.split_once(')')).map(|(s, _)| s);
    Some(Benchmark {
        name: name.trim().to_string(),
        estimate: number(value)?,
        statistic: "median",
        spread: spread.and_then(number),
        samples: None,
        runs: None,
    })
}

/// The name on a line that is a benchmark's (`test NAME ... bench:`, or a
/// JSON line of type `bench`), however its figures read.
fn bench_line_name(line: &str) -> Option<String> {
    if let Some((name, _)) = line.trim_start().strip_prefix("test ").and_then(|r| r.split_once(" ... bench:")) {
        return Some(name.trim().to_string());
    }
    let t = line.trim();
    if !t.starts_with('{') || !t.contains("\"bench\"") {
        return None;
    }
    match serde_json::from_str::<Value>(t) {
        Ok(v) => (v["type"] == "bench").then(|| v["name"].as_str().unwrap_or("?").to_string()),
        // not JSON (libtest writes `NaN` for a median it could not take):
        // a benchmark's line all the same when it says so
        Err(_) => {
            let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
            if !compact.contains("\"type\":\"bench\"") {
                return None;
            }
            Some(string_field(t, "name").unwrap_or_else(|| "?".to_string()))
        }
    }
}

/// The string value of `"key": "value"` in a line that is not valid JSON.
fn string_field(line: &str, key: &str) -> Option<String> {
    let at = line.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = line[at..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// `{ "type": "bench", "name": "parse", "median": 1234.5, "deviation": 78.9 }`
fn json_line(line: &str) -> Option<Benchmark> {
    let t = line.trim();
    if !t.starts_with('{') || !t.contains("\"bench\"") {
        return None;
    }
    let v: Value = serde_json::from_str(t).ok()?;
    if v["type"] != "bench" {
        return None;
    }
    Some(Benchmark {
        name: v["name"].as_str()?.to_string(),
        estimate: v["median"].as_f64()?,
        statistic: "median",
        spread: v["deviation"].as_f64(),
        samples: None,
        runs: None,
    })
}

/// `1,234.56` → 1234.56
fn number(s: &str) -> Option<f64> {
    s.trim().replace(',', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms() {
        let b = text_line("test parse_200     ... bench:       1,612.67 ns/iter (+/- 74.12)").expect("line");
        assert_eq!((b.name.as_str(), b.estimate, b.spread), ("parse_200", 1612.67, Some(74.12)));
        let b = text_line("test benches::run ... bench:      52,923 ns/iter (+/- 18,369) = 12 MB/s").expect("line");
        assert_eq!((b.estimate, b.spread), (52923.0, Some(18369.0)));
        let b = json_line(r#"{ "type": "bench", "name": "x", "median": 1584.25, "deviation": 61.5 }"#).expect("json");
        assert_eq!((b.estimate, b.spread), (1584.25, Some(61.5)));
        assert!(text_line("test foo ... ok").is_none());
    }
}
