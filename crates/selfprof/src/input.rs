//! Which profiles to read: files as given, directories searched for
//! `*.mm_profdata` (a whole build).

use std::path::{Path, PathBuf};

use fastware_report::Error;

use crate::SelfProfError;

/// Expands paths into profile files, sorted per directory. Profiles of
/// cargo's target-information probes (`___-<pid>.mm_profdata`, from
/// `rustc - --crate-name ___ --print …`) are left out of directories: they
/// are not crates.
pub fn resolve(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for p in paths {
        let name = p.display().to_string();
        let meta = std::fs::metadata(p).map_err(|e| Error::io(&name, &e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).map_err(|e| Error::io(&name, &e))?;
            found.retain(|f| !f.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("___-")));
            if found.is_empty() {
                return Err(Error::from(SelfProfError::NoProfiles).at(&name));
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    if out.is_empty() {
        return Err(Error::from(SelfProfError::NoInput).at("-"));
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "mm_profdata") {
            out.push(path);
        }
    }
    Ok(())
}
