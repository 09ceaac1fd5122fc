//! The `fastware` command line: parses arguments into the application's
//! argument types, calls one function of `fastware_app` per command, and
//! prints what comes back. Exit status: 0 success (also when stdout closes
//! early, as with `| head`), 1 a failed run, 2 bad arguments or bad input.

mod show;
mod signals;

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fastware_app::{Ctx, HistoryConfig};

pub use fastware_app::Error;

const ABOUT: &str = "Why is my Rust slow — at build time and at run time — and what do I change?";

const EXAMPLES: &str = "\
Examples:
  fastware build --deep                        why is my build slow? (cold release build, diagnosed)
  fastware build --hot src/main.rs             the rebuild after a change, diagnosed
  fastware trace target/release/deps/          where LLVM spent its time in a whole build
  fastware trace big.llvm_timings.json --by crate
  fastware self-profile profiles/ --by crate    where rustc spent its time, per crate
  fastware asm my_crate::parse --source        the machine code of a function in the release binary
  fastware inline parse                        was it inlined? copies, call sites, inlined places
  fastware diff --save before; …; fastware diff before   what changed in the machine code
  fastware bench compare before after          did it get faster? (criterion, libtest, hyperfine)
  fastware llvm-lines --all-crates --with-trace   which generic functions bloat the IR, and what LLVM spends on them
  fastware profile --bench parse               where a benchmark spends its time (perf; --callgrind)
  fastware explain HEAD~1 HEAD --run 'app in.txt'   why HEAD runs slower: the functions, the code, the cause
  fastware tasks rec.jsonl                     where an async program's time goes, per task (console-subscriber)
  fastware runs diff last~1 last --command build   every measuring run is kept: compare any two
  fastware doctor                              what this machine can do for each command, and the fixes
  cargo fastware trace --help                  the same tool as a cargo subcommand";

#[derive(Parser, Debug)]
#[command(name = "fastware", version, about = ABOUT, after_help = EXAMPLES, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Do not keep this run in the run history
    #[arg(long, global = true)]
    no_history: bool,
    /// The run history: a SQLite file [default: <target-dir>/fastware/history.sqlite; or FASTWARE_STORE]
    #[arg(long, global = true, value_name = "FILE")]
    store: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build the project once, measured, and say why it is slow and what to change
    Build(fastware_app::build::BuildCmd),
    /// Where LLVM spent its time: per function, crate, pass, module, file (-Zllvm-time-trace output)
    Trace(fastware_app::trace::TraceCmd),
    /// Where rustc spent its time: queries, trait solving, codegen, LTO (-Zself-profile output)
    #[command(name = "self-profile")]
    SelfProfile(fastware_app::selfprof::SelfProfileCmd),
    /// The machine code of a function, from the real artifact (calls named, source lines, inlining)
    Asm(fastware_app::asm::AsmCmd),
    /// Was a function inlined? Its copies, call sites and inlined places, in one verdict
    Inline(fastware_app::inline::InlineCmd),
    /// Code size by function, crate, generic set (with instantiation counts) or section
    Size(fastware_app::size::SizeCmd),
    /// Two builds compared: functions added, removed, changed; one function's instructions side by side
    Diff(fastware_app::diff::DiffCmd),
    /// Did it get faster? Benchmark results compared with real statistics; `cargo bench`, saved
    Bench(fastware_app::bench::BenchCmd),
    /// Why the program got slower between two builds: counts matched through inlining, the code that changed, findings
    Explain(Box<fastware_app::explain::ExplainArgs>),
    /// Where the running program spends its time: perf samples or callgrind counts, by function
    Profile(Box<fastware_app::profile::ProfileCmd>),
    /// Where the program allocates, how long the memory lives, and what to change (valgrind's DHAT)
    Heap(Box<fastware_app::heap::HeapCmd>),
    /// Where an async program's time goes, per task: busy, scheduled, idle, polls, wakes; findings (console-subscriber recordings)
    Tasks(fastware_app::tasks::TasksCmd),
    /// Build-configuration experiments, measured: cargo config values, RUSTFLAGS, linkers, cell by cell
    Matrix(Box<fastware_app::matrix::MatrixCmd>),
    /// Lines of LLVM IR and copies per function (monomorphisation bloat), every crate, with LLVM time
    #[command(name = "llvm-lines")]
    LlvmLines(Box<fastware_app::llvm_lines::LlvmLinesCmd>),
    /// Profile-guided optimisation in one command: instrumented build, workload, merge, optimised build, measured
    Pgo(fastware_app::pgo::PgoCmd),
    /// The runs kept in the history: list, show, diff two, trend, export, import, remove
    Runs(fastware_app::runs::RunsCmd),
    /// One self-contained HTML page of kept runs: each run's view, and trends
    Report(fastware_app::report::ReportCmd),
    /// What this machine and project can do for each command, and what to install or set for the rest
    Doctor(fastware_app::doctor::DoctorCmd),
}

/// Runs fastware with these arguments. `as_cargo` when started as
/// `cargo-fastware` (cargo passes `fastware` as the first argument).
pub fn main(mut args: Vec<OsString>, as_cargo: bool) -> ExitCode {
    // started by cargo as the rustc wrapper of fastware's instrumented builds
    if fastware_cargo::wrapper::is_wrapper_invocation(&args) {
        return ExitCode::from(fastware_cargo::wrapper::run_wrapper(&args).clamp(0, 255) as u8);
    }
    signals::install();
    let mut cmd = <Cli as clap::CommandFactory>::command();
    if as_cargo {
        if args.get(1).is_some_and(|a| a == "fastware") {
            args.remove(1);
        }
        cmd = cmd.bin_name("cargo fastware");
    }
    let matches = match cmd.clone().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            cmd.build();
            let at = show::missing_subcommand(&cmd, &args);
            if std::ptr::eq(at, &cmd) {
                // `fastware` alone: what it is and its commands, as `cargo` alone
                let _ = write!(io::stdout().lock(), "{}", show::overview(&cmd));
                return ExitCode::SUCCESS;
            }
            let _ = write!(io::stderr().lock(), "{}", show::one_line(&e, at));
            return ExitCode::from(2);
        }
        Err(e) if !e.use_stderr() => {
            // --help, --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = write!(io::stderr().lock(), "{}", show::one_line(&e, &cmd));
            return ExitCode::from(2);
        }
    };
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    let history = HistoryConfig {
        off: cli.no_history,
        store: cli.store.clone().or_else(|| std::env::var("FASTWARE_STORE").ok().filter(|s| !s.is_empty())),
    };
    // not locked for the whole command: a worker thread writing an output
    // to `-` (`trace slim … -o -` merges pieces on every core) would wait
    // forever for a lock this thread holds
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout());
    let result = Ctx::from_env(history).and_then(|ctx| dispatch(&ctx, cli.command, &mut out));
    let result = result.and_then(|()| out.flush().map_err(Error::from));
    show::exit(result, show::asks_json(&matches))
}

/// One call per command; what it returns is shown.
fn dispatch(ctx: &Ctx, command: Command, out: &mut dyn Write) -> Result<(), Error> {
    use fastware_app as app;
    match command {
        Command::Build(c) => show::done(app::build::run(ctx, &c)?, out),
        Command::Trace(c) => match &c.sub {
            Some(app::trace::TraceSub::Slim(s)) => {
                show::done(app::Done::wrote(app::trace::slim_trace(ctx, s)?, s.format, &s.output), out)
            }
            None => show::done(app::Done::new(app::trace::summary(ctx, &c.args)?, c.args.output.format), out),
        },
        Command::SelfProfile(c) => show::done(app::selfprof::run(ctx, &c)?, out),
        Command::Asm(c) => show::done(app::asm::run(ctx, &c)?, out),
        Command::Inline(c) => show::done(app::inline::run(ctx, &c)?, out),
        Command::Size(c) => show::done(app::size::run(ctx, &c)?, out),
        Command::Diff(c) => show::done(app::diff::run(ctx, &c)?, out),
        Command::Bench(c) => show::done(app::bench::run(ctx, &c)?, out),
        Command::Explain(c) => show::done(app::explain::run(ctx, &c)?, out),
        Command::Tasks(c) => show::done(app::tasks::run(ctx, &c)?, out),
        Command::Profile(c) => show::done(app::profile::run(ctx, &c)?, out),
        Command::Heap(c) => show::done(app::heap::run(ctx, &c)?, out),
        Command::Matrix(c) => show::done(app::matrix::run(ctx, &c)?, out),
        Command::LlvmLines(c) => show::done(app::llvm_lines::run(ctx, &c)?, out),
        Command::Pgo(c) => show::done(app::pgo::run(ctx, &c)?, out),
        Command::Runs(c) => show::done(app::runs::run(ctx, &c)?, out),
        Command::Report(c) => show::done(app::report::run(ctx, &c)?, out),
        Command::Doctor(c) => show::done(app::doctor::run(ctx, &c)?, out),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
