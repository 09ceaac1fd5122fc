//! Running what `fastware matrix` describes: the plan made from the axes
//! (or read), written for CI, run whole (resumable) or one cell, and the
//! report of its results.

use std::path::PathBuf;

use fastware_matrix::axis::{self, Axis};
use fastware_matrix::measure::CellRun;
use fastware_matrix::plan::{self, Plan};
use fastware_matrix::report::{MatrixReport, Measure};
use fastware_matrix::store;

use crate::matrix::MatrixCmd;
use crate::{Ctx, Error};

/// What a matrix run gave: nothing to show (a plan written), or the report
/// and the failure to report after it.
pub enum Executed {
    Done,
    Report(Box<MatrixReport>, Option<Error>),
}

/// The axes the command line gives (`--set`, `--rustflags`, `--linker`, `--toolchain`).
pub fn axes_of(cmd: &MatrixCmd) -> Result<Vec<Axis>, Error> {
    let mut axes = Vec::new();
    for s in &cmd.sets {
        axes.push(axis::parse_set(s)?);
    }
    for r in &cmd.rustflags {
        axes.push(axis::parse_rustflags(r)?);
    }
    if let Some(l) = &cmd.linker {
        axes.push(axis::parse_linker(l)?);
    }
    if let Some(t) = &cmd.toolchain {
        axes.push(axis::parse_toolchain(t)?);
    }
    axis::check_distinct(&axes)?;
    Ok(axes)
}

/// Runs the matrix of `axes` (the command's, or a finding's experiment),
/// with the hot rebuild after `hot` is marked changed, and the command's
/// other settings.
pub fn execute(ctx: &Ctx, cmd: &MatrixCmd, axes: Vec<Axis>, hot: Option<PathBuf>) -> Result<Executed, Error> {
    let project = cmd.selection.project(ctx)?;
    let has_axes = !axes.is_empty();
    let plan = match (&cmd.plan, has_axes) {
        (Some(p), false) => Plan::read(p)?,
        (_, true) => make_plan(ctx, cmd, &project, axes, hot)?,
        (None, false) => {
            return Err(crate::error::argument("no axis: give --set KEY=V1,V2, --rustflags, --linker or --toolchain")
                .with_hint("e.g. fastware matrix --set profile.release.lto=off,thin,fat"))
        }
    };
    if plan.project != project.workspace_root.display().to_string() {
        return Err(crate::error::mismatch(format!("the plan is for the project at {}, not this one", plan.project)));
    }
    if let (Some(p), true) = (&cmd.plan, has_axes) {
        store::write_plan(p, &plan)?;
        ctx.note(&format!("wrote the plan ({} cells × {} reps) to {}", plan.cells.len(), plan.reps, p.display()));
        for c in &plan.cells {
            ctx.note(&format!("  cell {}: {}", c.id, c.name));
        }
        return Ok(Executed::Done);
    }
    let selection = cmd.selection.selection();
    let measure = cmd.sort.unwrap_or(default_measure(&plan));
    check_measure(measure, &plan)?;
    ctx.cancel.listen();
    let note = |m: &str| ctx.note(m);
    if let Some(k) = cmd.cell {
        let path = cmd.output_file.clone().unwrap_or_else(|| PathBuf::from(format!("cell-{k}.jsonl")));
        // checked before the cell's builds, not after them; the plan just
        // read is an input, which no output replaces
        fastware_report::OutputFile::check(&path, &[], false)?;
        let runs = fastware_matrix::run::one(&project, &plan, &selection, k, &path, &note)?;
        return Ok(Executed::Report(Box::new(MatrixReport::new(&plan, &runs, measure)), None));
    }
    let results = store::results_path(&project.fastware_dir(), &plan);
    let _lock = store::lock(&project.fastware_dir(), &plan)?;
    let mut kept: Vec<CellRun> = Vec::new();
    if cmd.resume {
        if results.is_file() {
            let read = store::read(&results)?.into_iter().map(|r| (results.clone(), r)).collect();
            let repeats;
            (kept, repeats) = store::checked(&plan, read)?;
            ctx.note(&format!("resuming: {} measurement(s) kept from before", kept.len()));
            if repeats > 0 {
                ctx.note(&format!("left out {repeats} repeated measurement(s) of the same cell and rep"));
            }
        } else {
            ctx.note("--resume: no earlier run of this plan; starting");
        }
    } else {
        let _ = std::fs::remove_file(&results);
    }
    std::fs::create_dir_all(store::dir(&project.fastware_dir(), &plan))
        .map_err(|e| crate::error::io(format!("cannot create the matrix directory: {e}")))?;
    let planned = plan.cells.len() * plan.reps;
    // on a terminal, a bar over the measurements still to make; the notes
    // of each finished one are printed above it
    let bar = ctx.progress((planned - kept.len()) as u64, "measuring");
    let note = |m: &str| ctx.note_above(bar.as_ref(), m);
    let starting = |done: usize, cell: &str| {
        if let Some(b) = &bar {
            b.set_position(done as u64);
            b.set_message(format!("measuring {cell}"));
        }
    };
    let measured = fastware_matrix::run::all(&project, &plan, &selection, kept, &results, &note, &starting);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let (runs, interrupted) = measured?;
    let report = MatrixReport::new(&plan, &runs, measure);
    if !interrupted {
        crate::history::record(ctx, &project.workspace_root, &project.target_dir, None, &report);
    }
    let failure = if interrupted {
        Some(Error::interrupted(format!(
            "interrupted: {} of {planned} measurements kept; run the same command with --resume to go on",
            runs.len()
        )))
    } else if report.cells.iter().any(|c| c.failed.is_some()) {
        Some(crate::error::run_failed("some cells failed (see the table); the others were measured"))
    } else {
        None
    };
    Ok(Executed::Report(Box::new(report), failure))
}

/// A measure the plan makes: `--sort run` needs `--run`, `--sort hot` `--hot`.
pub fn check_measure(measure: Measure, plan: &Plan) -> Result<(), Error> {
    match measure {
        Measure::Run if plan.run.is_none() => {
            Err(crate::error::argument("--sort run: the plan times no command").with_hint("add --run 'CMD ARGS'"))
        }
        Measure::Hot if plan.hot.is_none() => {
            Err(crate::error::argument("--sort hot: the plan times no hot rebuild").with_hint("add --hot FILE"))
        }
        _ => Ok(()),
    }
}

pub fn default_measure(plan: &Plan) -> Measure {
    if plan.run.is_some() {
        Measure::Run
    } else if plan.hot.is_some() {
        Measure::Hot
    } else {
        Measure::Build
    }
}

fn make_plan(
    ctx: &Ctx,
    cmd: &MatrixCmd,
    project: &fastware_cargo::project::Project,
    axes: Vec<Axis>,
    hot: Option<PathBuf>,
) -> Result<Plan, Error> {
    let cells = match &cmd.cells {
        Some(f) => plan::listed(&axes, &fastware_report::input::read_to_string(f)?)?,
        None => plan::cross(&axes),
    };
    let baseline = match &cmd.baseline {
        None => 0,
        Some(b) => match b.parse::<usize>() {
            Ok(i) if i < cells.len() => i,
            _ => cells.iter().position(|c| &c.name == b).ok_or_else(|| {
                crate::error::not_found(format!(
                    "--baseline {b}: no such cell (give its number, 0 to {})",
                    cells.len() - 1
                ))
            })?,
        },
    };
    if let Some(h) = &hot {
        if !ctx.path(h).is_file() && !project.workspace_root.join(h).is_file() {
            return Err(crate::error::not_found(format!("--hot {}: no such file", h.display())));
        }
    }
    let hot = hot.as_ref().map(|h| {
        let abs = ctx.path(h);
        abs.canonicalize().unwrap_or(abs).display().to_string()
    });
    Ok(Plan {
        schema: plan::SCHEMA.into(),
        generator: format!("fastware {}", env!("CARGO_PKG_VERSION")),
        id: String::new(),
        project: project.workspace_root.display().to_string(),
        profile: cmd.selection.profile.clone().unwrap_or_else(|| "release".into()),
        scope: cmd.scope,
        hot,
        run: cmd.run.clone(),
        runs: cmd.runs as usize,
        reps: cmd.reps as usize,
        axes,
        cells,
        baseline,
    }
    .sealed())
}
