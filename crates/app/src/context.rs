//! What a command is given besides its arguments: where the run history
//! is, where notes go, the cancellation handle, the tools it may run, and
//! the directory it was started in. The CLI makes one from the process's
//! environment ([`Ctx::from_env`]); a test makes one of its own (notes
//! collected, stand-in tools, another directory) and calls the commands
//! in-process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use fastware_core::Error;
use fastware_runner::{Cancel, Tool};

/// What the command line said about the run history.
#[derive(Debug, Clone, Default)]
pub struct HistoryConfig {
    /// `--no-history`: keep nothing.
    pub off: bool,
    /// `--store` or `FASTWARE_STORE`: a SQLite file or a PostgreSQL URL
    /// (`None`: the project's `<target-dir>/fastware/history.sqlite`).
    pub store: Option<String>,
}

/// Where the programs fastware runs are found: `PATH`, unless a test (or
/// `FASTWARE_CARGO`) names another.
#[derive(Debug, Clone, Default)]
pub struct Tools {
    /// Program name → the file to run instead.
    overrides: BTreeMap<String, PathBuf>,
    cargo: Option<String>,
}

impl Tools {
    /// Runs `file` whenever fastware would run `program` (a stand-in, in tests).
    pub fn with(mut self, program: &str, file: impl Into<PathBuf>) -> Tools {
        self.overrides.insert(program.to_string(), file.into());
        self
    }

    /// The measuring tool's file, or an error naming the package to install.
    pub fn find(&self, tool: &Tool) -> Result<PathBuf, Error> {
        match self.overrides.get(tool.program) {
            Some(p) => Ok(p.clone()),
            None => tool.find(),
        }
    }

    /// fastware's own executable (the rustc wrapper of its instrumented
    /// builds): a stand-in's `fastware`, else this process's.
    pub fn fastware(&self) -> Result<PathBuf, Error> {
        match self.overrides.get("fastware") {
            Some(p) => Ok(p.clone()),
            None => std::env::current_exe()
                .map_err(|e| crate::error::io(format!("cannot find fastware's own executable: {e}"))),
        }
    }

    /// The cargo to run: `FASTWARE_CARGO`, else the one that started us
    /// (`CARGO`), else `cargo`.
    pub fn cargo(&self) -> String {
        if let Some(c) = &self.cargo {
            return c.clone();
        }
        std::env::var("FASTWARE_CARGO").or_else(|_| std::env::var("CARGO")).unwrap_or_else(|_| "cargo".to_string())
    }
}

/// What a line beside the result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `note: …`: what the user should know about the result.
    Note,
    /// `warning: …`: something went wrong that did not stop the command.
    Warning,
    /// Where things went (a run kept): shown on a terminal only.
    Status,
}

/// Where notes go ("note: …" lines on stderr, in the CLI).
pub type Notes = Arc<dyn Fn(Level, &str) + Send + Sync>;

/// A command's context.
#[derive(Clone)]
pub struct Ctx {
    pub history: HistoryConfig,
    pub cancel: Cancel,
    pub tools: Tools,
    /// The directory the command runs in (relative paths, the project).
    pub cwd: PathBuf,
    notes: Notes,
    /// Progress may be drawn (stderr is a terminal).
    progress: bool,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("history", &self.history).field("cwd", &self.cwd).finish()
    }
}

impl Ctx {
    /// The context of a command started from a shell: the current
    /// directory, `FASTWARE_STORE`, notes on stderr, progress when stderr is
    /// a terminal.
    pub fn from_env(history: HistoryConfig) -> Result<Ctx, Error> {
        let cwd = std::env::current_dir().map_err(|e| crate::error::io(format!("no current directory: {e}")))?;
        let terminal = fastware_report::stderr_is_terminal();
        let notes: Notes = Arc::new(move |level: Level, text: &str| {
            use std::io::Write;
            let mut err = std::io::stderr().lock();
            let _ = match level {
                Level::Note => writeln!(err, "note: {text}"),
                Level::Warning => writeln!(err, "warning: {text}"),
                Level::Status if terminal => writeln!(err, "note: {text}"),
                Level::Status => Ok(()),
            };
        });
        Ok(Ctx { history, cancel: Cancel, tools: Tools::default(), cwd, notes, progress: terminal })
    }

    /// A context for tests: `cwd`, the store given, notes kept in the
    /// returned list, no progress.
    pub fn collecting(cwd: &Path, store: Option<String>) -> (Ctx, Arc<Mutex<Vec<String>>>) {
        let kept = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&kept);
        let notes: Notes = Arc::new(move |level: Level, text: &str| {
            let line = match level {
                Level::Warning => format!("warning: {text}"),
                _ => text.to_string(),
            };
            sink.lock().unwrap_or_else(|e| e.into_inner()).push(line)
        });
        let history = HistoryConfig { off: store.is_none(), store };
        let ctx =
            Ctx { history, cancel: Cancel, tools: Tools::default(), cwd: cwd.to_path_buf(), notes, progress: false };
        (ctx, kept)
    }

    /// The same context with other tools.
    pub fn with_tools(mut self, tools: Tools) -> Ctx {
        self.tools = tools;
        self
    }

    /// Says something beside the result (never fails the command).
    pub fn note(&self, text: &str) {
        (self.notes)(Level::Note, text)
    }

    /// Says what went wrong without stopping the command.
    pub fn warn(&self, text: &str) {
        (self.notes)(Level::Warning, text)
    }

    /// Says where things went, to a user watching (not to logs and pipes).
    pub fn status(&self, text: &str) {
        (self.notes)(Level::Status, text)
    }

    /// A spinner with `message` while something runs, when progress may be drawn.
    pub fn spinner(&self, message: &str) -> Option<indicatif::ProgressBar> {
        if !self.progress {
            return None;
        }
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar.set_message(message.to_string());
        Some(bar)
    }

    /// A bar of `total` steps with `message`, done/total and the time left,
    /// when progress may be drawn (stderr a terminal); advance it with `inc`.
    pub fn progress(&self, total: u64, message: &str) -> Option<indicatif::ProgressBar> {
        self.bar(total, message, "{msg} [{bar:30}] {pos}/{len} ({eta} left)")
    }

    /// A bar of `total` steps of unequal length (builds, runs): done/total
    /// and the time so far, no estimate of what is left; when progress may
    /// be drawn.
    pub fn steps(&self, total: u64) -> Option<indicatif::ProgressBar> {
        self.bar(total, "", "{msg} [{bar:30}] step {pos}/{len}, {elapsed}")
    }

    /// A bar of `total` drawn with indicatif's `template`.
    fn bar(&self, total: u64, message: &str, template: &str) -> Option<indicatif::ProgressBar> {
        if !self.progress {
            return None;
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(250));
        Some(bar)
    }

    /// Runs `f`, which reads `paths` (files, or directories of them), under
    /// a spinner naming how much it reads, when that is a lot (64 MiB or
    /// more: a second or so) and progress may be drawn.
    pub fn reading<T>(&self, paths: &[PathBuf], f: impl FnOnce() -> T) -> T {
        fn size(p: &Path, depth: usize) -> u64 {
            match std::fs::metadata(p) {
                Ok(m) if m.is_file() => m.len(),
                Ok(m) if m.is_dir() && depth < 4 => {
                    std::fs::read_dir(p).into_iter().flatten().flatten().map(|e| size(&e.path(), depth + 1)).sum()
                }
                _ => 0,
            }
        }
        let bar = if self.progress {
            let total: u64 = paths.iter().map(|p| size(p, 0)).sum();
            (total >= 64 << 20).then(|| {
                let what = match paths {
                    [one] => one.display().to_string(),
                    many => format!("{} inputs", many.len()),
                };
                self.spinner(&format!("reading {what} ({})", fastware_report::units::bytes(total)))
            })
        } else {
            None
        };
        let out = f();
        if let Some(b) = bar.flatten() {
            b.finish_and_clear();
        }
        out
    }

    /// "run K of N", and once a run has been timed, about how long the
    /// rest will take (runs whose own output fills the terminal, as
    /// `cargo bench`'s does, cannot have a bar drawn under them). `began`
    /// is when run 1 started; `label` says what runs.
    pub fn run_of(&self, k: u32, n: u32, began: std::time::Instant, label: &str) {
        let label = if label.is_empty() { String::new() } else { format!(": {label}") };
        let left = (k > 1).then(|| {
            let each = began.elapsed().as_nanos() as f64 / f64::from(k - 1);
            let rest = each * f64::from(n - k + 1);
            format!(" (about {} left)", fastware_report::units::duration(rest as i64))
        });
        self.note(&format!("run {k} of {n}{label}{}", left.unwrap_or_default()));
    }

    /// `note`, above `bar` when one is drawn.
    pub fn note_above(&self, bar: Option<&indicatif::ProgressBar>, text: &str) {
        match bar {
            Some(b) => b.suspend(|| self.note(text)),
            None => self.note(text),
        }
    }

    /// `path` as the user meant it: relative to the command's directory.
    pub fn path(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    /// Two runs took 4 s together: the third and fourth of five are said
    /// to have 6 s and 4 s left (2 s each, counted by hand).
    #[test]
    fn runs_say_how_long_the_rest_takes() {
        let (ctx, notes) = super::Ctx::collecting(std::path::Path::new("."), None);
        let now = Instant::now();
        ctx.run_of(1, 5, now, "");
        let began = now.checked_sub(Duration::from_secs(4)).expect("an instant 4 s ago");
        ctx.run_of(3, 5, began, "base (repeat 2 of 3)");
        let began = now.checked_sub(Duration::from_secs(6)).expect("an instant 6 s ago");
        ctx.run_of(4, 5, began, "");
        let said = notes.lock().expect("notes").clone();
        assert_eq!(said[0], "run 1 of 5");
        assert!(said[1].starts_with("run 3 of 5: base (repeat 2 of 3) (about 6.0"), "{}", said[1]);
        assert!(said[2].starts_with("run 4 of 5 (about 4.0"), "{}", said[2]);
    }
}
