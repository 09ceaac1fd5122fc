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
    pub base: std::ffi::OsString,
    /// The one after
    #[arg(value_name = "NEW")]
    pub new: std::ffi::OsString,
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

/// Counting with callgrind instead of timing (`--instructions`).
#[derive(Args, Debug, Clone, Default)]
pub struct CountArgs {
    /// Count each benchmark's instructions, data reads and writes per iteration with callgrind:
    /// exact, the same on every run whatever the machine is doing
    #[arg(long)]
    pub instructions: bool,
    /// With --instructions: also show L1 and last-level cache misses and estimated cycles
    #[arg(long, requires = "instructions")]
    pub cache_sim: bool,
    /// With --instructions: the iterations counted of each benchmark
    #[arg(long, value_name = "N", default_value_t = 10, requires = "instructions",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub iterations: u64,
    /// With --instructions: the machine code of the function matching REGEX in each benchmark
    /// that ran it, with the instructions each line executed
    #[arg(long, value_name = "REGEX", requires = "instructions", value_parser = fastware_report::parse::regex)]
    pub annotate: Option<regex::Regex>,
}

impl CargoBenchArgs {
    /// The arguments for cargo (before a second `--`), and the harness's
    /// filter: cargo's own `BENCHNAME` (`cargo bench NAME`), else the
    /// harness's first argument that is not an option (`-- -- NAME`).
    pub fn split(&self) -> (Vec<String>, Option<String>) {
        // cargo bench's options that take a value: the value is no BENCHNAME
        const VALUED: &[&str] = &[
            "-p",
            "--package",
            "--exclude",
            "--bench",
            "--bin",
            "--example",
            "--test",
            "-F",
            "--features",
            "--profile",
            "--target",
            "--target-dir",
            "--manifest-path",
            "-j",
            "--jobs",
            "--message-format",
            "--color",
            "--config",
            "-Z",
            "--lockfile-path",
        ];
        let at = self.cargo_args.iter().position(|x| x == "--").unwrap_or(self.cargo_args.len());
        let mut cargo = Vec::new();
        let mut filter = None;
        let mut value_next = false;
        for a in &self.cargo_args[..at] {
            if !value_next && !a.starts_with('-') && filter.is_none() {
                filter = Some(a.clone());
                continue;
            }
            value_next = !value_next && VALUED.contains(&a.as_str());
            cargo.push(a.clone());
        }
        // criterion's and libtest's options that take a value (`--option value`)
        const HARNESS_VALUED: &[&str] = &[
            "--warm-up-time",
            "--measurement-time",
            "--sample-size",
            "--save-baseline",
            "--baseline",
            "--baseline-lenient",
            "--load-baseline",
            "--noise-threshold",
            "--confidence-level",
            "--significance-level",
            "--nresamples",
            "--profile-time",
            "--output-format",
            "--plotting-backend",
            "--color",
            "--format",
            "--skip",
            "--test-threads",
            "--logfile",
            "--shuffle-seed",
            "-Z",
        ];
        let mut harness = None;
        let mut value_next = false;
        for a in self.cargo_args.get(at + 1..).unwrap_or_default() {
            if !value_next && !a.starts_with('-') {
                harness = Some(a.clone());
                break;
            }
            value_next = !value_next && HARNESS_VALUED.contains(&a.as_str());
        }
        (cargo, filter.or(harness))
    }
}

#[cfg(test)]
mod tests {
    use super::CargoBenchArgs;

    fn split(args: &[&str]) -> (Vec<String>, Option<String>) {
        let a = CargoBenchArgs { manifest_path: None, cargo_args: args.iter().map(|s| s.to_string()).collect() };
        a.split()
    }

    #[test]
    fn the_filter_is_cargos_benchname_or_the_harnesss_first_word() {
        assert_eq!(split(&["fold/"]), (vec![], Some("fold/".into())));
        assert_eq!(
            split(&["-p", "core", "--bench", "count", "mix"]),
            (["-p", "core", "--bench", "count"].map(String::from).to_vec(), Some("mix".into()))
        );
        assert_eq!(
            split(&["--bench", "count", "--", "--exact", "nops/1000"]),
            (["--bench", "count"].map(String::from).to_vec(), Some("nops/1000".into()))
        );
        assert_eq!(split(&["--release", "--", "--list"]), (vec!["--release".to_string()], None));
        assert_eq!(split(&["--", "--warm-up-time", "0.1", "--measurement-time", "1", "mix"]).1, Some("mix".into()));
    }
}
