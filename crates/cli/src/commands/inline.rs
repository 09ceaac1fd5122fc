//! `fastware inline`: was a function inlined? Its out-of-line copies, every
//! call site that reaches them, every place it was inlined — one verdict.

use std::io::Write;

use clap::Args;
use fastware_binary::debug::InlinedPlace;
use fastware_binary::inline::{Candidate, Verdict};
use fastware_report::units::bytes;
use fastware_report::{cells, Column, Format, Table};
use serde_json::{json, Value};

use super::binary::{short_path, write_matches, ArtifactArgs, FunctionArgs, Loaded};
use crate::{CmdResult, Failure, OutputArgs};

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

pub fn run(a: InlineCmd, out: &mut dyn Write) -> CmdResult {
    let loaded = a.artifact.load()?;
    loaded.need_symbols()?;
    let b = &loaded.binary;
    let debug = b.debug()?;
    if debug.is_none() && b.kind.is_relocatable() {
        crate::note(&format!(
            "{} is an {}: places where functions were inlined are read from the debug info of linked files",
            b.path.display(),
            b.kind.name()
        ));
    } else if debug.is_none() {
        let hint = match &loaded.profile {
            Some(p) => format!("set `debug = \"line-tables-only\"` in [profile.{p}], or add --debuginfo"),
            None => "build it with `debug = \"line-tables-only\"`".into(),
        };
        crate::note(&format!(
            "{} has no debug info: places where functions were inlined cannot be seen ({hint})",
            b.path.display()
        ));
    }
    let places: Vec<InlinedPlace> = match &debug {
        Some(d) => d
            .inlined_places()
            .map_err(|e| Failure::bad_input(format!("damaged debug info in {}: {e}", b.path.display())))?,
        None => Vec::new(),
    };
    let pat = a.function.compile()?;
    let candidates = b.inline_candidates(&pat, &places, debug.as_ref());
    let Some(c) = a.function.choose(b, &candidates, |c| c.key.as_str(), &pat)? else {
        return list_candidates(out, &candidates, &loaded, a.output.format());
    };
    let v = b.verdict(c, debug.is_some());
    match a.output.format() {
        Format::Json => fastware_report::write_json(out, &verdict_json(&v, &loaded))?,
        Format::Csv => call_table(&v, b).write_csv(out)?,
        Format::Table => write_verdict(out, &v, &loaded, a.output.top.unwrap_or(25))?,
    }
    Ok(())
}

fn list_candidates(out: &mut dyn Write, cs: &[Candidate], loaded: &Loaded, format: Format) -> CmdResult {
    let rows = cs
        .iter()
        .map(|c| {
            (
                vec![cells::count(c.copies.len() as u64), cells::count(c.places.len() as u64), cells::text(&c.key)],
                json!({"function": c.key, "copies": c.copies.len(), "inlined_places": c.places.len()}),
            )
        })
        .collect();
    let columns = vec![
        Column::right("copies", "copies"),
        Column::right("inlined", "inlined_places"),
        Column::left("function", "function"),
    ];
    write_matches(out, loaded, format, columns, rows)
}

fn call_table(v: &Verdict, b: &fastware_binary::Binary) -> Table {
    let mut t = Table::new(vec![
        Column::right("address", "address"),
        Column::left("kind", "kind"),
        Column::left("via", "via"),
        Column::left("caller", "caller"),
    ]);
    for s in &v.call_sites {
        let a = s.address - b.display_base(s.address);
        t.row(vec![
            (format!("{a:#x}"), a.to_string()),
            cells::text(s.kind.name()),
            cells::text(if s.via_got { "GOT" } else { "direct" }),
            cells::text(&s.caller),
        ]);
    }
    t
}

fn write_verdict(out: &mut dyn Write, v: &Verdict, loaded: &Loaded, top: usize) -> std::io::Result<()> {
    writeln!(out, "{}", v.summary)?;
    writeln!(out, "  in {}", loaded.origin)?;
    if v.bare_names {
        writeln!(
            out,
            "  (this debug info names functions without their path: inlined places were matched on `{}`)",
            fastware_binary::select::last_segment(&v.function)
        )?;
    }
    let width = fastware_report::terminal_width();
    if !v.copies.is_empty() {
        writeln!(out, "\nOut-of-line copies")?;
        let mut t = Table::new(vec![
            Column::right("address", "address"),
            Column::right("size", "size"),
            Column::left("name", "name"),
        ]);
        for (name, addr, size) in &v.copies {
            let shown = addr - loaded.binary.display_base(*addr);
            t.row(vec![(format!("{shown:#x}"), shown.to_string()), cells::bytes(*size), cells::text(name)]);
        }
        t.write_text(out, 2, width)?;
    }
    if !v.call_sites.is_empty() {
        writeln!(out, "\nCall sites")?;
        let t = call_table(v, &loaded.binary);
        let mut shown = Table::new(vec![
            Column::right("address", "address"),
            Column::left("kind", "kind"),
            Column::left("via", "via"),
            Column::left("caller", "caller"),
        ]);
        for r in cells::take(t.rows(), top) {
            shown.row(r.clone());
        }
        shown.write_text(out, 2, width)?;
        if top != 0 && v.call_sites.len() > top {
            writeln!(out, "  … {} more (--top 0 for all)", v.call_sites.len() - top)?;
        }
    }
    if !v.inlined.is_empty() {
        writeln!(out, "\nInlined into ({} places, {})", v.inlined_places(), bytes(v.inlined_bytes()))?;
        let mut t = Table::new(vec![
            Column::right("places", "places"),
            Column::right("bytes", "bytes"),
            Column::left("function", "function"),
            Column::left("calls at", "calls_at"),
        ]);
        for i in cells::take(&v.inlined, top) {
            let mut calls: Vec<String> =
                i.calls.iter().map(|l| format!("{}:{}", short_path(&l.file), l.line)).collect();
            calls.sort();
            calls.dedup();
            t.row(vec![
                cells::count(i.places),
                cells::bytes(i.bytes),
                cells::text(&i.function),
                cells::text(&calls.join(", ")),
            ]);
        }
        t.write_text(out, 2, width)?;
        if top != 0 && v.inlined.len() > top {
            writeln!(out, "  … {} more functions (--top 0 for all)", v.inlined.len() - top)?;
        }
    }
    Ok(())
}

fn verdict_json(v: &Verdict, loaded: &Loaded) -> Value {
    let base = |a: u64| a - loaded.binary.display_base(a);
    json!({
        "function": v.function,
        "summary": v.summary,
        "file": loaded.binary.path,
        "origin": loaded.origin,
        "has_debug_info": v.has_debug,
        "bare_dwarf_names": v.bare_names,
        "inlined": v.copies.is_empty() && !v.inlined.is_empty(),
        "copies": v.copies.iter().map(|(name, a, size)| json!({"name": name, "address": base(*a), "size": size})).collect::<Vec<_>>(),
        "call_sites": v.call_sites.iter().map(|s| json!({"address": base(s.address), "kind": s.kind.name(), "via_got": s.via_got, "caller": s.caller, "copy": base(s.copy)})).collect::<Vec<_>>(),
        "inlined_places": v.inlined_places(),
        "inlined_bytes": v.inlined_bytes(),
        "inlined_into": v.inlined.iter().map(|i| json!({
            "function": i.function, "places": i.places, "bytes": i.bytes,
            "calls": i.calls.iter().map(|l| json!({"file": l.file, "line": l.line})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
