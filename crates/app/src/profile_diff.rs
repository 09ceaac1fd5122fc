//! `fastware profile diff A B`: two profiles compared, function by function,
//! and a differential flamegraph.

use std::path::PathBuf;

use clap::Args;
use fastware_profile::report::ProfileDiffReport;
use fastware_profile::views::{self, By};

use crate::artifact::ArtifactArgs;
use crate::profile_run::named;
use crate::{Ctx, Error, OutputArgs};

#[derive(Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    sides: crate::args::Sides,
    /// Group functions by
    #[arg(long, value_enum, default_value = "function")]
    by: By,
    /// Also write a differential flamegraph (red grew, blue shrank) here
    #[arg(long, value_name = "FILE.svg")]
    flamegraph: Option<PathBuf>,
    #[command(flatten)]
    artifact: ArtifactArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(ctx: &Ctx, a: &DiffArgs) -> Result<ProfileDiffReport, Error> {
    if let Some(svg) = &a.flamegraph {
        // checked before the profiles are read, not after
        fastware_report::OutputFile::check(svg, &[], false)?;
    }
    let (base_name, new_name) = (&a.sides.base, &a.sides.new);
    let mut base = named(ctx, base_name, &a.artifact, None)?;
    let mut new = named(ctx, new_name, &a.artifact, None)?;
    // the sides as the user named them
    let (base_name, new_name) = (base_name.to_string_lossy().into_owned(), new_name.to_string_lossy().into_owned());
    base.meta.file.clone_from(&base_name);
    new.meta.file.clone_from(&new_name);
    ProfileDiffReport::comparable(&base, &new)?;
    if let Some(svg) = &a.flamegraph {
        let lines = fastware_profile::report::differential(&views::folded(&base)?, &views::folded(&new)?);
        let title = format!("{base_name} → {new_name}");
        let r = fastware_profile::report::flamegraph(&lines, svg, &title, &new.meta.unit, false)?;
        ctx.note(&format!("wrote {} ({} stacks)", r.output, r.stacks));
    }
    Ok(ProfileDiffReport::new(&base, &new, a.by, a.output.top.unwrap_or(25)))
}
