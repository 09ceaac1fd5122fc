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

/// The bytes of an input: mapped when it is a regular file (a 150 MB shared
/// library is not copied into memory to be parsed once), read otherwise.
#[derive(Debug)]
pub enum Bytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Read(v) => v,
        }
    }
}

/// All of `path`, an input of this run, mapped into memory when it is a
/// regular file that is not empty; read as [`read`] does otherwise.
pub fn map(path: &Path) -> Result<Bytes, Error> {
    let file = open(path)?;
    let meta = file.metadata().map_err(|e| Error::io(&path.display().to_string(), &e))?;
    if meta.is_file() && meta.len() > 0 {
        // SAFETY: the map is read only. A file another process truncates
        // while it is mapped makes reading the lost pages fault (SIGBUS):
        // the risk every mmap-reading tool (ripgrep, objdump's BFD) takes
        // for not copying its input; the tools fastware reads do not write
        // their outputs in place after they exit.
        #[allow(unsafe_code)]
        if let Ok(m) = unsafe { memmap2::Mmap::map(&file) } {
            return Ok(Bytes::Mapped(m));
        }
    }
    drop(file);
    read(path).map(Bytes::Read)
}

/// `path` from byte `offset` to its end, mapped into memory; `None` when it
/// is not a regular file or cannot be mapped (then read it instead). Pages
/// are mapped as they are touched, and dropping the map releases them: a
/// reader of a large file in pieces maps one piece's range at a time.
pub fn map_from(path: &Path, offset: u64) -> Result<Option<Bytes>, Error> {
    let file = open(path)?;
    let meta = file.metadata().map_err(|e| Error::io(&path.display().to_string(), &e))?;
    if !meta.is_file() || meta.len() <= offset {
        return Ok(None);
    }
    // SAFETY: as in `map`.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::MmapOptions::new().offset(offset).map(&file) };
    Ok(map.ok().map(Bytes::Mapped))
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
