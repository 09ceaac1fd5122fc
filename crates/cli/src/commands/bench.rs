//! `fastware bench`: did it get faster? `compare` two sets of benchmark
//! results with real statistics; `cargo` runs `cargo bench` and saves its
//! results, with what they were measured on.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use fastware_bench::compare::Basis;
use fastware_bench::input::Format as InputFormat;
use fastware_bench::{Comparison, Options, Results, Row, Test, Verdict};
use fastware_report::units::precise_duration;
use fastware_report::{cells, Column, Format, OutputFile, Table};
use regex::Regex;
use serde_json::{json, Value};

use super::cargo_program;
use crate::{CmdResult, Failure, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware bench cargo --save before           run `cargo bench`, keep the results as `before`
  (change the code)
  fastware bench cargo --save after
  fastware bench compare before after          what got faster or slower, with confidence
  fastware bench compare base new              criterion baselines (`-- --save-baseline base`)
  fastware bench compare old.txt new.txt       saved `cargo bench` output (libtest)
  fastware bench compare a.json b.json         hyperfine --export-json files";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct BenchCmd {
    #[command(subcommand)]
    command: BenchSub,
}

#[derive(Subcommand, Debug)]
enum BenchSub {
    /// Compare two sets of results: per benchmark the change, and whether it is real
    Compare(CompareArgs),
    /// Run `cargo bench`, show where the bench binaries are, and save the results
    Cargo(CargoArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum InputKind {
    Libtest,
    Criterion,
    Hyperfine,
    Fastware,
}

const COMPARE_EXAMPLES: &str = "\
BASE and NEW are each:
  a file                 libtest output of `cargo bench` (text, or JSON lines), a hyperfine
                         --export-json file, or a file fastware saved; told by its content
  DIR[@BASELINE]         a criterion directory (target/criterion, a target dir or a project),
                         baseline `new` unless given
  NAME                   results saved with `fastware bench cargo --save NAME`, else the
                         criterion baseline NAME of this project's target/criterion

Verdicts: with raw samples on both sides (criterion, hyperfine, saved), a bootstrap confidence
interval of the ratio new/base and Welch's t-test (Mann–Whitney U with --median) must both
say the change is real; with summaries only (libtest), the ± spreads must not overlap. A
change under --noise is no change.

Examples:
  fastware bench compare base new --fail-on-regression 5
  fastware bench compare target/criterion@main target/criterion@pr --format json";

#[derive(Args, Debug)]
#[command(after_help = COMPARE_EXAMPLES)]
pub struct CompareArgs {
    /// The results before
    #[arg(value_name = "BASE")]
    base: String,
    /// The results after
    #[arg(value_name = "NEW")]
    new: String,
    /// Confidence level of intervals and tests
    #[arg(long, value_name = "LEVEL", default_value = "0.95")]
    confidence: f64,
    /// Changes smaller than this are "no change" (percent, or a fraction with %)
    #[arg(long, value_name = "PCT", default_value = "2%")]
    noise: String,
    /// Compare medians instead of means, with the Mann–Whitney U test (when samples are kept)
    #[arg(long)]
    median: bool,
    /// Exit 1 when a benchmark regressed by more than PCT percent
    #[arg(long, value_name = "PCT")]
    fail_on_regression: Option<f64>,
    /// Keep benchmarks whose name matches this regex
    #[arg(long, value_name = "REGEX")]
    filter: Option<String>,
    /// Read both inputs as this format instead of telling by content
    #[arg(long, value_enum, value_name = "FORMAT")]
    input_format: Option<InputKind>,
    /// The project whose saved results and criterion directory NAMEs refer to
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

const CARGO_EXAMPLES: &str = "\
Examples:
  fastware bench cargo --save base
  fastware bench cargo --save pr -- --bench parsing -- --measurement-time 10
  fastware bench cargo --save quick -- --bench crit -- --warm-up-time 0.5 --measurement-time 1

Arguments after -- go to cargo bench (and after a second --, to the harness). Criterion
results are read from the raw samples the run wrote; libtest's from its output.";

#[derive(Args, Debug)]
#[command(after_help = CARGO_EXAMPLES)]
pub struct CargoArgs {
    /// Save the results as NAME (<target-dir>/fastware/bench/NAME.json), to compare later
    #[arg(long, value_name = "NAME")]
    save: Option<String>,
    /// After the run, compare with the results saved as NAME
    #[arg(long, value_name = "NAME")]
    compare: Option<String>,
    /// The project's Cargo.toml [default: the one in this directory or above]
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
    /// Arguments for cargo bench
    #[arg(last = true, value_name = "CARGO_BENCH_ARGS")]
    cargo_args: Vec<String>,
}

pub fn run(a: BenchCmd, out: &mut dyn Write) -> CmdResult {
    match a.command {
        BenchSub::Compare(c) => compare_cmd(c, out),
        BenchSub::Cargo(c) => cargo_cmd(c, out),
    }
}

fn input_format(k: Option<InputKind>) -> Option<InputFormat> {
    k.map(|k| match k {
        InputKind::Libtest => InputFormat::Libtest,
        InputKind::Criterion => InputFormat::Criterion,
        InputKind::Hyperfine => InputFormat::Hyperfine,
        InputKind::Fastware => InputFormat::Fastware,
    })
}

/// `2%`, `2` or `0.02%` → a fraction.
fn percent(text: &str) -> Result<f64, Failure> {
    let t = text.trim().trim_end_matches('%');
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| v / 100.0)
        .ok_or_else(|| Failure::bad_input(format!("--noise {text}: a percentage, like 2%")))
}

fn project(manifest: Option<&Path>) -> Option<fastware_cargo::project::Project> {
    let cwd = std::env::current_dir().ok()?;
    fastware_cargo::project::locate(&cargo_program(), manifest, &cwd).ok()
}

/// Where `bench cargo --save NAME` keeps results.
fn saved_dir(project: &fastware_cargo::project::Project) -> PathBuf {
    project.fastware_dir().join("bench")
}

fn saved_path(project: &fastware_cargo::project::Project, name: &str) -> PathBuf {
    saved_dir(project).join(format!("{name}.json"))
}

/// Reads one side: a file, `DIR[@BASELINE]`, or a saved or criterion name.
fn read_side(arg: &str, force: Option<InputFormat>, manifest: Option<&Path>) -> Result<Results, Failure> {
    let p = Path::new(arg);
    if p.exists() {
        let baseline = if p.is_dir() { default_baseline(p) } else { None };
        return Ok(fastware_bench::input::read(p, baseline.as_deref(), force)?);
    }
    if let Some((dir, baseline)) = arg.rsplit_once('@') {
        if Path::new(dir).is_dir() {
            return Ok(fastware_bench::input::read(Path::new(dir), Some(baseline), force)?);
        }
    }
    let message = format!("{arg}: no such file or directory, and no saved results or criterion baseline by that name");
    let Some(project) = project(manifest) else {
        return Err(Failure::bad_input(message).hint("give a file, or run in the project (or add --manifest-path)"));
    };
    let saved = saved_path(&project, arg);
    if saved.is_file() {
        return Ok(fastware_bench::input::read(&saved, None, force)?);
    }
    let crit = project.target_dir.join("criterion");
    let baselines = fastware_bench::criterion::baselines_in(&crit);
    if baselines.iter().any(|b| b == arg) {
        return Ok(fastware_bench::criterion::read(&crit, arg)?);
    }
    // what there is to compare, by name
    let mut names: Vec<String> = std::fs::read_dir(saved_dir(&project))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(str::to_string))
        .collect();
    names.sort();
    let mut known = Vec::new();
    if !names.is_empty() {
        known.push(format!("saved: {}", names.join(", ")));
    }
    if !baselines.is_empty() {
        known.push(format!("criterion baselines: {}", baselines.join(", ")));
    }
    let hint = if known.is_empty() {
        "save results with `fastware bench cargo --save NAME`, or give a file".to_string()
    } else {
        format!("this project has {}", known.join("; "))
    };
    Err(Failure::bad_input(message).hint(hint))
}

/// A criterion directory without `@BASELINE`: `new`, or its only baseline.
fn default_baseline(dir: &Path) -> Option<String> {
    let root = fastware_bench::criterion::root_of(dir)?;
    let names = fastware_bench::criterion::baselines_in(&root);
    if names.iter().any(|n| n == "new") {
        return Some("new".into());
    }
    match names.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

fn compare_cmd(a: CompareArgs, out: &mut dyn Write) -> CmdResult {
    if !(0.5..1.0).contains(&a.confidence) {
        return Err(Failure::bad_input(format!("--confidence {}: a level between 0.5 and 1, like 0.95", a.confidence)));
    }
    let filter = a
        .filter
        .as_deref()
        .map(|f| Regex::new(f).map_err(|e| Failure::bad_input(format!("invalid --filter regex: {e}"))))
        .transpose()?;
    let opts = Options { confidence: a.confidence, noise: percent(&a.noise)?, median: a.median, ..Options::default() };
    let force = input_format(a.input_format);
    let mut base = read_side(&a.base, force, a.manifest_path.as_deref())?;
    let mut new = read_side(&a.new, force, a.manifest_path.as_deref())?;
    if let Some(f) = &filter {
        base.benchmarks.retain(|b| f.is_match(&b.name));
        new.benchmarks.retain(|b| f.is_match(&b.name));
    }
    let c = fastware_bench::compare(&base, &new, &opts).map_err(Failure::bad_input)?;
    write_comparison(out, &c, &base, &new, &opts, a.output.format(), a.output.top.unwrap_or(0))?;
    if let Some(limit) = a.fail_on_regression {
        let bad: Vec<&Row> =
            c.rows.iter().filter(|r| r.verdict == Verdict::Regressed && r.change() * 100.0 > limit).collect();
        if !bad.is_empty() {
            out.flush()?;
            let names: Vec<String> = bad.iter().map(|r| format!("{} (+{:.1}%)", r.name, r.change() * 100.0)).collect();
            return Err(Failure {
                message: format!("{} regressed by more than {limit}%: {}", counted(bad.len()), names.join(", ")),
                hint: None,
                status: 1,
            });
        }
    }
    Ok(())
}

fn counted(n: usize) -> String {
    fastware_report::units::counted(n, "benchmark")
}

/// One side of a comparison in JSON: stable keys, and the words the table shows.
fn side_json(r: &Results) -> Value {
    let (source, baseline) = r.source.key();
    json!({
        "path": r.path, "source": source, "baseline": baseline,
        "saved": matches!(r.source, fastware_bench::Source::Saved { .. }),
        "description": r.source.name(), "meta": r.meta,
    })
}

fn side_name(r: &Results) -> String {
    format!("{} ({})", r.path.display(), r.source.name())
}

fn ns(v: f64) -> String {
    precise_duration(v)
}

fn change_text(c: f64) -> String {
    format!("{:+.1}%", c * 100.0)
}

fn write_comparison(
    out: &mut dyn Write,
    c: &Comparison,
    base: &Results,
    new: &Results,
    o: &Options,
    format: Format,
    top: usize,
) -> std::io::Result<()> {
    if format == Format::Json {
        let rows: Vec<Value> = c
            .rows
            .iter()
            .map(|r| {
                let welch = match r.test {
                    Some(Test::Welch(w)) => Some(w),
                    _ => None,
                };
                let mann_whitney = match r.test {
                    Some(Test::MannWhitney(m)) => Some(m),
                    _ => None,
                };
                json!({
                    "name": r.name, "statistic": r.statistic,
                    "base_ns": r.base, "new_ns": r.new, "base_spread_ns": r.base_spread, "new_spread_ns": r.new_spread,
                    "change": r.change(), "speedup": r.speedup(), "verdict": r.verdict.name(),
                    "basis": match r.basis { Basis::Samples => "samples", Basis::Summaries => "summaries" },
                    "ratio_ci": r.ratio_ci.map(|(lo, hi)| json!([lo, hi])),
                    "test": r.test.map(|t| t.name()), "p": r.test.map(|t| t.p()),
                    "t": welch.map(|w| w.t), "df": welch.map(|w| w.df),
                    "u": mann_whitney.map(|m| m.u), "z": mann_whitney.map(|m| m.z),
                    "samples": r.samples.map(|(b, n)| json!([b, n])),
                    "reason": r.reason,
                })
            })
            .collect();
        return fastware_report::write_json(
            out,
            &json!({
                "base": side_json(base),
                "new": side_json(new),
                "measure": base.measure.name(),
                "confidence": o.confidence, "noise": o.noise,
                "regressed": c.rows.iter().filter(|r| r.verdict == Verdict::Regressed).count(),
                "improved": c.rows.iter().filter(|r| r.verdict == Verdict::Improved).count(),
                "no_change": c.rows.iter().filter(|r| r.verdict == Verdict::NoChange).count(),
                "benchmarks": rows,
                "only_in_base": c.only_base, "only_in_new": c.only_new,
            }),
        );
    }
    // the interval of the change from samples, else the spreads that decided
    let ci_header = format!("{:.0}% CI", o.confidence * 100.0);
    let evidence = match (c.rows.iter().any(|r| r.ratio_ci.is_some()), c.rows.iter().any(|r| r.ratio_ci.is_none())) {
        (true, false) => ci_header,
        (false, _) => "± base, new".to_string(),
        (true, true) => format!("{ci_header} or ±"),
    };
    let mut t = Table::new(vec![
        Column::right("base", "base_ns"),
        Column::right("new", "new_ns"),
        Column::right("change", "change"),
        Column::right("speedup", "speedup"),
        Column::right(&evidence, "ratio_ci"),
        Column::left("verdict", "verdict"),
        Column::left("benchmark", "name"),
    ]);
    let colour = format == Format::Table && fastware_report::stdout_colour();
    for r in cells::take(&c.rows, top) {
        let spread = |x: Option<f64>| x.map_or("?".to_string(), |x| format!("±{}", ns(x)));
        let ci = match r.ratio_ci {
            Some((lo, hi)) => (format!("{} … {}", change_text(lo - 1.0), change_text(hi - 1.0)), format!("{lo};{hi}")),
            None => (format!("{}, {}", spread(r.base_spread), spread(r.new_spread)), String::new()),
        };
        t.row(vec![
            (ns(r.base), r.base.to_string()),
            (ns(r.new), r.new.to_string()),
            (change_text(r.change()), r.change().to_string()),
            (format!("×{:.2}", r.speedup()), r.speedup().to_string()),
            ci,
            cells::text(r.verdict.name()),
            cells::text(&r.name),
        ]);
        if colour {
            t.colour_last(match r.verdict {
                Verdict::Regressed => Some("31"),
                Verdict::Improved => Some("32"),
                Verdict::NoChange => None,
            });
        }
    }
    if format == Format::Csv {
        return t.write_csv(out);
    }
    let count = |v: Verdict| c.rows.iter().filter(|r| r.verdict == v).count();
    writeln!(out, "base: {}\nnew:  {}", side_name(base), side_name(new))?;
    let basis = if c.rows.iter().all(|r| r.basis == Basis::Samples) {
        format!(
            "from the samples: bootstrap {:.0}% CI of new/base and {}; under {:.0}% is no change",
            o.confidence * 100.0,
            if o.median { "the Mann–Whitney U test" } else { "Welch's t-test" },
            o.noise * 100.0
        )
    } else if c.rows.iter().all(|r| r.basis == Basis::Summaries) {
        format!("from summaries only (no samples): the ± spreads decide; under {:.0}% is no change", o.noise * 100.0)
    } else {
        "from samples where both sides have them, else from summaries".to_string()
    };
    writeln!(
        out,
        "{} regressed, {} improved, {} no change — {basis}",
        count(Verdict::Regressed),
        count(Verdict::Improved),
        count(Verdict::NoChange)
    )?;
    t.write_text(out, 2, fastware_report::terminal_width())?;
    if top != 0 && c.rows.len() > top {
        writeln!(out, "  … {} more (--top 0 for all)", c.rows.len() - top)?;
    }
    if !c.only_base.is_empty() {
        writeln!(out, "only in base: {}", c.only_base.join(", "))?;
    }
    if !c.only_new.is_empty() {
        writeln!(out, "only in new: {}", c.only_new.join(", "))?;
    }
    Ok(())
}

fn cargo_cmd(a: CargoArgs, out: &mut dyn Write) -> CmdResult {
    if let Some(name) = &a.save {
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return Err(Failure::bad_input(format!("--save {name:?}: a name without slashes, like `before`")));
        }
    }
    let cargo = cargo_program();
    let cwd = std::env::current_dir().map_err(|e| Failure::bad_input(format!("no current directory: {e}")))?;
    let project = fastware_cargo::project::locate(&cargo, a.manifest_path.as_deref(), &cwd)?;
    let run = fastware_cargo::bench::run_bench(&cargo, &project, &cwd, a.manifest_path.as_deref(), &a.cargo_args)?;
    if !run.success {
        return Err(Failure { message: "cargo bench failed (its errors are above)".into(), hint: None, status: 1 });
    }
    // libtest's lines in the output, or the criterion samples the run wrote
    let mut results = if fastware_bench::libtest::looks_like(&run.output) {
        fastware_bench::libtest::parse(&run.output, Path::new("cargo bench"))?
    } else {
        let crit = project.target_dir.join("criterion");
        let saved = a.cargo_args.iter().position(|x| x == "--save-baseline").and_then(|i| a.cargo_args.get(i + 1));
        match fastware_bench::criterion::read_updated(&crit, run.started, saved.map(String::as_str))? {
            Some(r) => r,
            None => {
                return Err(Failure::bad_input("cargo bench ran, but no libtest or criterion results came out of it")
                    .hint("fastware reads libtest's `bench:` lines and criterion's target/criterion"))
            }
        }
    };
    let binaries: Vec<Value> = run
        .binaries
        .iter()
        .map(|b| {
            json!({"target": b.target, "path": b.path, "hash": fastware_cargo::bench::file_hash(&b.path), "fresh": b.fresh})
        })
        .collect();
    results.meta = Some(json!({
        "created_unix": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        "git_commit": fastware_cargo::bench::git_commit(&project.workspace_root),
        "rustc": fastware_cargo::bench::rustc_version(&project.workspace_root),
        "cargo_args": a.cargo_args,
        "binaries": binaries,
    }));
    let mut saved_to = None;
    if let Some(name) = &a.save {
        let path = saved_path(&project, name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Failure::bad_input(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut f = OutputFile::create_owned(&path)?;
        fastware_report::write_json(&mut f, &fastware_bench::saved::to_json(&results))
            .map_err(|e| fastware_report::output::write_error(&path.display().to_string(), &e))?;
        f.commit()?;
        saved_to = Some(path);
    }
    if let Some(other) = &a.compare {
        let base = read_side(other, None, a.manifest_path.as_deref())?;
        let c = fastware_bench::compare(&base, &results, &Options::default()).map_err(Failure::bad_input)?;
        write_comparison(out, &c, &base, &results, &Options::default(), a.output.format(), 0)?;
        if a.output.format() == Format::Table {
            write_run_footer(out, &run.binaries, saved_to.as_deref(), a.save.as_deref())?;
        }
        return Ok(());
    }
    match a.output.format() {
        Format::Json => {
            let mut v = fastware_bench::saved::to_json(&results);
            v["saved_to"] = json!(saved_to);
            fastware_report::write_json(out, &v)?;
        }
        format => {
            let mut t = Table::new(vec![
                Column::right("estimate", "estimate_ns"),
                Column::right("±", "spread_ns"),
                Column::right("samples", "samples"),
                Column::left("benchmark", "name"),
            ]);
            for b in &results.benchmarks {
                t.row(vec![
                    (format!("{} ({})", ns(b.estimate), b.statistic), b.estimate.to_string()),
                    b.spread.map_or((String::new(), String::new()), |s| (ns(s), s.to_string())),
                    b.samples.as_ref().map_or((String::new(), String::new()), |s| cells::count(s.len() as u64)),
                    cells::text(&b.name),
                ]);
            }
            if format == Format::Csv {
                t.write_csv(out)?;
                return Ok(());
            }
            writeln!(out, "{} from {}", counted(results.benchmarks.len()), results.source.name())?;
            t.write_text(out, 2, fastware_report::terminal_width())?;
            write_run_footer(out, &run.binaries, saved_to.as_deref(), a.save.as_deref())?;
        }
    }
    Ok(())
}

/// After a run's results: where the bench binaries are, and where the results went.
fn write_run_footer(
    out: &mut dyn Write,
    binaries: &[fastware_cargo::bench::BenchBinary],
    saved_to: Option<&Path>,
    name: Option<&str>,
) -> std::io::Result<()> {
    if !binaries.is_empty() {
        writeln!(out, "bench binaries (point a profiler at these; their names change with every build):")?;
        for b in binaries {
            writeln!(out, "  {}  {}", b.target, b.path.display())?;
        }
    }
    match saved_to {
        Some(p) => writeln!(out, "saved as `{}`: {}", name.unwrap_or_default(), p.display()),
        None => writeln!(out, "not saved (add --save NAME to compare with later)"),
    }
}
