//! `fastware explain BASE NEW --run 'CMD ARGS'`: each side built (a git
//! revision, unpacked as `bench ab` does), or read (a file, a build saved
//! with `diff --save`); the workload timed on both, interleaved; run once
//! a side under callgrind; then `fastware_explain` matches the counts
//! function by function and names the causes it has evidence for.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use clap::Args;
use fastware_bench::{Benchmark, Measure, Results, Source};
use fastware_cargo::artifact::{ArtifactOptions, Which};
use fastware_cargo::project::Project;
use fastware_cargo::revision::Seed;
use fastware_explain::report::TimeChange;
use fastware_explain::{Explanation, Side};
use fastware_runner::VALGRIND;

use crate::args::SelectionArgs;
use crate::{Ctx, Done, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware explain HEAD~1 HEAD --run 'ray 512'        why HEAD runs `ray 512` slower than HEAD~1
  fastware explain main HEAD --run 'app input.txt' --bin app --runs 10
  fastware explain before HEAD --run 'app input.txt'  `before` saved with `fastware diff --save before`
  fastware explain old/app new/app --run 'app -q'     two files, no build
  fastware explain main HEAD --bench parsing json     a bench target's benchmarks matching `json`

BASE and NEW are git revisions (each unpacked with `git archive` under
<target-dir>/fastware/revisions/ and built apart: your working tree and .git are not
touched), builds saved with `fastware diff --save NAME`, or executable files. In --run, CMD
is replaced by each side's program. The workload is timed --runs times a side, interleaved,
then run once a side under valgrind's callgrind (20-100x slower than natively).";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct ExplainArgs {
    /// The build before: a git revision, a build saved with `diff --save`, or a file
    #[arg(value_name = "BASE")]
    base: std::ffi::OsString,
    /// The build after (as BASE)
    #[arg(value_name = "NEW")]
    new: std::ffi::OsString,
    /// The workload, quoted: the program's name (each side runs its own build of it) and its
    /// arguments
    #[arg(long, value_name = "'CMD ARGS'", required_unless_present = "bench", conflicts_with = "bench")]
    run: Option<String>,
    /// The workload is the bench target NAME, run as `cargo bench` runs it (`--bench [FILTER]`;
    /// a criterion benchmark with --profile-time 1); a side may then be a name kept with
    /// `bench cargo --save`
    #[arg(long, value_names = ["NAME", "FILTER"], num_args = 1..=2)]
    bench: Option<Vec<String>>,
    /// Also compare L1 and last-level cache misses and the estimated cycles
    #[arg(long)]
    cache_sim: bool,
    /// Timed runs a side, interleaved, for the wall time (0: none)
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=1000))]
    runs: u32,
    /// The binary to build for a revision [default: CMD when a binary target has that name,
    /// else the package's binary]
    #[arg(long, value_name = "NAME")]
    bin: Option<String>,
    /// Build revisions apart with line tables and symbols (debug = "line-tables-only",
    /// strip = false), to match functions through inlining
    #[arg(long)]
    debuginfo: bool,
    #[command(flatten)]
    selection: SelectionArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// A side's program, once built or found.
struct Program {
    label: String,
    commit: Option<String>,
    path: PathBuf,
    /// For a revision, the target directory it was built in: the next
    /// revision's build starts from it.
    built_in: Option<PathBuf>,
}

/// What runs on each side: a program's command line, or a bench target.
enum Workload {
    Run(Vec<String>),
    Bench { name: String, filter: Option<String> },
}

pub fn run(ctx: &Ctx, a: &ExplainArgs) -> Result<Done<Explanation>, Error> {
    let workload = match (&a.run, &a.bench) {
        (Some(r), _) => Workload::Run(shlex::split(r).filter(|w| !w.is_empty()).ok_or_else(|| {
            crate::error::argument(format!("--run `{r}`: not a command line")).with_hint("quote it: --run 'prog arg'")
        })?),
        (None, Some(b)) => Workload::Bench { name: b[0].clone(), filter: b.get(1).cloned() },
        (None, None) => {
            return Err(crate::error::argument("give the workload: --run 'CMD ARGS' or --bench NAME [FILTER]"))
        }
    };
    let valgrind = ctx.tools.find(&VALGRIND)?;
    let project = a.selection.project(ctx).ok();
    let (dir, _scratch) = match &project {
        Some(p) => {
            let dir = p.fastware_dir().join("explain");
            std::fs::create_dir_all(&dir)
                .map_err(|e| crate::error::io(format!("cannot create {}: {e}", dir.display())))?;
            (dir, None)
        }
        // outside a project the recordings are read, then removed
        None => {
            let s = fastware_runner::ScratchDir::new("explain")?;
            (s.0.clone(), Some(s))
        }
    };
    ctx.cancel.listen();
    let base = program(ctx, a, project.as_ref(), &a.base, &workload, None)?;
    let new = program(ctx, a, project.as_ref(), &a.new, &workload, base.built_in.as_deref())?;
    for p in [&base, &new] {
        has_symbols(p)?;
    }
    let (shown_program, args) = match &workload {
        Workload::Run(words) => (words[0].clone(), words[1..].to_vec()),
        // each benchmark's routine run once (the harness's test mode):
        // the same work on both sides, which timed runs would not be (a
        // harness runs as many iterations as fit in its time)
        Workload::Bench { name, filter } => {
            let mut args = vec!["--bench".to_string()];
            args.extend(filter.clone());
            args.push("--test".into());
            if a.runs > 0 {
                ctx.note("a benchmark is counted, not timed, here: its harness measures time per iteration itself (`fastware bench ab BASE NEW` compares those)");
            }
            (format!("bench {name}"), args)
        }
    };
    let runs = if matches!(workload, Workload::Bench { .. }) { 0 } else { a.runs };
    // criterion looks for its output directory with `cargo metadata` (when
    // cargo started the process) and reads the JSON: three times the
    // instructions of a small benchmark, and more or fewer with the state
    // of the project's files. Told where it is, it asks nothing.
    let home = dir.join("criterion");
    let work = Work { args: &args, criterion_home: matches!(workload, Workload::Bench { .. }).then_some(&home) };
    // the workload must run on both sides before anything is measured
    let mut native = Vec::new();
    for p in [&base, &new] {
        native.push(check_run(ctx, p, &work)?);
    }
    let time = if runs > 0 { Some(timed(ctx, runs, [&base, &new], &work)?) } else { None };
    let slowest = native.iter().copied().fold(0.0f64, f64::max);
    ctx.note(&format!(
        "running the workload under callgrind on both sides: about {} each (a native run takes {}; valgrind runs programs 20-100x slower)",
        fastware_report::units::precise_duration(slowest * 50.0 * 1e9),
        fastware_report::units::precise_duration(slowest * 1e9)
    ));
    if slowest * 50.0 > 600.0 {
        ctx.warn("that is long: a smaller input that runs the same code (a tenth of the data, fewer iterations) explains the same change in a tenth of the time");
    }
    let sides: Vec<Side> = [&base, &new]
        .iter()
        .zip(["base", "new"])
        .map(|(p, label)| Side {
            label: p.label.clone(),
            commit: p.commit.clone(),
            binary: p.path.clone(),
            recording: dir.join(format!("{label}.callgrind")),
        })
        .collect();
    let bar = ctx.spinner("running the workload under callgrind (both sides at once)");
    let recorded: Vec<Result<(), Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = sides
            .iter()
            .map(|side| {
                let (valgrind, work) = (&valgrind, &work);
                s.spawn(move || record(valgrind, side, work))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(crate::error::run_failed("callgrind run panicked"))))
            .collect()
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if ctx.cancel.is_cancelled() {
        return Err(Error::interrupted("interrupted: nothing was compared"));
    }
    for r in recorded {
        r?;
    }
    let bar = ctx.spinner("matching functions and reading the machine code");
    let command =
        std::iter::once(shown_program.as_str()).chain(args.iter().map(String::as_str)).collect::<Vec<_>>().join(" ");
    let started = Instant::now();
    let explained = fastware_explain::explain(&sides[0], &sides[1], &command, a.output.top.unwrap_or(15), a.cache_sim);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    ctx.note(&format!("compared the recordings and the machine code in {:.2} s", started.elapsed().as_secs_f64()));
    let mut explained = explained?;
    explained.time = time;
    if let Some(p) = &project {
        crate::history::record(ctx, &p.workspace_root, &p.target_dir, None, &explained);
    }
    Ok(Done::new(explained, a.output.format))
}

/// A side: a file, a build saved with `diff --save` (or, for a bench
/// target, the bench binaries kept with `bench cargo --save`), or a git
/// revision built.
fn program(
    ctx: &Ctx,
    a: &ExplainArgs,
    project: Option<&Project>,
    raw: &std::ffi::OsStr,
    w: &Workload,
    seed: Option<&Path>,
) -> Result<Program, Error> {
    // a file's path may be any bytes; names and revisions are text
    let text = raw.to_string_lossy();
    let arg: &str = &text;
    let target_dir = project.map(|p| p.target_dir.as_path());
    if let (Workload::Bench { name, .. }, Some(t), false) = (w, target_dir, Path::new(arg).exists()) {
        let kept = fastware_bench::store::Store::new(t).saved_binaries(arg);
        let target_of = |p: &Path| p.file_name().and_then(|f| f.to_str()?.rsplit_once('-').map(|(t, _)| t.to_string()));
        if let Some(path) = kept.iter().find(|p| target_of(p).as_deref() == Some(name.as_str())) {
            return Ok(Program {
                label: format!("{arg} (kept by bench cargo --save)"),
                commit: None,
                path: path.clone(),
                built_in: None,
            });
        }
    }
    if let Some(path) = crate::diff::resolve(ctx, target_dir, raw)? {
        let path = ctx.path(&path);
        return Ok(Program { label: arg.to_string(), commit: None, path, built_in: None });
    }
    let Some(project) = project else {
        return Err(crate::error::not_found(format!("`{arg}`: no such file, and no cargo project here to find it in"))
            .with_hint("give two files, or run in the project (git revisions and saved builds are looked up there)"));
    };
    let store = project.fastware_dir().join("revisions");
    let rev = fastware_cargo::revision::unpack(&project.workspace_root, arg, &store).map_err(|e| {
        if matches!(e.typed(), Some(fastware_cargo::CargoError::NoSuchRevision { .. })) {
            crate::error::not_found(format!("`{arg}`: no such file, saved build or git revision"))
                .with_hint("give a commit, branch or tag, a file, or a name saved with `fastware diff --save`")
        } else {
            e
        }
    })?;
    crate::bench_ab::keep_recent(ctx, &rev.tree, "");
    let manifest = rev.project_dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(crate::error::argument(format!(
            "`{arg}` ({}) has no {}",
            &rev.commit[..12],
            "Cargo.toml where the project is"
        ))
        .with_hint("the project did not exist at that revision"));
    }
    let rev_project = fastware_cargo::project::locate(&ctx.tools.cargo(), Some(&manifest), &rev.project_dir)?;
    let cmd = match w {
        Workload::Run(words) => words[0].as_str(),
        Workload::Bench { name, .. } => name.as_str(),
    };
    let bin_name = Path::new(cmd).file_name().and_then(|n| n.to_str()).unwrap_or(cmd);
    let which = match (&a.bin, w) {
        (_, Workload::Bench { name, .. }) => Which::Bench(name.clone()),
        (Some(b), _) => Which::Bin(b.clone()),
        (None, _)
            if rev_project
                .members
                .iter()
                .flat_map(|m| &m.targets)
                .any(|t| t.name == bin_name && t.kinds.iter().any(|k| k == "bin")) =>
        {
            Which::Bin(bin_name.to_string())
        }
        (None, _) => Which::Default,
    };
    ctx.note(&format!("{arg}: commit {} (unpacked in {}); building it", &rev.commit[..12], rev.project_dir.display()));
    let opts = ArtifactOptions {
        cargo: ctx.tools.cargo(),
        manifest_path: Some(manifest),
        selection: a.selection.selection(),
        which,
        profile: a.selection.profile(),
        debuginfo: a.debuginfo,
        frame_pointers: false,
        // the revision's own, whatever target directory the user shares
        target_dir: Some(rev.project_dir.join("target")),
    };
    // in its own target directory, started from the other side's (or the
    // user's own build with the same settings): the dependencies build once
    let target_dir = opts.target_dir(&rev_project);
    let own_dir = ArtifactOptions { target_dir: None, ..opts.clone() }.target_dir(project);
    let output_dir = opts.output_dir();
    let own = Seed::Own { target_dir: &own_dir, profile_dir: &output_dir };
    rev.seed_target(Seed::other_or_own(seed, own), &target_dir);
    let built = fastware_cargo::artifact::build_artifact(&rev_project, &opts)
        .map_err(|e| crate::error::run_failed(format!("{arg} ({}) did not build: {}", &rev.commit[..12], e.message)))?;
    let label = if rev.commit.starts_with(arg) {
        rev.commit[..12].to_string()
    } else {
        format!("{arg} ({})", &rev.commit[..12])
    };
    Ok(Program { label, commit: Some(rev.commit), path: built.path, built_in: Some(target_dir) })
}

/// Fails, before anything runs, when a side's file cannot be matched by name.
fn has_symbols(p: &Program) -> Result<(), Error> {
    fastware_explain::analysis::has_symbols(&fastware_binary::Binary::open(&p.path)?, &p.path, &p.label)
}

/// What each side runs: the arguments, and for a benchmark, where its
/// harness keeps its output (`CRITERION_HOME`).
struct Work<'a> {
    args: &'a [String],
    criterion_home: Option<&'a PathBuf>,
}

impl Work<'_> {
    /// `program` with `first`, then the arguments; the harness's directory.
    fn command(&self, program: &Path, first: &[std::ffi::OsString]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(first).args(self.args).stdin(Stdio::null()).stdout(Stdio::null());
        if let Some(home) = self.criterion_home {
            cmd.env("CRITERION_HOME", home);
        }
        cmd
    }
}

/// The workload on a side, natively, in the user's directory, its output
/// out of the way.
fn workload(ctx: &Ctx, p: &Program, work: &Work) -> Command {
    let mut cmd = work.command(&p.path, &[]);
    cmd.current_dir(&ctx.cwd).stderr(Stdio::null());
    cmd
}

/// Runs the workload once natively; fails with its status and last words.
/// Returns its wall time in seconds.
fn check_run(ctx: &Ctx, p: &Program, work: &Work) -> Result<f64, Error> {
    let started = Instant::now();
    let (status, err) = fastware_runner::process::run_capturing_stderr(workload(ctx, p, work), &p.label)?;
    let took = started.elapsed().as_secs_f64();
    if !status.success() {
        let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
        let how = fastware_runner::process::ended(&status);
        let said = if last.is_empty() { String::new() } else { format!(": {last}") };
        return Err(crate::error::run_failed(format!("the workload {how} on {}{said}", p.label)));
    }
    Ok(took)
}

/// The workload run `n` times a side, interleaved (base, new, base …);
/// the wall times compared between the sides.
fn timed(ctx: &Ctx, n: u32, sides: [&Program; 2], work: &Work) -> Result<TimeChange, Error> {
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let bar = ctx.spinner(&format!("timing the workload, {n} runs a side"));
    for _ in 0..n {
        for (k, p) in sides.iter().enumerate() {
            if ctx.cancel.is_cancelled() {
                return Err(Error::interrupted("interrupted while timing the workload"));
            }
            let started = Instant::now();
            let status = workload(ctx, p, work)
                .status()
                .map_err(|e| crate::error::io(format!("cannot run {}: {e}", p.path.display())))?;
            if !status.success() {
                return Err(crate::error::run_failed(format!(
                    "the workload failed on {} during the timed runs",
                    p.label
                )));
            }
            times[k].push(started.elapsed().as_secs_f64() * 1e9);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let results = |k: usize| {
        let samples = times[k].clone();
        Results {
            source: Source::Hyperfine,
            measure: Measure::Run,
            benchmarks: vec![Benchmark {
                name: "workload".into(),
                estimate: fastware_bench::stats::mean(&samples),
                statistic: "mean",
                spread: None,
                samples: Some(samples),
                runs: None,
            }],
            path: PathBuf::from(sides[k].label.clone()),
            meta: None,
            warnings: Vec::new(),
        }
    };
    let (b, nw) = (results(0), results(1));
    let c = fastware_bench::compare(&b, &nw, &fastware_bench::Options::default())?;
    let row = c.rows.first().ok_or_else(|| crate::error::run_failed("no timing to compare"))?;
    Ok(TimeChange {
        runs: n as usize,
        base_us: row.base / 1e3,
        new_us: row.new / 1e3,
        change: row.change(),
        low: row.ratio_ci.map(|(l, _)| l - 1.0),
        high: row.ratio_ci.map(|(_, h)| h - 1.0),
        verdict: row.verdict.name().to_string(),
    })
}

/// One callgrind run of the workload on a side.
fn record(valgrind: &Path, side: &Side, work: &Work) -> Result<(), Error> {
    let out = format!("--callgrind-out-file={}", side.recording.display());
    let first = ["--tool=callgrind", "--dump-instr=yes", "--cache-sim=yes", &out].map(Into::into);
    let cmd = work.command(valgrind, &[&first[..], &[side.binary.clone().into_os_string()]].concat());
    let (status, err) = fastware_runner::process::run_capturing_stderr(cmd, "valgrind")?;
    if status.success() {
        return Ok(());
    }
    Err(crate::error::run_failed(format!(
        "the workload {} under callgrind on {}{}",
        fastware_runner::process::ended(&status),
        side.label,
        crate::bench_instructions::why(&err)
    )))
}
