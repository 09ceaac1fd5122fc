//! Opening the user's input files. Every file read here is [protected]: no
//! output of the same run may replace it, `--force` or not.
//!
//! [protected]: crate::output::protect

use std::fs::File;
use std::path::Path;

use crate::error::Error;

/// Opens `path` for reading, as an input of this run.
pub fn open(path: &Path) -> Result<File, Error> {
    let file = File::open(path).map_err(|e| Error::io(&path.display().to_string(), &e))?;
    crate::output::protect(path);
    Ok(file)
}

/// Reads all of `path`, an input of this run.
pub fn read(path: &Path) -> Result<Vec<u8>, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(&path.display().to_string(), &e))?;
    crate::output::protect(path);
    Ok(bytes)
}

/// Reads all of `path` as text, an input of this run.
pub fn read_to_string(path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(&path.display().to_string(), &e))?;
    crate::output::protect(path);
    Ok(text)
}
