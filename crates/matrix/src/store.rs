//! Where a matrix keeps its results: `<target-dir>/fastware/matrix/<plan
//! id>/results.jsonl`, one measurement per line, appended (and flushed) as
//! each finishes, so that Ctrl-C or a crash loses only the cell that was
//! running and `--resume` goes on from there; and result files of single
//! cells (`--cell K`), merged.

use crate::MatrixError;
use std::io::Write;
use std::path::{Path, PathBuf};

use fastware_report::Error;

use crate::measure::CellRun;
use crate::plan::Plan;

/// A failure of the matrix's own files.
fn io(message: String) -> Error {
    MatrixError::Io(message).into()
}

pub fn dir(fastware_dir: &Path, plan: &Plan) -> PathBuf {
    fastware_dir.join("matrix").join(&plan.id)
}

pub fn results_path(fastware_dir: &Path, plan: &Plan) -> PathBuf {
    dir(fastware_dir, plan).join("results.jsonl")
}

/// Appends one measurement.
pub fn append(path: &Path, run: &CellRun) -> Result<(), Error> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|e| io(format!("cannot create {}: {e}", d.display())))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io(format!("cannot write {}: {e}", path.display())))?;
    let line = serde_json::to_string(run).map_err(|e| io(format!("cannot write a result: {e}")))?;
    writeln!(f, "{line}").and_then(|()| f.sync_data()).map_err(|e| io(format!("cannot write {}: {e}", path.display())))
}

/// Writes measurements as JSON lines, whole or not at all (a `--cell` result file).
pub fn write_all(path: &Path, runs: &[CellRun]) -> Result<(), Error> {
    let mut f = fastware_report::OutputFile::create(path, &[], false)?;
    for r in runs {
        let line = serde_json::to_string(r).map_err(|e| io(format!("cannot write a result: {e}")))?;
        writeln!(f, "{line}").map_err(|e| fastware_report::output::write_error(&path.display().to_string(), &e))?;
    }
    f.commit()?;
    Ok(())
}

/// Writes the plan (compact JSON, so that its generator mark is found).
pub fn write_plan(path: &Path, plan: &Plan) -> Result<(), Error> {
    let mut f = fastware_report::OutputFile::create(path, &[], false)?;
    serde_json::to_writer(&mut f, plan).map_err(|e| io(format!("cannot write {}: {e}", path.display())))?;
    writeln!(f).map_err(|e| fastware_report::output::write_error(&path.display().to_string(), &e))?;
    f.commit()?;
    Ok(())
}

/// Reads measurements: JSON lines (a run's results) or one measurement (a
/// `--cell` result file). A torn last line (the process was killed while
/// writing it) is skipped.
pub fn read(path: &Path) -> Result<Vec<CellRun>, Error> {
    let shown = path.display().to_string();
    let text = fastware_report::input::read_to_string(path)?;
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    for (i, l) in lines.iter().enumerate() {
        match crate::measure::from_line(l) {
            Ok(r) => out.push(r),
            Err(_) if i + 1 == lines.len() && !l.trim_end().ends_with('}') => {}
            Err(e) => return Err(Error::from(MatrixError::NotAResult { line: i + 1, why: e.to_string() }).at(&shown)),
        }
    }
    Ok(out)
}

/// Checks that `run` is a measurement of `plan` that could have been made
/// (its cell and rep in the plan, no negative or non-finite time).
fn check(plan: &Plan, run: &CellRun) -> Result<(), MatrixError> {
    if run.plan != plan.id {
        return Err(MatrixError::OtherPlan { found: run.plan.clone(), plan: plan.id.clone() });
    }
    if run.cell >= plan.cells.len() {
        return Err(MatrixError::CellNotInPlan { cell: run.cell, cells: plan.cells.len() });
    }
    if run.rep >= plan.reps {
        return Err(MatrixError::RepNotInPlan { cell: run.cell, rep: run.rep, reps: plan.reps });
    }
    let times = run.build_us.iter().chain(&run.hot_us).chain(&run.run_us);
    if let Some(t) = times.into_iter().find(|t| t.ns() < 0) {
        return Err(MatrixError::NegativeTime { cell: run.cell, rep: run.rep, micros: t.micros() });
    }
    Ok(())
}

/// The measurements of `plan` among `runs`, one per (cell, rep): a repeat
/// (a file merged twice, two runs of one plan at once) is left out and
/// counted. A measurement that is not of this plan is refused (`from`: the
/// file it came from).
pub fn checked(plan: &Plan, runs: Vec<(PathBuf, CellRun)>) -> Result<(Vec<CellRun>, usize), Error> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut repeats = 0;
    for (from, r) in runs {
        check(plan, &r).map_err(|e| Error::from(e).at(&from.display().to_string()))?;
        if seen.insert((r.cell, r.rep)) {
            out.push(r);
        } else {
            repeats += 1;
        }
    }
    Ok((out, repeats))
}

/// The results of several files, all of `plan`, one per (cell, rep) (and
/// how many repeats were left out). A file with no result is refused.
pub fn merge(plan: &Plan, files: &[PathBuf]) -> Result<(Vec<CellRun>, usize), Error> {
    let mut all = Vec::new();
    for f in files {
        let runs = read(f)?;
        if runs.is_empty() {
            return Err(Error::from(MatrixError::NoResults).at(&f.display().to_string()));
        }
        all.extend(runs.into_iter().map(|r| (f.clone(), r)));
    }
    checked(plan, all)
}

/// Holds the plan's results directory for one run at a time: a second
/// `matrix` (or `--resume`) of the same plan is refused while one runs,
/// instead of measuring the same cells twice. Released when dropped.
#[derive(Debug)]
pub struct Lock(#[allow(dead_code)] std::fs::File);

pub fn lock(fastware_dir: &Path, plan: &Plan) -> Result<Lock, Error> {
    let d = dir(fastware_dir, plan);
    std::fs::create_dir_all(&d).map_err(|e| io(format!("cannot create {}: {e}", d.display())))?;
    let path = d.join("lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io(format!("cannot open {}: {e}", path.display())))?;
    match f.try_lock() {
        Ok(()) => Ok(Lock(f)),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(MatrixError::Busy { plan: plan.id.clone(), lock: path.display().to_string() }.into())
        }
        Err(std::fs::TryLockError::Error(e)) => Err(io(format!("cannot lock {}: {e}", path.display()))),
    }
}
