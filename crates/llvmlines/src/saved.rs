//! Runs kept by name (`--save NAME`) in
//! `<target-dir>/fastware/llvm-lines/saved/NAME.json`: every crate's counts
//! per mangled symbol (schema `fastware/llvm-lines-data/1`), so that a diff
//! can group them any way.

use std::path::{Path, PathBuf};

use fastware_report::{Error, OutputFile};
use serde::{Deserialize, Serialize};

use crate::lines::CrateIr;

pub const SCHEMA: &str = "fastware/llvm-lines-data/1";

/// A counted build.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedLines {
    pub schema: String,
    pub profile: String,
    pub mangling: String,
    pub crates: Vec<CrateIr>,
}

impl SavedLines {
    pub fn new(profile: &str, mangling: &str, crates: Vec<CrateIr>) -> SavedLines {
        SavedLines { schema: SCHEMA.into(), profile: profile.into(), mangling: mangling.into(), crates }
    }
}

/// Where `--save NAME` keeps a run of the project whose target directory is `target_dir`.
pub fn path(target_dir: &Path, name: &str) -> PathBuf {
    target_dir.join("fastware").join("llvm-lines").join("saved").join(format!("{name}.json"))
}

pub fn save(s: &SavedLines, path: &Path) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::failed(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut f = OutputFile::create_owned(path)?;
    serde_json::to_writer(&mut f, s).map_err(|e| Error::failed(format!("cannot write {}: {e}", path.display())))?;
    f.commit()?;
    Ok(())
}

/// Reads a run saved with `--save`.
pub fn read(path: &Path) -> Result<SavedLines, Error> {
    let shown = path.display().to_string();
    if path.is_dir() {
        return Err(Error::input(&shown, None, "a directory, not a saved llvm-lines run"));
    }
    let text = fastware_report::input::read_to_string(path)?;
    fastware_report::json::read(&text, SCHEMA, &shown)
}
