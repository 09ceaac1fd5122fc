//! Where a matrix keeps its results: `<target-dir>/fastware/matrix/<plan
//! id>/results.jsonl`, one measurement per line, appended (and flushed) as
//! each finishes, so that Ctrl-C or a crash loses only the cell that was
//! running and `--resume` goes on from there; and result files of single
//! cells (`--cell K`), merged.

use std::io::Write;
use std::path::{Path, PathBuf};

use fastware_report::Error;

use crate::measure::CellRun;
use crate::plan::Plan;

pub fn dir(fastware_dir: &Path, plan: &Plan) -> PathBuf {
    fastware_dir.join("matrix").join(&plan.id)
}

pub fn results_path(fastware_dir: &Path, plan: &Plan) -> PathBuf {
    dir(fastware_dir, plan).join("results.jsonl")
}

/// Appends one measurement.
pub fn append(path: &Path, run: &CellRun) -> Result<(), Error> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|e| Error::failed(format!("cannot create {}: {e}", d.display())))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::failed(format!("cannot write {}: {e}", path.display())))?;
    let line = serde_json::to_string(run).map_err(|e| Error::failed(format!("cannot write a result: {e}")))?;
    writeln!(f, "{line}")
        .and_then(|()| f.sync_data())
        .map_err(|e| Error::failed(format!("cannot write {}: {e}", path.display())))
}

/// Writes measurements as JSON lines, whole or not at all (a `--cell` result file).
pub fn write_all(path: &Path, runs: &[CellRun]) -> Result<(), Error> {
    let mut f = fastware_report::OutputFile::create(path, &[], false)?;
    for r in runs {
        let line = serde_json::to_string(r).map_err(|e| Error::failed(format!("cannot write a result: {e}")))?;
        writeln!(f, "{line}").map_err(|e| fastware_report::output::write_error(&path.display().to_string(), &e))?;
    }
    f.commit()?;
    Ok(())
}

/// Writes the plan (compact JSON, so that its generator mark is found).
pub fn write_plan(path: &Path, plan: &Plan) -> Result<(), Error> {
    let mut f = fastware_report::OutputFile::create(path, &[], false)?;
    serde_json::to_writer(&mut f, plan).map_err(|e| Error::failed(format!("cannot write {}: {e}", path.display())))?;
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
        match serde_json::from_str::<CellRun>(l) {
            Ok(r) => out.push(r),
            Err(_) if i + 1 == lines.len() && !l.trim_end().ends_with('}') => {}
            Err(e) => {
                return Err(Error::input(&shown, None, format!("line {}: not a matrix result: {e}", i + 1))
                    .with_hint("give results.jsonl files or the files `fastware matrix --cell K` wrote"))
            }
        }
    }
    Ok(out)
}

/// The results of several files, all of `plan`: another plan's are refused.
pub fn merge(plan: &Plan, files: &[PathBuf]) -> Result<Vec<CellRun>, Error> {
    let mut all = Vec::new();
    for f in files {
        for r in read(f)? {
            if r.plan != plan.id {
                return Err(Error::input(
                    &f.display().to_string(),
                    None,
                    format!("a result of another plan ({}; this plan is {})", r.plan, plan.id),
                )
                .with_hint("merge the results of one plan"));
            }
            if r.cell >= plan.cells.len() {
                return Err(Error::input(
                    &f.display().to_string(),
                    None,
                    format!("cell {} is not in the plan", r.cell),
                ));
            }
            all.push(r);
        }
    }
    Ok(all)
}
