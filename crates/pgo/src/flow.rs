//! The steps of `fastware pgo`, each said as it runs: builds in
//! `<target-dir>/fastware/pgo/{instrumented,optimized,baseline}`, the
//! workload with the instrumented binary (commands, or a benchmark target
//! run with `--bench`), the merge, and the comparison — of wall times for a
//! command, of each benchmark's results between runs for a benchmark.

use std::path::{Path, PathBuf};
use std::time::Instant;

use fastware_bench::{ComparisonReport, Options, Results};
use fastware_cargo::experiment::{self, CellSpec, Timed};
use fastware_cargo::project::Project;
use fastware_cargo::run::Selection;
use fastware_report::json::Duration;
use fastware_report::Error;

use crate::report::{Comparison, PgoReport, Step};
use crate::PgoError;

/// A benchmark target as a workload: its binary run with `--bench ARGS`,
/// as `cargo bench --bench NAME -- ARGS` runs it.
#[derive(Debug, Clone)]
pub struct BenchWorkload {
    pub name: String,
    /// Arguments for the harness (criterion's or libtest's), after `--bench`.
    pub args: Vec<String>,
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Request {
    /// Training workloads: commands whose program is replaced by the build's.
    pub train: Vec<String>,
    /// A benchmark target trained on (and, without commands, compared on).
    pub bench: Option<BenchWorkload>,
    /// The comparison workload (default: the first training command).
    pub compare: Option<String>,
    /// Interleaved runs per side in the comparison.
    pub runs: usize,
    pub selection: Selection,
    /// The binary the commands run (`--bin`), when the package has several.
    pub bin: Option<String>,
}

impl Request {
    /// Whether a command is run with the build's executable.
    fn needs_executable(&self) -> bool {
        !self.train.is_empty() || self.compare.is_some()
    }

    /// The targets each build makes, as cargo arguments.
    fn targets(&self) -> Vec<String> {
        let mut t = Vec::new();
        if let Some(b) = &self.bench {
            t.extend(["--bench".to_string(), b.name.clone()]);
        }
        match &self.bin {
            Some(bin) => t.extend(["--bin".to_string(), bin.clone()]),
            None if self.bench.is_some() && self.needs_executable() => t.push("--bins".into()),
            None => {}
        }
        t
    }
}

/// One build's executables: the program the commands run, the benchmark's.
struct Built {
    timed: Timed,
    executable: Option<PathBuf>,
    bench: Option<PathBuf>,
}

impl Built {
    /// The executable, or the benchmark binary: what the step built.
    fn shown(&self) -> String {
        self.executable.iter().chain(&self.bench).map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    }
}

fn build(
    project: &Project,
    req: &Request,
    dir: &Path,
    rustflags: Option<String>,
    what: &str,
    note: &dyn Fn(&str),
) -> Result<Built, Error> {
    note(&format!("{what}: cargo build --release in {}", dir.display()));
    let spec = CellSpec {
        target_dir: dir.to_path_buf(),
        selection: req.selection.clone(),
        rustflags,
        targets: req.targets(),
        ..CellSpec::default()
    };
    let t = experiment::timed_build(project, &spec)?;
    if t.interrupted {
        return Err(Error::interrupted(format!("interrupted during the {what}")));
    }
    if !t.success {
        let first: Vec<&str> = t.errors.iter().map(String::as_str).filter(|l| l.contains("error")).take(2).collect();
        return Err(PgoError::StepFailed { what: what.to_string(), why: first.join(" / ") }.into());
    }
    let executable = if req.needs_executable() {
        let found = match &req.bin {
            Some(bin) => t.artifacts.iter().filter(|a| &a.target == bin && !a.test).find_map(|a| a.executable.clone()),
            None => experiment::main_artifact(project, &t).filter(|p| p.extension().is_none()),
        };
        Some(found.ok_or(PgoError::NoExecutable)?)
    } else {
        None
    };
    let bench = match &req.bench {
        Some(b) => Some(
            experiment::bench_artifact(&t, &b.name).ok_or_else(|| PgoError::NoBenchmark { name: b.name.clone() })?,
        ),
        None => None,
    };
    Ok(Built { timed: t, executable, bench })
}

/// Runs a benchmark binary once with `--bench ARGS` (criterion writing under
/// `out`, not the user's target directory), keeps its output as
/// `out/run-K.txt`, and reads its results.
fn bench_run(
    bin: &Path,
    w: &BenchWorkload,
    project: &Project,
    (out, k): (&Path, usize),
    env: &[(&str, String)],
    what: &str,
) -> Result<(f64, Results), Error> {
    let mut args = vec!["--bench".to_string()];
    args.extend(w.args.iter().cloned());
    let mut env = env.to_vec();
    env.push(("CARGO_TARGET_DIR", out.display().to_string()));
    // cargo bench runs a benchmark in its package's directory
    let dir = project
        .members
        .iter()
        .find(|p| p.targets.iter().any(|t| t.name == w.name))
        .map_or(project.workspace_root.clone(), |p| p.root().to_path_buf());
    let started = std::time::SystemTime::now();
    let (wall, stdout) = fastware_runner::timed_run(bin, &args, &dir, &env, true)?
        .map_err(|e| PgoError::StepFailed { what: what.to_string(), why: format!("benchmark `{}` {e}", w.name) })?;
    std::fs::create_dir_all(out)
        .and_then(|()| std::fs::write(out.join(format!("run-{k}.txt")), &stdout))
        .map_err(|e| PgoError::Io { what: "write in".into(), path: out.to_path_buf(), why: e.to_string() })?;
    let results = fastware_bench::input::of_run(&stdout, &out.join("criterion"), started, None)?;
    Ok((wall, results))
}

/// The whole flow.
pub fn run(project: &Project, req: &Request, note: &dyn Fn(&str)) -> Result<PgoReport, Error> {
    if req.train.is_empty() && req.bench.is_none() {
        return Err(PgoError::NoWorkload.into());
    }
    for (kind, name) in req.bench.iter().map(|b| ("bench", &b.name)).chain(req.bin.iter().map(|b| ("bin", b))) {
        check_target(project, kind, name)?;
    }
    let root = project.fastware_dir().join("pgo");
    let raw_dir = root.join("profiles");
    // a profile half-written by an interrupted run is never used later
    let _ = std::fs::remove_dir_all(&raw_dir);
    // so are the outputs of an earlier run's benchmark runs
    let _ = std::fs::remove_dir_all(root.join("bench-runs"));
    std::fs::create_dir_all(&raw_dir).map_err(|e| PgoError::Io {
        what: "create".into(),
        path: raw_dir.clone(),
        why: e.to_string(),
    })?;
    let started = Instant::now();
    let mut steps = Vec::new();

    let inst = build(
        project,
        req,
        &root.join("instrumented"),
        Some(format!("-Cprofile-generate={}", raw_dir.display())),
        "instrumented build",
        note,
    )?;
    steps.push(Step {
        name: "instrumented build".into(),
        wall_us: Duration::from_secs(inst.timed.wall_s),
        detail: inst.shown(),
    });

    let profile_env = [("LLVM_PROFILE_FILE", raw_dir.join("%p-%m.profraw").display().to_string())];
    for w in &req.train {
        note(&format!("training run: {w}"));
        let exe = inst.executable.as_deref().expect("an executable for commands");
        let t = fastware_runner::timed_workload(w, exe, &project.workspace_root, &profile_env)?
            .map_err(|e| PgoError::StepFailed { what: "training run".into(), why: e.to_string() })?;
        steps.push(Step { name: "training run".into(), wall_us: Duration::from_secs(t), detail: w.clone() });
    }
    if let (Some(w), Some(bin)) = (&req.bench, &inst.bench) {
        note(&format!("training run: {}", bench_label(w)));
        let out = root.join("bench-runs").join("instrumented");
        let (t, _) = bench_run(bin, w, project, (&out, 1), &profile_env, "training run")?;
        steps.push(Step { name: "training run".into(), wall_us: Duration::from_secs(t), detail: bench_label(w) });
    }
    let raw: Vec<PathBuf> = std::fs::read_dir(&raw_dir)
        .map_err(|e| PgoError::Io { what: "read".into(), path: raw_dir.clone(), why: e.to_string() })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "profraw"))
        .collect();
    if raw.is_empty() {
        return Err(PgoError::NoRawProfile.into());
    }
    let merged = root.join("merged.profdata");
    note(&format!("merging {} raw profile(s) with llvm-profdata", raw.len()));
    let t0 = Instant::now();
    let tool = crate::profdata::merge(&raw, &merged)?;
    steps.push(Step {
        name: "merge".into(),
        wall_us: Duration::from_std(t0.elapsed()),
        detail: tool.display().to_string(),
    });
    let coverage = crate::profdata::coverage(&tool, &merged);
    // an llvm-profdata that "succeeds" but writes nothing usable would give
    // an optimised build with no PGO in it, compared as if it had
    if coverage.is_none_or(|(_, counted)| counted == 0) {
        return Err(PgoError::EmptyProfile { tool, merged }.into());
    }

    let flags = format!("-Cprofile-use={} -Cllvm-args=-pgo-warn-missing-function", merged.display());
    let opt = build(project, req, &root.join("optimized"), Some(flags), "optimised build", note)?;
    steps.push(Step {
        name: "optimised build".into(),
        wall_us: Duration::from_secs(opt.timed.wall_s),
        detail: opt.shown(),
    });
    // rustc read the profile, or PGO did not happen ("invalid instrumentation
    // profile data (bad magic)", "could not read profile"): no comparison
    let unread =
        ["invalid instrumentation profile", "bad magic", "could not read profile", "unsupported instrumentation"];
    if let Some(w) = opt.timed.warnings.iter().find(|w| unread.iter().any(|u| w.to_lowercase().contains(u))) {
        let warning = w.lines().next().unwrap_or(w).trim().to_string();
        return Err(PgoError::ProfileUnused { warning }.into());
    }
    let missing: Vec<String> = opt.timed.warnings.iter().filter(|w| w.contains("no profile data")).cloned().collect();
    let profile_use = opt
        .timed
        .invocations
        .iter()
        .any(|i| i.args.iter().any(|a| a.starts_with("profile-use=") || a.starts_with("-Cprofile-use=")));

    let base = build(project, req, &root.join("baseline"), None, "baseline release build", note)?;
    steps.push(Step {
        name: "baseline build".into(),
        wall_us: Duration::from_secs(base.timed.wall_s),
        detail: base.shown(),
    });

    let workload = req.compare.clone().or_else(|| req.train.first().cloned());
    let comparison = match (&workload, &base.executable, &opt.executable) {
        (Some(workload), Some(base_bin), Some(opt_bin)) => {
            note(&format!("comparing on `{workload}`: {} runs each, interleaved", req.runs));
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for _ in 0..req.runs.max(1) {
                for (bin, side) in [(base_bin, &mut a), (opt_bin, &mut b)] {
                    let t = fastware_runner::timed_workload(workload, bin, &project.workspace_root, &[])?
                        .map_err(|e| PgoError::StepFailed { what: "comparison run".into(), why: e.to_string() })?;
                    side.push(Duration::from_secs(t));
                }
            }
            Some(Comparison::new(a, b))
        }
        _ => None,
    };
    let benchmarks = match (&req.bench, &base.bench, &opt.bench, &req.compare) {
        (Some(w), Some(base_bin), Some(opt_bin), None) => {
            note(&format!("comparing on benchmark {}: {} runs each, interleaved", w.name, req.runs));
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for k in 1..=req.runs.max(1) {
                for (bin, side, label) in [(base_bin, &mut a, "baseline"), (opt_bin, &mut b, "optimized")] {
                    let out = root.join("bench-runs").join(label);
                    side.push(bench_run(bin, w, project, (&out, k), &[], "comparison run")?.1);
                }
            }
            let (Some(a), Some(b)) = (Results::of_runs(a), Results::of_runs(b)) else {
                return Err(PgoError::NoComparisonRuns.into());
            };
            let o = Options::default();
            let c = fastware_bench::compare(&a, &b, &o)?;
            Some(ComparisonReport::new(&c, &a, &b, &o, 0))
        }
        _ => None,
    };
    // the program compared: the executable, else the benchmark's binary
    let (base_main, opt_main) = (base.executable.or(base.bench), opt.executable.or(opt.bench));
    let size = |p: &Option<PathBuf>| p.as_ref().and_then(|p| std::fs::metadata(p).ok()).map_or(0, |m| m.len());
    let shown = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let mut training = req.train.clone();
    training.extend(req.bench.iter().map(bench_label));
    Ok(PgoReport {
        schema: crate::report::SCHEMA.into(),
        project: project.workspace_root.display().to_string(),
        workload: workload.or_else(|| req.bench.as_ref().map(bench_label)).unwrap_or_default(),
        training,
        steps,
        raw_profiles: raw.len(),
        merged: merged.display().to_string(),
        profdata_tool: tool.display().to_string(),
        functions_in_profile: coverage.map(|c| c.0),
        functions_with_counts: coverage.map(|c| c.1),
        missing_profile_warnings: missing.len(),
        profile_use_seen: profile_use,
        comparison,
        benchmarks,
        baseline_binary: shown(&base_main),
        optimized_binary: shown(&opt_main),
        baseline_size: size(&base_main),
        optimized_size: size(&opt_main),
        total_us: Duration::from_std(started.elapsed()),
    })
}

/// An error unless a workspace member has a `kind` target called `name`.
fn check_target(project: &Project, kind: &str, name: &str) -> Result<(), Error> {
    let targets = || project.members.iter().flat_map(|p| &p.targets).filter(|t| t.kinds.iter().any(|k| k == kind));
    if targets().any(|t| t.name == name) {
        return Ok(());
    }
    let known: Vec<&str> = targets().map(|t| t.name.as_str()).collect();
    let known = known.into_iter().map(String::from).collect();
    Err(PgoError::NoSuchTarget { kind: kind.to_string(), name: name.to_string(), known }.into())
}

/// How a benchmark workload is shown: `benchmark NAME --bench ARGS`.
fn bench_label(w: &BenchWorkload) -> String {
    let mut s = format!("benchmark {} --bench", w.name);
    for a in &w.args {
        s.push(' ');
        s.push_str(a);
    }
    s
}
