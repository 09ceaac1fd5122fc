//! A git revision of the user's project as a tree of its own, for
//! `fastware bench ab`: `git archive` of the commit unpacked under
//! `<target-dir>/fastware/revisions/<commit>/` — neither the user's working
//! tree nor their `.git` is touched (no worktree is registered). Unpacked
//! once per commit and reused.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{CargoError, Error};

/// A revision unpacked.
#[derive(Debug, Clone)]
pub struct Revision {
    /// What the user wrote (`HEAD~1`, `main`).
    pub name: String,
    /// The full commit id.
    pub commit: String,
    /// The project's directory inside the unpacked tree (the same place
    /// relative to the repository as the user's).
    pub project_dir: PathBuf,
}

fn git(dir: &Path, args: &[&str]) -> Result<String, Error> {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| CargoError::CannotRun { program: "git".into(), why: e.to_string() })?;
    if !o.status.success() {
        let err = String::from_utf8_lossy(&o.stderr);
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("git failed").trim().to_string();
        return Err(CargoError::Git { said: first }.into());
    }
    Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// Unpacks `rev` of the repository holding `project_dir` into `store`
/// (once per commit).
pub fn unpack(project_dir: &Path, rev: &str, store: &Path) -> Result<Revision, Error> {
    let top = git(project_dir, &["rev-parse", "--show-toplevel"])
        .map_err(|e| CargoError::NotInGit { dir: project_dir.to_path_buf(), why: e.message })?;
    let spec = format!("{rev}^{{commit}}");
    let commit = git(project_dir, &["rev-parse", "--verify", "--quiet", &spec])
        .map_err(|_| CargoError::NoSuchRevision { rev: rev.to_string() })?;
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let relative =
        canonical(project_dir).strip_prefix(canonical(Path::new(&top))).map(Path::to_path_buf).unwrap_or_default();
    let dest = store.join(&commit);
    if !dest.join(".fastware-complete").is_file() {
        let partial = store.join(format!("{commit}.partial"));
        let _ = std::fs::remove_dir_all(&partial);
        std::fs::create_dir_all(&partial).map_err(|e| CargoError::Io {
            what: "create".into(),
            path: partial.to_path_buf(),
            why: e.to_string(),
        })?;
        let mut archive = Command::new("git")
            .args(["archive", "--format=tar", &commit])
            .current_dir(&top)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| CargoError::CannotRun { program: "git archive".into(), why: e.to_string() })?;
        let tar = Command::new("tar")
            .arg("-x")
            .arg("-C")
            .arg(&partial)
            .stdin(
                archive
                    .stdout
                    .take()
                    .ok_or_else(|| CargoError::Unpack { rev: rev.to_string(), commit: commit.clone() })?,
            )
            .status()
            .map_err(|e| CargoError::CannotRun { program: "tar".into(), why: e.to_string() })?;
        let archived =
            archive.wait().map_err(|e| CargoError::Waiting { program: "git archive".into(), why: e.to_string() })?;
        if !tar.success() || !archived.success() {
            return Err(CargoError::Unpack { rev: rev.to_string(), commit }.into());
        }
        std::fs::write(partial.join(".fastware-complete"), &commit)
            .and_then(|()| {
                let _ = std::fs::remove_dir_all(&dest);
                std::fs::rename(&partial, &dest)
            })
            .map_err(|e| CargoError::Io {
                what: format!("keep the unpacked {rev} in"),
                path: dest.clone(),
                why: e.to_string(),
            })?;
    }
    let project = dest.join(&relative);
    if !project.join("Cargo.toml").is_file() {
        let at = if relative.as_os_str().is_empty() { ".".to_string() } else { relative.display().to_string() };
        let commit = commit[..commit.len().min(12)].to_string();
        return Err(CargoError::NoProjectInRevision { rev: rev.to_string(), commit, at }.into());
    }
    Ok(Revision { name: rev.to_string(), commit, project_dir: project })
}
