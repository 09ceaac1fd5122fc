//! Results kept by name: those `fastware bench cargo --save NAME` wrote
//! (`<target-dir>/fastware/bench/NAME.json`), and the criterion baselines of
//! the project (`<target-dir>/criterion`); and reading one side of a
//! comparison, which may be either, a file, or `DIR[@BASELINE]`.

use std::path::{Path, PathBuf};

use fastware_report::{Error, OutputFile};

use crate::input::Format;
use crate::results::Results;
use crate::saved::SavedResults;

/// A project's saved results and criterion baselines.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
    criterion: PathBuf,
    /// Names kept elsewhere (the run history), for hints.
    kept: Vec<String>,
}

impl Store {
    /// The store of the project whose target directory is `target_dir`.
    pub fn new(target_dir: &Path) -> Store {
        Store {
            dir: target_dir.join("fastware").join("bench"),
            criterion: target_dir.join("criterion"),
            kept: Vec::new(),
        }
    }

    /// The same store, knowing the names of results kept elsewhere (the run
    /// history), for the hint that lists what there is to compare.
    pub fn with_names(mut self, names: Vec<String>) -> Store {
        self.kept = names;
        self
    }

    /// The target directory of the project whose store this is.
    pub fn target_dir(&self) -> PathBuf {
        self.criterion.parent().map(Path::to_path_buf).unwrap_or_default()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    /// Saves `results` as `name`; returns the file.
    pub fn save(&self, results: &SavedResults, name: &str) -> Result<PathBuf, Error> {
        fastware_report::output::check_name(name)?;
        fastware_report::output::create_dir(&self.dir)?;
        let path = self.path(name);
        let mut f = OutputFile::create_owned(&path)?;
        fastware_report::json::write(&mut f, results)
            .map_err(|e| fastware_report::output::write_error(&path.display().to_string(), &e))?;
        f.commit()?;
        Ok(path)
    }

    /// Where copies of the bench binaries saved as `name` are kept.
    pub fn binaries_dir(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }

    /// Keeps copies of the bench binaries of results saved as `name`, so that
    /// they can run again after later builds replace them (`bench ab
    /// saved:NAME …`); returns the copies.
    pub fn save_binaries(&self, name: &str, binaries: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
        let dir = self.binaries_dir(name);
        let _ = std::fs::remove_dir_all(&dir);
        fastware_report::output::create_dir(&dir)?;
        binaries
            .iter()
            .map(|b| {
                let to = dir.join(b.file_name().unwrap_or(b.as_os_str()));
                std::fs::copy(b, &to).map(|_| to.clone()).map_err(|e| {
                    Error::from(fastware_report::output::OutputError::CannotCopy {
                        from: b.display().to_string(),
                        to: to.display().to_string(),
                        why: fastware_report::error::io_message(&e),
                    })
                })
            })
            .collect()
    }

    /// The copies of the bench binaries saved as `name`, sorted (none: empty).
    pub fn saved_binaries(&self, name: &str) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.binaries_dir(name))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        v.sort();
        v
    }

    /// The names results were saved under, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(str::to_string))
            .chain(self.kept.iter().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Results saved as `name`, else the criterion baseline `name`.
    pub fn read(&self, name: &str, force: Option<Format>) -> Result<Option<Results>, Error> {
        let saved = self.path(name);
        if saved.is_file() {
            return crate::input::read(&saved, None, force).map(Some);
        }
        if crate::criterion::baselines_in(&self.criterion).iter().any(|b| b == name) {
            return crate::criterion::read(&self.criterion, name).map(Some);
        }
        Ok(None)
    }

    /// What there is to compare, for a hint: `saved: a, b; criterion baselines: base, new`.
    pub fn known(&self) -> Option<String> {
        let mut known = Vec::new();
        let names = self.names();
        if !names.is_empty() {
            known.push(format!("saved: {}", names.join(", ")));
        }
        let baselines = crate::criterion::baselines_in(&self.criterion);
        if !baselines.is_empty() {
            known.push(format!("criterion baselines: {}", baselines.join(", ")));
        }
        (!known.is_empty()).then(|| known.join("; "))
    }
}

/// A criterion directory without `@BASELINE`: `new`, or its only baseline.
fn default_baseline(dir: &Path) -> Option<String> {
    let root = crate::criterion::root_of(dir)?;
    let names = crate::criterion::baselines_in(&root);
    if names.iter().any(|n| n == "new") {
        return Some("new".into());
    }
    match names.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Reads one side of a comparison: a file, `DIR[@BASELINE]`, or a name in
/// `store` (the project's, when there is one).
pub fn read_side(arg: &std::ffi::OsStr, force: Option<Format>, store: Option<&Store>) -> Result<Results, Error> {
    let p = Path::new(arg);
    if p.exists() {
        let baseline = if p.is_dir() { default_baseline(p) } else { None };
        return crate::input::read(p, baseline.as_deref(), force);
    }
    // names and DIR@BASELINE are text; other bytes can only be a path
    let Some(arg) = arg.to_str() else {
        let side = p.display().to_string();
        return Err(crate::BenchError::NoSuchSide { side, hint: "give a file or a directory".into() }.into());
    };
    if let Some((dir, baseline)) = arg.rsplit_once('@') {
        if Path::new(dir).is_dir() {
            return crate::input::read(Path::new(dir), Some(baseline), force);
        }
    }
    let missing = |hint: String| Error::from(crate::BenchError::NoSuchSide { side: arg.to_string(), hint });
    let Some(store) = store else {
        return Err(missing("give a file, or run in the project (or add --manifest-path)".into()));
    };
    if let Some(r) = store.read(arg, force)? {
        return Ok(r);
    }
    let hint = match store.known() {
        Some(k) => format!("this project has {k}"),
        None => "save results with `fastware bench cargo --save NAME`, or give a file".to_string(),
    };
    Err(missing(hint))
}
