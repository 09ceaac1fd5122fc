//! The steps of `fastware pgo`, each said as it runs: builds in
//! `<target-dir>/fastware/pgo/{instrumented,optimized,baseline}`, the
//! workload with the instrumented binary, the merge, and the comparison.

use std::path::{Path, PathBuf};
use std::time::Instant;

use fastware_cargo::experiment::{self, CellSpec, Timed};
use fastware_cargo::project::Project;
use fastware_cargo::run::Selection;
use fastware_report::Error;

use crate::report::{Comparison, PgoReport, Step};

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Request {
    /// Training workloads: commands whose program is replaced by the build's.
    pub train: Vec<String>,
    /// The comparison workload (default: the first training one).
    pub compare: Option<String>,
    /// Interleaved runs per side in the comparison.
    pub runs: usize,
    pub selection: Selection,
}

fn build(
    project: &Project,
    req: &Request,
    dir: &Path,
    rustflags: Option<String>,
    what: &str,
    note: &dyn Fn(&str),
) -> Result<(Timed, PathBuf), Error> {
    note(&format!("{what}: cargo build --release in {}", dir.display()));
    let spec =
        CellSpec { target_dir: dir.to_path_buf(), selection: req.selection.clone(), rustflags, ..CellSpec::default() };
    let t = experiment::timed_build(project, &spec)?;
    if t.interrupted {
        return Err(Error::interrupted(format!("interrupted during the {what}")));
    }
    if !t.success {
        let first: Vec<&str> = t.errors.iter().map(String::as_str).filter(|l| l.contains("error")).take(2).collect();
        return Err(Error::failed(format!("the {what} failed: {}", first.join(" / "))));
    }
    let artifact = experiment::main_artifact(project, &t)
        .ok_or_else(|| Error::bad_input("the build made no executable to run (pgo needs a binary: --bin NAME)"))?;
    Ok((t, artifact))
}

/// The whole flow.
pub fn run(project: &Project, req: &Request, note: &dyn Fn(&str)) -> Result<PgoReport, Error> {
    if req.train.is_empty() {
        return Err(Error::bad_input("no workload: give --run 'COMMAND' (the program is replaced by each build's)")
            .with_hint("e.g. fastware pgo --run 'target/release/app --bench-mode'"));
    }
    let root = project.fastware_dir().join("pgo");
    let raw_dir = root.join("profiles");
    // a profile half-written by an interrupted run is never used later
    let _ = std::fs::remove_dir_all(&raw_dir);
    std::fs::create_dir_all(&raw_dir)
        .map_err(|e| Error::failed(format!("cannot create {}: {e}", raw_dir.display())))?;
    let started = Instant::now();
    let mut steps = Vec::new();

    let (inst, inst_bin) = build(
        project,
        req,
        &root.join("instrumented"),
        Some(format!("-Cprofile-generate={}", raw_dir.display())),
        "instrumented build",
        note,
    )?;
    steps.push(Step {
        name: "instrumented build".into(),
        seconds: inst.wall_s,
        detail: inst_bin.display().to_string(),
    });

    let pattern = raw_dir.join("%p-%m.profraw").display().to_string();
    for w in &req.train {
        note(&format!("training run: {w}"));
        let t = fastware_runner::timed_workload(
            w,
            &inst_bin,
            &project.workspace_root,
            &[("LLVM_PROFILE_FILE", pattern.clone())],
        )?
        .map_err(|e| Error::failed(format!("the training run failed: {e}")))?;
        steps.push(Step { name: "training run".into(), seconds: t, detail: w.clone() });
    }
    let raw: Vec<PathBuf> = std::fs::read_dir(&raw_dir)
        .map_err(|e| Error::failed(format!("cannot read {}: {e}", raw_dir.display())))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "profraw"))
        .collect();
    if raw.is_empty() {
        return Err(Error::failed("the instrumented program wrote no raw profile").with_hint(
            "does the workload run the program this build made? its program must be named like the build's binary",
        ));
    }
    let merged = root.join("merged.profdata");
    note(&format!("merging {} raw profile(s) with llvm-profdata", raw.len()));
    let t0 = Instant::now();
    let tool = crate::profdata::merge(&raw, &merged)?;
    steps.push(Step { name: "merge".into(), seconds: t0.elapsed().as_secs_f64(), detail: tool.display().to_string() });
    let coverage = crate::profdata::coverage(&tool, &merged);

    let flags = format!("-Cprofile-use={} -Cllvm-args=-pgo-warn-missing-function", merged.display());
    let (opt, opt_bin) = build(project, req, &root.join("optimized"), Some(flags), "optimised build", note)?;
    steps.push(Step { name: "optimised build".into(), seconds: opt.wall_s, detail: opt_bin.display().to_string() });
    let missing: Vec<String> = opt.warnings.iter().filter(|w| w.contains("no profile data")).cloned().collect();
    let profile_use = opt
        .invocations
        .iter()
        .any(|i| i.args.iter().any(|a| a.starts_with("profile-use=") || a.starts_with("-Cprofile-use=")));

    let (base, base_bin) = build(project, req, &root.join("baseline"), None, "baseline release build", note)?;
    steps.push(Step { name: "baseline build".into(), seconds: base.wall_s, detail: base_bin.display().to_string() });

    let workload = req.compare.clone().unwrap_or_else(|| req.train[0].clone());
    note(&format!("comparing on `{workload}`: {} runs each, interleaved", req.runs));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..req.runs.max(1) {
        for (bin, side) in [(&base_bin, &mut a), (&opt_bin, &mut b)] {
            let t = fastware_runner::timed_workload(&workload, bin, &project.workspace_root, &[])?
                .map_err(|e| Error::failed(format!("the comparison run failed: {e}")))?;
            side.push(t);
        }
    }
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    Ok(PgoReport {
        schema: "fastware/pgo/1".into(),
        project: project.workspace_root.display().to_string(),
        workload: workload.clone(),
        training: req.train.clone(),
        steps,
        raw_profiles: raw.len(),
        merged: merged.display().to_string(),
        profdata_tool: tool.display().to_string(),
        functions_in_profile: coverage.map(|c| c.0),
        functions_with_counts: coverage.map(|c| c.1),
        missing_profile_warnings: missing.len(),
        profile_use_seen: profile_use,
        comparison: Comparison::new(a, b),
        baseline_binary: base_bin.display().to_string(),
        optimized_binary: opt_bin.display().to_string(),
        baseline_size: size(&base_bin),
        optimized_size: size(&opt_bin),
        total_seconds: started.elapsed().as_secs_f64(),
    })
}
