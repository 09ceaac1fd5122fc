//! `fastware report`: one self-contained HTML page of kept runs — each
//! run's own view (a build's timeline, critical path and findings; the
//! others' reports), and the trends across them.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use fastware_build::BuildReport;
use fastware_history::page::{self, RunSection};
use fastware_history::{Filter, Run};
use fastware_report::{Format, Kind, OutputFile};
use serde::Serialize;

use crate::{history, kinds, Ctx, Done, Error};

const EXAMPLES: &str = "\
Examples:
  fastware report -o report.html                  the last 10 runs kept for this project
  fastware report --last 30 -o report.html
  fastware report before after 41 -o report.html  these runs (ids, names, last~N)
  fastware --store postgres://ci@db/runs report --last 50 -o team.html

The page has no scripts and fetches nothing: open it anywhere, attach it to a CI job.";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct ReportCmd {
    /// The runs: ids, names, last, last~N [default: the last --last]
    #[arg(value_name = "RUN")]
    pub runs: Vec<String>,
    /// How many of the newest runs, when none are named
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    last: u64,
    /// The page to write (- for stdout)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
    /// Overwrite a file fastware did not write
    #[arg(long)]
    force: bool,
}

/// A run's section: its kind's picture, or its report as text.
fn section(run: &Run) -> Result<String, Error> {
    match kinds::of(run) {
        Some(k) => k.section(run),
        None => Ok(fastware_report::html::preformatted(&run.result_pretty())),
    }
}

/// A run of a kind drawn compared (bench results: a forest plot of the
/// changes) gets, under its section, its comparison with the run of the
/// same kind and project before it on the page, where they compare.
fn compared_with_the_run_before(ctx: &Ctx, runs: &[Run], sections: &mut [RunSection<'_>]) -> Result<(), Error> {
    for (i, run) in runs.iter().enumerate() {
        let Some(k) = kinds::of(run).filter(|k| k.compared_on_page()) else { continue };
        let same = |r: &&Run| r.info.kind == run.info.kind && r.info.project == run.info.project;
        let Some(before) = runs[..i].iter().rev().find(same) else { continue };
        let compared = match k.diff(ctx, before, run, history::open_read(ctx)?, Some(0)) {
            Ok(c) => c,
            // two runs that do not compare (a perf profile and a callgrind
            // one): each is drawn alone
            Err(e) if e.is_bad_input() => continue,
            Err(e) => return Err(e),
        };
        if let Some(html) = compared.html() {
            sections[i].html.push_str(&format!(
                "<h3 class=\"compared\" data-base=\"{}\">Compared with run {}</h3>{html}",
                before.info.id, before.info.id
            ));
        }
    }
    Ok(())
}

/// What `report` wrote.
#[derive(Debug, Serialize)]
pub struct Written {
    pub schema: String,
    pub output: String,
    pub runs: usize,
    pub bytes: u64,
}

impl fastware_report::Render for Written {
    fn text(&self, out: &mut fastware_report::Text<'_>) -> std::io::Result<()> {
        out.line(format_args!("wrote {} ({} run(s), {} bytes)", self.output, self.runs, self.bytes))
    }
}

pub fn run(ctx: &Ctx, cmd: &ReportCmd) -> Result<Done<Written>, Error> {
    // the page's path is checked before the store is read (not opened: a
    // FIFO's reader would see its end), and may never be the store itself
    history::protect_store(ctx)?;
    OutputFile::check(&cmd.output, &[], cmd.force)?;
    let mut store = history::open_read(ctx)?;
    let mut runs = if cmd.runs.is_empty() {
        let infos = store.list(&Filter { limit: cmd.last as usize, ..Filter::default() })?;
        infos.iter().map(|i| store.get(i.id)).collect::<Result<Vec<_>, _>>()?
    } else {
        let mut seen = Vec::new();
        let mut runs = Vec::new();
        for w in &cmd.runs {
            let r = store.find(w, None)?;
            if !seen.contains(&r.info.id) {
                seen.push(r.info.id);
                runs.push(r);
            }
        }
        runs
    };
    if runs.is_empty() {
        return Err(crate::error::not_found(format!("no runs kept in {}", store.location()))
            .with_hint("measuring commands (build, bench cargo, pgo, matrix, llvm-lines) keep their runs"));
    }
    runs.sort_by_key(|r| (r.info.recorded_ms, r.info.id));
    let mut sections =
        runs.iter().map(|r| Ok(RunSection { run: r, html: section(r)? })).collect::<Result<Vec<_>, Error>>()?;
    compared_with_the_run_before(ctx, &runs, &mut sections)?;
    let builds: Vec<Run> = runs.iter().filter(|r| r.info.kind == BuildReport::SCHEMA).cloned().collect();
    let mut trends = Vec::new();
    if builds.len() >= 2 {
        trends.push(crate::runs::trend_of(&builds, "build.wall")?);
    }
    let html = page::report(store.location(), &sections, &trends);
    let mut f = OutputFile::create(&cmd.output, &[], cmd.force)?;
    f.write_all(html.as_bytes())
        .map_err(|e| fastware_report::output::write_error(&cmd.output.display().to_string(), &e))?;
    let bytes = f.commit()?;
    let written = Written {
        schema: "fastware/report/1".into(),
        output: cmd.output.display().to_string(),
        runs: runs.len(),
        bytes,
    };
    Ok(Done::wrote(written, Format::Table, &cmd.output))
}
