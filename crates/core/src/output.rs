//! Where fastware writes what the user asked for (`-o`, `--html`): never
//! over a file of the user's, whole or not at all, and streams as streams.
//!
//! - A regular file is written to a temporary file next to it, created when
//!   the first byte is written and renamed into place on
//!   [`OutputFile::commit`]; an error, an early return or a signal
//!   ([`remove_temporaries`], called by the CLI's signal handler) removes it,
//!   so nothing half-written is left. A replaced file keeps its permissions.
//! - `-`, `/dev/stdout`, devices, FIFOs and sockets are written directly:
//!   the user asked for a stream, and renaming a file over a device node
//!   would replace it.
//! - A regular file is only replaced when fastware wrote it (its first or
//!   last bytes carry fastware's generator mark, see [`MARKS`]). Inside a
//!   cargo project, files cargo reads (`Cargo.toml`, `Cargo.lock`, `*.rs`,
//!   `.cargo/`, toolchain files) and files git tracks are never written,
//!   new or not, and nothing inside a `.git` directory.
//! - Nothing this process read as an input is ever written: the inputs a
//!   command names, every file opened through [`crate::input`] (saved
//!   results found by name, a matrix plan) and the run history's store
//!   ([`protect`]).
//!
//! `force` lifts one rule only: an existing file fastware did not write may
//! be replaced. Inputs, the store, files cargo reads and files git tracks
//! stay out of reach, forced or not.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{io_message, Error};

/// What fastware writes into its outputs so that it can tell them from the
/// user's files: a JSON trace's `"otherData":{"generator":"fastware …"}`,
/// the HTML page's generator meta tag, the SVG's comment.
pub const MARKS: [&[u8]; 4] = [
    b"\"generator\":\"fastware",
    b"<meta name=\"generator\" content=\"fastware",
    b"<!-- generator: fastware",
    // a speedscope file's own field for the program that wrote it
    b"\"exporter\":\"fastware",
];

/// The comment that marks an SVG as fastware's (after the XML declaration).
pub const SVG_MARK: &str = "<!-- generator: fastware -->";

/// Temporary files being written, removed by [`remove_temporaries`].
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Files this process reads (inputs, the store): never an output's target.
static PROTECTED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Marks `path` as an input of this run: no output may replace it, with
/// `--force` or without. Called for every input file read (see
/// [`crate::input`]) and for the run history's store.
pub fn protect(path: &Path) {
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| absolute(path));
    let mut list = PROTECTED.lock().unwrap_or_else(|e| e.into_inner());
    if !list.contains(&key) {
        list.push(key);
    }
}

/// True when `target` is a file this process read as an input.
fn protected(target: &Path) -> bool {
    let key = std::fs::canonicalize(target).unwrap_or_else(|_| absolute(target));
    PROTECTED.lock().unwrap_or_else(|e| e.into_inner()).contains(&key)
}

/// Removes every temporary output file still being written. For signal
/// handlers: the process is about to end without unwinding.
pub fn remove_temporaries() {
    let list = TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner());
    for p in list.iter() {
        let _ = std::fs::remove_file(p);
    }
}

fn register(p: &Path) {
    TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner()).push(p.to_path_buf());
}

fn unregister(p: &Path) {
    TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner()).retain(|x| x != p);
}

enum Sink {
    /// A regular file: nothing written yet.
    Pending,
    /// A regular file being written to its temporary file.
    Temporary { tmp: PathBuf, writer: BufWriter<File> },
    /// A device, FIFO, socket or standard output, written directly.
    Stream(BufWriter<Box<dyn Write + Send>>),
}

/// A file being written; dropped without [`commit`](OutputFile::commit), it vanishes.
pub struct OutputFile {
    target: PathBuf,
    sink: Sink,
    /// The permissions of the file being replaced.
    keep_permissions: Option<std::fs::Permissions>,
    written: u64,
}

impl std::fmt::Debug for OutputFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputFile").field("target", &self.target).finish()
    }
}

impl OutputFile {
    /// Starts writing `target`, which the user named: [`check`](Self::check)
    /// and then, for a device, FIFO or standard output, open it.
    pub fn create(target: &Path, inputs: &[PathBuf], force: bool) -> Result<OutputFile, Error> {
        let target = Self::check(target, inputs, force)?;
        let name = target.display().to_string();
        if let Some(stream) = open_stream(&target).map_err(|e| write_error(&name, &e))? {
            return Ok(OutputFile { target, sink: Sink::Stream(stream), keep_permissions: None, written: 0 });
        }
        Self::regular(&target)
    }

    /// Checks that `target` may be written, without opening or creating
    /// anything (a FIFO checked here is not opened, so its reader sees no
    /// end of file): refuses `inputs`, every file this process read
    /// ([`protect`]), files cargo reads and git tracks, a symlink to
    /// nothing, and (unless `force`) an existing file of the user's.
    /// Returns the path to write: a symlink's file, or `target`.
    pub fn check(target: &Path, inputs: &[PathBuf], force: bool) -> Result<PathBuf, Error> {
        let name = target.display().to_string();
        if is_stdout(target) || target == Path::new("/dev/stderr") {
            return Ok(target.to_path_buf());
        }
        if inputs.iter().any(|i| same_file(i, target)) || protected(target) {
            return Err(Error::input(&name, None, "the output would overwrite an input of this command")
                .with_hint("choose another output path (--force never lets an output replace an input)"));
        }
        let resolved = match std::fs::symlink_metadata(target) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(target) {
                Ok(to) => to,
                Err(_) => {
                    return Err(Error::input(&name, None, "a symlink to a file that does not exist")
                        .with_hint("name the file to write itself, not a dangling link"))
                }
            },
            _ => target.to_path_buf(),
        };
        if resolved != target && (inputs.iter().any(|i| same_file(i, &resolved)) || protected(&resolved)) {
            return Err(Error::input(&name, None, "the output would overwrite an input of this command")
                .with_hint("choose another output path (--force never lets an output replace an input)"));
        }
        if is_stream(&resolved) {
            return Ok(resolved);
        }
        refuse_users_file(&resolved, force)?;
        if std::fs::metadata(&resolved).is_ok_and(|m| m.is_dir()) {
            return Err(Error::input(&name, None, "the output path is a directory")
                .with_hint("give a file name, e.g. -o out.json"));
        }
        Ok(resolved)
    }

    /// Starts writing `target` inside fastware's own directory
    /// (`<target-dir>/fastware/…`), where every file is fastware's.
    pub fn create_owned(target: &Path) -> Result<OutputFile, Error> {
        Self::regular(target)
    }

    fn regular(target: &Path) -> Result<OutputFile, Error> {
        let name = target.display().to_string();
        let keep_permissions = match std::fs::metadata(target) {
            Ok(m) if m.is_dir() => {
                return Err(Error::input(&name, None, "the output path is a directory")
                    .with_hint("give a file name, e.g. -o out.json"))
            }
            Ok(m) => Some(m.permissions()),
            Err(_) => None,
        };
        Ok(OutputFile { target: target.to_path_buf(), sink: Sink::Pending, keep_permissions, written: 0 })
    }

    /// Finishes the file and moves it into place. Returns the bytes written.
    pub fn commit(mut self) -> Result<u64, Error> {
        let name = self.target.display().to_string();
        if matches!(self.sink, Sink::Pending) {
            self.start().map_err(|e| write_error(&name, &e))?;
        }
        match std::mem::replace(&mut self.sink, Sink::Pending) {
            Sink::Pending => unreachable!("started above"),
            Sink::Stream(mut w) => {
                w.flush().map_err(|e| write_error(&name, &e))?;
            }
            Sink::Temporary { tmp, mut writer } => {
                let done = writer.flush().and_then(|()| writer.get_ref().sync_all());
                let done = done.and_then(|()| match &self.keep_permissions {
                    Some(p) => writer.get_ref().set_permissions(p.clone()),
                    None => Ok(()),
                });
                drop(writer);
                let done = done.and_then(|()| std::fs::rename(&tmp, &self.target));
                if let Err(e) = done {
                    let _ = std::fs::remove_file(&tmp);
                    unregister(&tmp);
                    return Err(write_error(&name, &e));
                }
                unregister(&tmp);
            }
        }
        Ok(self.written)
    }

    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Creates the temporary file, at the first write.
    fn start(&mut self) -> io::Result<()> {
        let dir = match self.target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file_name = self.target.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let tmp = dir.join(format!(".{file_name}.fastware-{}.tmp", std::process::id()));
        register(&tmp);
        match File::create(&tmp) {
            Ok(file) => {
                self.sink = Sink::Temporary { tmp, writer: BufWriter::with_capacity(1 << 20, file) };
                Ok(())
            }
            Err(e) => {
                unregister(&tmp);
                Err(e)
            }
        }
    }

    fn writer(&mut self) -> io::Result<&mut dyn Write> {
        if matches!(self.sink, Sink::Pending) {
            self.start()?;
        }
        Ok(match &mut self.sink {
            Sink::Pending => unreachable!("started above"),
            Sink::Temporary { writer, .. } => writer,
            Sink::Stream(w) => w,
        })
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.writer()?.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Pending => Ok(()),
            Sink::Temporary { writer, .. } => writer.flush(),
            Sink::Stream(w) => w.flush(),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer()?.write_all(buf)?;
        self.written += buf.len() as u64;
        Ok(())
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let Sink::Temporary { tmp, .. } = &self.sink {
            let _ = std::fs::remove_file(tmp);
            unregister(tmp);
        }
    }
}

/// True for a path written as a stream: an existing device, FIFO or socket
/// (also through a symlink such as `/dev/fd/N`), or a file under `/proc` or
/// `/sys`.
fn is_stream(target: &Path) -> bool {
    let special = std::fs::metadata(target).is_ok_and(|m| !m.is_file() && !m.is_dir());
    special || (target.is_absolute() && (target.starts_with("/proc") || target.starts_with("/sys")))
}

/// `-` and `/dev/stdout` are standard output, `/dev/stderr` standard error;
/// a [stream](is_stream) is opened for writing as it is. `None`: a regular
/// file (or a new one).
fn open_stream(target: &Path) -> io::Result<Option<BufWriter<Box<dyn Write + Send>>>> {
    let stream = |w: Box<dyn Write + Send>| Ok(Some(BufWriter::with_capacity(1 << 16, w)));
    if is_stdout(target) {
        return stream(Box::new(io::stdout()));
    }
    if target == Path::new("/dev/stderr") {
        return stream(Box::new(io::stderr()));
    }
    if is_stream(target) {
        let f = std::fs::OpenOptions::new().write(true).open(target)?;
        return stream(Box::new(f));
    }
    Ok(None)
}

/// Fails when `target` is a file cargo reads or git tracks (always), or,
/// unless `force`, an existing file fastware did not write.
fn refuse_users_file(target: &Path, force: bool) -> Result<(), Error> {
    let name = target.display().to_string();
    let never = |why: &str| {
        Err(Error::input(&name, None, why.to_string())
            .with_hint("fastware never writes over your project's files: choose another path"))
    };
    let abs = absolute(target);
    if let Some(root) = project_root(&abs) {
        if cargo_reads(&abs, &root) {
            return never("a file of the cargo project (cargo reads it)");
        }
    }
    if in_git_dir(&abs) {
        return never("a file inside a .git directory");
    }
    if abs.is_file() {
        if git_tracks(&abs) {
            return never("a file tracked by git");
        }
        if !force && !marked(&abs) {
            return Err(Error::input(&name, None, "the file exists and was not written by fastware")
                .with_hint("choose another path, or add --force to replace it"));
        }
    }
    Ok(())
}

/// True when `path` lies inside a `.git` directory (a repository's own files).
fn in_git_dir(path: &Path) -> bool {
    path.ancestors().skip(1).any(|d| d.file_name().is_some_and(|n| n == ".git") && d.is_dir())
}

/// `path` made absolute against the current directory (without resolving
/// symlinks, which a new file does not have).
fn absolute(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf())
    };
    // the parent resolved, so that `..` and symlinked directories compare right
    match (abs.parent().and_then(|p| p.canonicalize().ok()), abs.file_name()) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => abs,
    }
}

/// The outermost directory above `path` holding a `Cargo.toml`.
fn project_root(path: &Path) -> Option<PathBuf> {
    let mut root = None;
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.join("Cargo.toml").is_file() {
            root = Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    root
}

/// Files cargo reads, or picks up when they appear: manifests, lock files,
/// Rust sources (a new `src/bin/x.rs` is a new target), cargo's and the
/// toolchain's configuration.
fn cargo_reads(path: &Path, root: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if matches!(name, "Cargo.toml" | "Cargo.lock" | "build.rs" | "rust-toolchain" | "rust-toolchain.toml") {
        return true;
    }
    if path.extension().is_some_and(|e| e == "rs") {
        return true;
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().any(|c| c.as_os_str() == ".cargo" || c.as_os_str() == ".git")
}

/// True when git tracks `path` (false outside a work tree, or without git).
fn git_tracks(path: &Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return false };
    if !dir.ancestors().any(|d| d.join(".git").exists()) {
        return false;
    }
    std::process::Command::new("git")
        .args(["ls-files", "--error-unmatch", "--"])
        .arg(name)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// True when the file's first or last 8 KiB carry one of fastware's [`MARKS`].
fn marked(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    const SPAN: u64 = 8192;
    let Ok(mut f) = File::open(path) else { return false };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = Vec::new();
    let _ = (&mut f).take(SPAN).read_to_end(&mut head);
    let mut tail = Vec::new();
    if len > SPAN && f.seek(SeekFrom::Start(len - SPAN)).is_ok() {
        let _ = f.read_to_end(&mut tail);
    }
    [head, tail].iter().any(|part| MARKS.iter().any(|m| part.windows(m.len()).any(|w| w == *m)))
}

/// "cannot write" for an output path: a failed run, not bad input — but a
/// closed pipe (`-o - | head`) is normal use, which ends quietly.
pub fn write_error(path: &str, e: &io::Error) -> Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return Error::from(io::Error::from(io::ErrorKind::BrokenPipe));
    }
    Error::from(OutputError::WriteFailed { why: io_message(e) }).at(path)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// A name to save a result under (`--save NAME`): a file name, no slashes,
/// no leading dot.
pub fn check_name(name: &str) -> Result<(), Error> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Err(OutputError::BadSaveName { name: name.to_string() }.into());
    }
    Ok(())
}

/// Writes an SVG with fastware's mark after its XML declaration.
pub fn write_marked_svg(out: &mut dyn Write, svg: &[u8]) -> io::Result<()> {
    let split = match svg.strip_prefix(b"<?xml") {
        Some(rest) => rest.windows(2).position(|w| w == b"?>").map_or(0, |i| i + 7),
        None => 0,
    };
    out.write_all(&svg[..split])?;
    out.write_all(SVG_MARK.as_bytes())?;
    out.write_all(&svg[split..])
}

/// True when `target` names standard output, where a command's own report
/// must then not go.
pub fn is_stdout(target: &Path) -> bool {
    target.as_os_str() == "-" || target == Path::new("/dev/stdout")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test at a time: `remove_temporaries` (what the signal handler
    /// calls) removes every temporary file of the process, another test's too.
    fn alone() -> std::sync::MutexGuard<'static, ()> {
        static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
        ONE.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("fastware-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("mkdir");
        d
    }

    /// A file of fastware's own, saved whole; where its directory cannot be
    /// made (a file stands there), the kind says so and nothing is written.
    #[test]
    fn saved_json_whole_or_a_typed_error() {
        let _alone = alone();
        let d = tmp("save");
        let target = d.join("kept").join("a.json");
        save_json(&target, &serde_json::json!({"a": [1, 2]})).expect("save");
        let back: serde_json::Value = serde_json::from_slice(&std::fs::read(&target).expect("read")).expect("json");
        assert_eq!(back, serde_json::json!({"a": [1, 2]}));
        std::fs::write(d.join("blocked"), b"a file").expect("write");
        let e = save_json(&d.join("blocked").join("b.json"), &1).expect_err("a file where the directory goes");
        assert!(matches!(e.typed::<OutputError>(), Some(OutputError::CannotCreate { .. })), "{e:?}");
        assert_eq!(e.status(), 1);
        assert_eq!(std::fs::read(d.join("blocked")).expect("read"), b"a file");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn nothing_on_disk_until_the_first_byte() {
        let _alone = alone();
        let d = tmp("lazy");
        let target = d.join("out.json");
        let f = OutputFile::create(&target, &[], false).expect("create");
        assert_eq!(std::fs::read_dir(&d).expect("list").count(), 0, "no temporary file before output starts");
        drop(f);
        assert_eq!(std::fs::read_dir(&d).expect("list").count(), 0);
        let mut f = OutputFile::create(&target, &[], false).expect("create");
        f.write_all(b"{\"otherData\":{\"generator\":\"fastware test\"}}").expect("write");
        assert_eq!(std::fs::read_dir(&d).expect("list").count(), 1, "the temporary file");
        assert!(!target.exists());
        f.commit().expect("commit");
        assert!(target.is_file());
        // fastware's own output may be replaced; a file of the user's may not
        OutputFile::create(&target, &[], false).expect("fastware's own output");
        std::fs::write(&target, b"the user's notes").expect("write");
        let e = OutputFile::create(&target, &[], false).expect_err("the user's file");
        assert!(e.message.contains("not written by fastware"), "{e}");
        OutputFile::create(&target, &[], true).expect("--force");
        // what a signal handler does (in this test: other tests' files are not registered)
        let mut f = OutputFile::create(&d.join("x.svg"), &[], false).expect("create");
        f.write_all(b"<svg>").expect("write");
        remove_temporaries();
        assert_eq!(std::fs::read_dir(&d).expect("list").count(), 1, "only out.json");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn cargo_files_are_never_written() {
        let _alone = alone();
        let d = tmp("cargo");
        std::fs::write(d.join("Cargo.toml"), b"[package]\nname = \"x\"\n").expect("write");
        std::fs::create_dir_all(d.join("src")).expect("mkdir");
        for p in ["Cargo.toml", "Cargo.lock", "src/main.rs", "src/bin/new.rs", "build.rs", ".cargo/config.toml"] {
            let e = OutputFile::create(&d.join(p), &[], false).expect_err(p);
            assert!(e.message.contains("cargo reads it"), "{p}: {e}");
        }
        OutputFile::create(&d.join("report.html"), &[], false).expect("a new file beside them");
        let _ = std::fs::remove_dir_all(&d);
    }
}

/// Why a file or directory of fastware's own (`<target-dir>/fastware/…`)
/// could not be made: the machine's fault, not the input's (exit 1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutputError {
    CannotCreate {
        dir: String,
        why: String,
    },
    CannotWrite {
        path: String,
        why: String,
    },
    CannotCopy {
        from: String,
        to: String,
        why: String,
    },
    /// Writing an output failed part way (its path is the error's).
    WriteFailed {
        why: String,
    },
    /// A result that does not turn into JSON (a failed run, not bad input).
    Serialize {
        why: String,
    },
    /// `--save NAME` with a name that is not a plain file name.
    BadSaveName {
        name: String,
    },
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::CannotCreate { dir, why } => write!(f, "cannot create {dir}: {why}"),
            OutputError::CannotWrite { path, why } => write!(f, "cannot write {path}: {why}"),
            OutputError::CannotCopy { from, to, why } => write!(f, "cannot copy {from} to {to}: {why}"),
            OutputError::WriteFailed { why } => write!(f, "cannot write: {why}"),
            OutputError::Serialize { why } => write!(f, "cannot write the result as JSON: {why}"),
            OutputError::BadSaveName { name } => write!(f, "--save {name:?}: a name without slashes, like `before`"),
        }
    }
}

impl std::error::Error for OutputError {}

impl crate::Typed for OutputError {
    fn fault(&self) -> crate::ErrorKind {
        match self {
            OutputError::BadSaveName { .. } => crate::ErrorKind::BadInput,
            _ => crate::ErrorKind::Failed,
        }
    }
}

/// `value` as a JSON value: a result type that does not serialise is a
/// failed run ([`OutputError::Serialize`]).
pub fn to_json_value(value: &impl serde::Serialize) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| OutputError::Serialize { why: e.to_string() }.into())
}

/// Creates `dir` and the directories above it.
pub fn create_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::from(OutputError::CannotCreate { dir: dir.display().to_string(), why: io_message(&e) }))
}

/// Writes `value` as JSON to `path`, a file of fastware's own (its
/// directory created): whole, or not at all.
pub fn save_json(path: &Path, value: &impl serde::Serialize) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        create_dir(dir)?;
    }
    let mut f = OutputFile::create_owned(path)?;
    serde_json::to_writer(&mut f, value)
        .map_err(|e| Error::from(OutputError::CannotWrite { path: path.display().to_string(), why: e.to_string() }))?;
    f.commit()?;
    Ok(())
}
