//! Opening the user's input files. Every file read here is [protected]: no
//! output of the same run may replace it, `--force` or not.
//!
//! [protected]: crate::output::protect

use std::fs::File;
use std::path::Path;

use crate::error::Error;

/// Opens `path` for reading without waiting for a writer: a FIFO nothing
/// writes to reads as empty instead of blocking the open forever (a pipe
/// with a writer, as `<(cmd)` gives, reads as usual).
fn open_now(path: &Path) -> std::io::Result<File> {
    use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new().read(true).custom_flags(OFlags::NONBLOCK.bits() as i32).open(path)?;
    // reads block again: only the open had to not wait
    let flags = fcntl_getfl(&file)?;
    fcntl_setfl(&file, flags - OFlags::NONBLOCK)?;
    Ok(file)
}

/// Opens `path` for reading, as an input of this run.
pub fn open(path: &Path) -> Result<File, Error> {
    let file = open_now(path).map_err(|e| Error::io(&path.display().to_string(), &e))?;
    crate::output::protect(path);
    Ok(file)
}

/// Reads all of `path`, an input of this run.
pub fn read(path: &Path) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let mut file = open(path)?;
    let size = file.metadata().map_or(0, |m| m.len() as usize);
    let mut bytes = Vec::with_capacity(size);
    file.read_to_end(&mut bytes).map_err(|e| Error::io(&path.display().to_string(), &e))?;
    Ok(bytes)
}

/// Reads all of `path` as text, an input of this run.
pub fn read_to_string(path: &Path) -> Result<String, Error> {
    let bytes = read(path)?;
    String::from_utf8(bytes).map_err(|_| {
        Error::io(
            &path.display().to_string(),
            &std::io::Error::new(std::io::ErrorKind::InvalidData, "stream did not contain valid UTF-8"),
        )
    })
}
