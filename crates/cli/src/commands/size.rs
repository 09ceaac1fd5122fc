//! `fastware size`: where the code size goes — by function, crate, generic
//! set (with its number of instantiations) or section — and what changed
//! against another build.

use std::io::Write;

use clap::{Args, ValueEnum};
use fastware_binary::size::{size_changes, SizeBy, SizeChange, SizeRow};
use fastware_binary::Binary;
use fastware_report::units::bytes;
use fastware_report::{cells, Column, Format, Table};
use regex::Regex;
use serde_json::{json, Value};

use super::binary::{resolve_build, ArtifactArgs, Loaded};
use crate::{CmdResult, Failure, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware size                              the largest functions of the release binary
  fastware size --by generic-set             generic functions and their number of copies
  fastware size --by crate --file target/release/my-app
  fastware size --diff before                against a build saved with `fastware diff --save`
  fastware size --by section --diff old-binary

Sizes are the functions' symbol sizes (as `nm -S` gives them). --by crate is the crate that
instantiated the code (known from v0 symbols; else the crate defining it).";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum By {
    Function,
    GenericSet,
    Crate,
    DefiningCrate,
    TypeCrate,
    Section,
}

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct SizeCmd {
    /// What to sum sizes by
    #[arg(long, value_enum, default_value = "function")]
    by: By,
    /// Compare with another build: a file, or a name saved with `fastware diff --save`
    #[arg(long, value_name = "OTHER")]
    diff: Option<String>,
    /// Keep rows whose name matches this regex
    #[arg(long, value_name = "REGEX")]
    filter: Option<String>,
    #[command(flatten)]
    artifact: ArtifactArgs,
    #[command(flatten)]
    output: OutputArgs,
}

fn size_by(b: By) -> SizeBy {
    match b {
        By::Function => SizeBy::Function,
        By::GenericSet => SizeBy::GenericSet,
        By::Crate => SizeBy::Crate,
        By::DefiningCrate => SizeBy::DefiningCrate,
        By::TypeCrate => SizeBy::TypeCrate,
        By::Section => SizeBy::Section,
    }
}

pub fn run(a: SizeCmd, out: &mut dyn Write) -> CmdResult {
    let filter = a
        .filter
        .as_deref()
        .map(|f| Regex::new(f).map_err(|e| Failure::bad_input(format!("invalid --filter regex: {e}"))))
        .transpose()?;
    let loaded = a.artifact.load()?;
    let by = size_by(a.by);
    if by != SizeBy::Section {
        loaded.need_symbols()?;
    }
    let keep = |k: &str| filter.as_ref().is_none_or(|f| f.is_match(k));
    let top = a.output.top.unwrap_or(25);
    let format = a.output.format();
    let rows: Vec<SizeRow> = loaded.binary.sizes(by).into_iter().filter(|r| keep(&r.key)).collect();
    let Some(other) = &a.diff else {
        match format {
            Format::Json => fastware_report::write_json(out, &sizes_json(&loaded, by, &rows))?,
            Format::Csv => size_table(by, &rows, total(&loaded.binary, by)).write_csv(out)?,
            Format::Table => {
                let b = &loaded.binary;
                writeln!(
                    out,
                    "{}: {} functions, {} of code in functions; {} {}",
                    loaded.origin,
                    b.functions.len(),
                    bytes(b.function_bytes()),
                    b.kind.name(),
                    bytes(std::fs::metadata(&b.path).map(|m| m.len()).unwrap_or(0))
                )?;
                let shown: Vec<SizeRow> = cells::take(&rows, top).to_vec();
                size_table(by, &shown, total(b, by)).write_text(out, 2, fastware_report::terminal_width())?;
                if top != 0 && rows.len() > top {
                    writeln!(out, "  … {} more (--top 0 for all)", rows.len() - top)?;
                }
            }
        }
        return Ok(());
    };
    let project = loaded.project.clone().or_else(|| a.artifact.project().ok());
    let path = resolve_build(other, project.as_ref()).ok_or_else(|| {
        Failure::bad_input(format!("--diff {other}: no such file, and no build saved under that name"))
            .hint("save one with `fastware diff --save NAME`, or give a file")
    })?;
    let old = Binary::open(&path)?;
    if by != SizeBy::Section && !old.has_symtab {
        return Err(Failure::bad_input(format!("{} has no symbol table (it is stripped)", path.display())));
    }
    let old_rows: Vec<SizeRow> = old.sizes(by).into_iter().filter(|r| keep(&r.key)).collect();
    let changes: Vec<SizeChange> = size_changes(&old_rows, &rows).into_iter().filter(|c| c.change() != 0).collect();
    let (ot, nt) = (total(&old, by), total(&loaded.binary, by));
    match format {
        Format::Json => fastware_report::write_json(
            out,
            &json!({
                "by": by.key_name(), "old": path, "new": loaded.binary.path, "origin": loaded.origin,
                "old_total": ot, "new_total": nt,
                "changes": changes.iter().map(|c| json!({"key": c.key, "old_bytes": c.old_bytes, "new_bytes": c.new_bytes, "change": c.change(), "old_count": c.old_count, "new_count": c.new_count})).collect::<Vec<_>>(),
            }),
        )?,
        Format::Csv => change_table(&changes).write_csv(out)?,
        Format::Table => {
            writeln!(
                out,
                "{} → {}: {} → {} ({}{}), {} rows changed",
                path.display(),
                loaded.origin,
                bytes(ot),
                bytes(nt),
                if nt >= ot { "+" } else { "-" },
                bytes(nt.abs_diff(ot)),
                changes.len()
            )?;
            let shown: Vec<SizeChange> = cells::take(&changes, top).to_vec();
            change_table(&shown).write_text(out, 2, fastware_report::terminal_width())?;
            if top != 0 && changes.len() > top {
                writeln!(out, "  … {} more (--top 0 for all)", changes.len() - top)?;
            }
        }
    }
    Ok(())
}

/// What shares are of: code in functions, or the sections' sum.
fn total(b: &Binary, by: SizeBy) -> u64 {
    match by {
        SizeBy::Section => b.sections.iter().map(|s| s.size).sum(),
        _ => b.function_bytes(),
    }
}

fn count_title(by: SizeBy) -> &'static str {
    match by {
        SizeBy::GenericSet => "copies",
        SizeBy::Section => "sections",
        _ => "symbols",
    }
}

fn size_table(by: SizeBy, rows: &[SizeRow], total: u64) -> Table {
    let mut t = Table::new(vec![
        Column::right("bytes", "bytes"),
        Column::right("share", "share"),
        Column::right(count_title(by), "count"),
        Column::left(by.key_name(), by.key_name()),
    ]);
    for r in rows {
        t.row(vec![
            cells::bytes(r.bytes),
            cells::share(r.bytes as i64, total as i64),
            cells::count(r.count),
            cells::text(&r.key),
        ]);
    }
    t
}

fn change_table(changes: &[SizeChange]) -> Table {
    let mut t = Table::new(vec![
        Column::right("old", "old_bytes"),
        Column::right("new", "new_bytes"),
        Column::right("change", "change"),
        Column::right("copies", "count_change"),
        Column::left("name", "key"),
    ]);
    for c in changes {
        let sign = if c.change() >= 0 { "+" } else { "-" };
        t.row(vec![
            cells::bytes(c.old_bytes),
            cells::bytes(c.new_bytes),
            (format!("{sign}{}", bytes(c.change().unsigned_abs())), c.change().to_string()),
            cells::count_change(c.new_count as i64 - c.old_count as i64),
            cells::text(&c.key),
        ]);
    }
    t
}

fn sizes_json(loaded: &Loaded, by: SizeBy, rows: &[SizeRow]) -> Value {
    let b = &loaded.binary;
    json!({
        "file": b.path, "origin": loaded.origin, "kind": b.kind.name(), "by": by.key_name(),
        "functions": b.functions.len(), "function_bytes": b.function_bytes(),
        "rows": rows.iter().map(|r| json!({"key": r.key, "bytes": r.bytes, "count": r.count})).collect::<Vec<_>>(),
    })
}
