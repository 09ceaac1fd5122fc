//! Builds kept by name (`fastware diff --save NAME`), in
//! `<target-dir>/fastware/binaries/`, to compare a later build with.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

use fastware_report::{Error, OutputFile};

/// A project's saved builds.
#[derive(Debug, Clone)]
pub struct SavedBuilds {
    dir: PathBuf,
}

impl SavedBuilds {
    /// The saved builds of the project whose target directory is `target_dir`.
    pub fn new(target_dir: &Path) -> SavedBuilds {
        SavedBuilds { dir: target_dir.join("fastware").join("binaries") }
    }

    /// Keeps a copy of `file` as `name`; returns the copy's path.
    pub fn save(&self, name: &str, file: &Path) -> Result<PathBuf, Error> {
        fastware_report::output::check_name(name)?;
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| Error::failed(format!("cannot create {}: {e}", self.dir.display())))?;
        let dest = self.dir.join(name);
        let data = fastware_report::input::read(file)?;
        let mut f = OutputFile::create_owned(&dest)?;
        f.write_all(&data).map_err(|e| fastware_report::output::write_error(&dest.display().to_string(), &e))?;
        f.commit()?;
        Ok(dest)
    }

    /// A file path (any bytes the system allows), or the name of a build saved here.
    pub fn resolve(store: Option<&SavedBuilds>, text: &OsStr) -> Option<PathBuf> {
        let p = Path::new(text);
        // a path that exists is the user's file, of whatever kind: opening it says what is wrong
        if p.exists() {
            return Some(p.to_path_buf());
        }
        let saved = store?.dir.join(text);
        saved.is_file().then_some(saved)
    }

    /// The error for a name that is neither a file nor a saved build.
    pub fn not_found(text: &OsStr) -> Error {
        Error::bad_input(format!("{}: no such file, and no build saved under that name", Path::new(text).display()))
            .with_hint("save one with `fastware diff --save NAME`, or give a file")
    }
}
