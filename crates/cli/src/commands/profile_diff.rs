//! `fastware profile diff A B`: two profiles compared, function by function,
//! and a differential flamegraph.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use fastware_profile::report::ProfileDiffReport;
use fastware_profile::views::{self, By};

use super::binary::ArtifactArgs;
use super::profile_run::resolve;
use crate::{CmdResult, Error, OutputArgs};

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The profile before: a file, or a name saved with --save
    #[arg(value_name = "BASE")]
    base: String,
    /// The profile after
    #[arg(value_name = "NEW")]
    new: String,
    /// Group functions by
    #[arg(long, value_enum, default_value = "function")]
    by: By,
    /// Also write a differential flamegraph (red grew, blue shrank) here
    #[arg(long, value_name = "FILE.svg")]
    flamegraph: Option<PathBuf>,
    #[command(flatten)]
    artifact: ArtifactArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(a: DiffArgs, out: &mut dyn Write) -> CmdResult {
    let mut base = fastware_profile::saved::read(&resolve(&a.base, &a.artifact)?, None)?;
    let mut new = fastware_profile::saved::read(&resolve(&a.new, &a.artifact)?, None)?;
    // the sides as the user named them
    base.meta.file.clone_from(&a.base);
    new.meta.file.clone_from(&a.new);
    if base.meta.unit != new.meta.unit {
        return Err(Error::bad_input(format!(
            "one profile counts {}, the other {}: compare profiles of one kind",
            base.meta.unit, new.meta.unit
        )));
    }
    if let Some(svg) = &a.flamegraph {
        let lines = fastware_profile::report::differential(&views::folded(&base)?, &views::folded(&new)?);
        let title = format!("{} → {}", a.base, a.new);
        let r = fastware_profile::report::flamegraph(&lines, svg, &title, &new.meta.unit, false)?;
        crate::note(&format!("wrote {} ({} stacks)", r.output, r.stacks));
    }
    let report = ProfileDiffReport::new(&base, &new, a.by, a.output.top.unwrap_or(25));
    fastware_report::emit(&report, a.output.format, out)
}
