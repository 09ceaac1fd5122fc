//! The application: every fastware command as a function from its
//! arguments and a context ([`Ctx`]: the run history, notes, cancellation,
//! the tools it may run, its directory) to a typed result. It runs what
//! the feature crates describe — cargo builds, perf and valgrind runs,
//! benchmark binaries — keeps measuring runs in the history, and calls
//! other commands through these functions, never through their argv or
//! JSON. The `fastware` binary parses the command line into the argument
//! types here and renders what comes back; tests call the same functions
//! in-process with stand-in tools.
//!
//! The kinds of result the history keeps are registered once, in [`kinds`].

pub mod args;
pub mod artifact;
pub mod asm;
pub mod bench;
pub mod bench_ab;
pub mod bench_cargo;
pub mod bench_instructions;
pub mod build;
pub mod context;
pub mod diff;
pub mod doctor;
pub mod error;
pub mod explain;
pub mod heap;
pub mod history;
pub mod inline;
pub mod kinds;
pub mod llvm_lines;
pub mod llvm_lines_build;
pub mod matrix;
pub mod matrix_findings;
pub mod matrix_run;
pub mod pgo;
pub mod profile;
pub mod profile_diff;
pub mod profile_run;
pub mod report;
pub mod runs;
pub mod saved;
pub mod selfprof;
pub mod size;
pub mod tasks;
pub mod trace;
pub mod under_tool;

use std::path::PathBuf;

pub use args::{OutputArgs, SelectionArgs};
pub use context::{Ctx, HistoryConfig, Tools};
pub use fastware_core::Error;
pub use fastware_report::Format;

/// What a command gives back: its result, how the user asked to see it,
/// and the failure to report after showing it (the user's build failed, the
/// program exited non-zero, Ctrl-C: what was measured is still shown).
#[derive(Debug)]
pub struct Done<R> {
    pub result: R,
    /// `--format`.
    pub format: Format,
    /// The output file the command wrote, when its result only says what
    /// it wrote: when that file was standard output (`-o -`), the caller
    /// shows the result on standard error.
    pub wrote: Option<PathBuf>,
    pub failure: Option<Error>,
}

impl<R> Done<R> {
    pub fn new(result: R, format: Format) -> Done<R> {
        Done { result, format, wrote: None, failure: None }
    }

    /// A result that says what was written to `path`.
    pub fn wrote(result: R, format: Format, path: &std::path::Path) -> Done<R> {
        Done { result, format, wrote: Some(path.to_path_buf()), failure: None }
    }

    pub fn failing(mut self, failure: Option<Error>) -> Done<R> {
        self.failure = failure;
        self
    }

    /// The failure, as the command's own result once the result is shown.
    pub fn finish(self) -> Result<(), Error> {
        self.failure.map_or(Ok(()), Err)
    }

    /// The same, with its result as another type.
    pub fn map<S>(self, f: impl FnOnce(R) -> S) -> Done<S> {
        Done { result: f(self.result), format: self.format, wrote: self.wrote, failure: self.failure }
    }
}

/// Lines written as they are, byte for byte (collapsed stacks, exported runs): a command's
/// result for other tools.
#[derive(Debug, serde::Serialize)]
pub struct Lines(pub Vec<String>);

impl fastware_report::Render for Lines {
    fn text(&self, out: &mut fastware_report::Text<'_>) -> std::io::Result<()> {
        for l in &self.0 {
            writeln!(out.raw(), "{l}")?;
        }
        Ok(())
    }
}

/// A command's result that is one of several typed results (a command
/// with several views): serialised as the one it holds, rendered by it.
#[macro_export]
macro_rules! one_of {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $variant:ident($ty:ty)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, serde::Serialize)]
        #[serde(untagged)]
        // one value per command, made once: its size does not matter
        #[allow(clippy::large_enum_variant)]
        $vis enum $name { $($(#[$vm])* $variant($ty)),+ }

        impl fastware_report::Render for $name {
            fn text(&self, out: &mut fastware_report::Text<'_>) -> std::io::Result<()> {
                match self { $($name::$variant(r) => fastware_report::Render::text(r, out)),+ }
            }
            fn csv(&self) -> fastware_report::Result<fastware_report::Table> {
                match self { $($name::$variant(r) => fastware_report::Render::csv(r)),+ }
            }
            fn markdown(&self) -> fastware_report::Result<String> {
                match self { $($name::$variant(r) => fastware_report::Render::markdown(r)),+ }
            }
        }
    };
}
