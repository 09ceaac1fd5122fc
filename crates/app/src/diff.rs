//! `fastware diff`: two builds compared — functions added, removed and
//! changed — or one function's instructions side by side, normalised so
//! that only real changes (a call that appeared, a loop that changed) show.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap::Args;
use fastware_binary::diff::{diff_functions, diff_listings};
use fastware_binary::listing::{Labels, Listing};
use fastware_binary::report::{FunctionDiffReport, WholeDiffReport};
use fastware_binary::saved::{SavedBuild, SavedBuilds};
use fastware_binary::{Binary, Syntax};

use crate::artifact::{pattern, ArtifactArgs};
use crate::{one_of, Ctx, Done, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware diff --save before               keep the current release binary as `before`
  (change the code)
  fastware diff before                      every function that changed since
  fastware diff before render               the instructions of `render`, before and after
  fastware diff old-binary new-binary my_crate::parse --att

OLD and NEW are files or names saved with --save (a copy in <target-dir>/fastware/binaries, named in the history);
NEW defaults to the artifact cargo builds now. Functions are matched by demangled name
without hash; instructions are compared with addresses, hashes and local labels removed.";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct DiffCmd {
    /// The old build: a file, or a name saved with --save
    #[arg(value_name = "OLD")]
    old: Option<OsString>,
    /// The new build (a file or saved name) [default: the artifact cargo builds now]; when it is
    /// neither, it is taken as PATTERN
    #[arg(value_name = "NEW")]
    new: Option<OsString>,
    /// Part of a function's demangled name: compare that function's instructions
    #[arg(value_name = "PATTERN")]
    pattern: Option<String>,
    /// Save the artifact cargo builds now under NAME, to compare with later
    #[arg(long, value_name = "NAME", conflicts_with_all = ["old", "new", "pattern"])]
    save: Option<String>,
    /// PATTERN is a regular expression
    #[arg(long)]
    regex: bool,
    /// AT&T syntax (default: Intel)
    #[arg(long)]
    att: bool,
    /// Show every instruction, not only the changes and 3 lines around them
    #[arg(long)]
    all: bool,
    /// Also list functions that did not change
    #[arg(long)]
    same: bool,
    #[command(flatten)]
    artifact: ArtifactArgs,
    #[command(flatten)]
    output: OutputArgs,
}

one_of! {
    /// What `diff` shows.
    pub enum DiffView {
        Whole(WholeDiffReport),
        Function(FunctionDiffReport),
        Saved(SavedBuild),
    }
}

pub fn run(ctx: &Ctx, a: &DiffCmd) -> Result<Done<DiffView>, Error> {
    if let Some(name) = &a.save {
        return Ok(Done::new(DiffView::Saved(save(ctx, a, name)?), a.output.format));
    }
    let Some(old_arg) = &a.old else {
        return Err(crate::error::argument(
            "give the OLD build to compare with, or --save NAME to keep the current one",
        )
        .with_hint("fastware diff --save before; change the code; fastware diff before"));
    };
    let target_dir = a.artifact.project(ctx).ok().map(|p| p.target_dir);
    let resolve = |text: &OsStr| resolve(ctx, target_dir.as_deref(), text);
    let old_path = resolve(old_arg)?.ok_or_else(|| SavedBuilds::not_found(old_arg))?;
    // NEW is a build when it names one; otherwise it is the pattern
    let (new_path, pat) = match (&a.new, &a.pattern) {
        (Some(n), p) => match resolve(n)? {
            Some(path) => (Some(path), p.clone()),
            None if p.is_none() => match n.to_str() {
                Some(text) => (None, Some(text.to_string())),
                None => return Err(SavedBuilds::not_found(n)),
            },
            None => return Err(SavedBuilds::not_found(n)),
        },
        (None, p) => (None, p.clone()),
    };
    let old = Binary::open(&old_path)?;
    let (new, new_origin) = match new_path {
        Some(p) => (Binary::open(&p)?, p.display().to_string()),
        None => {
            let l = a.artifact.load(ctx)?;
            l.need_symbols()?;
            (l.binary, l.origin)
        }
    };
    for b in [&old, &new] {
        if !b.has_symtab || b.functions.is_empty() {
            return Err(crate::error::unusable(format!("{} has no symbol table (it is stripped)", b.path.display()))
                .with_hint("compare unstripped builds: `strip = false` in the profile"));
        }
    }
    let old_origin = old_path.display().to_string();
    let view = match pat {
        Some(p) => DiffView::Function(function_diff(ctx, a, &old, &new, &old_origin, &new_origin, &p)?),
        None => DiffView::Whole(whole_diff(a, &old, &new, &old_origin, &new_origin)),
    };
    Ok(Done::new(view, a.output.format))
}

/// A file the user names, else a build saved under that name (in the
/// history, else in the directory an earlier fastware kept them in).
pub fn resolve(ctx: &Ctx, target_dir: Option<&Path>, text: &OsStr) -> Result<Option<PathBuf>, Error> {
    let p = Path::new(text);
    // a path that exists is the user's file, of whatever kind: opening it says what is wrong
    if p.exists() {
        return Ok(Some(p.to_path_buf()));
    }
    let (Some(target_dir), Some(name)) = (target_dir, text.to_str()) else { return Ok(None) };
    if let Some(saved) = crate::saved::find::<SavedBuild>(ctx, target_dir, name, None)? {
        if !saved.path.is_file() {
            return Err(crate::error::not_found(format!(
                "`{name}` was saved as {}, which is no longer there",
                saved.path.display()
            ))
            .with_hint("save it again with `fastware diff --save NAME`"));
        }
        return Ok(Some(saved.path));
    }
    Ok(SavedBuilds::resolve(Some(&SavedBuilds::new(target_dir)), text))
}

fn save(ctx: &Ctx, a: &DiffCmd, name: &str) -> Result<SavedBuild, Error> {
    crate::saved::check(ctx, name)?;
    let loaded = a.artifact.load(ctx)?;
    let project = match &loaded.project {
        Some(p) => p.clone(),
        None => a.artifact.project(ctx).map_err(|e| e.with_hint("--save keeps the build in a cargo project"))?,
    };
    let dest = SavedBuilds::new(&project.target_dir).save(name, &loaded.binary.path)?;
    let saved = SavedBuild::new(name, &loaded.origin, &dest);
    crate::saved::keep(ctx, &project.workspace_root, &project.target_dir, name, &saved)?;
    Ok(saved)
}

fn whole_diff(a: &DiffCmd, old: &Binary, new: &Binary, oo: &str, no: &str) -> WholeDiffReport {
    let (fo, fnew) = rayon::join(|| old.function_figures(), || new.function_figures());
    let all = diff_functions(&fo, &fnew);
    WholeDiffReport::new((old, oo), (new, no), &all, a.same, a.output.top.unwrap_or(25))
}

/// One function of each build, chosen by name.
fn pick<'a>(
    b: &'a Binary,
    pattern: &fastware_binary::Pattern,
    name: Option<&str>,
) -> Vec<fastware_binary::select::Found<'a>> {
    let found = b.find_functions(pattern);
    match name {
        Some(n) => found.into_iter().filter(|f| f.name == n).collect(),
        None => found,
    }
}

fn function_diff(
    ctx: &Ctx,
    a: &DiffCmd,
    old: &Binary,
    new: &Binary,
    oo: &str,
    no: &str,
    text: &str,
) -> Result<FunctionDiffReport, Error> {
    let pat = pattern(text, a.regex)?;
    let in_new = pick(new, &pat, None);
    let in_old = pick(old, &pat, None);
    if in_new.is_empty() && in_old.is_empty() {
        return Err(new.no_match(text));
    }
    // one name, present in either build
    let mut names: Vec<&str> = in_new.iter().chain(&in_old).map(|f| f.name.as_str()).collect();
    names.sort();
    names.dedup();
    let exact: Vec<&str> = names.iter().copied().filter(|n| pat.is_exact(n)).collect();
    let name = match (names.as_slice(), exact.as_slice()) {
        ([one], _) | (_, [one]) => *one,
        _ => {
            let list = names.iter().take(10).map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            return Err(crate::error::argument(format!("{} functions match `{text}`: {list}", names.len()))
                .with_hint("give more of the name"));
        }
    };
    let o = pick(old, &pat, Some(name));
    let n = pick(new, &pat, Some(name));
    if o.len() > 1 || n.len() > 1 {
        ctx.note(&format!(
            "`{name}` has {} copies in the old build and {} in the new (generic instances): comparing the first of each",
            o.len(),
            n.len()
        ));
    }
    let syntax = if a.att { Syntax::Att } else { Syntax::Intel };
    let listing = |b: &Binary, f: Option<&fastware_binary::select::Found>| match f {
        Some(f) => b.listing(f.sym, syntax, Labels::Local, None),
        None => Listing::empty(name),
    };
    let (lo, ln) = (listing(old, o.first()), listing(new, n.first()));
    let lines = diff_listings(&lo, &ln);
    Ok(FunctionDiffReport::new(name, (&lo, oo), (&ln, no), &lines, if a.all { usize::MAX } else { 3 }))
}
