//! `bench cargo --instructions` and `--run CMD`: the project's benchmarks
//! (or commands) counted by callgrind. The benchmarks are built against the
//! counting copy of their criterion (`fastware_cargo::counted`), listed
//! (`--list`), and each run in a valgrind process of its own (criterion's
//! `--test --exact NAME`, `FASTWARE_ITERATIONS=N`): a benchmark valgrind
//! cannot run fails alone, and the processes run side by side (counts do
//! not depend on what else runs). A bench target without criterion, and a
//! `--run` command, are counted whole.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use fastware_bench::instructions::{Counted, Failed, FunctionCounts, InstructionRun};
use fastware_cargo::counted::{CountedBuild, DUMP_MARK, ITERATIONS_ENV};
use fastware_cargo::project::Project;
use fastware_profile::views::{grouped, By};
use fastware_runner::VALGRIND;

use crate::{Ctx, Error};

/// How to count.
#[derive(Debug, Clone)]
pub struct Counting {
    /// `cargo bench` arguments before the harness's (`--bench NAME`, `-p P`).
    pub cargo_args: Vec<String>,
    /// Only benchmarks whose name contains this (the harness's filter).
    pub filter: Option<String>,
    /// Commands counted whole (`--run`), instead of the benchmarks.
    pub commands: Vec<String>,
    pub iterations: u64,
    pub cache_sim: bool,
    /// Where the recordings (and the counting criterion) go.
    pub dir: PathBuf,
    /// Where the benchmarks build.
    pub target_dir: PathBuf,
}

/// One valgrind process to run.
struct Job {
    /// Its place in the listing (results are reported in that order).
    order: usize,
    name: String,
    target: String,
    program: PathBuf,
    args: Vec<String>,
    /// Iterations counted in `FASTWARE_ITERATIONS` (`None`: the whole run).
    iterations: Option<u64>,
    out: PathBuf,
}

/// Counts the project's benchmarks (or `counting.commands`).
pub fn count(ctx: &Ctx, project: &Project, counting: &Counting) -> Result<InstructionRun, Error> {
    let valgrind = ctx.tools.find(&VALGRIND)?;
    let version = valgrind_version(&valgrind);
    let recordings = counting.dir.join("recordings");
    let _ = std::fs::remove_dir_all(&recordings);
    std::fs::create_dir_all(&recordings)
        .map_err(|e| crate::error::io(format!("cannot create {}: {e}", recordings.display())))?;
    let (harness, jobs) = if counting.commands.is_empty() {
        benchmark_jobs(ctx, project, counting, &recordings)?
    } else {
        ("whole runs".to_string(), command_jobs(&counting.commands, &recordings)?)
    };
    if jobs.is_empty() {
        return Err(crate::error::not_found("no benchmark to count").with_hint(match &counting.filter {
            Some(f) => format!("no benchmark's name contains `{f}`"),
            None => "the project has no bench target (add one, or count a command with --run)".to_string(),
        }));
    }
    ctx.cancel.listen();
    let done = run_all(ctx, &valgrind, counting, jobs);
    let mut counted = Vec::new();
    let mut failed = Vec::new();
    let interrupted = ctx.cancel.is_cancelled();
    for (job, outcome) in done {
        // a benchmark stopped by the interrupt is neither counted nor failed
        if interrupted && outcome.is_err() {
            continue;
        }
        match outcome.and_then(|()| read_job(&job)) {
            Ok(c) => counted.push(c),
            Err(e) => failed.push(Failed { name: job.name.clone(), target: job.target.clone(), why: e.to_string() }),
        }
    }
    let mut run = InstructionRun::new(harness, version, counting.cache_sim, counted);
    run.failed = failed;
    run.interrupted = interrupted;
    Ok(run)
}

/// `valgrind --version`, or `valgrind` when it does not say.
fn valgrind_version(valgrind: &Path) -> String {
    Command::new(valgrind)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "valgrind".into())
}

/// The benchmarks to count: built for counting, then listed by each bench
/// binary; the harness (`criterion X.Y.Z`, or whole runs), and the jobs.
fn benchmark_jobs(
    ctx: &Ctx,
    project: &Project,
    counting: &Counting,
    recordings: &Path,
) -> Result<(String, Vec<Job>), Error> {
    let bar = ctx.spinner("building the benchmarks for counting");
    let build = CountedBuild {
        cargo: ctx.tools.cargo(),
        selection: Default::default(),
        cargo_args: counting.cargo_args.clone(),
        dir: counting.dir.clone(),
        target_dir: counting.target_dir.clone(),
    };
    let built = fastware_cargo::counted::build(project, &build);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let built = built?;
    let mut jobs = Vec::new();
    for (k, bin) in built.binaries.iter().enumerate() {
        let listed = if built.criterion.is_some() { list(&bin.path)? } else { None };
        let keep = |name: &str| counting.filter.as_deref().is_none_or(|f| name.contains(f));
        match listed {
            Some(names) => {
                for (i, name) in names.into_iter().filter(|n| keep(n)).enumerate() {
                    jobs.push(Job {
                        order: jobs.len(),
                        args: ["--bench", "--test", "--exact", &name].map(str::to_string).to_vec(),
                        out: recordings.join(format!("{}-{k}-{i}.out", file_safe(&bin.target))),
                        name,
                        target: bin.target.clone(),
                        program: bin.path.clone(),
                        iterations: Some(counting.iterations),
                    });
                }
            }
            None if keep(&bin.target) => jobs.push(Job {
                order: jobs.len(),
                name: bin.target.clone(),
                target: bin.target.clone(),
                program: bin.path.clone(),
                args: vec!["--bench".into()],
                iterations: None,
                out: recordings.join(format!("{}-{k}.out", file_safe(&bin.target))),
            }),
            None => {}
        }
    }
    let harness = match &built.criterion {
        Some(v) => format!("criterion {v}, {} iterations each", counting.iterations),
        None => "whole runs (no criterion)".to_string(),
    };
    Ok((harness, jobs))
}

/// The commands of `--run`, counted whole.
fn command_jobs(commands: &[String], recordings: &Path) -> Result<Vec<Job>, Error> {
    commands
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let words = shlex::split(c).filter(|w| !w.is_empty()).ok_or_else(|| {
                crate::error::argument(format!("--run `{c}`: not a command line"))
                    .with_hint("quote it: --run 'prog arg'")
            })?;
            Ok(Job {
                order: k,
                name: c.clone(),
                target: "--run".into(),
                program: PathBuf::from(&words[0]),
                args: words[1..].to_vec(),
                iterations: None,
                out: recordings.join(format!("run-{k}.out")),
            })
        })
        .collect()
}

fn file_safe(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// The benchmarks a criterion bench binary lists (`--list`: `NAME:
/// benchmark`); `None` when it lists none that way (not criterion's).
fn list(bin: &Path) -> Result<Option<Vec<String>>, Error> {
    let out = Command::new(bin)
        .args(["--bench", "--list"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| crate::error::io(format!("cannot run {}: {e}", bin.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<String> = text.lines().filter_map(|l| l.strip_suffix(": benchmark")).map(str::to_string).collect();
    Ok((out.status.success() && !names.is_empty()).then_some(names))
}

/// Runs the jobs under valgrind, as many at once as there are cores; stops
/// starting new ones at Ctrl-C. Each job's outcome: `Err` with valgrind's
/// or the program's last words when it failed.
fn run_all(ctx: &Ctx, valgrind: &Path, counting: &Counting, jobs: Vec<Job>) -> Vec<(Job, Result<(), Error>)> {
    let total = jobs.len();
    let queue = Mutex::new(jobs.into_iter().collect::<std::collections::VecDeque<_>>());
    let done = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(total).max(1);
    let bar = ctx.progress(total as u64, "counting under callgrind");
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                if ctx.cancel.is_cancelled() {
                    break;
                }
                let Some(job) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front() else { break };
                let outcome = run_job(valgrind, counting.cache_sim, &job);
                let mut d = done.lock().unwrap_or_else(|e| e.into_inner());
                d.push((job, outcome));
                if let Some(b) = &bar {
                    b.inc(1);
                }
            });
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    if ctx.cancel.is_cancelled() {
        let finished = done.iter().filter(|(_, outcome)| outcome.is_ok()).count();
        ctx.note(&format!("interrupted: {finished} of {total} counted; reporting and keeping those"));
    }
    done.sort_by_key(|(job, _)| job.order);
    done
}

/// One valgrind process: the program's output kept out of the way (shown
/// when it fails).
fn run_job(valgrind: &Path, _cache_sim: bool, job: &Job) -> Result<(), Error> {
    let mut cmd = Command::new(valgrind);
    // the cache simulation is always on: data reads and writes need it; fair
    // scheduling keeps the threads' turns (and how long they spin waiting)
    // nearly the same from run to run
    cmd.args(["--tool=callgrind", "--cache-sim=yes", "--dump-instr=yes", "--fair-sched=yes"])
        .arg(format!("--callgrind-out-file={}", job.out.display()))
        .arg(&job.program)
        .args(&job.args)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    match job.iterations {
        Some(n) => cmd.env(ITERATIONS_ENV, n.to_string()),
        None => cmd.env_remove(ITERATIONS_ENV),
    };
    let (status, err) = fastware_runner::process::run_capturing_stderr(cmd, "valgrind")?;
    if status.success() {
        return Ok(());
    }
    Err(crate::error::run_failed(format!("{}{}", fastware_runner::process::ended(&status), why(&err))))
}

/// What valgrind said when the program could not run: an instruction it
/// does not know, or the program's last line.
pub(crate) fn why(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().map(|l| l.split_once("== ").map_or(l, |(_, r)| r).trim()).collect();
    if let Some(l) = lines.iter().find(|l| l.contains("unhandled instruction bytes")) {
        return format!(
            ": valgrind cannot run an instruction of it ({l}): AVX-512 and newer instructions are not known to valgrind 3.19"
        );
    }
    match lines.iter().rev().find(|l| !l.is_empty()) {
        Some(l) => format!(": {l}"),
        None => String::new(),
    }
}

/// A finished job's counts, from its dumps.
fn read_job(job: &Job) -> Result<Counted, Error> {
    let dumps = dumps_of(&job.out);
    let (files, iterations): (Vec<PathBuf>, u64) = match job.iterations {
        Some(_) => {
            let marked: Vec<(PathBuf, u64)> =
                dumps.into_iter().filter_map(|f| Some((f.clone(), marked_iterations(&f)?))).collect();
            if marked.is_empty() {
                return Err(crate::error::run_failed(
                    "no iterations were counted: the benchmark did not hand a routine to Bencher::iter* (an async benchmark?)",
                ));
            }
            let n = marked.iter().map(|(_, n)| n).sum();
            (marked.into_iter().map(|(f, _)| f).collect(), n)
        }
        None => (vec![job.out.clone()], 1),
    };
    let mut totals: Vec<(String, u64)> = Vec::new();
    let mut functions: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for f in &files {
        for (e, v) in fastware_profile::callgrind::totals(f)? {
            match totals.iter_mut().find(|(n, _)| *n == e) {
                Some(t) => t.1 += v,
                None => totals.push((e, v)),
            }
        }
        let p = fastware_profile::callgrind::read(f, Some("Ir"))?;
        for r in grouped(&p, By::Instance) {
            let e = functions.entry(r.key).or_default();
            e.0 += r.self_cost;
            e.1 += r.total_cost;
        }
    }
    let mut functions: Vec<FunctionCounts> = functions
        .into_iter()
        .map(|(function, (s, i))| FunctionCounts { function, self_instructions: s, inclusive_instructions: i })
        .collect();
    // where the instructions go: the functions' own (the callers above the
    // routine hold the whole count inclusively)
    functions.sort_by(|a, b| b.self_instructions.cmp(&a.self_instructions).then(a.function.cmp(&b.function)));
    // glibc's thread entry ran in the window: another thread worked too
    let threads = functions.iter().any(|f| f.function == "start_thread");
    functions.retain(|f| f.self_instructions > 0);
    functions.truncate(40);
    Ok(Counted {
        name: job.name.clone(),
        target: job.target.clone(),
        iterations,
        measure: if job.iterations.is_some() { "iterations" } else { "run" }.into(),
        per_iteration: fastware_bench::instructions::Counts::from_events(&totals, iterations),
        totals,
        functions,
        measures_nothing: None,
        recording: files.first().map(|f| f.display().to_string()).unwrap_or_default(),
        threads,
    })
}

/// The dumps a process wrote: `OUT.1`, `OUT.2` … (client requests), in order.
fn dumps_of(out: &Path) -> Vec<PathBuf> {
    let mut found: Vec<(u64, PathBuf)> = Vec::new();
    let (Some(dir), Some(name)) = (out.parent(), out.file_name().and_then(|n| n.to_str())) else { return Vec::new() };
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let file = e.file_name();
        let Some(k) = file.to_str().and_then(|f| f.strip_prefix(name)?.strip_prefix('.')?.parse::<u64>().ok()) else {
            continue;
        };
        found.push((k, e.path()));
    }
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// The iterations a dump of the measurement holds (its `desc: Trigger:` line).
fn marked_iterations(dump: &Path) -> Option<u64> {
    let text = std::fs::read(dump).ok()?;
    let head = String::from_utf8_lossy(&text[..text.len().min(4096)]).into_owned();
    let line = head.lines().find(|l| l.starts_with("desc: Trigger:"))?;
    line.split(DUMP_MARK).nth(1)?.trim().parse().ok()
}
