//! `--save NAME`: a run named in the history, the one store of results.
//! Each command that saves keeps its whole model there (the profile, the
//! heap profile, the IR counts, the benchmark results — not a view cut to
//! `--top`); views apply when it is shown or compared. Large files (saved
//! binaries) stay files that the kept record points to.
//!
//! Names saved by fastware before the history was the store (files under
//! `<target-dir>/fastware/<kind>/NAME.json`) are still read: [`find`] falls
//! back to them.

use std::path::{Path, PathBuf};

use fastware_history::Store;
use fastware_report::Kind;

use crate::{history, Ctx, Error};

/// Names `--save` refuses: the words that address runs (`last`, `last~N`),
/// numbers (run ids), and anything with a slash, a leading dot or a control
/// character.
pub fn check_name(name: &str) -> Result<(), Error> {
    let why = if name.is_empty() {
        Some("an empty name")
    } else if name == "last" || name.starts_with("last~") {
        Some("`last` and `last~N` name the newest runs")
    } else if name.bytes().all(|b| b.is_ascii_digit()) {
        Some("a number names a run by its id")
    } else if name.contains('/') || name.starts_with('.') {
        Some("a name without slashes or a leading dot, like `before`")
    } else if name.chars().any(char::is_control) {
        Some("a name without control characters")
    } else {
        None
    };
    match why {
        Some(why) => Err(crate::error::argument(format!("--save {}: {why}", name.escape_debug()))
            .with_hint("give a name like `before` or `fix-1`")),
        None => Ok(()),
    }
}

/// What `--save NAME` needs, checked before anything runs: a usable name,
/// and a history to keep it in.
pub fn check(ctx: &Ctx, name: &str) -> Result<(), Error> {
    check_name(name)?;
    if ctx.history.off {
        return Err(crate::error::argument("--save keeps the run in the history, and --no-history keeps nothing")
            .with_hint("leave out one of them"));
    }
    Ok(())
}

/// Keeps `result` in the history as `name`; unlike a run kept in passing, a
/// run the user named must be kept, or the command fails.
pub fn keep<K: Kind>(ctx: &Ctx, project: &Path, target_dir: &Path, name: &str, result: &K) -> Result<i64, Error> {
    keep_at(ctx, &history::At { project, target_dir, commit: None }, name, result)
}

/// [`keep`] of a run kept [`history::At`] a given revision (a side of `bench ab`).
pub fn keep_at<K: Kind>(ctx: &Ctx, at: &history::At<'_>, name: &str, result: &K) -> Result<i64, Error> {
    check(ctx, name)?;
    let id = history::record_or_fail_at(ctx, at, Some(name), result)?;
    ctx.note(&format!("saved as `{name}` (run {id} in the history)"));
    Ok(id)
}

/// Where an earlier fastware saved a result as a file, and how to read it.
pub type Legacy<'a, K> = (PathBuf, &'a dyn Fn(&Path) -> Result<K, Error>);

/// The result of kind `K` saved as `name` for the project whose target
/// directory is `target_dir`: in the history, else in the file an earlier
/// fastware saved it to (`legacy`, read by `read_legacy`). `None` when
/// neither has it.
pub fn find<K: Kind>(
    ctx: &Ctx,
    target_dir: &Path,
    name: &str,
    legacy: Option<Legacy<'_, K>>,
) -> Result<Option<K>, Error> {
    if let Some(run) = find_run(ctx, target_dir, name, K::COMMAND)? {
        if K::reads(&run.info.kind) {
            return Ok(Some(run.result_as::<K>()?));
        }
        return Err(crate::error::mismatch(format!("`{name}` is a {} run, not a {} result", run.info.kind, K::SCHEMA)));
    }
    match legacy {
        Some((path, read)) if path.is_file() => Ok(Some(read(&path)?)),
        _ => Ok(None),
    }
}

/// The run of `command` named `name` in the project's store, when the
/// store exists (a lookup never creates one).
fn find_run(ctx: &Ctx, target_dir: &Path, name: &str, command: &str) -> Result<Option<fastware_history::Run>, Error> {
    let at = history::location(ctx, Some(target_dir))?;
    let is_url = fastware_history::store::is_url(&at);
    if !is_url && !Path::new(&at).is_file() {
        return Ok(None);
    }
    let mut store = Store::open_read(&at)?;
    store.find_named(name, command)
}

/// The names of the runs of kind `K` kept for the project (for hints);
/// none without a store.
pub fn names<K: Kind>(ctx: &Ctx, target_dir: &Path) -> Vec<String> {
    let Ok(at) = history::location(ctx, Some(target_dir)) else { return Vec::new() };
    let is_url = fastware_history::store::is_url(&at);
    if !is_url && !Path::new(&at).is_file() {
        return Vec::new();
    }
    let filter = fastware_history::Filter { kind: Some(K::SCHEMA.into()), ..Default::default() };
    match Store::open_read(&at).and_then(|mut s| s.list(&filter)) {
        Ok(runs) => runs.into_iter().filter_map(|r| r.name).collect(),
        Err(_) => Vec::new(),
    }
}

/// The kind (schema) of the run of `command` named `name`, when the
/// project's store has one.
pub fn kind_of(ctx: &Ctx, target_dir: &Path, name: &str, command: &str) -> Option<String> {
    find_run(ctx, target_dir, name, command).ok().flatten().map(|r| r.info.kind)
}
