//! Showing what a command returned: its result in the format asked for (on
//! stderr when the command's output file was stdout), then its failure;
//! errors as one line and a hint, with the exit status of their kind.

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

/// The exit status of a command's result; an error said on stderr.
pub fn exit(result: Result<(), Error>) -> ExitCode {
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

/// clap's error as the one line every fastware error is, and a hint: clap's
/// own tip when it has one (a similar argument, a value to quote), else where
/// the usage is.
pub fn one_line(e: &clap::Error) -> String {
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
