//! Running the real artifact under a measuring tool, for `profile` and
//! `heap`: the tool found before anything is built, the artifact built (or
//! found fresh) as `asm` does, a benchmark's `--bench [FILTER]` arguments,
//! the recording's directory, Ctrl-C passed on, and how the run ended.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fastware_runner::ScratchDir;

use crate::artifact::{ArtifactArgs, Loaded};
use crate::{Ctx, Error};

/// The artifact ready to run: its path, its arguments, where to record.
pub struct Prepared {
    pub loaded: Loaded,
    pub program: PathBuf,
    pub args: Vec<String>,
    /// `<target-dir>/fastware/<kind>`, or a scratch directory outside a project.
    pub dir: PathBuf,
    /// Outside a project: the recording's directory, removed when done.
    scratch: Option<ScratchDir>,
}

impl Prepared {
    /// Builds or finds the artifact. `criterion_secs`: the `--profile-time`
    /// a criterion benchmark runs with under this tool.
    pub fn new(
        ctx: &Ctx,
        artifact: &ArtifactArgs,
        frame_pointers: bool,
        user_args: &[String],
        kind: &str,
        criterion_secs: u32,
    ) -> Result<Prepared, Error> {
        let loaded = artifact.load_with(ctx, frame_pointers)?;
        // a stripped binary's frames could not be named
        loaded.need_symbols()?;
        let program = loaded.binary.path.clone();
        let args = match &artifact.bench {
            Some(bench) => {
                let criterion = loaded.binary.symbols.iter().any(|s| s.raw.contains("criterion"));
                let (args, note) =
                    fastware_runner::bench_args(bench.get(1).map(String::as_str), user_args, criterion, criterion_secs);
                if let Some(n) = note {
                    ctx.note(&n);
                }
                args
            }
            None => user_args.to_vec(),
        };
        let (dir, scratch) = match &loaded.project {
            Some(p) => {
                let dir = p.fastware_dir().join(kind);
                std::fs::create_dir_all(&dir)
                    .map_err(|e| crate::error::io(format!("cannot create {}: {e}", dir.display())))?;
                (dir, None)
            }
            // outside a project the recording is read, then removed
            None => {
                let s = ScratchDir::new(kind)?;
                (s.0.clone(), Some(s))
            }
        };
        Ok(Prepared { loaded, program, args, dir, scratch })
    }

    /// The program's command line, for headers and notes.
    pub fn shown(&self) -> String {
        fastware_runner::shown(&self.program, &self.args)
    }

    /// The git commit of the project the artifact was built from.
    pub fn commit(&self) -> Option<String> {
        self.loaded.project.as_ref().and_then(|p| fastware_cargo::bench::git_commit(&p.workspace_root))
    }

    /// Runs `cmd` (the tool with the program), which records into `output`.
    /// The program's output goes to stderr (stdout is the report's); Ctrl-C
    /// stops the program and the tool keeps what it recorded. Returns the
    /// failure to report after the recording, when the run did not end well.
    /// `log`: where the tool writes its own messages (valgrind's banner and
    /// summary), shown only when the run did not end well.
    pub fn record(
        &self,
        ctx: &Ctx,
        mut cmd: Command,
        output: &Path,
        tool: &str,
        log: Option<&Path>,
    ) -> Result<Option<Error>, Error> {
        ctx.note(&format!("running {} under {tool}", self.shown()));
        let _ = std::fs::remove_file(output);
        if let Some(log) = log {
            let _ = std::fs::remove_file(log);
        }
        ctx.cancel.listen();
        // on a terminal: a spinner with the time so far below the
        // program's output, which passes through above it
        let outcome = match ctx.spinner(&format!("running under {tool}")) {
            Some(bar) => {
                let relay = |chunk: &[u8]| {
                    use std::io::Write;
                    bar.suspend(|| {
                        let _ = std::io::stderr().lock().write_all(chunk);
                    });
                };
                let outcome = fastware_runner::run_relayed(cmd, &relay);
                bar.finish_and_clear();
                outcome?
            }
            None => {
                cmd.stdout(Stdio::from(std::io::stderr()));
                fastware_runner::run(cmd)?
            }
        };
        if let Some(log) = log {
            if !output.is_file() || outcome.failure().is_some() {
                show_log(log);
            } else if self.scratch.is_none() {
                ctx.note(&format!("{tool}'s own messages are in {}", log.display()));
            }
        }
        if !output.is_file() {
            return Err(crate::error::run_failed(format!(
                "{tool} wrote nothing ({})",
                match (&outcome.status, &outcome.signal) {
                    (Some(s), _) => format!("exit status {s}"),
                    (None, Some(sig)) => format!("killed by {sig}"),
                    (None, None) => "no exit status".to_string(),
                }
            ))
            .with_hint("its messages are above"));
        }
        if outcome.interrupted {
            ctx.note("interrupted: reporting what was recorded until then");
        }
        Ok(outcome.failure())
    }
}

/// The tool's own messages, on stderr as it wrote them.
fn show_log(log: &Path) {
    use std::io::Write;
    if let Ok(text) = std::fs::read(log) {
        let _ = std::io::stderr().lock().write_all(&text);
    }
}
