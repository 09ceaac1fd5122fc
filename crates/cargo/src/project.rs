//! The user's project, as `cargo metadata` describes it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{CargoError, Error};

/// A target of a package (`lib`, `bin`, `test` …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub kinds: Vec<String>,
    pub src_path: PathBuf,
}

/// A workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub id: String,
    pub manifest_path: PathBuf,
    pub targets: Vec<Target>,
    /// Names of the packages it depends on.
    pub dependencies: Vec<String>,
}

impl Package {
    /// The root of the package (its manifest's directory).
    pub fn root(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }
}

/// A cargo project: a package or a workspace.
#[derive(Debug, Clone)]
pub struct Project {
    pub workspace_root: PathBuf,
    /// The user's target directory; fastware works in `<target_dir>/fastware/`.
    pub target_dir: PathBuf,
    pub members: Vec<Package>,
    /// Members built when no `-p` is given.
    pub default_members: Vec<String>,
}

impl Project {
    /// Where fastware keeps everything it writes.
    pub fn fastware_dir(&self) -> PathBuf {
        self.target_dir.join("fastware")
    }

    pub fn member(&self, name: &str) -> Option<&Package> {
        self.members.iter().find(|p| p.name == name)
    }
}

/// Finds the project of `manifest_path` (or of the current directory) with
/// `cargo metadata --no-deps`, which neither builds nor downloads anything.
pub fn locate(cargo: &str, manifest_path: Option<&Path>, dir: &Path) -> Result<Project, Error> {
    let mut cmd = Command::new(cargo);
    cmd.args(["metadata", "--format-version", "1", "--no-deps"]).current_dir(dir);
    if let Some(m) = manifest_path {
        cmd.arg("--manifest-path").arg(m);
    }
    let out = cmd.output().map_err(|e| CargoError::CannotRun { program: cargo.to_string(), why: e.to_string() })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("cargo metadata failed")
            .trim_start_matches("error: ");
        let what = manifest_path.map_or_else(|| dir.display().to_string(), |m| m.display().to_string());
        return Err(CargoError::NotAProject { place: what, why: first.to_string() }.into());
    }
    let m: cargo_metadata::Metadata = serde_json::from_slice(&out.stdout).map_err(|e| CargoError::Metadata {
        what: "cargo metadata gave unreadable output".into(),
        why: e.to_string(),
    })?;
    let members: Vec<Package> = m
        .packages
        .iter()
        .filter(|p| m.workspace_members.contains(&p.id))
        .map(|p| Package {
            name: p.name.to_string(),
            id: p.id.repr.clone(),
            manifest_path: p.manifest_path.clone().into_std_path_buf(),
            targets: p
                .targets
                .iter()
                .map(|t| Target {
                    name: t.name.clone(),
                    kinds: t.kind.iter().map(|k| k.to_string()).collect(),
                    src_path: t.src_path.clone().into_std_path_buf(),
                })
                .collect(),
            dependencies: p.dependencies.iter().map(|d| d.name.clone()).collect(),
        })
        .collect();
    // cargo before 1.71 did not list default members: then all are
    let defaults: Vec<&str> = if m.workspace_default_members.is_available() {
        m.workspace_default_members.iter().map(|id| id.repr.as_str()).collect()
    } else {
        Vec::new()
    };
    let default_members = members
        .iter()
        .filter(|p| defaults.is_empty() || defaults.contains(&p.id.as_str()))
        .map(|p| p.name.clone())
        .collect();
    Ok(Project {
        workspace_root: m.workspace_root.into_std_path_buf(),
        target_dir: m.target_directory.into_std_path_buf(),
        members,
        default_members,
    })
}
