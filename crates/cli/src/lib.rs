//! The `fastware` command line: parses arguments, calls the library crates,
//! renders their results. Exit status: 0 success (also when stdout closes
//! early, as with `| head`), 1 a failed run, 2 bad arguments or bad input.

mod commands;
mod signals;

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use fastware_report::Format;

pub use fastware_report::Error;

pub type CmdResult = Result<(), Error>;

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
  fastware runs diff last~1 last --command build   every measuring run is kept: compare any two
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
    Build(commands::build::BuildCmd),
    /// Where LLVM spent its time: per function, crate, pass, module, file (-Zllvm-time-trace output)
    Trace(commands::trace::TraceCmd),
    /// Where rustc spent its time: queries, trait solving, codegen, LTO (-Zself-profile output)
    #[command(name = "self-profile")]
    SelfProfile(commands::selfprof::SelfProfileCmd),
    /// The machine code of a function, from the real artifact (calls named, source lines, inlining)
    Asm(commands::asm::AsmCmd),
    /// Was a function inlined? Its copies, call sites and inlined places, in one verdict
    Inline(commands::inline::InlineCmd),
    /// Code size by function, crate, generic set (with instantiation counts) or section
    Size(commands::size::SizeCmd),
    /// Two builds compared: functions added, removed, changed; one function's instructions side by side
    Diff(commands::diff::DiffCmd),
    /// Did it get faster? Benchmark results compared with real statistics; `cargo bench`, saved
    Bench(commands::bench::BenchCmd),
    /// Where the running program spends its time: perf samples or callgrind counts, by function
    Profile(Box<commands::profile::ProfileCmd>),
    /// Where the program allocates, how long the memory lives, and what to change (valgrind's DHAT)
    Heap(Box<commands::heap::HeapCmd>),
    /// Build-configuration experiments, measured: cargo config values, RUSTFLAGS, linkers, cell by cell
    Matrix(Box<commands::matrix::MatrixCmd>),
    /// Lines of LLVM IR and copies per function (monomorphisation bloat), every crate, with LLVM time
    #[command(name = "llvm-lines")]
    LlvmLines(Box<commands::llvm_lines::LlvmLinesCmd>),
    /// Profile-guided optimisation in one command: instrumented build, workload, merge, optimised build, measured
    Pgo(commands::pgo::PgoCmd),
    /// The runs kept in the history: list, show, diff two, trend, export, import, remove
    Runs(commands::runs::RunsCmd),
    /// One self-contained HTML page of kept runs: each run's view, and trends
    Report(commands::report::ReportCmd),
}

/// `--format` and `--top`, shared by every reporting command.
#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    /// Output format
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Rows per table (0 = all) [default: 10 per section in a summary, 25 for one table]
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
}

impl OutputArgs {
    pub fn format(&self) -> Format {
        self.format
    }
}

/// Runs fastware with these arguments. `as_cargo` when started as
/// `cargo-fastware` (cargo passes `fastware` as the first argument).
pub fn main(mut args: Vec<OsString>, as_cargo: bool) -> ExitCode {
    // started by cargo as the rustc wrapper of `fastware build --deep`
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
    let matches = match cmd.try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) if !e.use_stderr() => {
            // --help, --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = write!(io::stderr().lock(), "{}", one_line(&e));
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
    commands::history::configure(commands::history::Config {
        off: cli.no_history,
        store: cli.store.clone().or_else(|| std::env::var("FASTWARE_STORE").ok().filter(|s| !s.is_empty())),
    });
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = match cli.command {
        Command::Build(c) => commands::build::run(c, &mut out),
        Command::Trace(c) => commands::trace::run(c, &mut out),
        Command::SelfProfile(c) => commands::selfprof::run(c, &mut out),
        Command::Asm(c) => commands::asm::run(c, &mut out),
        Command::Inline(c) => commands::inline::run(c, &mut out),
        Command::Size(c) => commands::size::run(c, &mut out),
        Command::Diff(c) => commands::diff::run(c, &mut out),
        Command::Bench(c) => commands::bench::run(c, &mut out),
        Command::Profile(c) => commands::profile::run(*c, &mut out),
        Command::Heap(c) => commands::heap::run(*c, &mut out),
        Command::Matrix(c) => commands::matrix::run(*c, &mut out),
        Command::LlvmLines(c) => commands::llvm_lines::run(*c, &mut out),
        Command::Pgo(c) => commands::pgo::run(c, &mut out),
        Command::Runs(c) => commands::runs::run(c, &mut out),
        Command::Report(c) => commands::report::run(c, &mut out),
    };
    let result = result.and_then(|()| out.flush().map_err(Error::from));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.status() == 0 => ExitCode::SUCCESS,
        Err(e) => {
            let mut err = io::stderr().lock();
            let _ = writeln!(err, "error: {e}");
            if let Some(h) = &e.hint {
                let _ = writeln!(err, "hint: {h}");
            }
            ExitCode::from(e.status())
        }
    }
}

/// Says what an output file holds (`report`, in `format`): on stdout, or on
/// stderr when the output itself went to stdout (`-o -`).
pub fn wrote(
    out: &mut dyn Write,
    target: &std::path::Path,
    report: &impl fastware_report::Render,
    format: Format,
) -> CmdResult {
    if fastware_report::output::is_stdout(target) {
        let mut text = Vec::new();
        fastware_report::emit(report, format, &mut text)?;
        match format {
            Format::Table => String::from_utf8_lossy(&text).lines().for_each(note),
            _ => io::stderr().lock().write_all(&text)?,
        }
        Ok(())
    } else {
        fastware_report::emit(report, format, out)
    }
}

/// clap's error as the one line every fastware error is, and a hint: clap's
/// own tip when it has one (a similar argument, a value to quote), else where
/// the usage is.
fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("error: bad arguments");
    let first = if first.starts_with("error:") { first.to_string() } else { format!("error: {first}") };
    let tip = text.lines().map(str::trim).find_map(|l| {
        l.strip_prefix("tip: ")
            .map(str::to_string)
            .or_else(|| Some(l.strip_prefix('[')?.strip_suffix(']')?.to_string()))
    });
    let hint = match tip {
        Some(t) => t,
        None => "see --help for the usage and examples".to_string(),
    };
    format!("{first}\nhint: {hint}\n")
}

/// Writes a note to stderr (never fails the command).
pub fn note(text: &str) {
    let _ = writeln!(io::stderr().lock(), "note: {text}");
}

/// A spinner on stderr with `message`, when stderr is a terminal (else
/// nothing: logs and pipes get no progress noise).
pub fn spinner(message: &str) -> Option<indicatif::ProgressBar> {
    if !fastware_report::stderr_is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar.set_message(message.to_string());
    Some(bar)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
