//! `fastware matrix --from-findings [BUILD.json]`: the experiments that test
//! `fastware build`'s findings (each finding names its own `fastware
//! matrix` arguments), each run and printed next to the finding's figure.

use std::io::Write;

use clap::{Args, FromArgMatches};
use fastware_build::report::{BuildReport, FindingReport};
use fastware_matrix::axis;
use fastware_matrix::findings::{FindingsReport, Tested};

use super::matrix::MatrixCmd;
use super::matrix_run::{execute, Executed};
use crate::{CmdResult, Error};

pub fn run(cmd: &MatrixCmd, out: &mut dyn Write) -> CmdResult {
    let build = match cmd.from_findings.as_deref() {
        Some(path) if !path.is_empty() => {
            let text = fastware_report::input::read_to_string(std::path::Path::new(path))?;
            fastware_report::json::read::<BuildReport>(&text, "fastware/build/1", path)?
        }
        _ => new_build(cmd)?,
    };
    let manifest = match &cmd.selection.manifest_path {
        Some(m) => m.clone(),
        None => build.project.join("Cargo.toml"),
    };
    let mut tested = Vec::new();
    for f in build.findings.iter().filter(|f| !f.experiment.is_empty()) {
        tested.push(test(cmd, f, &manifest)?);
    }
    let report = FindingsReport {
        schema: "fastware/matrix-findings/1".into(),
        project: build.project.display().to_string(),
        findings: tested,
    };
    fastware_report::emit(&report, cmd.output.format, out)
}

/// `fastware build --deep` of the project, its findings as JSON.
fn new_build(cmd: &MatrixCmd) -> Result<BuildReport, Error> {
    crate::note("no BUILD.json given: running `fastware build --deep` for the findings");
    let mut args: Vec<String> = vec!["build".into(), "--deep".into(), "--format".into(), "json".into()];
    if let Some(m) = &cmd.selection.manifest_path {
        args.extend(["--manifest-path".into(), m.display().to_string()]);
    }
    let matches = super::build::BuildCmd::augment_args(clap::Command::new("build"))
        .try_get_matches_from(&args)
        .map_err(|e| Error::failed(format!("cannot start the build: {e}")))?;
    let b = super::build::BuildCmd::from_arg_matches(&matches).map_err(|e| Error::failed(e.to_string()))?;
    let mut json = Vec::new();
    super::build::run(b, &mut json)?;
    let text = String::from_utf8_lossy(&json);
    fastware_report::json::read(&text, "fastware/build/1", "the build's result")
}

/// Runs the finding's experiment.
fn test(cmd: &MatrixCmd, f: &FindingReport, manifest: &std::path::Path) -> Result<Tested, Error> {
    let mut args = f.experiment.clone();
    let mut skipped = None;
    // only the linkers that are installed
    if let Some(i) = args.iter().position(|a| a == "--linker") {
        let have: Vec<&str> = args[i + 1].split(',').filter(|l| axis::parse_linker(l).is_ok()).collect();
        if have.len() < 2 {
            skipped = Some("no other linker is installed (apt-get install lld mold)".to_string());
        }
        args[i + 1] = have.join(",");
    }
    if let Some(i) = args.iter().position(|a| a == "--hot") {
        if args[i + 1].is_empty() {
            skipped =
                Some("the build had no hot rebuild to repeat (run `fastware build --hot` for the findings)".into());
        }
    }
    let cited = f.evidence.iter().find(|e| e.measure == "microseconds").map(|e| (e.what.clone(), e.value / 1e6));
    let mut t = Tested {
        rule: f.rule.clone(),
        subject: f.subject.clone(),
        title: f.title.clone(),
        cited,
        command: f.experiment_command().unwrap_or_default(),
        skipped: skipped.clone(),
        measure: None,
        baseline: None,
        best_cell: None,
        best: None,
        saving: None,
        verdict: String::new(),
        matrix: None,
    };
    if skipped.is_some() {
        return Ok(t);
    }
    let mut full: Vec<String> = vec!["matrix".into()];
    full.extend(args);
    full.extend(["--reps".into(), cmd.reps.to_string(), "--manifest-path".into(), manifest.display().to_string()]);
    crate::note(&format!("testing [{}]: {}", f.rule, t.command));
    let matches = MatrixCmd::augment_args(clap::Command::new("matrix"))
        .try_get_matches_from(&full)
        .map_err(|e| Error::failed(format!("the finding's experiment does not parse: {e}")))?;
    let m = MatrixCmd::from_arg_matches(&matches).map_err(|e| Error::failed(e.to_string()))?;
    if let Executed::Report(r, _) = execute(&m)? {
        t = t.measured(*r);
    }
    Ok(t)
}
