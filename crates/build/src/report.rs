//! The diagnosis as a value (schema `fastware/build/1`): what `--format
//! json` writes, what a saved or stored run holds, and what the text and
//! HTML pages are drawn from. Times in microseconds (`*_us`), shares in 0..1.

use serde::{Deserialize, Serialize};

use fastware_report::json::share;
use fastware_report::Duration;

use crate::diagnosis::{CrateDeep, Diagnosis, Settings, UnitRow};
use crate::findings::{Finding, Measure};
use crate::phases::Phase;

pub const SCHEMA: &str = "fastware/build/1";

/// The build as a whole.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildFigures {
    pub success: bool,
    pub interrupted: bool,
    pub wall_us: Duration,
    pub span_us: Duration,
    /// Units running at once, on average.
    pub parallelism: f64,
    pub jobs: Option<u64>,
    pub units_total: usize,
    pub units_built: usize,
    pub units_fresh: usize,
    pub log: Option<std::path::PathBuf>,
    pub target_dir: std::path::PathBuf,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rebuilt {
    pub unit: String,
    pub reason: Option<String>,
}

/// A `--hot` rebuild: the file marked as changed, and the units rebuilt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HotFigures {
    pub file: std::path::PathBuf,
    pub warmup_wall_us: Duration,
    pub rebuild_wall_us: Duration,
    pub rebuilt: Vec<Rebuilt>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PathRow {
    pub index: usize,
    pub unit: String,
    pub start_us: Duration,
    pub end_us: Duration,
    pub on_path_us: Duration,
    pub waited_us: Duration,
    pub until_rmeta: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitReport {
    pub index: usize,
    pub unit: String,
    pub package: String,
    pub target: String,
    pub kind: String,
    pub mode: String,
    /// `new`, `fresh`, `dirty`, `unknown`.
    pub freshness: String,
    pub reason: Option<String>,
    pub start_us: Option<Duration>,
    pub end_us: Option<Duration>,
    pub duration_us: Duration,
    pub frontend_us: Option<Duration>,
    pub codegen_us: Option<Duration>,
    pub link_us: Option<Duration>,
    pub codegen_share: Option<f64>,
    pub link_share: Option<f64>,
    pub alone_us: Duration,
    pub alone_share: Option<f64>,
    pub on_critical_path: bool,
    /// rustc's codegen settings, from its command line.
    pub settings: Option<Settings>,
}

impl UnitReport {
    fn of(u: &UnitRow, span: Duration) -> UnitReport {
        let part = |d: Duration, of: Duration| share(d.secs(), of.secs());
        UnitReport {
            index: u.index,
            unit: u.label.clone(),
            package: u.package.clone(),
            target: u.target.clone(),
            kind: u.kind.clone(),
            mode: u.mode.clone(),
            freshness: u.freshness.clone(),
            reason: u.reason.clone(),
            start_us: u.start,
            end_us: u.end,
            duration_us: u.duration,
            frontend_us: u.frontend,
            codegen_us: u.codegen,
            link_us: u.link,
            codegen_share: u.codegen.and_then(|c| part(c, u.duration)),
            link_share: u.link.and_then(|l| part(l, u.duration)),
            alone_us: u.alone,
            alone_share: part(u.alone, span),
            on_critical_path: u.on_critical_path,
            settings: u.settings.clone(),
        }
    }

    /// Built in this build (it ran), as opposed to fresh.
    pub fn built(&self) -> bool {
        self.start_us.is_some()
    }
}

/// rustc's self time per phase, largest first; written as a map of
/// `<phase>_us` and `<phase>_share` (of the crate's busy time).
#[derive(Debug, Clone, Default)]
pub struct Phases(pub Vec<(Phase, Duration, Option<f64>)>);

impl Phases {
    pub fn time(&self, p: Phase) -> Duration {
        self.0.iter().find(|(q, ..)| *q == p).map_or(Duration(0), |(_, t, _)| *t)
    }
}

impl Serialize for Phases {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len() * 2))?;
        for p in Phase::ALL {
            let (t, sh) = self.0.iter().find(|(q, ..)| *q == p).map_or((Duration(0), None), |(_, t, s)| (*t, *s));
            m.serialize_entry(&format!("{}_us", p.key()), &t)?;
            m.serialize_entry(&format!("{}_share", p.key()), &sh)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Phases {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Phases, D::Error> {
        let m: std::collections::HashMap<String, Option<f64>> = Deserialize::deserialize(d)?;
        let mut v: Vec<(Phase, Duration, Option<f64>)> = Phase::ALL
            .iter()
            .map(|&p| {
                let t = m.get(&format!("{}_us", p.key())).copied().flatten().unwrap_or(0.0);
                (p, Duration((t * 1000.0).round() as i64), m.get(&format!("{}_share", p.key())).copied().flatten())
            })
            .collect();
        v.sort_by_key(|(_, t, _)| std::cmp::Reverse(*t));
        Ok(Phases(v))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelTime {
    pub label: String,
    pub self_time_us: Duration,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LongQuery {
    pub label: String,
    pub duration_us: Duration,
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionTime {
    pub function: String,
    pub llvm_time_us: Duration,
    /// Of the crate's LLVM time on functions.
    pub share: Option<f64>,
    pub instances: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PassTime {
    pub pass: String,
    pub self_time_us: Duration,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrateTime {
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub llvm_time_us: Duration,
}

/// What LLVM's time trace says about one crate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LlvmReport {
    pub trace: std::path::PathBuf,
    pub busy_us: Duration,
    pub function_us: Duration,
    pub top_functions: Vec<FunctionTime>,
    /// The share of the top few functions together.
    pub top_share: Option<f64>,
    pub closure_heavy: Vec<String>,
    pub drop_glue_us: Duration,
    pub drop_glue_share: Option<f64>,
    pub debuginfo_us: Duration,
    pub debuginfo_share: Option<f64>,
    pub debug_passes: Vec<PassTime>,
    pub crates_optimised_here: Vec<CrateTime>,
}

/// What rustc's profilers say about one crate (`--deep`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeepReport {
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub profile: Option<std::path::PathBuf>,
    pub total_us: Duration,
    pub busy_us: Duration,
    pub phases: Phases,
    pub llvm_phases_us: Duration,
    pub llvm_phases_share: Option<f64>,
    pub top_labels: Vec<LabelTime>,
    pub longest: Vec<LongQuery>,
    pub longest_trait: Option<LongQuery>,
    pub llvm: Option<LlvmReport>,
}

impl DeepReport {
    fn of(c: &CrateDeep) -> DeepReport {
        let busy = c.busy_ns as f64;
        let llvm_phases = c.phase_ns(Phase::LlvmOptimize) + c.phase_ns(Phase::LlvmCodegen) + c.phase_ns(Phase::Lto);
        let long = |e: &fastware_selfprof::longest::LongEvent| LongQuery {
            label: e.label.clone(),
            duration_us: Duration(e.dur_ns),
            args: e.args.clone(),
        };
        DeepReport {
            crate_name: c.crate_name.clone(),
            profile: c.profile.clone(),
            total_us: Duration(c.total_ns),
            busy_us: Duration(c.busy_ns),
            phases: Phases(c.phases.iter().map(|(p, t)| (*p, Duration(*t), share(*t as f64, busy))).collect()),
            llvm_phases_us: Duration(llvm_phases),
            llvm_phases_share: share(llvm_phases as f64, busy),
            top_labels: c
                .top_labels
                .iter()
                .map(|(l, f)| LabelTime { label: l.clone(), self_time_us: Duration(f.self_ns), count: f.count })
                .collect(),
            longest: c.longest.iter().map(long).collect(),
            longest_trait: c.longest_trait.as_ref().map(long),
            llvm: c.llvm.as_ref().map(|l| {
                let fns = l.function_ns as f64;
                let top: i64 =
                    l.top_functions.iter().take(crate::findings::limits::FEW_FUNCTIONS).map(|f| f.llvm_ns).sum();
                LlvmReport {
                    trace: l.trace.clone(),
                    busy_us: Duration(l.busy_ns),
                    function_us: Duration(l.function_ns),
                    top_functions: l
                        .top_functions
                        .iter()
                        .map(|f| FunctionTime {
                            function: f.key.clone(),
                            llvm_time_us: Duration(f.llvm_ns),
                            share: share(f.llvm_ns as f64, fns),
                            instances: f.instances,
                        })
                        .collect(),
                    top_share: share(top as f64, fns),
                    closure_heavy: l.closure_heavy.clone(),
                    drop_glue_us: Duration(l.drop_glue_ns),
                    drop_glue_share: share(l.drop_glue_ns as f64, fns),
                    debuginfo_us: Duration(l.debuginfo_ns()),
                    debuginfo_share: share(l.debuginfo_ns() as f64, l.busy_ns as f64),
                    debug_passes: l
                        .debug_passes
                        .iter()
                        .map(|(p, t)| PassTime { pass: p.clone(), self_time_us: Duration(*t) })
                        .collect(),
                    crates_optimised_here: l
                        .defining_crates
                        .iter()
                        .map(|g| CrateTime { crate_name: g.key.clone(), llvm_time_us: Duration(g.llvm_ns) })
                        .collect(),
                }
            }),
        }
    }
}

/// A number a finding cites, and where it is in this report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvidenceReport {
    pub what: String,
    pub value: f64,
    /// `microseconds`, `share` (0..1) or `count`.
    pub measure: String,
    /// A JSON pointer into this report.
    pub pointer: String,
}

/// A finding: the rule's largest case, with the same rule's other
/// subjects (crates, units) in `also`, largest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingReport {
    pub rule: String,
    pub subject: String,
    pub title: String,
    pub evidence: Vec<EvidenceReport>,
    pub change: String,
    pub why: String,
    #[serde(default)]
    pub also: Vec<AlsoReport>,
    /// The `fastware matrix` experiment that tests the change (results of
    /// earlier versions hold its arguments instead; both read).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "fastware_cargo::experiment::deserialize_experiment"
    )]
    pub experiment: Option<fastware_cargo::experiment::Experiment>,
}

impl FindingReport {
    /// The command that tests the change: `fastware matrix --set …`.
    pub fn experiment_command(&self) -> Option<String> {
        let args = self.experiment.as_ref()?.args();
        let quoted: Vec<String> = args
            .iter()
            .map(|a| {
                if a.chars().all(|c| c.is_ascii_alphanumeric() || "-_.=,/+:".contains(c)) {
                    a.clone()
                } else {
                    format!("'{}'", a.replace('\'', "'\\''"))
                }
            })
            .collect();
        Some(format!("fastware matrix {}", quoted.join(" ")))
    }
}

/// Another subject the same rule fired on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlsoReport {
    pub subject: String,
    pub title: String,
    pub evidence: Vec<EvidenceReport>,
}

fn evidence(f: &Finding) -> Vec<EvidenceReport> {
    f.evidence
        .iter()
        .map(|e| EvidenceReport {
            what: e.what.clone(),
            value: e.value,
            measure: match e.measure {
                Measure::Duration => "microseconds",
                Measure::Share => "share",
                Measure::Count => "count",
            }
            .into(),
            pointer: e.pointer.clone(),
        })
        .collect()
}

impl FindingReport {
    fn of(f: &Finding) -> FindingReport {
        FindingReport {
            rule: f.rule.into(),
            subject: f.subject.clone(),
            title: f.title.clone(),
            evidence: evidence(f),
            change: f.change.clone(),
            why: f.why.clone(),
            also: f
                .also
                .iter()
                .map(|a| AlsoReport { subject: a.subject.clone(), title: a.title.clone(), evidence: evidence(a) })
                .collect(),
            experiment: f.experiment.clone(),
        }
    }
}

/// `fastware build`: the diagnosis.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildReport {
    pub schema: String,
    pub project: std::path::PathBuf,
    pub profile: String,
    /// How cargo recorded the build: `build-analysis` or `timings`.
    pub source: String,
    pub build: BuildFigures,
    pub hot: Option<HotFigures>,
    pub critical_path: Vec<PathRow>,
    /// Slowest first.
    pub units: Vec<UnitReport>,
    pub deep: Vec<DeepReport>,
    pub findings: Vec<FindingReport>,
    pub notes: Vec<String>,
    /// Rows in the units table of the text (0: all).
    #[serde(skip)]
    pub top: usize,
}

impl BuildReport {
    pub fn new(d: &Diagnosis, top: usize) -> BuildReport {
        BuildReport {
            schema: SCHEMA.into(),
            project: d.workspace_root.clone(),
            profile: d.profile.clone(),
            source: d.source.clone(),
            build: BuildFigures {
                success: d.success,
                interrupted: d.interrupted,
                wall_us: d.wall,
                span_us: d.span,
                parallelism: (d.parallelism * 100.0).round() / 100.0,
                jobs: d.jobs,
                units_total: d.units.len(),
                units_built: d.built().count(),
                units_fresh: d.units.iter().filter(|u| u.freshness == "fresh").count(),
                log: d.log_path.clone(),
                target_dir: d.target_dir.clone(),
                errors: d.errors.clone(),
            },
            hot: d.hot.as_ref().map(|h| HotFigures {
                file: h.file.clone(),
                warmup_wall_us: h.warmup_wall,
                rebuild_wall_us: d.wall,
                rebuilt: d
                    .units
                    .iter()
                    .filter(|u| u.freshness == "dirty")
                    .map(|u| Rebuilt { unit: u.label.clone(), reason: u.reason.clone() })
                    .collect(),
            }),
            critical_path: d
                .critical_path
                .iter()
                .map(|p| PathRow {
                    index: p.index,
                    unit: p.label.clone(),
                    start_us: p.start,
                    end_us: p.end,
                    on_path_us: p.end - p.start,
                    waited_us: p.waited,
                    until_rmeta: p.until_rmeta,
                })
                .collect(),
            units: d.units.iter().map(|u| UnitReport::of(u, d.span)).collect(),
            deep: d.deep.iter().map(DeepReport::of).collect(),
            findings: d.findings.iter().map(FindingReport::of).collect(),
            notes: d.notes.clone(),
            top,
        }
    }

    pub fn built(&self) -> impl Iterator<Item = &UnitReport> {
        self.units.iter().filter(|u| u.built())
    }

    /// A figure of the build by name (for `runs trend`): `wall`, `span`,
    /// or `unit:NAME` — the time of the built unit whose label or package
    /// is NAME.
    pub fn metric(&self, name: &str) -> Option<Duration> {
        match name {
            "wall" => Some(self.build.wall_us),
            "span" => Some(self.build.span_us),
            _ => {
                let unit = name.strip_prefix("unit:")?;
                self.built().find(|u| u.unit == unit || u.package == unit).map(|u| u.duration_us)
            }
        }
    }
}
