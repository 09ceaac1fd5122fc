//! Which function `asm` and `inline` show: `PATTERN [INDEX] [--regex]`,
//! and the pattern itself (also `diff`'s).

use clap::Args;
use fastware_binary::{Binary, Pattern};

use crate::Error;

/// The `PATTERN` argument as a pattern.
pub fn pattern(text: &str, regex: bool) -> Result<Pattern, Error> {
    Pattern::new(text, regex)
}

/// `PATTERN [INDEX] [--regex]`: which function `asm` and `inline` show.
#[derive(Args, Debug, Clone)]
pub struct FunctionArgs {
    /// Part of the function's demangled name (or a regex with --regex)
    #[arg(value_name = "PATTERN")]
    pub pattern: String,
    /// Which of several matching functions (as listed)
    #[arg(value_name = "INDEX")]
    pub index: Option<usize>,
    /// PATTERN is a regular expression
    #[arg(long)]
    pub regex: bool,
}

impl FunctionArgs {
    pub fn compile(&self) -> Result<Pattern, Error> {
        pattern(&self.pattern, self.regex)
    }

    /// The function to show: see [`Binary::choose`].
    pub fn choose<'a, T>(
        &self,
        b: &Binary,
        items: &'a [T],
        name: impl Fn(&T) -> &str,
        pattern: &Pattern,
    ) -> Result<Option<&'a T>, Error> {
        b.choose(items, self.index, name, pattern)
    }
}
