//! `fastware inline`: was a function inlined? Its out-of-line copies, every
//! call site that reaches them, every place it was inlined — one verdict.

use clap::Args;
use fastware_binary::debug::InlinedPlace;
use fastware_binary::report::{InlineReport, Matches};

use crate::artifact::{ArtifactArgs, FunctionArgs};
use crate::{one_of, Ctx, Done, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware inline my_crate::cast            was `cast` inlined in the release binary?
  fastware inline 'my_crate::parse' --bin my-tool
  fastware inline hash --file target/release/my-app --format json

Copies come from the symbol table; call sites from a scan of all the code (direct calls,
tail jumps, calls through the PLT, a GOT slot or a register loaded from one); inlined
places from DWARF (debug = \"line-tables-only\" is enough, though it names functions
without their path).";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct InlineCmd {
    #[command(flatten)]
    function: FunctionArgs,
    #[command(flatten)]
    artifact: ArtifactArgs,
    #[command(flatten)]
    output: OutputArgs,
}

one_of! {
    /// The verdict, or the functions that match when there are several.
    pub enum InlineView {
        Verdict(InlineReport),
        Matches(Matches),
    }
}

pub fn run(ctx: &Ctx, a: &InlineCmd) -> Result<Done<InlineView>, Error> {
    let loaded = a.artifact.load(ctx)?;
    loaded.need_symbols()?;
    let b = &loaded.binary;
    let debug = b.debug()?;
    if debug.is_none() && b.kind.is_relocatable() {
        ctx.note(&format!(
            "{} is an {}: places where functions were inlined are read from the debug info of linked files",
            b.path.display(),
            b.kind.name()
        ));
    } else if debug.is_none() {
        ctx.note(&format!(
            "{} has no debug info: places where functions were inlined cannot be seen ({})",
            b.path.display(),
            loaded.line_tables_hint()
        ));
    }
    let places: Vec<InlinedPlace> = match &debug {
        Some(d) => d
            .inlined_places()
            .map_err(|e| crate::error::unusable(format!("damaged debug info in {}: {e}", b.path.display())))?,
        None => Vec::new(),
    };
    let pat = a.function.compile()?;
    let candidates = b.inline_candidates(&pat, &places, debug.as_ref());
    let Some(c) = a.function.choose(b, &candidates, |c| c.key.as_str(), &pat)? else {
        return Ok(Done::new(
            InlineView::Matches(Matches::candidates(b, &loaded.origin, &candidates)),
            a.output.format,
        ));
    };

    let v = b.verdict(c, debug.is_some());
    let report = InlineReport::new(&v, b, &loaded.origin, a.output.top.unwrap_or(25));
    Ok(Done::new(InlineView::Verdict(report), a.output.format))
}
