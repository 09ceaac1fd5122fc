//! A build as cargo recorded it: `-Zbuild-analysis` JSON lines (with
//! `-Zsection-timings`), or, from cargos without them, the unit data
//! embedded in the `--timings` HTML page.

use std::path::Path;

use serde_json::Value;

use crate::{CargoError, Error};

/// Whether cargo rebuilt a unit, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Nothing was built before in this target directory.
    New,
    Fresh,
    /// Rebuilt; cargo's reason, in words.
    Dirty(String),
    /// Not recorded (the `--timings` fallback).
    Unknown,
}

/// A span of a unit: `frontend`, `codegen`, `link` (seconds from build start).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub name: String,
    pub start: f64,
    pub end: f64,
}

/// One unit of work: a target of a package in a mode (build, run a build script …).
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub index: usize,
    pub package_id: String,
    pub package: String,
    /// The target's name (the crate name for libraries).
    pub target: String,
    /// `lib`, `bin`, `proc-macro`, `custom-build` …
    pub kind: String,
    /// `build`, `run-custom-build`, `check`, `test` …
    pub mode: String,
    pub requested: bool,
    /// Indices of the units it depends on.
    pub deps: Vec<usize>,
    pub freshness: Freshness,
    /// Seconds since the build started; `None` for units that did not run.
    pub start: Option<f64>,
    /// When its metadata (`.rmeta`) was written, for pipelined libraries.
    pub rmeta: Option<f64>,
    pub finish: Option<f64>,
    pub sections: Vec<Section>,
    /// Units cargo started because this one finished / wrote its metadata.
    pub unblocked: Vec<usize>,
    pub unblocked_by_rmeta: Vec<usize>,
}

impl Unit {
    /// `package` or `package (kind target)` when it is not the library.
    pub fn label(&self) -> String {
        let mode = if self.mode == "run-custom-build" { " (build script run)" } else { "" };
        match self.kind.as_str() {
            "lib" | "rlib" => format!("{}{mode}", self.package),
            "custom-build" if mode.is_empty() => format!("{} (build script)", self.package),
            "custom-build" => format!("{}{mode}", self.package),
            k => format!("{} ({k} {})", self.package, self.target),
        }
    }

    /// Seconds it ran.
    pub fn duration(&self) -> Option<f64> {
        Some(self.finish? - self.start?)
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// True when it links (or runs) and so needs its dependencies complete,
    /// not just their metadata.
    pub fn links(&self) -> bool {
        self.mode != "build" || !matches!(self.kind.as_str(), "lib" | "rlib")
    }
}

/// Where the record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    BuildAnalysis,
    TimingsHtml,
}

/// A recorded build.
#[derive(Debug, Clone)]
pub struct BuildLog {
    pub source: Source,
    pub run_id: String,
    pub jobs: Option<u64>,
    pub profile: Option<String>,
    pub rustc_version: Option<String>,
    pub target_dir: Option<String>,
    pub units: Vec<Unit>,
}

impl BuildLog {
    /// The units that ran in this build.
    pub fn built(&self) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(|u| u.start.is_some() && u.finish.is_some())
    }

    /// Seconds from the first unit's start to the last unit's end.
    pub fn span(&self) -> f64 {
        let start = self.built().filter_map(|u| u.start).fold(f64::INFINITY, f64::min);
        let end = self.built().filter_map(|u| u.finish).fold(0.0, f64::max);
        if start.is_finite() {
            (end - start).max(0.0)
        } else {
            0.0
        }
    }
}

fn package_name(id: &str) -> String {
    // "path+file:///work/app#tracee-app@0.1.0", "registry+https://…#serde@1.0.0",
    // or the older "serde 1.0.0 (registry+…)"
    if let Some((_, tail)) = id.rsplit_once('#') {
        let name = tail.split('@').next().unwrap_or(tail);
        // "#0.1.0" alone means the name is the last path segment
        if name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            return id.split('#').next().unwrap_or(id).rsplit('/').next().unwrap_or(id).to_string();
        }
        return name.to_string();
    }
    id.split(' ').next().unwrap_or(id).to_string()
}

/// A readable reason from `-Zbuild-analysis`'s fingerprint cause.
pub fn describe_cause(cause: &Value) -> String {
    let s = |k: &str| cause[k].as_str().map(str::to_string);
    match (s("stale_item").as_deref(), s("dirty_reason").as_deref()) {
        (Some("changed-file"), _) => format!("changed file {}", s("stale").unwrap_or_default()),
        (Some("missing-file"), _) => format!("missing file {}", s("path").or(s("stale")).unwrap_or_default()),
        (Some(other), _) => other.replace('-', " "),
        (None, Some(reason)) => {
            let mut text = reason.replace('-', " ");
            for key in ["name", "unit", "old", "new", "var"] {
                if let Some(v) = s(key) {
                    text.push_str(&format!(" {key}={v}"));
                }
            }
            text
        }
        _ => cause.to_string(),
    }
}

fn indices(v: &Value) -> Vec<usize> {
    v.as_array().into_iter().flatten().filter_map(Value::as_u64).map(|i| i as usize).collect()
}

/// Parses `-Zbuild-analysis` JSON lines.
pub fn parse_build_analysis(text: &str, path: &Path) -> Result<BuildLog, Error> {
    let mut log = BuildLog {
        source: Source::BuildAnalysis,
        run_id: String::new(),
        jobs: None,
        profile: None,
        rustc_version: None,
        target_dir: None,
        units: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| CargoError::BadBuildLog {
            path: path.to_path_buf(),
            line: n + 1,
            why: e.to_string(),
        })?;
        if log.run_id.is_empty() {
            log.run_id = v["run_id"].as_str().unwrap_or_default().to_string();
        }
        let unit = |log: &mut BuildLog| -> Option<usize> {
            let i = v["index"].as_u64()? as usize;
            (i < log.units.len()).then_some(i)
        };
        match v["reason"].as_str().unwrap_or_default() {
            "build-started" => {
                log.jobs = v["jobs"].as_u64();
                log.profile = v["profile"].as_str().map(str::to_string);
                log.rustc_version = v["rustc_version"].as_str().map(str::to_string);
                log.target_dir = v["target_dir"].as_str().map(str::to_string);
            }
            "unit-registered" => {
                let index = v["index"].as_u64().unwrap_or(log.units.len() as u64) as usize;
                let package_id = v["package_id"].as_str().unwrap_or_default().to_string();
                let u = Unit {
                    index,
                    package: package_name(&package_id),
                    package_id,
                    target: v["target"]["name"].as_str().unwrap_or_default().to_string(),
                    kind: v["target"]["kind"].as_str().unwrap_or_default().to_string(),
                    mode: v["mode"].as_str().unwrap_or_default().to_string(),
                    requested: v["requested"].as_bool().unwrap_or(false),
                    deps: indices(&v["dependencies"]),
                    freshness: Freshness::Unknown,
                    start: None,
                    rmeta: None,
                    finish: None,
                    sections: Vec::new(),
                    unblocked: Vec::new(),
                    unblocked_by_rmeta: Vec::new(),
                };
                if index >= log.units.len() {
                    log.units.resize(index + 1, u.clone());
                }
                log.units[index] = u;
            }
            "unit-fingerprint" => {
                if let Some(i) = unit(&mut log) {
                    log.units[i].freshness = match v["status"].as_str() {
                        Some("fresh") => Freshness::Fresh,
                        Some("new") => Freshness::New,
                        Some("dirty") => Freshness::Dirty(describe_cause(&v["cause"])),
                        _ => Freshness::Unknown,
                    };
                }
            }
            "unit-started" => {
                if let Some(i) = unit(&mut log) {
                    log.units[i].start = v["elapsed"].as_f64();
                }
            }
            "unit-rmeta-finished" => {
                if let Some(i) = unit(&mut log) {
                    log.units[i].rmeta = v["elapsed"].as_f64();
                    log.units[i].unblocked_by_rmeta = indices(&v["unblocked"]);
                }
            }
            "unit-section-started" => {
                if let (Some(i), Some(name), Some(t)) = (unit(&mut log), v["section"].as_str(), v["elapsed"].as_f64()) {
                    log.units[i].sections.push(Section { name: name.to_string(), start: t, end: t });
                }
            }
            "unit-section-finished" => {
                if let (Some(i), Some(name), Some(t)) = (unit(&mut log), v["section"].as_str(), v["elapsed"].as_f64()) {
                    if let Some(s) = log.units[i].sections.iter_mut().rev().find(|s| s.name == name) {
                        s.end = t;
                    }
                }
            }
            "unit-finished" => {
                if let Some(i) = unit(&mut log) {
                    log.units[i].finish = v["elapsed"].as_f64();
                    log.units[i].unblocked = indices(&v["unblocked"]);
                }
            }
            _ => {}
        }
    }
    // a build that failed before planning any unit (e.g. an unknown -p) logs none
    Ok(log)
}

/// Parses the `UNIT_DATA` that `cargo build --timings` embeds in its HTML
/// page: units, their start and duration, the units they unblocked, and
/// frontend/codegen sections. Dependencies are rebuilt from "unblocked".
pub fn parse_timings_html(html: &str, path: &Path) -> Result<BuildLog, Error> {
    let bad = |what: &str| Error::from(CargoError::BadTimingsPage { path: path.to_path_buf(), why: what.to_string() });
    let start = html.find("const UNIT_DATA = ").ok_or_else(|| bad("no unit data in the --timings page"))?;
    let rest = &html[start + "const UNIT_DATA = ".len()..];
    let mut de = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
    let data = de
        .next()
        .ok_or_else(|| bad("no unit data in the --timings page"))?
        .map_err(|e| bad(&format!("unreadable unit data: {e}")))?;
    let mut units: Vec<Unit> = Vec::new();
    for u in data.as_array().into_iter().flatten() {
        let index = u["i"].as_u64().unwrap_or(units.len() as u64) as usize;
        let start = u["start"].as_f64().unwrap_or(0.0);
        let dur = u["duration"].as_f64().unwrap_or(0.0);
        let target = u["target"].as_str().unwrap_or_default().trim().to_string();
        let mut sections = Vec::new();
        for s in u["sections"].as_array().into_iter().flatten() {
            if let (Some(name), Some(t)) = (s[0].as_str(), s.get(1)) {
                let (a, b) = (t["start"].as_f64().unwrap_or(0.0), t["end"].as_f64().unwrap_or(0.0));
                sections.push(Section { name: name.to_string(), start: start + a, end: start + b });
            }
        }
        units.push(Unit {
            index,
            package_id: u["name"].as_str().unwrap_or_default().to_string(),
            package: u["name"].as_str().unwrap_or_default().to_string(),
            kind: if target.is_empty() {
                "lib".into()
            } else {
                target.split_whitespace().next().unwrap_or("lib").trim_matches('"').to_string()
            },
            target,
            mode: u["mode"].as_str().unwrap_or("build").to_string(),
            requested: false,
            deps: Vec::new(),
            freshness: Freshness::Unknown,
            start: Some(start),
            rmeta: u["rmeta_time"].as_f64().map(|r| start + r),
            finish: Some(start + dur),
            sections,
            unblocked: indices(&u["unblocked_units"]),
            unblocked_by_rmeta: indices(&u["unblocked_rmeta_units"]),
        });
    }
    let max = units.iter().map(|u| u.index).max().unwrap_or(0);
    let mut by_index: Vec<Option<Unit>> = vec![None; max + 1];
    for u in units {
        let i = u.index;
        by_index[i] = Some(u);
    }
    let mut units: Vec<Unit> = by_index.into_iter().flatten().collect();
    // a unit depends on the units whose completion unblocked it
    let edges: Vec<(usize, usize)> = units
        .iter()
        .flat_map(|u| u.unblocked.iter().chain(&u.unblocked_by_rmeta).map(move |&d| (d, u.index)))
        .collect();
    for (dependent, dep) in edges {
        if let Some(u) = units.iter_mut().find(|u| u.index == dependent) {
            u.deps.push(dep);
        }
    }
    Ok(BuildLog {
        source: Source::TimingsHtml,
        run_id: String::new(),
        jobs: None,
        profile: None,
        rustc_version: None,
        target_dir: None,
        units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_from_ids() {
        assert_eq!(package_name("path+file:///work/main/tests/fixtures/tracee/app#tracee-app@0.1.0"), "tracee-app");
        assert_eq!(package_name("registry+https://github.com/rust-lang/crates.io-index#serde@1.0.228"), "serde");
        assert_eq!(package_name("path+file:///work/foo#0.1.0"), "foo");
        assert_eq!(package_name("serde 1.0.0 (registry+https://…)"), "serde");
    }

    #[test]
    fn causes_in_words() {
        let v: Value = serde_json::from_str(r#"{"dirty_reason":"fs-status-outdated","fs_status":"stale-item","stale_item":"changed-file","stale":"/p/src/main.rs"}"#).expect("json");
        assert_eq!(describe_cause(&v), "changed file /p/src/main.rs");
        let v: Value = serde_json::from_str(r#"{"dirty_reason":"unit-dependency-info-changed","name":"tracee_types"}"#)
            .expect("json");
        assert_eq!(describe_cause(&v), "unit dependency info changed name=tracee_types");
    }
}
