//! Everything measured about one build, joined: cargo's record of its units,
//! the critical path, the rustc settings of each crate, and with `--deep` the
//! self-profiles and LLVM time traces of the profiled crates.

use std::path::{Path, PathBuf};

use fastware_cargo::critical::{critical_path, time_alone};
use fastware_cargo::invocation::Invocation;
use fastware_cargo::log::{BuildLog, Freshness, Source, Unit};
use fastware_cargo::run::BuildResult;
use fastware_report::{Duration, Error};
use fastware_selfprof::longest::LongEvent;
use fastware_selfprof::LabelFigures;
use fastware_trace::GroupRow;

use crate::phases::{phase_of, Phase};

pub use fastware_cargo::invocation::Settings;

/// A unit of the build.
#[derive(Debug, Clone)]
pub struct UnitRow {
    pub index: usize,
    pub label: String,
    pub package: String,
    pub target: String,
    pub kind: String,
    pub mode: String,
    /// `new`, `fresh`, `dirty`, `unknown`.
    pub freshness: String,
    /// For rebuilt units, cargo's reason.
    pub reason: Option<String>,
    /// Since the build started.
    pub start: Option<Duration>,
    pub end: Option<Duration>,
    pub duration: Duration,
    /// Sections cargo measured: before codegen, codegen, link.
    pub frontend: Option<Duration>,
    pub codegen: Option<Duration>,
    pub link: Option<Duration>,
    /// How long it was the only unit running.
    pub alone: Duration,
    pub on_critical_path: bool,
    pub settings: Option<Settings>,
}

/// A unit on the critical path.
#[derive(Debug, Clone)]
pub struct PathStep {
    pub index: usize,
    pub label: String,
    pub start: Duration,
    pub end: Duration,
    pub until_rmeta: bool,
    pub waited: Duration,
}

/// What rustc's profilers say about one crate (`--deep`).
#[derive(Debug, Clone, Default)]
pub struct CrateDeep {
    pub crate_name: String,
    /// Self-profile: sum of each thread's span, and of self times (ns).
    pub total_ns: i64,
    pub busy_ns: i64,
    /// Self time by phase (ns), largest first.
    pub phases: Vec<(Phase, i64)>,
    pub top_labels: Vec<(String, LabelFigures)>,
    /// The longest single queries, with their arguments.
    pub longest: Vec<LongEvent>,
    /// The longest trait-solving query.
    pub longest_trait: Option<LongEvent>,
    pub llvm: Option<LlvmDeep>,
    pub profile: Option<PathBuf>,
}

impl CrateDeep {
    pub fn phase_ns(&self, p: Phase) -> i64 {
        self.phases.iter().find(|(q, _)| *q == p).map_or(0, |(_, t)| *t)
    }
}

/// What the LLVM time trace says about one crate.
#[derive(Debug, Clone, Default)]
pub struct LlvmDeep {
    pub trace: PathBuf,
    pub busy_ns: i64,
    /// Time on functions (the rest is module-level work).
    pub function_ns: i64,
    pub top_functions: Vec<GroupRow>,
    /// Functions whose time is mostly an async fn body or closure (`{closure#N}`).
    pub closure_heavy: Vec<String>,
    pub drop_glue_ns: i64,
    /// Crates whose code this crate's LLVM optimised (defining crate of the functions).
    pub defining_crates: Vec<GroupRow>,
    /// Passes that produce debug info (`Live DEBUG_VALUE analysis` …): (pass, ns).
    pub debug_passes: Vec<(String, i64)>,
}

impl LlvmDeep {
    pub fn debuginfo_ns(&self) -> i64 {
        self.debug_passes.iter().map(|(_, t)| t).sum()
    }
}

/// The build's figures.
#[derive(Debug, Clone, Default)]
pub struct Diagnosis {
    pub workspace_root: PathBuf,
    pub profile: String,
    pub success: bool,
    pub interrupted: bool,
    pub errors: Vec<String>,
    /// Measured around cargo.
    pub wall: Duration,
    /// From the first unit's start to the last unit's end.
    pub span: Duration,
    pub jobs: Option<u64>,
    /// Sum of unit durations / span: how many units ran at once, on average.
    pub parallelism: f64,
    pub units: Vec<UnitRow>,
    pub critical_path: Vec<PathStep>,
    pub hot: Option<Hot>,
    pub deep: Vec<CrateDeep>,
    pub findings: Vec<crate::findings::Finding>,
    pub notes: Vec<String>,
    pub log_path: Option<PathBuf>,
    pub target_dir: PathBuf,
    /// `build-analysis` or `timings`.
    pub source: String,
}

/// The hot rebuild.
#[derive(Debug, Clone)]
pub struct Hot {
    pub file: PathBuf,
    /// The build before the change.
    pub warmup_wall: Duration,
}

impl Diagnosis {
    pub fn unit(&self, index: usize) -> Option<&UnitRow> {
        self.units.iter().find(|u| u.index == index)
    }

    pub fn built(&self) -> impl Iterator<Item = &UnitRow> {
        self.units.iter().filter(|u| u.start.is_some())
    }

    pub fn crate_deep(&self, name: &str) -> Option<&CrateDeep> {
        self.deep.iter().find(|d| d.crate_name == name)
    }
}

fn crate_name(unit: &Unit) -> String {
    if unit.kind == "custom-build" {
        "build_script_build".to_string()
    } else {
        unit.target.replace('-', "_")
    }
}

fn settings_of(unit: &Unit, invocations: &[Invocation]) -> Option<Settings> {
    let name = crate_name(unit);
    let inv = invocations
        .iter()
        .find(|i| i.crate_name == name && i.args.iter().any(|a| a.contains(&unit.package)))
        .or_else(|| invocations.iter().find(|i| i.crate_name == name))?;
    Some(inv.settings.clone())
}

fn units(log: &BuildLog, invocations: &[Invocation], on_path: &[usize]) -> Vec<UnitRow> {
    let mut rows: Vec<UnitRow> = log
        .units
        .iter()
        .map(|u| {
            let (freshness, reason) = match &u.freshness {
                Freshness::New => ("new", None),
                Freshness::Fresh => ("fresh", None),
                Freshness::Dirty(r) => ("dirty", Some(r.clone())),
                Freshness::Unknown => ("unknown", None),
            };
            // cargo's log says seconds: they become durations here, once
            let secs = Duration::from_secs;
            let section = |n: &str| u.section(n).map(|s| secs(s.end - s.start));
            let frontend = match (u.section("frontend"), u.section("codegen"), u.start) {
                (Some(f), _, _) => Some(secs(f.end - f.start)),
                (None, Some(c), Some(s)) => Some(secs(c.start - s)),
                _ => None,
            };
            UnitRow {
                index: u.index,
                label: u.label(),
                package: u.package.clone(),
                target: u.target.clone(),
                kind: u.kind.clone(),
                mode: u.mode.clone(),
                freshness: freshness.to_string(),
                reason,
                start: u.start.map(secs),
                end: u.finish.map(secs),
                duration: secs(u.duration().unwrap_or(0.0)),
                frontend,
                codegen: section("codegen"),
                link: section("link"),
                alone: secs(time_alone(log, u)),
                on_critical_path: on_path.contains(&u.index),
                settings: if u.start.is_some() { settings_of(u, invocations) } else { None },
            }
        })
        .collect();
    rows.sort_by(|a, b| b.duration.cmp(&a.duration).then(a.index.cmp(&b.index)));
    rows
}

/// Labels of trait-solving queries, for the longest-query search.
const TRAIT_QUERIES: &[&str] =
    &["evaluate_obligation", "evaluate_goal", "codegen_select_candidate", "type_op_prove_predicate"];

/// Reads the self-profile and LLVM trace of each profiled crate.
fn deep(profiles_dir: &Path, traces: &[PathBuf]) -> Result<Vec<CrateDeep>, Error> {
    let files = match fastware_selfprof::input::resolve(&[profiles_dir.to_path_buf()]) {
        Ok(f) => f,
        Err(_) => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    for f in files {
        let profile = fastware_selfprof::open(&f)?;
        let s = fastware_selfprof::summarize_profile(&profile)?;
        let mut phases: Vec<(Phase, i64)> = Phase::ALL.iter().map(|&p| (p, 0)).collect();
        for (label, fig) in &s.labels {
            let p = phase_of(label);
            if let Some(e) = phases.iter_mut().find(|(q, _)| *q == p) {
                e.1 += fig.self_ns;
            }
        }
        phases.sort_by_key(|p| std::cmp::Reverse(p.1));
        // the profiler's own work is not the crate's
        let measured = |label: &str| phase_of(label) != Phase::Profiler;
        let mut longest = fastware_selfprof::longest::longest(std::slice::from_ref(&f), &[], 6)?.events;
        longest.retain(|e| measured(&e.label));
        longest.truncate(5);
        let traits: Vec<String> = TRAIT_QUERIES.iter().map(|s| s.to_string()).collect();
        let longest_trait =
            fastware_selfprof::longest::longest(std::slice::from_ref(&f), &traits, 1)?.events.into_iter().next();
        let trace = traces
            .iter()
            .find(|t| fastware_trace::input::crate_from_file_name(t).as_deref() == Some(s.crate_name.as_str()));
        let llvm = trace.map(|t| llvm(t)).transpose()?;
        out.push(CrateDeep {
            crate_name: s.crate_name.clone(),
            total_ns: s.total_ns,
            busy_ns: s.busy_ns,
            phases,
            top_labels: s.labels.iter().filter(|(l, _)| measured(l)).take(10).cloned().collect(),
            longest,
            longest_trait,
            llvm,
            profile: Some(f),
        });
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.total_ns));
    Ok(out)
}

fn llvm(trace: &Path) -> Result<LlvmDeep, Error> {
    let q = fastware_trace::TraceQuery {
        paths: vec![trace.to_path_buf()],
        groupings: fastware_trace::Groupings {
            function: true,
            instance: true,
            defining_crate: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let s = fastware_trace::summarize(&q)?;
    let top_functions: Vec<GroupRow> = s.functions.iter().take(10).cloned().collect();
    // a function whose time is mostly its closures or async body
    let closure_heavy = top_functions
        .iter()
        .filter(|f| {
            let closure_ns: i64 = s
                .instances
                .iter()
                .filter(|i| i.key.starts_with(&format!("{}::{{closure", f.key)))
                .map(|i| i.llvm_ns)
                .sum();
            closure_ns * 2 > f.llvm_ns
        })
        .map(|f| f.key.clone())
        .collect();
    let debug_passes = s
        .passes
        .iter()
        .filter(|p| {
            let n = p.pass.to_ascii_lowercase();
            n.contains("debug_value")
                || n.contains("debug variable")
                || n.contains("dwarf")
                || n.contains("debuginfo")
                || n.contains("debug info")
        })
        .map(|p| (p.pass.clone(), p.self_ns))
        .collect();
    Ok(LlvmDeep {
        trace: trace.to_path_buf(),
        busy_ns: s.busy_ns,
        function_ns: s.busy_ns - s.unattributed_ns,
        top_functions,
        closure_heavy,
        drop_glue_ns: s.drop_glue_ns,
        defining_crates: s.defining_crates.iter().take(8).cloned().collect(),
        debug_passes,
    })
}

/// Joins a finished build's records. Findings are added by [`crate::findings`].
pub fn diagnose(result: &BuildResult, workspace_root: &Path, profile: &str) -> Result<Diagnosis, Error> {
    let run = &result.run;
    let mut d = Diagnosis {
        workspace_root: workspace_root.to_path_buf(),
        profile: profile.to_string(),
        success: run.success,
        interrupted: run.interrupted,
        errors: run.errors.clone(),
        wall: Duration::from_secs(run.wall),
        notes: result.notes.clone(),
        log_path: run.log_path.clone(),
        target_dir: result.target_dir.clone(),
        ..Diagnosis::default()
    };
    if let (Some(file), Some(w)) = (&result.hot_file, &result.warmup) {
        d.hot = Some(Hot { file: file.clone(), warmup_wall: Duration::from_secs(w.wall) });
    }
    let Some(log) = &run.log else {
        d.notes.push("cargo left no record of this build".into());
        return Ok(d);
    };
    d.source = match log.source {
        Source::BuildAnalysis => "build-analysis".into(),
        Source::TimingsHtml => "timings".into(),
    };
    d.jobs = log.jobs;
    d.span = Duration::from_secs(log.span());
    let path = critical_path(log);
    let on_path: Vec<usize> = path.iter().flat_map(|p| p.steps.iter().map(|s| s.unit)).collect();
    d.units = units(log, &run.invocations, &on_path);
    if let Some(p) = &path {
        d.parallelism = p.parallelism();
        d.critical_path = p
            .steps
            .iter()
            .map(|s| PathStep {
                index: s.unit,
                label: d.unit(s.unit).map(|u| u.label.clone()).unwrap_or_default(),
                start: Duration::from_secs(s.start),
                end: Duration::from_secs(s.end),
                until_rmeta: s.until_rmeta,
                waited: Duration::from_secs(s.waited),
            })
            .collect();
    }
    if let Some(dir) = &result.profiles_dir {
        d.deep = deep(dir, &result.traces)?;
    }
    Ok(d)
}
