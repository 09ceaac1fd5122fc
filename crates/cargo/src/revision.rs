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
    /// The unpacked tree: the repository at the commit.
    pub tree: PathBuf,
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
    Ok(Revision { name: rev.to_string(), commit, project_dir: project, tree: dest })
}

/// Where a revision's build starts from (see [`Revision::seed_target`]).
#[derive(Debug, Clone, Copy)]
pub enum Seed<'a> {
    /// Another revision's target directory, whole (but fastware's own
    /// directory).
    Revision(&'a Path),
    /// The user's own build with the same settings: only the profile's
    /// directory (`release`, `x86_64-unknown-linux-gnu/release`) of the
    /// target directory `target_dir` — not
    /// their debug builds, documents or criterion's reports.
    Own { target_dir: &'a Path, profile_dir: &'a Path },
}

impl Seed<'_> {
    /// The other side's target directory when there is one, else the
    /// user's own build.
    pub fn other_or_own<'a>(other: Option<&'a Path>, own: Seed<'a>) -> Seed<'a> {
        other.map_or(own, Seed::Revision)
    }
}

impl Revision {
    /// Starts this revision's build in `to` from another build (`from`,
    /// if it is there), when nothing was built in `to` yet: copies it (every file
    /// with its modification time, as `cp -a` does), then marks this
    /// revision's files as changed. cargo then finds the dependencies
    /// both builds share fresh and builds only the repository's own
    /// crates, instead of the whole tree again (criterion alone is half a
    /// minute of a release build on 2 cores). The first revision starts
    /// from the user's own build of the working tree, when there is one.
    ///
    /// Revisions never build in one directory: cargo tells a package's
    /// builds apart by its path relative to the workspace, the same in every
    /// revision, and judges it fresh by its sources' modification times,
    /// which `git archive` sets to the commit's. Copied without the marking,
    /// one revision's build would be found fresh for the other and run the
    /// other's code. Build scripts' outputs name the directory they ran in;
    /// cargo rewrites those paths when it reads them. Best effort: a copy
    /// that fails is removed and the build starts from nothing. Returns
    /// whether `to` was seeded.
    pub fn seed_target(&self, from: Seed<'_>, to: &Path) -> bool {
        let (from, into, leave_out, from_target): (PathBuf, PathBuf, &[&str], _) = match from {
            Seed::Revision(dir) => (dir.to_path_buf(), to.to_path_buf(), &["fastware"], None),
            Seed::Own { target_dir, profile_dir } => {
                (target_dir.join(profile_dir), to.join(profile_dir), &[], Some(target_dir))
            }
        };
        // cargo marks a target directory it built in with CACHEDIR.TAG; one
        // without may hold only what a look at the project left (the lock
        // file's copy, `.rustc_info.json`), and is seeded all the same
        if !from.is_dir() || from.starts_with(to) || to.join("CACHEDIR.TAG").exists() {
            return false;
        }
        let was_there = to.exists();
        let tag = |dir: &Path| dir.join("CACHEDIR.TAG");
        let seeded = fastware_core::tree::copy_keeping_times(&from, &into, leave_out)
            .and_then(|()| match from_target {
                Some(t) if tag(t).is_file() => std::fs::copy(tag(t), tag(to)).map(drop),
                _ => Ok(()),
            })
            .and_then(|()| mark_changed(&self.tree, to));
        if seeded.is_err() && !was_there {
            let _ = std::fs::remove_dir_all(to);
        }
        seeded.is_ok()
    }
}

/// How many commits each of fastware's revision directories keeps (the
/// unpacked trees with their builds, `bench ab`'s target directories):
/// each holds a whole release build, and one kept for every commit ever
/// compared would fill the disk.
pub const KEEP: usize = 4;

/// What [`keep_recent`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub dirs: usize,
    pub bytes: u64,
}

/// Marks `entry` (a commit's directory: `revisions/<commit>`,
/// `ab/side-<commit>`) as used now, then removes all but the [`KEEP`] most
/// recently used of the directories beside it named like it: `prefix`
/// then hex digits (a commit id, whole or cut). Others (an unpack still
/// under way, `.partial`) are never touched. Best effort: what cannot be
/// removed stays.
pub fn keep_recent(entry: &Path, prefix: &str) -> Pruned {
    let _ = std::fs::File::open(entry).and_then(|f| f.set_modified(std::time::SystemTime::now()));
    let Some(parent) = entry.parent() else { return Pruned::default() };
    let Ok(list) = std::fs::read_dir(parent) else { return Pruned::default() };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = list
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.strip_prefix(prefix).is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
                && e.file_type().is_ok_and(|t| t.is_dir())
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    found.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
    let mut pruned = Pruned::default();
    for (_, dir) in found.iter().skip(KEEP).filter(|(_, d)| d != entry) {
        let bytes = tree_bytes(dir);
        if std::fs::remove_dir_all(dir).is_ok() {
            pruned.dirs += 1;
            pruned.bytes += bytes;
        }
    }
    pruned
}

/// The bytes of the files under `dir`.
fn tree_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => dirs.push(e.path()),
                Ok(t) if t.is_file() => total += e.metadata().map_or(0, |m| m.len()),
                _ => {}
            }
        }
    }
    total
}

/// Sets every file of the unpacked tree to now, so that cargo sees each as
/// changed since a copied build; target directories (`CACHEDIR.TAG`) and
/// `skip` are left alone.
fn mark_changed(tree: &Path, skip: &Path) -> std::io::Result<()> {
    let now = std::time::SystemTime::now();
    let mut dirs = vec![tree.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        if dir == skip || dir.join("CACHEDIR.TAG").is_file() {
            continue;
        }
        for e in std::fs::read_dir(&dir)? {
            let e = e?;
            let t = e.file_type()?;
            if t.is_dir() {
                dirs.push(e.path());
            } else if t.is_file() {
                std::fs::File::open(e.path())?.set_modified(now)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_target_keeps_times_and_the_revisions_files_are_newer() {
        let root = std::env::temp_dir().join(format!("fastware-seed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let then = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let at = |p: &Path, t| std::fs::File::open(p).expect("open").set_modified(t).expect("mtime");
        let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).expect("mtime");
        // the other revision's build, and this revision's tree as git archive leaves it
        let from = root.join("a/target");
        std::fs::create_dir_all(from.join("release/deps")).expect("mkdir");
        std::fs::create_dir_all(from.join("fastware/debuginfo")).expect("mkdir");
        std::fs::write(from.join("CACHEDIR.TAG"), b"Signature: 8a477f597d28d172789f06886806bc55\n").expect("write");
        let lib = from.join("release/deps/libx-1234.rlib");
        std::fs::write(&lib, b"rlib").expect("write");
        at(&lib, then);
        std::fs::write(from.join("fastware/debuginfo/big"), b"x").expect("write");
        let tree = root.join("b");
        std::fs::create_dir_all(tree.join("src")).expect("mkdir");
        std::fs::write(tree.join("src/lib.rs"), b"pub fn f() {}").expect("write");
        at(&tree.join("src/lib.rs"), then);
        let rev = Revision { name: "b".into(), commit: "b".repeat(40), project_dir: tree.clone(), tree: tree.clone() };

        // what a look at the revision leaves in its target directory (the
        // lock file's copy) is no build: it is seeded all the same
        let to = tree.join("target");
        std::fs::create_dir_all(to.join("fastware")).expect("mkdir");
        std::fs::write(to.join("fastware/Cargo.lock"), b"lock").expect("write");
        assert!(rev.seed_target(Seed::Revision(&from), &to));
        assert_eq!(std::fs::read(to.join("fastware/Cargo.lock")).expect("kept"), b"lock");
        let copied = to.join("release/deps/libx-1234.rlib");
        assert_eq!(std::fs::read(&copied).expect("copied"), b"rlib");
        assert_eq!(mtime(&copied), then, "the copy keeps its time");
        assert!(mtime(&tree.join("src/lib.rs")) > then, "the revision's source is newer than the copied build");
        assert!(!to.join("fastware/debuginfo").exists(), "fastware's own builds are left out");
        // a directory built in is never touched; nothing to copy is nothing done
        std::fs::write(&lib, b"changed").expect("write");
        assert!(!rev.seed_target(Seed::Revision(&from), &to));
        assert_eq!(std::fs::read(&copied).expect("copied"), b"rlib");
        assert!(!rev.seed_target(Seed::Revision(&root.join("none")), &root.join("c")));
        assert!(!root.join("c").exists());
        // from the user's own build: its profile's directory alone
        std::fs::create_dir_all(from.join("debug/deps")).expect("mkdir");
        let own = root.join("d");
        assert!(rev.seed_target(Seed::Own { target_dir: &from, profile_dir: Path::new("release") }, &own));
        assert_eq!(std::fs::read(own.join("release/deps/libx-1234.rlib")).expect("copied"), b"changed");
        assert!(!own.join("debug").exists() && !own.join("fastware").exists());
        assert!(own.join("CACHEDIR.TAG").is_file(), "a seeded directory is seeded once");
        assert!(!rev.seed_target(Seed::Own { target_dir: &from, profile_dir: Path::new("release") }, &own));
        assert!(!rev.seed_target(Seed::Own { target_dir: &from, profile_dir: Path::new("bench") }, &root.join("e")));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn the_most_recently_used_commits_are_kept() {
        let root = std::env::temp_dir().join(format!("fastware-keep-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let at = |p: &Path, secs: u64| {
            let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            std::fs::File::open(p).expect("open").set_modified(t).expect("mtime");
        };
        // six sides used one after another, the oldest first; an unpack under
        // way and a directory of another kind beside them
        let sides: Vec<PathBuf> = (0..6).map(|k| root.join(format!("side-{k:012x}"))).collect();
        for (k, d) in sides.iter().enumerate() {
            std::fs::create_dir_all(d.join("target")).expect("mkdir");
            std::fs::write(d.join("target/lib.rlib"), vec![0u8; 100 + k]).expect("write");
            at(d, 1_700_000_000 + k as u64);
        }
        for other in ["side-000000000000.partial", "instructions"] {
            std::fs::create_dir_all(root.join(other)).expect("mkdir");
            at(&root.join(other), 1);
        }
        // the oldest is used again: it is kept, with the three used last
        let pruned = keep_recent(&sides[0], "side-");
        assert_eq!(pruned, Pruned { dirs: 2, bytes: 101 + 102 });
        let mut left: Vec<String> = std::fs::read_dir(&root)
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "instructions",
                "side-000000000000",
                "side-000000000000.partial",
                "side-000000000003",
                "side-000000000004",
                "side-000000000005"
            ]
        );
        assert_eq!(keep_recent(&sides[5], "side-"), Pruned::default());
        let _ = std::fs::remove_dir_all(&root);
    }
}
