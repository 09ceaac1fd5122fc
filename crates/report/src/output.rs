//! Output files written whole or not at all: data goes to a temporary file
//! next to the target, renamed into place on [`OutputFile::commit`]. An error
//! or an early return removes the temporary file, so nothing half-written is
//! left where the user asked for output.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{io_message, InputError};

/// A file being written; dropped without [`commit`](OutputFile::commit), it vanishes.
pub struct OutputFile {
    target: PathBuf,
    tmp: Option<PathBuf>,
    writer: BufWriter<File>,
}

impl std::fmt::Debug for OutputFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputFile").field("target", &self.target).finish()
    }
}

impl OutputFile {
    /// Starts writing `target`. Refuses to write over any of `inputs`.
    pub fn create(target: &Path, inputs: &[PathBuf]) -> Result<OutputFile, InputError> {
        let name = target.display().to_string();
        if inputs.iter().any(|i| same_file(i, target)) {
            return Err(InputError::input(&name, None, "the output would overwrite an input")
                .with_hint("choose another -o path"));
        }
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file_name = target.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let tmp = dir.join(format!(".{file_name}.fastware-{}.tmp", std::process::id()));
        let file = File::create(&tmp).map_err(|e| write_error(&name, &e))?;
        Ok(OutputFile { target: target.to_path_buf(), tmp: Some(tmp), writer: BufWriter::with_capacity(1 << 20, file) })
    }

    /// Finishes the file and moves it into place. Returns its size.
    pub fn commit(mut self) -> Result<u64, InputError> {
        let name = self.target.display().to_string();
        self.writer.flush().map_err(|e| write_error(&name, &e))?;
        self.writer.get_ref().sync_all().map_err(|e| write_error(&name, &e))?;
        let tmp = self.tmp.take().expect("temporary file until commit");
        std::fs::rename(&tmp, &self.target).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            write_error(&name, &e)
        })?;
        Ok(std::fs::metadata(&self.target).map(|m| m.len()).unwrap_or(0))
    }

    pub fn path(&self) -> &Path {
        &self.target
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer.write_all(buf)
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// "cannot write" for an output path: a failed run, not bad input.
pub fn write_error(path: &str, e: &io::Error) -> InputError {
    InputError {
        message: format!("cannot write: {}", io_message(e)),
        path: path.to_string(),
        offset: None,
        hint: None,
        bad_input: false,
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
