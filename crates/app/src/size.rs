//! `fastware size`: where the code size goes — by function, crate, generic
//! set (with its number of instantiations) or section — and what changed
//! against another build.

use clap::Args;
use fastware_binary::report::{SizeDiffReport, SizeReport};
use fastware_binary::saved::SavedBuilds;
use fastware_binary::size::{size_changes, SizeBy, SizeChange, SizeRow};
use fastware_binary::Binary;
use regex::Regex;

use crate::artifact::ArtifactArgs;
use crate::{one_of, Ctx, Done, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware size                              the largest functions of the release binary
  fastware size --by generic-set             generic functions and their number of copies
  fastware size --by crate --file target/release/my-app
  fastware size --diff before                against a build saved with `fastware diff --save`
  fastware size --by section --diff old-binary

Sizes are the functions' symbol sizes (as `nm -S` gives them). --by crate is the crate that
instantiated the code (known from v0 symbols; else the crate defining it).";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct SizeCmd {
    /// What to sum sizes by
    #[arg(long, value_enum, default_value = "function")]
    by: SizeBy,
    /// Compare with another build: a file, or a name saved with `fastware diff --save`
    #[arg(long, value_name = "OTHER")]
    diff: Option<std::ffi::OsString>,
    /// Keep rows whose name matches this regex
    #[arg(long, value_name = "REGEX", value_parser = fastware_report::parse::regex)]
    filter: Option<Regex>,
    #[command(flatten)]
    artifact: ArtifactArgs,
    #[command(flatten)]
    output: OutputArgs,
}

one_of! {
    /// Sizes, or their changes against another build.
    pub enum SizeView {
        Sizes(SizeReport),
        Changes(SizeDiffReport),
    }
}

pub fn run(ctx: &Ctx, a: &SizeCmd) -> Result<Done<SizeView>, Error> {
    let loaded = a.artifact.load(ctx)?;
    let by = a.by;
    if by != SizeBy::Section {
        loaded.need_symbols()?;
    }
    let keep = |k: &str| a.filter.as_ref().is_none_or(|f| f.is_match(k));
    let top = a.output.top.unwrap_or(25);
    let rows: Vec<SizeRow> = loaded.binary.sizes(by).into_iter().filter(|r| keep(&r.key)).collect();
    let Some(other) = &a.diff else {
        let report = SizeReport::new(&loaded.binary, &loaded.origin, by, &rows, top);
        return Ok(Done::new(SizeView::Sizes(report), a.output.format));
    };
    let target_dir = loaded.project.clone().or_else(|| a.artifact.project(ctx).ok()).map(|p| p.target_dir);
    let path = crate::diff::resolve(ctx, target_dir.as_deref(), other)?.ok_or_else(|| SavedBuilds::not_found(other))?;
    let old = Binary::open(&path)?;
    if by != SizeBy::Section && !old.has_symtab {
        return Err(crate::error::unusable(format!("{} has no symbol table (it is stripped)", path.display())));
    }
    let old_rows: Vec<SizeRow> = old.sizes(by).into_iter().filter(|r| keep(&r.key)).collect();
    let changes: Vec<SizeChange> = size_changes(&old_rows, &rows).into_iter().filter(|c| c.change() != 0).collect();
    let report = SizeDiffReport::new(&old, &loaded.binary, &loaded.origin, by, &changes, top);
    Ok(Done::new(SizeView::Changes(report), a.output.format))
}
