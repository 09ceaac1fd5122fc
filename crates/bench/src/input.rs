//! Reading results of any kind: a file is told by its content (libtest text
//! or JSON lines, hyperfine JSON, a fastware file), a directory is
//! criterion's, with a baseline.

use crate::BenchError;
use std::path::Path;

use fastware_report::Error;
use serde_json::Value;

use crate::results::Results;

/// A format to force with `--input-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    /// `cargo bench` output of libtest (text, or JSON lines)
    Libtest,
    /// A criterion directory
    Criterion,
    /// hyperfine's --export-json
    Hyperfine,
    /// Results fastware saved
    Fastware,
}

/// Reads `path`. For a criterion directory, `baseline` names the baseline
/// (`new` when `None`).
pub fn read(path: &Path, baseline: Option<&str>, force: Option<Format>) -> Result<Results, Error> {
    let shown = path.display().to_string();
    if path.is_dir() || force == Some(Format::Criterion) {
        let root =
            crate::criterion::root_of(path).ok_or_else(|| Error::from(BenchError::NoCriterionResults).at(&shown))?;
        return crate::criterion::read(&root, baseline.unwrap_or("new"));
    }
    let bytes = fastware_report::input::read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    if text.trim().is_empty() {
        return Err(Error::from(BenchError::Empty).at(&shown));
    }
    let json: Option<Value> = serde_json::from_str(&text).ok();
    match (force, &json) {
        (Some(Format::Libtest), _) => crate::libtest::parse(&text, path),
        (Some(Format::Hyperfine), Some(v)) => crate::hyperfine::parse(v, path),
        (Some(Format::Fastware), Some(v)) => crate::saved::parse(v, path),
        (Some(Format::Hyperfine | Format::Fastware), None) => Err(Error::from(BenchError::NotJson).at(&shown)),
        (Some(Format::Criterion), _) => unreachable!("criterion is read from a directory above"),
        (None, Some(v)) if crate::saved::looks_like(v) => crate::saved::parse(v, path),
        (None, Some(v)) if crate::hyperfine::looks_like(v) => crate::hyperfine::parse(v, path),
        (None, _) if crate::libtest::looks_like(&text) => crate::libtest::parse(&text, path),
        (None, _) => Err(Error::from(BenchError::Unrecognised).at(&shown)),
    }
}

/// The results one run of benchmarks produced: libtest's `bench:` lines in
/// its output, else the criterion samples written under `criterion_dir`
/// since `started` (baseline `saved`, `new` when `None`).
pub fn of_run(
    output: &str,
    criterion_dir: &Path,
    started: std::time::SystemTime,
    saved: Option<&str>,
) -> Result<Results, Error> {
    if crate::libtest::looks_like(output) {
        return crate::libtest::parse(output, Path::new("cargo bench"));
    }
    crate::criterion::read_updated(criterion_dir, started, saved)?.ok_or_else(|| BenchError::NoResultsFromRun.into())
}
