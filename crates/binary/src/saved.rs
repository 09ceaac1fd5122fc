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
        fastware_report::output::create_dir(&self.dir)?;
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
        crate::BinaryError::NotFound { name: Path::new(text).display().to_string() }.into()
    }
}

/// A build kept with `fastware diff --save NAME`: the copy (a file, kept
/// beside the history) and what it was. The history keeps this record under
/// the name; `diff NAME` finds the copy through it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SavedBuild {
    pub schema: String,
    pub name: String,
    /// What was saved: "bin inliner (release profile)", or a file's path.
    pub origin: String,
    /// The copy.
    pub path: PathBuf,
    pub bytes: u64,
}

/// The `schema` of a [`SavedBuild`].
pub const SCHEMA: &str = "fastware/saved-build/1";

impl SavedBuild {
    pub fn new(name: &str, origin: &str, path: &Path) -> SavedBuild {
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        SavedBuild { schema: SCHEMA.into(), name: name.into(), origin: origin.into(), path: path.to_path_buf(), bytes }
    }
}

impl fastware_report::Render for SavedBuild {
    fn text(&self, out: &mut fastware_report::Text<'_>) -> std::io::Result<()> {
        out.line(format_args!(
            "saved {} as `{}` ({}, {})",
            self.origin,
            self.name,
            self.path.display(),
            fastware_report::units::bytes(self.bytes)
        ))
    }
}

impl fastware_report::Kind for SavedBuild {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "diff";

    fn show(&self, _top: Option<usize>, out: &mut fastware_report::Text<'_>) -> std::io::Result<()> {
        fastware_report::Render::text(self, out)
    }
}
