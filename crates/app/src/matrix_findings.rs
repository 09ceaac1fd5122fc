//! `fastware matrix --from-findings [BUILD.json]`: the experiments that test
//! `fastware build`'s findings (each finding carries its experiment as a
//! typed value), each run as a matrix and printed next to the finding's
//! figure.

use fastware_build::report::{BuildReport, FindingReport};
use fastware_matrix::axis;
use fastware_matrix::findings::{FindingsReport, Tested};
use fastware_report::Kind;

use crate::build::BuildCmd;
use crate::matrix::MatrixCmd;
use crate::matrix_run::{execute, Executed};
use crate::{Ctx, Error};

pub fn run(ctx: &Ctx, cmd: &MatrixCmd) -> Result<FindingsReport, Error> {
    let build = match cmd.from_findings.as_deref() {
        Some(path) if !path.is_empty() => {
            let text = fastware_report::input::read_to_string(&ctx.path(std::path::Path::new(path)))?;
            fastware_report::json::read::<BuildReport>(&text, BuildReport::SCHEMA, path)?
        }
        _ => {
            ctx.note("no BUILD.json given: running `fastware build --deep` for the findings");
            let args = BuildCmd {
                deep: Some(String::new()),
                selection: crate::args::SelectionArgs {
                    manifest_path: cmd.selection.manifest_path.clone(),
                    ..Default::default()
                },
                ..BuildCmd::default()
            };
            crate::build::run(ctx, &args)?.result
        }
    };
    let mut tested = Vec::new();
    for f in build.findings.iter() {
        if let Some(e) = &f.experiment {
            tested.push(test(ctx, cmd, &build, f, e)?);
        }
    }
    Ok(FindingsReport::new(&build.project.display().to_string(), tested))
}

/// Runs the finding's experiment, with the command's reps on the build's project.
fn test(
    ctx: &Ctx,
    cmd: &MatrixCmd,
    build: &BuildReport,
    f: &FindingReport,
    e: &fastware_cargo::experiment::Experiment,
) -> Result<Tested, Error> {
    let cited = f.evidence.iter().find(|e| e.measure == "microseconds").map(|e| (e.what.clone(), e.value));
    let mut t = Tested::new(f.rule.clone(), f.subject.clone(), f.title.clone(), cited, f.experiment_command());
    let axes = match axis::of_experiment(e)? {
        Ok(axes) => axes,
        Err(why) => {
            t.skipped = Some(why);
            return Ok(t);
        }
    };
    ctx.note(&format!("testing [{}]: {}", f.rule, t.command));
    let m = MatrixCmd {
        reps: cmd.reps,
        selection: crate::args::SelectionArgs {
            manifest_path: Some(
                cmd.selection.manifest_path.clone().unwrap_or_else(|| build.project.join("Cargo.toml")),
            ),
            ..Default::default()
        },
        ..MatrixCmd::default()
    };
    if let Executed::Report(r, _) = execute(ctx, &m, axes, e.hot_file.clone())? {
        t = t.measured(*r);
    }
    Ok(t)
}
