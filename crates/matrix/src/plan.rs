//! A plan: the axes, every cell (the cross product, or a list), what is
//! measured and how often, and where it runs. Written with `--plan FILE`
//! so that CI jobs can each run one cell (`--cell K`); its id ties results
//! to it.

use crate::MatrixError;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use fastware_report::Error;

use crate::axis::{linker_flag, toml_value, Axis, AxisKind};

pub const SCHEMA: &str = "fastware/matrix-plan/1";

/// What a timed build covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Everything, from an empty target directory
    #[default]
    All,
    /// The workspace members only: dependencies are built first, untimed
    Final,
}

/// One cell: a value for each axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub id: usize,
    /// `lto=off debug=none`, or `your settings` for the baseline.
    pub name: String,
    /// (axis name, value) for each axis; empty for the project's own settings.
    pub settings: Vec<(String, String)>,
    /// `KEY=VALUE` for `cargo --config`.
    pub config: Vec<String>,
    pub rustflags: Option<String>,
    pub toolchain: Option<String>,
}

/// The machine a result was measured on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    pub host: String,
    pub cores: usize,
    pub cpu: String,
}

impl Machine {
    pub fn this() -> Machine {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find(|l| l.starts_with("model name"))
                    .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
            })
            .unwrap_or_default();
        let host =
            std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
        Machine { host, cores: std::thread::available_parallelism().map_or(1, |n| n.get()), cpu }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub schema: String,
    /// `fastware VERSION`: marks the file as fastware's.
    pub generator: String,
    /// A hash of everything below: results name the plan they belong to.
    pub id: String,
    /// The project's workspace root.
    pub project: String,
    pub profile: String,
    pub scope: Scope,
    /// A file whose change is timed as a hot rebuild.
    pub hot: Option<String>,
    /// A command timed with each cell's artifact.
    pub run: Option<String>,
    pub runs: usize,
    pub reps: usize,
    pub axes: Vec<Axis>,
    pub cells: Vec<Cell>,
    /// The cell the others are compared with.
    pub baseline: usize,
}

/// A short name of a config key for tables: its last segment (`lto`,
/// `debug`), or the segment with the package for package overrides.
pub fn short_key(key: &str) -> String {
    match key.split_once(".package.") {
        Some((_, rest)) => {
            let (pkg, k) = rest.rsplit_once('.').unwrap_or((rest, ""));
            format!("{}[{}]", k, pkg.trim_matches('"'))
        }
        None => key.rsplit('.').next().unwrap_or(key).to_string(),
    }
}

fn short_axis(a: &Axis) -> String {
    match &a.kind {
        AxisKind::Config { key } => short_key(key),
        _ => a.name.clone(),
    }
}

/// A cell from one value per axis.
pub fn cell(id: usize, axes: &[Axis], values: &[String]) -> Cell {
    let mut c =
        Cell { id, name: String::new(), settings: Vec::new(), config: Vec::new(), rustflags: None, toolchain: None };
    let mut flags: Vec<String> = Vec::new();
    let mut names = Vec::new();
    for (a, v) in axes.iter().zip(values) {
        c.settings.push((a.name.clone(), v.clone()));
        names.push(format!("{}={v}", short_axis(a)));
        match &a.kind {
            AxisKind::Config { key } => c.config.push(format!("{key}={}", toml_value(v))),
            AxisKind::Rustflags => flags.push(v.clone()),
            AxisKind::Linker => flags.extend(linker_flag(v)),
            AxisKind::Toolchain => c.toolchain = Some(v.clone()),
        }
    }
    if !flags.is_empty() {
        c.rustflags = Some(flags.join(" "));
    }
    c.name = if names.is_empty() { "your settings".into() } else { names.join(" ") };
    c
}

/// Cell 0, the project's own settings, then the cross product of the axes
/// (the first axis changing slowest).
pub fn cross(axes: &[Axis]) -> Vec<Cell> {
    let mut cells = vec![cell(0, &[], &[])];
    let mut combos: Vec<Vec<String>> = vec![Vec::new()];
    for a in axes {
        combos = combos
            .into_iter()
            .flat_map(|c| a.values.iter().map(move |v| [c.clone(), vec![v.clone()]].concat()))
            .collect();
    }
    if axes.is_empty() {
        return cells;
    }
    for (i, vals) in combos.iter().enumerate() {
        cells.push(cell(i + 1, axes, vals));
    }
    cells
}

/// `--cells FILE`: one cell per line, `AXIS=VALUE` pairs separated by
/// spaces, each axis one of the plan's (by its name or its short name).
pub fn listed(axes: &[Axis], text: &str) -> Result<Vec<Cell>, Error> {
    let mut cells = vec![cell(0, &[], &[])];
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut vals: Vec<Option<String>> = vec![None; axes.len()];
        for pair in line.split_whitespace() {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| Error::from(MatrixError::CellsPair { line: n + 1, pair: pair.to_string() }))?;
            let i = axes
                .iter()
                .position(|a| a.name == k || short_axis(a) == k)
                .ok_or_else(|| Error::from(MatrixError::CellsAxis { line: n + 1, axis: k.to_string() }))?;
            vals[i] = Some(v.to_string());
        }
        let (used, vals): (Vec<Axis>, Vec<String>) =
            axes.iter().zip(vals).filter_map(|(a, v)| v.map(|v| (a.clone(), v))).unzip();
        cells.push(cell(cells.len(), &used, &vals));
    }
    if cells.len() == 1 {
        return Err(MatrixError::CellsEmpty.into());
    }
    Ok(cells)
}

impl Plan {
    /// Fills in the id from the rest.
    pub fn sealed(mut self) -> Plan {
        self.id = String::new();
        let text = serde_json::to_string(&self).unwrap_or_default();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        self.id = format!("{:016x}", h.finish());
        self
    }

    pub fn read(path: &std::path::Path) -> Result<Plan, Error> {
        let shown = path.display().to_string();
        let text = fastware_report::input::read_to_string(path)?;
        let p: Plan = fastware_report::json::read(&text, SCHEMA, &shown)?;
        if p.clone().sealed().id != p.id {
            return Err(Error::from(MatrixError::PlanChanged).at(&shown));
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::axis::parse_set;

    #[test]
    fn cross_product_first_axis_slowest() {
        let a = parse_set("profile.release.lto=off,fat").unwrap();
        let b = parse_set("profile.release.debug=none,full").unwrap();
        let cells = cross(&[a, b]);
        let names: Vec<&str> = cells.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["your settings", "lto=off debug=none", "lto=off debug=full", "lto=fat debug=none", "lto=fat debug=full"]
        );
        assert_eq!(cells[1].config, ["profile.release.lto=\"off\"", "profile.release.debug=\"none\""]);
        assert_eq!(short_key("profile.release.package.\"*\".opt-level"), "opt-level[*]");
    }
}
