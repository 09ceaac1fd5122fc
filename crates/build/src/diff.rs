//! Two builds compared (`fastware runs diff` of two `build` runs): the wall
//! time, each unit's time and phases (frontend, codegen, link), the units
//! built in only one of them, and the findings that are new or gone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use fastware_report::units::duration;
use fastware_report::{cells, Column, Duration, Error, Render, Table, Text};

use crate::report::{BuildReport, UnitReport};

/// One side of the comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildSide {
    /// How the user named it (a run's id or name, a file).
    pub label: String,
    pub profile: String,
    pub wall_us: Duration,
    pub units_built: usize,
}

/// One unit's times in both builds (absent: not built there).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitChange {
    pub unit: String,
    pub base_us: Option<Duration>,
    pub new_us: Option<Duration>,
    /// new − base; a unit built on one side only counts its whole time.
    pub change_us: Duration,
    /// new / base − 1, when built in both.
    pub change: Option<f64>,
    pub frontend_change_us: Option<Duration>,
    pub codegen_change_us: Option<Duration>,
    pub link_change_us: Option<Duration>,
}

/// `fastware/build-diff/1`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildDiff {
    pub schema: String,
    pub base: BuildSide,
    pub new: BuildSide,
    pub wall_change_us: Duration,
    /// Largest change first (by its size).
    pub units: Vec<UnitChange>,
    /// `rule: subject` of findings only the new build has.
    pub findings_new: Vec<String>,
    /// … only the base build has.
    pub findings_gone: Vec<String>,
    /// Rows in the text (0: all).
    #[serde(skip)]
    pub top: usize,
}

fn side(label: &str, r: &BuildReport) -> BuildSide {
    BuildSide {
        label: label.into(),
        profile: r.profile.clone(),
        wall_us: r.build.wall_us,
        units_built: r.build.units_built,
    }
}

fn delta(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    Some(Duration(b?.0 - a?.0))
}

fn findings(r: &BuildReport) -> Vec<String> {
    let mut f: Vec<String> = r.findings.iter().map(|f| format!("{}: {}", f.rule, f.subject)).collect();
    f.sort();
    f.dedup();
    f
}

impl BuildDiff {
    pub fn new(base_label: &str, base: &BuildReport, new_label: &str, new: &BuildReport, top: usize) -> BuildDiff {
        let built = |r: &BuildReport| -> BTreeMap<String, UnitReport> {
            r.built().map(|u| (u.unit.clone(), u.clone())).collect()
        };
        let (a, b) = (built(base), built(new));
        let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
        names.sort();
        names.dedup();
        let mut units: Vec<UnitChange> = names
            .into_iter()
            .map(|name| {
                let (x, y) = (a.get(name), b.get(name));
                let (xd, yd) = (x.map(|u| u.duration_us), y.map(|u| u.duration_us));
                let change_us = Duration(yd.map_or(0, |d| d.0) - xd.map_or(0, |d| d.0));
                UnitChange {
                    unit: name.clone(),
                    base_us: xd,
                    new_us: yd,
                    change_us,
                    change: match (xd, yd) {
                        (Some(p), Some(q)) if p.0 > 0 => Some(q.0 as f64 / p.0 as f64 - 1.0),
                        _ => None,
                    },
                    frontend_change_us: delta(x.and_then(|u| u.frontend_us), y.and_then(|u| u.frontend_us)),
                    codegen_change_us: delta(x.and_then(|u| u.codegen_us), y.and_then(|u| u.codegen_us)),
                    link_change_us: delta(x.and_then(|u| u.link_us), y.and_then(|u| u.link_us)),
                }
            })
            .collect();
        units.sort_by(|p, q| q.change_us.0.abs().cmp(&p.change_us.0.abs()).then_with(|| p.unit.cmp(&q.unit)));
        let (fa, fb) = (findings(base), findings(new));
        BuildDiff {
            schema: "fastware/build-diff/1".into(),
            base: side(base_label, base),
            new: side(new_label, new),
            wall_change_us: Duration(new.build.wall_us.0 - base.build.wall_us.0),
            units,
            findings_new: fb.iter().filter(|f| !fa.contains(f)).cloned().collect(),
            findings_gone: fa.iter().filter(|f| !fb.contains(f)).cloned().collect(),
            top,
        }
    }

    fn table(&self, top: usize) -> Table {
        let mut t = Table::new(vec![
            Column::right("base", "base_us"),
            Column::right("new", "new_us"),
            Column::right("change", "change_us"),
            Column::right("%", "change"),
            Column::right("frontend", "frontend_change_us"),
            Column::right("codegen", "codegen_change_us"),
            Column::right("link", "link_change_us"),
            Column::left("unit", "unit"),
        ]);
        let opt = |m: Option<Duration>| match m {
            Some(m) => cells::time(m.0),
            None => ("—".into(), String::new()),
        };
        let change = |m: Option<Duration>| match m {
            Some(m) => cells::time_change(m.0),
            None => ("".into(), String::new()),
        };
        for u in cells::take(&self.units, top) {
            t.row(vec![
                opt(u.base_us),
                opt(u.new_us),
                cells::time_change(u.change_us.0),
                match u.change {
                    Some(c) => (format!("{:+.1}%", c * 100.0), format!("{c:.6}")),
                    None if u.base_us.is_none() => ("new".into(), String::new()),
                    None => ("gone".into(), String::new()),
                },
                change(u.frontend_change_us),
                change(u.codegen_change_us),
                change(u.link_change_us),
                cells::text(&u.unit),
            ]);
        }
        t
    }
}

impl Render for BuildDiff {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let (a, b) = (&self.base, &self.new);
        out.line(format_args!(
            "build {} → {}: wall {} → {} ({}), units built {} → {}",
            a.label,
            b.label,
            duration(a.wall_us.0),
            duration(b.wall_us.0),
            cells::time_change(self.wall_change_us.0).0,
            a.units_built,
            b.units_built
        ))?;
        if a.profile != b.profile {
            out.line(format_args!("note: the profiles differ ({} against {})", a.profile, b.profile))?;
        }
        let top = if self.top == 0 { self.units.len() } else { self.top };
        out.section("Units, largest change first", &self.table(top), self.units.len())?;
        for (title, list) in [("Findings new", &self.findings_new), ("Findings gone", &self.findings_gone)] {
            if !list.is_empty() {
                out.blank()?;
                out.line(format_args!("{title}:"))?;
                for f in list {
                    out.line(format_args!("  {f}"))?;
                }
            }
        }
        Ok(())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table(0))
    }
}
