//! `fastware asm`: the machine code of a function, as it is in the real
//! artifact, with its calls, jumps and data named and, with `--source`, its
//! source lines and inline frames.

use clap::Args;
use fastware_binary::listing::Labels;
use fastware_binary::report::{AsmReport, Matches};
use fastware_binary::Syntax;

use crate::artifact::{ArtifactArgs, FunctionArgs};
use crate::{one_of, Ctx, Done, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware asm my_crate::parse              a function of `cargo build --release`'s artifact
  fastware asm render 1 --source            the second function matching `render`, with source
  fastware asm sum_all --file target/release/my-app --att
  fastware asm parse --bin my-tool --profile dist --format json

The code is that of the real artifact cargo builds with your profile (never --emit asm,
which builds with other settings). Calls through the GOT show as `name@GOT`.";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct AsmCmd {
    #[command(flatten)]
    function: FunctionArgs,
    /// AT&T syntax (default: Intel)
    #[arg(long)]
    att: bool,
    /// Interleave source lines and mark inlined code (needs line tables)
    #[arg(long)]
    source: bool,
    /// Show each instruction's bytes
    #[arg(long)]
    bytes: bool,
    #[command(flatten)]
    artifact: ArtifactArgs,
    #[command(flatten)]
    output: OutputArgs,
}

one_of! {
    /// The function's code, or the functions that match when there are several.
    pub enum AsmView {
        Code(AsmReport),
        Matches(Matches),
    }
}

pub fn run(ctx: &Ctx, a: &AsmCmd) -> Result<Done<AsmView>, Error> {
    let loaded = a.artifact.load(ctx)?;
    loaded.need_symbols()?;
    if a.source {
        loaded.need_lines()?;
    }
    let b = &loaded.binary;
    let pat = a.function.compile()?;
    let found = b.find_functions(&pat);
    let Some(f) = a.function.choose(b, &found, |f| f.name.as_str(), &pat)? else {
        return Ok(Done::new(AsmView::Matches(Matches::functions(b, &loaded.origin, &found)), a.output.format));
    };

    let debug = if a.source { b.debug()? } else { None };
    let syntax = if a.att { Syntax::Att } else { Syntax::Intel };
    let listing = b.listing(f.sym, syntax, Labels::Addresses, debug.as_ref());
    let report = AsmReport::new(&listing, b.path.clone(), &loaded.origin, a.bytes, a.source);
    Ok(Done::new(AsmView::Code(report), a.output.format))
}
