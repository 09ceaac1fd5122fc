//! Running a plan: every cell's reps interleaved (A B C A B C), each
//! measurement appended to the results as it finishes (so `--resume` goes on
//! after Ctrl-C), with the time to go; or one cell's reps alone, for a CI job.

use crate::MatrixError;
use std::path::Path;
use std::time::Instant;

use fastware_cargo::project::Project;
use fastware_cargo::run::Selection;
use fastware_report::Error;

use crate::measure::{self, CellRun};
use crate::plan::{Plan, Scope};
use crate::store;

/// Runs the measurements of `plan` not in `kept`, appending each to
/// `results`; `starting(k, cell)` is told before each (k measured so far).
/// Returns all measurements and whether an interrupt stopped it.
pub fn all(
    project: &Project,
    plan: &Plan,
    selection: &Selection,
    kept: Vec<CellRun>,
    results: &Path,
    note: &dyn Fn(&str),
    starting: &dyn Fn(usize, &str),
) -> Result<(Vec<CellRun>, bool), Error> {
    let mut runs = kept;
    let planned = plan.cells.len() * plan.reps;
    note(&format!(
        "plan {}: {} cells × {} reps = {planned} measurements ({}{}{}), results in {}",
        plan.id,
        plan.cells.len(),
        plan.reps,
        if plan.scope == Scope::All { "cold builds" } else { "builds of the workspace members" },
        if plan.hot.is_some() { ", hot rebuilds" } else { "" },
        if plan.run.is_some() { ", --run timed" } else { "" },
        results.display()
    ));
    for c in &plan.cells {
        note(&format!("  cell {}: {}", c.id, c.name));
    }
    let started = Instant::now();
    let mut done_now = 0usize;
    for rep in 0..plan.reps {
        for cell in &plan.cells {
            if runs.iter().any(|r| r.cell == cell.id && r.rep == rep) {
                continue;
            }
            starting(done_now, &cell.name);
            let Some(r) = measure::measure(project, plan, cell, rep, selection)? else { return Ok((runs, true)) };
            store::append(results, &r)?;
            done_now += 1;
            let left = planned - runs.len() - 1;
            let per = started.elapsed().as_secs_f64() / done_now as f64;
            let eta = if left > 0 { format!(", about {:.0} s to go", per * left as f64) } else { String::new() };
            let what = match (&r.error, r.build_us) {
                (Some(e), _) => format!("failed: {e}"),
                (None, Some(b)) => format!(
                    "{}{}",
                    crate::report::time(b),
                    r.size.map(|s| format!(", {}", fastware_report::units::bytes(s))).unwrap_or_default()
                ),
                _ => "-".into(),
            };
            note(&format!("[{}/{planned}] {}: {what}{eta}", runs.len() + 1, cell.name));
            runs.push(r);
        }
    }
    Ok((runs, false))
}

/// Runs every rep of cell `k` alone, rewriting `out` (JSON lines) after each.
pub fn one(
    project: &Project,
    plan: &Plan,
    selection: &Selection,
    k: usize,
    out: &Path,
    note: &dyn Fn(&str),
) -> Result<Vec<CellRun>, Error> {
    let cell = plan
        .cells
        .get(k)
        .ok_or_else(|| Error::from(MatrixError::NoSuchCell { cell: k, last: plan.cells.len() - 1 }))?;
    let mut runs = Vec::new();
    for rep in 0..plan.reps {
        note(&format!("cell {k} ({}), rep {}", cell.name, rep + 1));
        match measure::measure(project, plan, cell, rep, selection)? {
            Some(r) => {
                runs.push(r);
                store::write_all(out, &runs)?;
            }
            None => return Err(Error::interrupted("interrupted: the measurements that finished are in the file")),
        }
    }
    note(&format!("wrote {}", out.display()));
    Ok(runs)
}
