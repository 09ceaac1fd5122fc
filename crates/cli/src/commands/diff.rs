//! `fastware diff`: two builds compared — functions added, removed and
//! changed — or one function's instructions side by side, normalised so
//! that only real changes (a call that appeared, a loop that changed) show.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use fastware_binary::diff::{diff_functions, diff_listings, line_text, DiffLine, DiffTag, FunctionChange, Status};
use fastware_binary::listing::{Labels, Listing};
use fastware_binary::{Binary, Syntax};
use fastware_report::units::bytes;
use fastware_report::{cells, Column, Format, OutputFile, Table};
use serde_json::{json, Value};

use super::binary::{no_match, pattern, resolve_build, saved_dir, ArtifactArgs};
use crate::{CmdResult, Failure, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware diff --save before               keep the current release binary as `before`
  (change the code)
  fastware diff before                      every function that changed since
  fastware diff before render               the instructions of `render`, before and after
  fastware diff old-binary new-binary my_crate::parse --att

OLD and NEW are files or names saved with --save (kept in <target-dir>/fastware/binaries);
NEW defaults to the artifact cargo builds now. Functions are matched by demangled name
without hash; instructions are compared with addresses, hashes and local labels removed.";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct DiffCmd {
    /// The old build: a file, or a name saved with --save
    #[arg(value_name = "OLD")]
    old: Option<String>,
    /// The new build (a file or saved name) [default: the artifact cargo builds now]; when it is
    /// neither, it is taken as PATTERN
    #[arg(value_name = "NEW")]
    new: Option<String>,
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

pub fn run(a: DiffCmd, out: &mut dyn Write) -> CmdResult {
    if let Some(name) = &a.save {
        return save(&a, name);
    }
    let Some(old_arg) = &a.old else {
        return Err(Failure::bad_input("give the OLD build to compare with, or --save NAME to keep the current one")
            .hint("fastware diff --save before; change the code; fastware diff before"));
    };
    let project = a.artifact.project().ok();
    let old_path = resolve_build(old_arg, project.as_ref()).ok_or_else(|| not_found(old_arg))?;
    // NEW is a build when it names one; otherwise it is the pattern
    let (new_path, pat) = match (&a.new, &a.pattern) {
        (Some(n), p) => match resolve_build(n, project.as_ref()) {
            Some(path) => (Some(path), p.clone()),
            None if p.is_none() => (None, Some(n.clone())),
            None => return Err(not_found(n)),
        },
        (None, p) => (None, p.clone()),
    };
    let old = Binary::open(&old_path)?;
    let (new, new_origin) = match new_path {
        Some(p) => (Binary::open(&p)?, p.display().to_string()),
        None => {
            let l = a.artifact.load()?;
            l.need_symbols()?;
            (l.binary, l.origin)
        }
    };
    for b in [&old, &new] {
        if !b.has_symtab || b.functions.is_empty() {
            return Err(Failure::bad_input(format!("{} has no symbol table (it is stripped)", b.path.display()))
                .hint("compare unstripped builds: `strip = false` in the profile"));
        }
    }
    let old_origin = old_path.display().to_string();
    match pat {
        Some(p) => function_diff(out, &a, &old, &new, &old_origin, &new_origin, &p),
        None => whole_diff(out, &a, &old, &new, &old_origin, &new_origin),
    }
}

fn not_found(name: &str) -> Failure {
    Failure::bad_input(format!("{name}: no such file, and no build saved under that name"))
        .hint("save one with `fastware diff --save NAME`, or give a file")
}

fn save(a: &DiffCmd, name: &str) -> CmdResult {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Err(Failure::bad_input(format!("--save {name:?}: a name without slashes, like `before`")));
    }
    let loaded = a.artifact.load()?;
    let project = match loaded.project.clone() {
        Some(p) => p,
        None => a.artifact.project()?,
    };
    let dir = saved_dir(&project);
    std::fs::create_dir_all(&dir).map_err(|e| Failure::bad_input(format!("cannot create {}: {e}", dir.display())))?;
    let dest: PathBuf = dir.join(name);
    let data = std::fs::read(&loaded.binary.path)
        .map_err(|e| Failure::bad_input(format!("cannot read {}: {e}", loaded.binary.path.display())))?;
    let mut f = OutputFile::create_owned(&dest)?;
    f.write_all(&data).map_err(|e| fastware_report::output::write_error(&dest.display().to_string(), &e))?;
    f.commit()?;
    crate::note(&format!("saved {} as `{name}` ({})", loaded.origin, dest.display()));
    Ok(())
}

fn whole_diff(out: &mut dyn Write, a: &DiffCmd, old: &Binary, new: &Binary, oo: &str, no: &str) -> CmdResult {
    let (fo, fnew) = rayon::join(|| old.function_figures(), || new.function_figures());
    let all = diff_functions(&fo, &fnew);
    let count = |s: Status| all.iter().filter(|c| c.status == s).count();
    let rows: Vec<&FunctionChange> = all.iter().filter(|c| a.same || c.status != Status::Same).collect();
    let top = a.output.top.unwrap_or(25);
    match a.output.format() {
        Format::Json => {
            let v: Vec<Value> = rows
                .iter()
                .map(|c| {
                    json!({
                        "function": c.name, "status": c.status.name(), "byte_change": c.byte_change(),
                        "old": c.old.as_ref().map(|f| json!({"count": f.count, "bytes": f.bytes, "instructions": f.instructions})),
                        "new": c.new.as_ref().map(|f| json!({"count": f.count, "bytes": f.bytes, "instructions": f.instructions})),
                    })
                })
                .collect();
            fastware_report::write_json(
                out,
                &json!({
                    "old": old.path, "new": new.path, "new_origin": no,
                    "changed": count(Status::Changed), "added": count(Status::Added), "removed": count(Status::Removed), "same": count(Status::Same),
                    "old_bytes": old.function_bytes(), "new_bytes": new.function_bytes(),
                    "functions": v,
                }),
            )?;
        }
        f => {
            let t = change_table(&rows);
            if f == Format::Csv {
                t.write_csv(out)?;
                return Ok(());
            }
            writeln!(out, "old: {oo}\nnew: {no}")?;
            writeln!(
                out,
                "functions: {} changed, {} added, {} removed, {} same; code in functions {} → {}",
                count(Status::Changed),
                count(Status::Added),
                count(Status::Removed),
                count(Status::Same),
                bytes(old.function_bytes()),
                bytes(new.function_bytes())
            )?;
            let mut shown = Table::new(change_columns());
            for r in cells::take(t.rows(), top) {
                shown.row(r.clone());
            }
            shown.write_text(out, 2, fastware_report::terminal_width())?;
            if top != 0 && rows.len() > top {
                writeln!(out, "  … {} more (--top 0 for all)", rows.len() - top)?;
            }
        }
    }
    Ok(())
}

fn change_columns() -> Vec<Column> {
    vec![
        Column::left("status", "status"),
        Column::right("old size", "old_bytes"),
        Column::right("new size", "new_bytes"),
        Column::right("change", "byte_change"),
        Column::right("old insns", "old_instructions"),
        Column::right("new insns", "new_instructions"),
        Column::left("function", "function"),
    ]
}

fn change_table(rows: &[&FunctionChange]) -> Table {
    let mut t = Table::new(change_columns());
    let opt = |v: Option<u64>| v.map_or((String::new(), String::new()), cells::count);
    for c in rows {
        let copies = c.new.as_ref().or(c.old.as_ref()).map_or(1, |f| f.count);
        let name = if copies > 1 { format!("{} (×{copies})", c.name) } else { c.name.clone() };
        t.row(vec![
            cells::text(c.status.name()),
            opt(c.old.as_ref().map(|f| f.bytes)),
            opt(c.new.as_ref().map(|f| f.bytes)),
            cells::count_change(c.byte_change()),
            opt(c.old.as_ref().map(|f| f.instructions)),
            opt(c.new.as_ref().map(|f| f.instructions)),
            (name, c.name.clone()),
        ]);
    }
    t
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
    out: &mut dyn Write,
    a: &DiffCmd,
    old: &Binary,
    new: &Binary,
    oo: &str,
    no: &str,
    text: &str,
) -> CmdResult {
    let pat = pattern(text, a.regex)?;
    let in_new = pick(new, &pat, None);
    let in_old = pick(old, &pat, None);
    if in_new.is_empty() && in_old.is_empty() {
        return Err(no_match(new, text));
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
            return Err(Failure::bad_input(format!("{} functions match `{text}`: {list}", names.len()))
                .hint("give more of the name"));
        }
    };
    let o = pick(old, &pat, Some(name));
    let n = pick(new, &pat, Some(name));
    if o.len() > 1 || n.len() > 1 {
        crate::note(&format!(
            "`{name}` has {} copies in the old build and {} in the new (generic instances): comparing the first of each",
            o.len(),
            n.len()
        ));
    }
    let syntax = if a.att { Syntax::Att } else { Syntax::Intel };
    let lo = o.first().map(|f| old.listing(f.sym, syntax, Labels::Local, None));
    let ln = n.first().map(|f| new.listing(f.sym, syntax, Labels::Local, None));
    let empty = || Listing {
        raw: String::new(),
        name: name.to_string(),
        address: 0,
        shown_address: 0,
        size: 0,
        member: None,
        lines: Vec::new(),
    };
    let lo = lo.unwrap_or_else(empty);
    let ln = ln.unwrap_or_else(empty);
    let lines = diff_listings(&lo, &ln);
    let changed = lines.iter().filter(|l| l.tag != DiffTag::Same).count();
    match a.output.format() {
        Format::Json => fastware_report::write_json(out, &diff_json(name, &lo, &ln, &lines, oo, no))?,
        Format::Csv => diff_table(&lo, &ln, &lines).write_csv(out)?,
        Format::Table => {
            let head = |l: &Listing, origin: &str| {
                if l.lines.is_empty() {
                    format!("(not in {origin})")
                } else {
                    format!("{:#x}, {} bytes, {} instructions  ({origin})", l.shown_address, l.size, l.lines.len())
                }
            };
            writeln!(out, "--- {name}  {}", head(&lo, oo))?;
            writeln!(out, "+++ {name}  {}", head(&ln, no))?;
            if changed == 0 {
                writeln!(out, "  the same instructions (addresses, hashes and labels aside)")?;
                return Ok(());
            }
            write_unified(out, &lo, &ln, &lines, if a.all { usize::MAX } else { 3 })?;
        }
    }
    Ok(())
}

fn shown(l: &Listing, addr: u64) -> u64 {
    addr - (l.address - l.shown_address)
}

fn write_unified(
    out: &mut dyn Write,
    lo: &Listing,
    ln: &Listing,
    lines: &[DiffLine],
    context: usize,
) -> std::io::Result<()> {
    // which lines to print: changes and `context` lines around them
    let mut keep = vec![false; lines.len()];
    for (i, l) in lines.iter().enumerate() {
        if l.tag != DiffTag::Same {
            let from = i.saturating_sub(context);
            let to = (i + context).min(lines.len() - 1);
            keep[from..=to].iter_mut().for_each(|k| *k = true);
        }
    }
    let mut gap = false;
    for (i, l) in lines.iter().enumerate() {
        if !keep[i] {
            gap = true;
            continue;
        }
        if gap {
            writeln!(out, "@@")?;
            gap = false;
        }
        let (mark, line) = match l.tag {
            DiffTag::Same => (' ', l.new.expect("both")),
            DiffTag::Removed => ('-', l.old.expect("old")),
            DiffTag::Added => ('+', l.new.expect("new")),
        };
        let a_old = l.old.map(|x| format!("{:x}", shown(lo, x.insn.address))).unwrap_or_default();
        let a_new = l.new.map(|x| format!("{:x}", shown(ln, x.insn.address))).unwrap_or_default();
        writeln!(out, "{mark} {a_old:>8} {a_new:>8}  {}", line_text(line))?;
    }
    Ok(())
}

fn tag_name(t: DiffTag) -> &'static str {
    match t {
        DiffTag::Same => "same",
        DiffTag::Removed => "removed",
        DiffTag::Added => "added",
    }
}

fn diff_table(lo: &Listing, ln: &Listing, lines: &[DiffLine]) -> Table {
    let mut t = Table::new(vec![
        Column::left("change", "change"),
        Column::right("old address", "old_address"),
        Column::right("new address", "new_address"),
        Column::left("instruction", "instruction"),
    ]);
    for l in lines {
        let line = l.new.or(l.old).expect("a side");
        let addr = |x: Option<&fastware_binary::listing::Line>, li: &Listing| {
            x.map_or((String::new(), String::new()), |x| {
                let a = shown(li, x.insn.address);
                (format!("{a:#x}"), a.to_string())
            })
        };
        t.row(vec![cells::text(tag_name(l.tag)), addr(l.old, lo), addr(l.new, ln), cells::text(&line_text(line))]);
    }
    t
}

fn diff_json(name: &str, lo: &Listing, ln: &Listing, lines: &[DiffLine], oo: &str, no: &str) -> Value {
    let side = |l: &Listing, origin: &str| json!({"origin": origin, "present": !l.lines.is_empty(), "address": l.shown_address, "size": l.size, "instructions": l.lines.len()});
    json!({
        "function": name,
        "old": side(lo, oo),
        "new": side(ln, no),
        "changed_lines": lines.iter().filter(|l| l.tag != DiffTag::Same).count(),
        "lines": lines.iter().map(|l| {
            let line = l.new.or(l.old).expect("a side");
            json!({
                "change": tag_name(l.tag),
                "old_address": l.old.map(|x| shown(lo, x.insn.address)),
                "new_address": l.new.map(|x| shown(ln, x.insn.address)),
                "text": line_text(line),
                "target": line.target.as_ref().map(|r| r.normalized()),
            })
        }).collect::<Vec<_>>(),
    })
}
