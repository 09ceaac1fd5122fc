//! What to build: the project, packages, profile, features and target — one
//! set of cargo selection arguments for every command that builds.

use std::path::PathBuf;

use clap::Args;
use fastware_cargo::project::Project;
use fastware_cargo::run::{Profile, Selection};

use super::cargo_program;
use crate::Error;

#[derive(Args, Debug, Clone, Default)]
pub struct SelectionArgs {
    /// The project's Cargo.toml [default: the one in this directory or above]
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Package(s) to build
    #[arg(short = 'p', long = "package", value_name = "PKG")]
    pub packages: Vec<String>,
    /// Build with the release profile (the default)
    #[arg(long, conflicts_with = "profile")]
    pub release: bool,
    /// Build with this profile (dev, release, or a custom one)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Features to enable (comma-separated)
    #[arg(long, value_name = "FEATURES", value_delimiter = ',')]
    pub features: Vec<String>,
    /// Enable all features
    #[arg(long)]
    pub all_features: bool,
    /// Do not enable the default features
    #[arg(long)]
    pub no_default_features: bool,
    /// Target triple
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
}

impl SelectionArgs {
    /// The cargo project (`cargo metadata`), of `--manifest-path` or this directory.
    pub fn project(&self) -> Result<Project, Error> {
        let cwd = std::env::current_dir().map_err(|e| Error::failed(format!("no current directory: {e}")))?;
        fastware_cargo::project::locate(&cargo_program(), self.manifest_path.as_deref(), &cwd)
    }

    pub fn selection(&self) -> Selection {
        Selection {
            packages: self.packages.clone(),
            features: self.features.clone(),
            all_features: self.all_features,
            no_default_features: self.no_default_features,
            target: self.target.clone(),
        }
    }

    /// `--profile NAME` as cargo understands it (`None`: the command's default).
    pub fn profile(&self) -> Option<Profile> {
        self.profile.as_deref().map(|name| match name {
            "release" => Profile::Release,
            "dev" | "debug" => Profile::Dev,
            n => Profile::Named(n.to_string()),
        })
    }
}
