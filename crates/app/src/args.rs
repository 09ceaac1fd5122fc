//! The arguments several commands share: how to show a result (`--format`,
//! `--top`), and what to build (the project, packages, profile, features,
//! target).

use std::path::PathBuf;

use clap::Args;
use fastware_cargo::project::Project;
use fastware_cargo::run::{Profile, Selection};
use fastware_report::Format;

use crate::{Ctx, Error};

/// `--format` and `--top`, shared by every reporting command.
#[derive(Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Output format
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Rows per table (0 = all) [default: 10 per section in a summary, 25 for one table]
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
}

impl OutputArgs {
    pub fn format(&self) -> Format {
        self.format
    }
}

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
    /// The cargo project (`cargo metadata`), of `--manifest-path` or the command's directory.
    pub fn project(&self, ctx: &Ctx) -> Result<Project, Error> {
        let manifest = self.manifest_path.as_deref().map(|m| ctx.path(m));
        fastware_cargo::project::locate(&ctx.tools.cargo(), manifest.as_deref(), &ctx.cwd)
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

/// BASE and NEW: the two sides a comparison compares.
#[derive(Args, Debug, Clone, Default)]
pub struct Sides {
    /// The one before: a file, or a name saved with --save
    #[arg(value_name = "BASE")]
    pub base: String,
    /// The one after
    #[arg(value_name = "NEW")]
    pub new: String,
}

/// What `cargo bench` is run on and given (`bench cargo`, `bench ab`).
#[derive(Args, Debug, Clone, Default)]
pub struct CargoBenchArgs {
    /// The project's Cargo.toml [default: the one in this directory or above]
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Arguments for cargo bench (after a second --, for the benchmarks' harness)
    #[arg(last = true, value_name = "CARGO_BENCH_ARGS")]
    pub cargo_args: Vec<String>,
}
