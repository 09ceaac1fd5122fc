//! The file a normal `cargo build` makes for one target, for the commands
//! that read machine code. cargo builds it as the user would — their
//! profile, their target directory, so whatever is fresh is not rebuilt,
//! never `--emit asm` or another codegen setting — and names it in its JSON
//! messages. Only `--debuginfo` builds apart, in `<target>/fastware/debuginfo`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::project::Project;
use crate::run::{read_messages, Artifact, Profile, Selection};
use crate::{CargoError, Error};

/// Which target's file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Which {
    /// The package's binary if it has one, else its library.
    #[default]
    Default,
    Lib,
    Bin(String),
    Example(String),
    Bench(String),
    Test(String),
}

/// How to build it.
#[derive(Debug, Clone)]
pub struct ArtifactOptions {
    pub cargo: String,
    pub manifest_path: Option<PathBuf>,
    pub selection: Selection,
    pub which: Which,
    /// `None`: release, or the `bench` profile for a benchmark (what `cargo bench` builds).
    pub profile: Option<Profile>,
    /// Build apart with `debug = "line-tables-only"` and `strip = false`.
    pub debuginfo: bool,
    /// Build apart with `-Cforce-frame-pointers=yes` (for a profiler).
    pub frame_pointers: bool,
    /// Build in this target directory instead of the project's: a git
    /// revision's own (a target directory shared through `CARGO_TARGET_DIR`
    /// or cargo's config would hold both revisions' builds under the same
    /// names, and cargo would find the second fresh).
    pub target_dir: Option<PathBuf>,
}

/// The file cargo built.
#[derive(Debug, Clone)]
pub struct Built {
    pub path: PathBuf,
    /// `bin inliner`, `lib inliner` …
    pub target: String,
    pub profile: String,
    /// True when cargo found it up to date.
    pub fresh: bool,
    /// The separate target directory of a `--debuginfo` build.
    pub separate: Option<PathBuf>,
}

impl ArtifactOptions {
    /// The target directory the build goes to: the project's, or fastware's
    /// own for a build with other settings.
    pub fn target_dir(&self, project: &Project) -> PathBuf {
        self.separate_dir(project).unwrap_or_else(|| self.base_dir(project))
    }

    fn base_dir(&self, project: &Project) -> PathBuf {
        self.target_dir.clone().unwrap_or_else(|| project.target_dir.clone())
    }

    fn separate_dir(&self, project: &Project) -> Option<PathBuf> {
        let fastware = self.base_dir(project).join("fastware");
        match (self.frame_pointers, self.debuginfo) {
            (true, _) => Some(fastware.join("profile")),
            (false, true) => Some(fastware.join("debuginfo")),
            (false, false) => None,
        }
    }

    /// Where cargo writes the build, relative to the target directory
    /// (`release`, `TRIPLE/release`).
    pub fn output_dir(&self) -> PathBuf {
        self.selection.output_dir(&self.profile())
    }

    fn profile(&self) -> Profile {
        match (&self.profile, &self.which) {
            (Some(p), _) => p.clone(),
            (None, Which::Bench(_)) => Profile::Named("bench".into()),
            (None, _) => Profile::Release,
        }
    }
}

/// Builds (or finds fresh) the selected target and returns its file.
pub fn build_artifact(project: &Project, opts: &ArtifactOptions) -> Result<Built, Error> {
    let profile = opts.profile();
    let separate = opts.separate_dir(project);
    let mut cmd = Command::new(&opts.cargo);
    cmd.args(["build", "--message-format", "json-render-diagnostics"]);
    if let Some(m) = &opts.manifest_path {
        cmd.arg("--manifest-path").arg(m);
    }
    crate::run::user_build(&mut cmd, project)?;
    opts.selection.add_to(&mut cmd, &profile);
    match &opts.which {
        Which::Default => {}
        Which::Lib => {
            cmd.arg("--lib");
        }
        Which::Bin(n) => {
            cmd.args(["--bin", n]);
        }
        Which::Example(n) => {
            cmd.args(["--example", n]);
        }
        Which::Bench(n) => {
            cmd.args(["--bench", n]);
        }
        Which::Test(n) => {
            cmd.args(["--test", n]);
        }
    }
    if separate.is_some() || opts.target_dir.is_some() {
        cmd.arg("--target-dir").arg(opts.target_dir(project));
    }
    if opts.debuginfo {
        let name = profile.name().to_string();
        cmd.arg("--config").arg(format!("profile.{name}.debug=\"line-tables-only\""));
        cmd.arg("--config").arg(format!("profile.{name}.strip=false"));
    }
    if opts.frame_pointers {
        let own = std::env::var("RUSTFLAGS").unwrap_or_default();
        cmd.env("RUSTFLAGS", format!("{own} -Cforce-frame-pointers=yes").trim_start());
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child =
        cmd.spawn().map_err(|e| CargoError::CannotRun { program: opts.cargo.to_string(), why: e.to_string() })?;
    let mut artifacts = Vec::new();
    if let Some(out) = child.stdout.take() {
        read_messages(out, |a| artifacts.push(a), |_| {});
    }
    let status = child.wait().map_err(|e| CargoError::Waiting { program: "cargo".into(), why: e.to_string() })?;
    if !status.success() {
        return Err(CargoError::BuildFailed { what: "cargo build failed".into() }.into());
    }
    let mut built = choose(project, opts, &artifacts)?;
    built.profile = profile.name().to_string();
    built.separate = separate;
    Ok(built)
}

/// A member's artifact of the wanted kind.
fn choose(project: &Project, opts: &ArtifactOptions, artifacts: &[Artifact]) -> Result<Built, Error> {
    let members: Vec<&str> = project
        .members
        .iter()
        .filter(|p| opts.selection.packages.is_empty() || opts.selection.packages.contains(&p.name))
        .map(|p| p.id.as_str())
        .collect();
    let ours: Vec<&Artifact> = artifacts.iter().filter(|a| members.contains(&a.package_id.as_str())).collect();
    let is = |a: &Artifact, kind: &str| a.kinds.iter().any(|k| k == kind);
    let executable = |a: &Artifact| a.executable.clone();
    let pick = |found: Option<(&Artifact, PathBuf)>, what: String| -> Result<Built, Error> {
        let (a, path) = found.ok_or(CargoError::NoArtifact { what })?;
        let kind = a.kinds.first().cloned().unwrap_or_default();
        Ok(Built {
            path,
            target: format!("{kind} {}", a.target),
            profile: String::new(),
            fresh: a.fresh,
            separate: None,
        })
    };
    let library = |a: &Artifact| -> Option<PathBuf> {
        // a shared library holds linked code; an rlib the crate's own object files
        ["so", "rlib", "a"]
            .iter()
            .find_map(|ext| a.filenames.iter().find(|f| f.extension().is_some_and(|e| e == *ext)).cloned())
    };
    match &opts.which {
        Which::Bin(n) => pick(
            ours.iter().find(|a| is(a, "bin") && &a.target == n).and_then(|a| Some((*a, executable(a)?))),
            format!("binary {n}"),
        ),
        Which::Example(n) => pick(
            ours.iter().find(|a| is(a, "example") && &a.target == n).and_then(|a| Some((*a, executable(a)?))),
            format!("example {n}"),
        ),
        Which::Bench(n) => pick(
            ours.iter().find(|a| &a.target == n && a.executable.is_some()).and_then(|a| Some((*a, executable(a)?))),
            format!("benchmark {n}"),
        ),
        Which::Test(n) => pick(
            ours.iter().find(|a| &a.target == n && a.executable.is_some()).and_then(|a| Some((*a, executable(a)?))),
            format!("test {n}"),
        ),
        Which::Lib => pick(ours.iter().find_map(|a| Some((*a, library(a)?))), "library".into()),
        Which::Default => {
            let bins: Vec<&&Artifact> = ours.iter().filter(|a| is(a, "bin") && a.executable.is_some()).collect();
            match bins.as_slice() {
                [one] => pick(Some((one, executable(one).expect("executable"))), "binary".into()),
                [] => pick(ours.iter().find_map(|a| Some((*a, library(a)?))), "binary or library".into()),
                many => {
                    let names: Vec<&str> = many.iter().map(|a| a.target.as_str()).collect();
                    // sorted: cargo reports them in the order they finished
                    let mut names: Vec<String> = names.into_iter().map(String::from).collect();
                    names.sort();
                    Err(CargoError::ManyBinaries { names }.into())
                }
            }
        }
    }
}

/// For messages: the path relative to the working directory when shorter.
pub fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|d| path.strip_prefix(d).ok().map(|p| p.display().to_string()))
        .unwrap_or_else(|| path.display().to_string())
}
