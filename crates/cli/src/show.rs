//! Showing what a command returned: its result in the format asked for (on
//! stderr when the command's output file was stdout), then its failure;
//! errors as one line and a hint, with the exit status of their kind.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use fastware_app::{Done, Error, Format};
use fastware_report::Render;

/// Writes `done`'s result, then returns its failure.
pub fn done<R: Render>(done: Done<R>, out: &mut dyn Write) -> Result<(), Error> {
    let to_stderr = done.wrote.as_deref().is_some_and(fastware_report::output::is_stdout);
    if to_stderr {
        let mut text = Vec::new();
        fastware_report::emit(&done.result, done.format, &mut text)?;
        let mut err = io::stderr().lock();
        match done.format {
            Format::Table => String::from_utf8_lossy(&text).lines().for_each(|l| {
                let _ = writeln!(err, "note: {l}");
            }),
            _ => {
                let _ = err.write_all(&text);
            }
        }
    } else {
        fastware_report::emit(&done.result, done.format, out)?;
    }
    if done.failure.is_some() {
        // what was measured is shown before the failure is said
        out.flush()?;
    }
    done.finish()
}

/// Whether the command asked for `--format json`.
pub fn asks_json(m: &clap::ArgMatches) -> bool {
    let mut m = m;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    matches!(m.try_get_one::<Format>("format"), Ok(Some(Format::Json)))
}

/// The exit status of a command's result; an error said on stderr — as
/// one JSON object when the command asked for JSON (`fastware/error/1`:
/// the message, whose fault, the library's kind of error, the file and
/// byte, the hint, the exit status).
pub fn exit(result: Result<(), Error>, json: bool) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.status() == 0 => ExitCode::SUCCESS,
        Err(e) if json => {
            let fault = match e.kind {
                fastware_report::ErrorKind::BadInput => "bad input",
                fastware_report::ErrorKind::Failed => "failed",
                fastware_report::ErrorKind::Interrupted => "interrupted",
                fastware_report::ErrorKind::OutputClosed => "output closed",
            };
            let v = serde_json::json!({
                "schema": "fastware/error/1",
                "error": e.to_string(),
                "message": e.message,
                "fault": fault,
                "kind": e.code(),
                "path": e.path,
                "byte": e.offset,
                "hint": e.hint,
                "exit": e.status(),
            });
            let _ = writeln!(io::stderr().lock(), "{v}");
            ExitCode::from(e.status())
        }
        Err(e) => {
            let mut err = io::stderr().lock();
            let _ = writeln!(err, "error: {}", cut(&e.to_string()));
            if let Some(h) = &e.hint {
                let _ = writeln!(err, "hint: {h}");
            }
            ExitCode::from(e.status())
        }
    }
}

/// Where the command line stopped short of a command: the command (or
/// group) whose subcommand is missing, found by following `args` down `cmd`.
pub fn missing_subcommand<'a>(cmd: &'a clap::Command, args: &[OsString]) -> &'a clap::Command {
    let mut at = cmd;
    for a in args.iter().skip(1).filter_map(|a| a.to_str()) {
        match at.find_subcommand(a) {
            Some(sub) => at = sub,
            None if a.starts_with('-') => continue,
            None => break,
        }
    }
    at
}

/// The subcommands a user picks from (not clap's `help`).
fn shown(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands().filter(|c| !c.is_hide_set() && c.get_name() != "help")
}

/// What `fastware` alone prints, as `cargo` alone does: what it is for, the
/// usage, and one line per command.
pub fn overview(cmd: &clap::Command) -> String {
    let name = cmd.get_bin_name().unwrap_or(cmd.get_name());
    let mut s = format!(
        "{}\n\nUsage: {name} [OPTIONS] <COMMAND>\n\nCommands:\n",
        cmd.get_about().map(|a| a.to_string()).unwrap_or_default()
    );
    let shown: Vec<&clap::Command> = shown(cmd).collect();
    let width = shown.iter().map(|c| c.get_name().len()).max().unwrap_or(0);
    for c in shown {
        let about = c.get_about().map(|a| a.to_string()).unwrap_or_default();
        s.push_str(&format!("  {:width$}  {about}\n", c.get_name()));
    }
    s.push_str(&format!("\nSee '{name} <COMMAND> --help' for one command, '{name} --help' for examples.\n"));
    s
}

/// clap's error as the one line every fastware error is, and a hint: clap's
/// own tip when it has one (a similar argument, a value to quote), else where
/// the usage is. `at` is the command the error is about (its subcommands are
/// named when one is missing).
pub fn one_line(e: &clap::Error, at: &clap::Command) -> String {
    let text = e.render().to_string();
    if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // clap prints the whole help: say what is missing instead
        let subcommands: Vec<&str> = shown(at).map(|c| c.get_name()).collect();
        return format!(
            "error: a subcommand is missing: {}\nhint: see --help for what each does, with examples\n",
            subcommands.join(", ")
        );
    }
    let mut lines = text.lines();
    let first = lines.next().map(str::trim).unwrap_or("error: bad arguments");
    let mut first = if first.starts_with("error:") { first.to_string() } else { format!("error: {first}") };
    if first.ends_with(':') {
        // "the following required arguments were not provided:" and the
        // list under it, on the one line
        let listed: Vec<&str> = lines.map(str::trim).take_while(|l| !l.is_empty()).collect();
        first = format!("{first} {}", listed.join(", "));
    }
    let first = cut(&first);
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

/// An error line of a sane length: an input echoed whole (a 100,000-character
/// `--regex`) is cut in the middle.
fn cut(line: &str) -> String {
    const HEAD: usize = 240;
    const TAIL: usize = 80;
    let chars = line.chars().count();
    if chars <= HEAD + TAIL + 40 {
        return line.to_string();
    }
    let head: String = line.chars().take(HEAD).collect();
    let tail: String = line.chars().skip(chars - TAIL).collect();
    format!("{head}… ({} characters left out) …{tail}", chars - HEAD - TAIL)
}
